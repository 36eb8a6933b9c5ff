"""Printing: ``flask questionnaire print``, the designer's print page and code slips as PDF,
each opened and read back (pypdf). A numeric question prints its range and digit boxes, and
the entry screen refuses a number out of that range with the runtime's message."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from survey.extensions import db
from survey.models import AccessMode, Role
from survey.services.access_codes import generate_batch
from survey.services.paper_print import PrintError
from survey.services.sheet_ids import is_valid
from tests.entry.support import FLAGSHIP, paper_campaign
from tests.helpers import csrf_from, login, make_campaign, make_user, small_definition

pytestmark = pytest.mark.browser


def _text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def numeric_definition() -> dict:
    definition = small_definition("so-nam")
    definition["pages"][0]["items"].append(
        {"id": "years", "type": "numeric", "label": {"vi": "Số năm công tác"}, "min": 0,
         "max": 45})
    return definition


def test_flask_questionnaire_print_writes_the_pdf(app, runner, tmp_path):
    with app.app_context():
        from survey.services.questionnaires import load_shipped

        load_shipped(db.session, str(FLAGSHIP.parent))
        db.session.commit()
    out = tmp_path / "flagship.pdf"
    result = runner.invoke(args=["questionnaire", "print", "ne-tranh-trach-nhiem", "--copies", "2",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert re.search(r"ne-tranh-trach-nhiem version 2, \d+ pages, 2 sheets with ids", result.output)
    text, pages = _text(out.read_bytes())
    ids = re.findall(r"\b([A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{3})\b", text)
    assert len(set(ids)) == 2 and all(is_valid(i) for i in ids)  # one fresh id per copy
    assert pages % 2 == 0 and text.count("— HẾT —") == 2
    missing = runner.invoke(args=["questionnaire", "print", "khong-co"])
    assert missing.exit_code != 0 and "no questionnaire" in missing.output


def test_print_page_and_numeric_range(app, client):
    with app.app_context():
        campaign, _batch = paper_campaign(numeric_definition(), slug="so-nam")
        make_user("thiet", Role.DESIGNER)
        make_user("lan", Role.DATA_ENTRY)
        version_id, campaign_id = campaign.version_id, campaign.id
    login(client, "thiet")
    page = client.get(f"/staff/paper/versions/{version_id}").get_data(as_text=True)
    too_many = client.post(f"/staff/paper/versions/{version_id}",
                           data={"csrf_token": csrf_from(page), "copies": "501"})
    assert too_many.status_code == 400 and "từ 0 đến 500" in too_many.get_data(as_text=True)
    response = client.post(f"/staff/paper/versions/{version_id}",
                           data={"csrf_token": csrf_from(page), "copies": "0"})
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text, pages = _text(response.data)
    assert pages == 1 and "years. Số năm công tác" in text
    assert "Ghi một số từ 0 đến 45" in text and "MÃ PHIẾU" in text
    keyer = app.test_client()
    login(keyer, "lan")
    home = keyer.get(f"/staff/entry/{campaign_id}/").get_data(as_text=True)
    url = keyer.post(f"/staff/entry/{campaign_id}/open", data={
        "csrf_token": csrf_from(home), "batch": re.search(r'<option[^>]*value="(\d+)"', home)
        .group(1), "reference": "1"}).headers["Location"]
    token = csrf_from(keyer.get(url).get_data(as_text=True))
    out = keyer.post(f"{url}/field", data={"field": "years", "value": "46"},
                     headers={"X-CSRFToken": token})
    assert out.status_code == 422 and out.json["error"] == "Vui lòng nhập một số từ 0 đến 45."
    decimal = keyer.post(f"{url}/field", data={"field": "years", "value": "12,5"},
                         headers={"X-CSRFToken": token})
    assert decimal.json["error"] == "Vui lòng nhập một số nguyên."
    assert keyer.post(f"{url}/field", data={"field": "years", "value": "12"},
                      headers={"X-CSRFToken": token}).json["ok"]


def test_code_slips_as_pdf(app, client):
    with app.app_context():
        campaign = make_campaign("ma-so", access_mode=AccessMode.CODE)
        make_user("boss", Role.ADMIN)
        batch, codes = generate_batch(db.session, campaign, 8, "Sở A")
        other, other_codes = generate_batch(db.session, campaign, 8, "Sở B")
        db.session.commit()
        campaign_id, batch_id = campaign.id, batch.id
    login(client, "boss")
    token = csrf_from(client.get("/staff/account/password").get_data(as_text=True))
    response = client.post(f"/staff/paper/campaigns/{campaign_id}/slips.pdf", data={
        "csrf_token": token, "batch": batch_id, "codes": "\n".join(codes)})
    assert response.mimetype == "application/pdf", response.get_data(as_text=True)[:300]
    assert response.headers["Cache-Control"] == "no-store"
    text, pages = _text(response.data)
    assert pages == 1 and all(code in text for code in codes)
    assert "Mã truy cập (dùng một lần)" in text
    # A code of another batch, or a made-up one, is refused: nothing printed.
    mixed = client.post(f"/staff/paper/campaigns/{campaign_id}/slips.pdf", data={
        "csrf_token": token, "batch": batch_id, "codes": "\n".join(codes[:7] + other_codes[:1])})
    assert mixed.status_code == 400 and "không thuộc lô mã" in mixed.get_data(as_text=True)


def test_a_missing_browser_is_a_clear_refusal(app, client, monkeypatch):
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    with app.app_context():
        campaign = make_campaign("in-thu")
        make_user("thiet", Role.DESIGNER)
        version_id = campaign.version_id
    login(client, "thiet")
    page = client.get(f"/staff/paper/versions/{version_id}").get_data(as_text=True)
    response = client.post(f"/staff/paper/versions/{version_id}",
                           data={"csrf_token": csrf_from(page), "copies": "0"})
    assert response.status_code == 503 and "thiếu trình duyệt Chromium" in \
        response.get_data(as_text=True)
    assert PrintError


def test_the_slips_page_offers_the_pdf(app, client):
    with app.app_context():
        campaign = make_campaign("ma-moi", access_mode=AccessMode.CODE)
        make_user("boss", Role.ADMIN)
        campaign_id = campaign.id
    login(client, "boss")
    detail = client.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    page = client.post(f"/staff/campaigns/{campaign_id}/codes", data={
        "csrf_token": csrf_from(detail), "size": "6", "label": "Sở C", "output": "slips"})
    html = page.get_data(as_text=True)
    assert 'id="slips-pdf"' in html, html[:500]
    codes = re.findall(r'<strong class="slip-code">([^<]+)</strong>', html)
    textarea = re.search(r'<textarea name="codes" hidden>([^<]*)</textarea>', html).group(1)
    assert textarea.split("\n") == codes and len(codes) == 6
    batch = re.search(r'name="batch" value="(\d+)"', html).group(1)
    pdf = client.post(f"/staff/paper/campaigns/{campaign_id}/slips.pdf", data={
        "csrf_token": csrf_from(html), "batch": batch, "codes": textarea})
    assert pdf.mimetype == "application/pdf"
    assert all(code in _text(pdf.data)[0] for code in codes)
