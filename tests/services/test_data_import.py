"""Storing data collected with KoboToolbox/ODK in a campaign, as a service: exactly once, through
the holding pool with mode "import".

What is stored is exactly the records the preparation kept: an answer that breaks a rule is left
out with its reason, a row with nothing usable left is refused with its reasons, the other rows
are imported. The storing itself is one transaction: a refused file, a form that is not the
campaign's version or a clash with a concurrent import stores nothing at all. (The command and
the staff page: tests/campaigns/test_import_data.py.)
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from analysis.source import DatabaseSource
from analysis.tables import frequencies
from survey import clock
from survey.extensions import db
from survey.models import Campaign, ImportKey, Response, ResponsePool
from survey.services import data_import
from survey.services.pool import release_due
from tests.questionnaire.test_xlsform import workbook
from tests.questionnaire.test_xlsform_data import HEADERS, IDS, ROWS, csv_bytes, xlsx_bytes
from tests.services.support import import_kobo, kobo_campaign, stored_counts

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def test_an_export_enters_the_results_with_mode_import_and_tabulates(app):
    campaign_id = kobo_campaign(app)
    with app.app_context():
        outcome = import_kobo(campaign_id, xlsx_bytes(HEADERS, ROWS), "data.xlsx")
        assert outcome.ok and (outcome.imported, outcome.already, outcome.refused) == (4, 0, 0)
        assert "4 rows imported, with mode 'import'" in "\n".join(outcome.report.texts("en"))
        # held in the pool, not yet in the results
        assert stored_counts() == (4, 0, 4)
        assert set(db.session.scalars(select(ResponsePool.mode))) == {"import"}
        release_due(db.session, everything=True)
        assert stored_counts() == (0, 4, 4)
        assert set(db.session.scalars(select(Response.mode))) == {"import"}
        version_id = db.session.get(Campaign, campaign_id).version_id
        definition = db.session.get(Campaign, campaign_id).version.definition
        table = frequencies(DatabaseSource(db.engine, version_id, definition), "level", k=None)
        counts = dict(zip(table.table["code"], table.table["n"]))
        assert counts == {1: 1, 2: 1, 3: 1}


def test_importing_again_adds_nothing_and_a_later_export_adds_only_the_new(app):
    campaign_id = kobo_campaign(app)
    with app.app_context():
        assert import_kobo(campaign_id, csv_bytes(HEADERS, ROWS)).imported == 4
        again = import_kobo(campaign_id, xlsx_bytes(HEADERS, ROWS), "again.xlsx")
        assert again.ok and (again.imported, again.already) == (0, 4)
        assert stored_counts() == (4, 0, 4)
        later = ROWS[:1] + [[*ROWS[0][:16], "uuid:new", "105", "new", *ROWS[0][19:]]]
        added = import_kobo(campaign_id, csv_bytes(HEADERS, later), "later.csv")
        assert (added.imported, added.already) == (1, 1)
        assert stored_counts() == (5, 0, 5)
        release_due(db.session, everything=True)
        assert import_kobo(campaign_id, csv_bytes(HEADERS, later)).imported == 0
        assert stored_counts() == (0, 5, 5)


def test_the_database_keeps_no_source_id_nor_time(app, tmp_path):
    campaign_id = kobo_campaign(app)
    with app.app_context():
        import_kobo(campaign_id, csv_bytes(HEADERS, ROWS))
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
    campaign_id = kobo_campaign(app)
    rows = [ROWS[0], [*ROWS[4][:3], "district", "99", *ROWS[4][5:16],
                      "uuid:bad", "109", "bad", *ROWS[4][19:]]]
    with app.app_context():
        outcome = import_kobo(campaign_id, csv_bytes(HEADERS, rows))
        assert outcome.ok and (outcome.imported, outcome.refused) == (1, 1)
        en = "\n".join(outcome.report.texts("en"))
        assert "data row 3, column A/level: 'district' is not an option of level" in en
        assert "data row 3, column years: years: the answer does not fit the question" in en
        assert "1 rows have no usable answer left; not imported" in en
        assert stored_counts() == (1, 0, 1)  # exactly the valid row


def test_a_clash_with_a_concurrent_import_stores_nothing(app, monkeypatch):
    campaign_id = kobo_campaign(app)
    with app.app_context():
        import_kobo(campaign_id, csv_bytes(HEADERS, ROWS[:1]))
        # another import stored row 1 between our check and our insert
        monkeypatch.setattr(data_import._KnownKeys, "__contains__", lambda self, key: False)
        outcome = import_kobo(campaign_id, csv_bytes(HEADERS, ROWS))
        assert not outcome.ok and outcome.imported == 0
        assert "another import of the same submissions" in outcome.refusals("en")[0]
        assert stored_counts() == (1, 0, 1)


def test_a_form_that_is_not_the_campaigns_version_is_refused(app):
    campaign_id = kobo_campaign(app)
    other = workbook(
        [["type", "name", "label"], ["select_one level", "level", "Level"],
         ["integer", "years", "Years"]],
        [["list_name", "name", "label"], ["level", "commune", "Commune"],
         ["level", "central", "Central"]],
        [["form_id"], ["can_bo_2024"]])
    with app.app_context():
        outcome = import_kobo(campaign_id, csv_bytes(HEADERS, ROWS), form=other)
        assert not outcome.ok
        [line] = outcome.refusals("en")
        assert "does not match version «can-bo-2024» v1" in line
        assert "level has other options or codes" in line
        assert "khác phương án" in outcome.refusals("vi")[0]
        assert stored_counts() == (0, 0, 0)


def test_without_a_form_the_versions_own_xlsform_reads_the_export(app):
    campaign_id = kobo_campaign(app)
    with app.app_context():
        outcome = import_kobo(campaign_id, csv_bytes(HEADERS, ROWS), form=None)
        assert outcome.ok and outcome.imported == 4
