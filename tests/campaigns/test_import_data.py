"""Storing data collected with KoboToolbox/ODK in a campaign from the command line and from a
staff page: the report in the operator's language, refusals that store nothing, CSRF and the
designer role (the storing itself: tests/services/test_data_import.py).
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from survey import clock
from survey.extensions import db
from survey.models import AuditLog, Role
from tests.helpers import csrf_from, login, make_user
from tests.questionnaire.test_xlsform_data import FORM, HEADERS, ROWS, csv_bytes, xlsx_bytes
from tests.services.support import KOBO_SLUG, kobo_campaign, stored_counts

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


# --------------------------------------------------------------------------- command line

def test_the_command_prints_the_report_in_vietnamese_or_english(app, tmp_path):
    campaign_id = kobo_campaign(app)
    export, form = tmp_path / "data.csv", tmp_path / "form.xlsx"
    export.write_bytes(csv_bytes(HEADERS, ROWS))
    form.write_bytes(FORM)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["campaign", "import-data", KOBO_SLUG, str(export), "--form",
                                 str(form)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập: 4 · đã có từ trước: 0 · dòng bị từ chối: 0" in result.output
    assert "Cột _submission_time là siêu dữ liệu" in result.output
    again = runner.invoke(args=["campaign", "import-data", str(campaign_id), str(export),
                                "--lang", "en"])
    assert again.exit_code == 0, again.output
    assert "Imported: 0 · already there: 4" in again.output
    assert "column deviceid is submission metadata" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes("level;years\ncentral;3\n".encode("utf-16"))
    refused = runner.invoke(args=["campaign", "import-data", KOBO_SLUG, str(bad)])
    assert refused.exit_code == 1 and "Không nhập gì." in refused.output
    assert "không được lưu ở bảng mã UTF-8" in refused.output
    with app.app_context():
        assert stored_counts() == (4, 0, 4)
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "campaign.import_data")) == 1


# --------------------------------------------------------------------------- staff page

def _page(campaign_id: int) -> str:
    return f"/staff/campaigns/{campaign_id}/import"


def _files(export: bytes, name: str = "data.csv", form: bytes | None = None) -> dict:
    data = {"export": (io.BytesIO(export), name)}
    if form is not None:
        data["form"] = (io.BytesIO(form), "form.xlsx")
    return data


def test_the_page_imports_and_shows_the_report(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    campaign_id = kobo_campaign(app, owner="lan")
    login(client, "lan")
    detail = client.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'href="{_page(campaign_id)}"' in detail  # reachable from the campaign's page
    page = client.get(_page(campaign_id))
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(_page(campaign_id), data={
        "csrf_token": token, **_files(xlsx_bytes(HEADERS, ROWS), "data.xlsx", FORM)},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert '<dd id="imported-count">4</dd>' in html
    assert "Cột _submitted_by là siêu dữ liệu" in html
    again = client.post(_page(campaign_id), data={
        "csrf_token": token, **_files(csv_bytes(HEADERS, ROWS))},
        content_type="multipart/form-data")
    assert '<dd id="already-count">4</dd>' in again.get_data(as_text=True)
    with app.app_context():
        assert stored_counts() == (4, 0, 4)


@pytest.mark.parametrize("name, data, message", [
    ("data.txt", b"a,b\n1,2\n", "không đúng loại"),
    ("data.csv", b"", "Tệp rỗng."),
    ("data.xlsx", b"PK\x03\x04garbage", "Không đọc được bảng tính .xlsx"),
])
def test_bad_uploads_get_a_message_and_change_nothing(app, client, name, data, message):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    campaign_id = kobo_campaign(app, owner="lan")
    login(client, "lan")
    token = csrf_from(client.get(_page(campaign_id)).get_data(as_text=True))
    response = client.post(_page(campaign_id), data={"csrf_token": token, **_files(data, name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert stored_counts() == (0, 0, 0)


def test_the_page_refuses_without_csrf_and_for_an_analyst(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
        make_user("an", Role.ANALYST)
    campaign_id = kobo_campaign(app, owner="lan")
    login(client, "lan")
    response = client.post(_page(campaign_id), data=_files(csv_bytes(HEADERS, ROWS)),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    client.post("/staff/logout", data={"csrf_token": csrf_from(
        client.get(_page(campaign_id)).get_data(as_text=True))})
    login(client, "an")
    assert client.get(_page(campaign_id)).status_code == 403
    token = csrf_from(client.get("/staff/account/password").get_data(as_text=True))
    response = client.post(_page(campaign_id), data={"csrf_token": token,
                                                     **_files(csv_bytes(HEADERS, ROWS))},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    with app.app_context():
        assert stored_counts() == (0, 0, 0)
