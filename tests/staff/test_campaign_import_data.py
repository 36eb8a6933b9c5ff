"""Storing data collected with KoboToolbox/ODK in a campaign: exactly once, through the holding
pool with mode "import", from the command line and from a staff page.

What is stored is exactly the records the preparation kept: an answer that breaks a rule is left
out with its reason, a row with nothing usable left is refused with its reasons, the other rows
are imported. The storing itself is one transaction: a refused file, a form that is not the
campaign's version or a clash with a concurrent import stores nothing at all.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from analysis.source import DatabaseSource
from analysis.tables import frequencies
from survey import clock
from survey.extensions import db
from survey.models import AuditLog, Campaign, ImportKey, Response, ResponsePool, Role, StaffUser
from survey.questionnaire.xlsform import from_xlsx
from survey.services import data_import
from survey.services.data_import import import_data, import_secret
from survey.services.ownership import set_owner
from survey.services.pool import release_due
from tests.helpers import csrf_from, login, make_campaign, make_user
from tests.questionnaire.test_xlsform import workbook
from tests.questionnaire.test_xlsform_data import FORM, HEADERS, IDS, ROWS, csv_bytes, xlsx_bytes

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)
SLUG = "kobo"


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def _campaign(app, owner: str | None = None) -> int:
    """A campaign of the version imported from the Kobo form (FORM)."""
    with app.app_context():
        definition = from_xlsx(FORM, "can_bo_2024.xlsx").definition
        campaign = make_campaign(SLUG, definition)
        if owner is not None:
            set_owner(db.session, campaign, db.session.scalar(
                select(StaffUser).where(StaffUser.username == owner)))
            db.session.commit()
        return campaign.id


def _import(campaign_id: int, data: bytes, name: str = "data.csv", form: bytes | None = FORM):
    campaign = db.session.get(Campaign, campaign_id)
    return import_data(db.session, campaign, data, name, form,
                       "can_bo_2024.xlsx" if form is not None else None,
                       import_secret("test-secret-key-not-for-production"))


def _counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count()).select_from(ResponsePool)),
            db.session.scalar(select(func.count()).select_from(Response)),
            db.session.scalar(select(func.count()).select_from(ImportKey)))


def test_an_export_enters_the_results_with_mode_import_and_tabulates(app):
    campaign_id = _campaign(app)
    with app.app_context():
        outcome = _import(campaign_id, xlsx_bytes(HEADERS, ROWS), "data.xlsx")
        assert outcome.ok and (outcome.imported, outcome.already, outcome.refused) == (4, 0, 0)
        assert "4 rows imported, with mode 'import'" in "\n".join(outcome.report.texts("en"))
        # held in the pool, not yet in the results
        assert _counts() == (4, 0, 4)
        assert set(db.session.scalars(select(ResponsePool.mode))) == {"import"}
        release_due(db.session, everything=True)
        assert _counts() == (0, 4, 4)
        assert set(db.session.scalars(select(Response.mode))) == {"import"}
        version_id = db.session.get(Campaign, campaign_id).version_id
        definition = db.session.get(Campaign, campaign_id).version.definition
        table = frequencies(DatabaseSource(db.engine, version_id, definition), "level", k=None)
        counts = dict(zip(table.table["code"], table.table["n"]))
        assert counts == {1: 1, 2: 1, 3: 1}


def test_importing_again_adds_nothing_and_a_later_export_adds_only_the_new(app):
    campaign_id = _campaign(app)
    with app.app_context():
        assert _import(campaign_id, csv_bytes(HEADERS, ROWS)).imported == 4
        again = _import(campaign_id, xlsx_bytes(HEADERS, ROWS), "again.xlsx")
        assert again.ok and (again.imported, again.already) == (0, 4)
        assert _counts() == (4, 0, 4)
        later = ROWS[:1] + [[*ROWS[0][:16], "uuid:new", "105", "new", *ROWS[0][19:]]]
        added = _import(campaign_id, csv_bytes(HEADERS, later), "later.csv")
        assert (added.imported, added.already) == (1, 1)
        assert _counts() == (5, 0, 5)
        release_due(db.session, everything=True)
        assert _import(campaign_id, csv_bytes(HEADERS, later)).imported == 0
        assert _counts() == (0, 5, 5)


def test_the_database_keeps_no_source_id_nor_time(app, tmp_path):
    campaign_id = _campaign(app)
    with app.app_context():
        _import(campaign_id, csv_bytes(HEADERS, ROWS))
        keys = db.session.execute(select(ImportKey.key, ImportKey.campaign_id)).all()
        assert len(keys) == 4 and {c for _k, c in keys} == {campaign_id}
        assert all(len(k) == 64 and int(k, 16) >= 0 for k, _c in keys)
        release_due(db.session, everything=True)
        db.session.remove()
        db.engine.dispose()
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("test.sqlite3*"))
    for identifier in IDS + [i[5:] for i in IDS] + ["imei:35812", "2024-05-01T08:10:00",
                                                   "21.02 105.8"]:
        assert identifier.encode() not in stored, identifier
    assert "Đất đai rối".encode() in stored  # the answers themselves are there


def test_a_row_that_breaks_the_rules_is_refused_with_its_reason(app):
    campaign_id = _campaign(app)
    rows = [ROWS[0], [*ROWS[4][:3], "district", "99", *ROWS[4][5:16],
                      "uuid:bad", "109", "bad", *ROWS[4][19:]]]
    with app.app_context():
        outcome = _import(campaign_id, csv_bytes(HEADERS, rows))
        assert outcome.ok and (outcome.imported, outcome.refused) == (1, 1)
        en = "\n".join(outcome.report.texts("en"))
        assert "data row 3, column A/level: 'district' is not an option of level" in en
        assert "data row 3, column years: years: the answer does not fit the question" in en
        assert "1 rows have no usable answer left; not imported" in en
        assert _counts() == (1, 0, 1)  # exactly the valid row


def test_a_clash_with_a_concurrent_import_stores_nothing(app, monkeypatch):
    campaign_id = _campaign(app)
    with app.app_context():
        _import(campaign_id, csv_bytes(HEADERS, ROWS[:1]))
        # another import stored row 1 between our check and our insert
        monkeypatch.setattr(data_import._KnownKeys, "__contains__", lambda self, key: False)
        outcome = _import(campaign_id, csv_bytes(HEADERS, ROWS))
        assert not outcome.ok and outcome.imported == 0
        assert "another import of the same submissions" in outcome.refusals("en")[0]
        assert _counts() == (1, 0, 1)


def test_a_form_that_is_not_the_campaigns_version_is_refused(app):
    campaign_id = _campaign(app)
    other = workbook(
        [["type", "name", "label"], ["select_one level", "level", "Level"],
         ["integer", "years", "Years"]],
        [["list_name", "name", "label"], ["level", "commune", "Commune"],
         ["level", "central", "Central"]],
        [["form_id"], ["can_bo_2024"]])
    with app.app_context():
        outcome = _import(campaign_id, csv_bytes(HEADERS, ROWS), form=other)
        assert not outcome.ok
        [line] = outcome.refusals("en")
        assert "does not match version «can-bo-2024» v1" in line
        assert "level has other options or codes" in line
        assert "khác phương án" in outcome.refusals("vi")[0]
        assert _counts() == (0, 0, 0)


def test_without_a_form_the_versions_own_xlsform_reads_the_export(app):
    campaign_id = _campaign(app)
    with app.app_context():
        outcome = _import(campaign_id, csv_bytes(HEADERS, ROWS), form=None)
        assert outcome.ok and outcome.imported == 4


# --------------------------------------------------------------------------- command line

def test_the_command_prints_the_report_in_vietnamese_or_english(app, tmp_path):
    campaign_id = _campaign(app)
    export, form = tmp_path / "data.csv", tmp_path / "form.xlsx"
    export.write_bytes(csv_bytes(HEADERS, ROWS))
    form.write_bytes(FORM)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["campaign", "import-data", SLUG, str(export), "--form",
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
    refused = runner.invoke(args=["campaign", "import-data", SLUG, str(bad)])
    assert refused.exit_code == 1 and "Không nhập gì." in refused.output
    assert "không được lưu ở bảng mã UTF-8" in refused.output
    with app.app_context():
        assert _counts() == (4, 0, 4)
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
    campaign_id = _campaign(app, owner="lan")
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
        assert _counts() == (4, 0, 4)


@pytest.mark.parametrize("name, data, message", [
    ("data.txt", b"a,b\n1,2\n", "không đúng loại"),
    ("data.csv", b"", "Tệp rỗng."),
    ("data.xlsx", b"PK\x03\x04garbage", "Không đọc được bảng tính .xlsx"),
])
def test_bad_uploads_get_a_message_and_change_nothing(app, client, name, data, message):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
    campaign_id = _campaign(app, owner="lan")
    login(client, "lan")
    token = csrf_from(client.get(_page(campaign_id)).get_data(as_text=True))
    response = client.post(_page(campaign_id), data={"csrf_token": token, **_files(data, name)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert _counts() == (0, 0, 0)


def test_the_page_refuses_without_csrf_and_for_an_analyst(app, client):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
        make_user("an", Role.ANALYST)
    campaign_id = _campaign(app, owner="lan")
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
        assert _counts() == (0, 0, 0)
