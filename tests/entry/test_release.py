"""Agreed paper records reach the results only through the holding pool, in groups that never
hold one box alone, and nothing of a sheet (its id, its keyings) outlives its agreement: on
SQLite and PostgreSQL."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import (Campaign, EntrySettings, KeyedValue, PaperAgreed, PaperBatch,
                           PaperKeying, PaperSheet, PaperSheetKey, Response, ResponsePool)
from survey.services import paper_batches, paper_release
from survey.services import paper_entry as pe
from survey.services.sheet_ids import format_sheet_id, new_sheet_id, normalize
from tests.entry.support import keyers, paper_campaign
from tests.helpers import release_all, small_definition

SECRET = "test-secret-key-not-for-production"


def _agree(campaign, batch, users, level: int, reference: str | None = None) -> str:
    """Key one sheet of the small questionnaire twice (same values): agreed."""
    plan = pe.plan_of(campaign)
    reference = reference or format_sheet_id(new_sheet_id())
    for user in users:
        keying = pe.open_sheet(db.session, campaign, batch, reference, user, SECRET)
        for name, text in (("level", str(level)), ("gender", "1"), ("q1", "")):
            pe.save_field(db.session, keying, plan, name, text, user)
        pe.finish(db.session, keying, plan, user, SECRET)
        db.session.commit()
    paper_release.scrub(db.session)
    return reference


def _count(model) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)))


def test_hand_over_needs_two_boxes_and_keeps_k_back(any_app):
    with any_app.test_request_context():
        campaign, first_box = paper_campaign(small_definition(), slug="nho")
        second_box = paper_batches.create_batch(db.session, campaign, "Hộp 2", 10, None)
        db.session.commit()
        users = keyers("lan", "minh")
        for _i in range(12):
            _agree(campaign, first_box, users, level=2)
        # One box alone never goes, however many records wait.
        assert (_count(PaperAgreed), _count(ResponsePool)) == (12, 0)
        assert _count(PaperSheet) == _count(PaperKeying) == _count(KeyedValue) == 0
        _agree(campaign, second_box, users, level=3)
        # Two boxes and at least 2k: all but k go to the pool, as paper submissions.
        assert (_count(PaperAgreed), _count(ResponsePool)) == (5, 8)
        modes = set(db.session.scalars(select(ResponsePool.mode)))
        assert modes == {"paper"}
        assert set(db.session.scalars(select(PaperBatch.waiting))) == {0}
        box = db.session.get(PaperBatch, first_box.id)
        assert (box.keyed_once, box.keyed_twice, box.discordant, box.agreed) == (12, 12, 0, 12)
        # Entry finished: everything left goes.
        paper_batches.save_settings(db.session, campaign, 100, True, None)
        paper_release.hand_over(db.session, db.session.get(Campaign, campaign.id))
        db.session.commit()
        assert (_count(PaperAgreed), _count(ResponsePool)) == (0, 13)
        assert release_all() == 13
        assert set(db.session.scalars(select(Response.mode))) == {"paper"}
        assert _count(PaperSheetKey) == 13


def test_no_trace_of_an_agreed_sheet_id_in_the_database_files(app):
    with app.test_request_context():
        campaign, box = paper_campaign(small_definition(), slug="vet")
        users = keyers("lan", "minh")
        references = [_agree(campaign, box, users, level=1) for _i in range(3)]
        path = Path(db.engine.url.database)
        data = path.read_bytes() + (Path(f"{path}-wal").read_bytes()
                                    if Path(f"{path}-wal").exists() else b"")
        for reference in references:
            assert normalize(reference).encode() not in data, reference
        assert _count(PaperSheetKey) == 3  # only keyed hashes remain
        assert db.session.get(EntrySettings, campaign.id).verify_percent == 100
