"""Small confusions found walking the paper story as a new designer: the print page leads back
to the version it prints, the expected time is said once on the sheet, and a code slip prints
the link on a line of its own (not cut after "htt")."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from survey.extensions import db
from survey.models import AccessMode, Role
from survey.questionnaire import load_file
from survey.services.access_codes import generate_batch
from survey.services.paper_print import questionnaire_html
from tests.entry.support import FLAGSHIP
from tests.helpers import csrf_from, login, make_campaign, make_user


def test_the_print_page_leads_back_to_its_version(app, client):
    with app.app_context():
        campaign = make_campaign("in-lai")
        make_user("thiet", Role.DESIGNER)
        version_id = campaign.version_id
        qid = campaign.version.questionnaire_id
        number = campaign.version.number
    login(client, "thiet")
    page = client.get(f"/staff/paper/versions/{version_id}").get_data(as_text=True)
    assert f'href="/staff/designer/q/{qid}/versions/{number}"' in page


def test_the_expected_time_is_said_once_on_the_sheet(app):
    definition = load_file(FLAGSHIP)
    with app.test_request_context():
        html = questionnaire_html(definition, 2)
    assert html.count("khoảng 15 phút") == 1
    del definition["anonymity"]
    definition.pop("introduction", None)
    with app.test_request_context():
        html = questionnaire_html(definition, 2)
    assert "Thời gian trả lời khoảng 15 phút." in html


@pytest.mark.browser
def test_a_code_slip_prints_the_link_whole_on_its_own_line(app, client):
    with app.app_context():
        campaign = make_campaign("xa-an-phu-2026", access_mode=AccessMode.CODE)
        make_user("boss", Role.ADMIN)
        batch, codes = generate_batch(db.session, campaign, 5, "Hộp 1")
        db.session.commit()
        campaign_id, batch_id = campaign.id, batch.id
    login(client, "boss")
    token = csrf_from(client.get("/staff/account/password").get_data(as_text=True))
    response = client.post(f"/staff/paper/campaigns/{campaign_id}/slips.pdf", data={
        "csrf_token": token, "batch": batch_id, "codes": "\n".join(codes)})
    assert response.mimetype == "application/pdf"
    lines = PdfReader(io.BytesIO(response.data)).pages[0].extract_text().splitlines()
    # On its own line, and cut (when it must be) only after a slash: the slug stays whole.
    assert lines.count("Mở đường dẫn hoặc quét mã QR:") == len(codes)
    assert sum(line.strip().startswith("http://localhost/") for line in lines) == len(codes)
    assert sum("xa-an-phu-2026" in line for line in lines) == len(codes), lines[:12]
