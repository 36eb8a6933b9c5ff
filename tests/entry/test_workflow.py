"""The double-entry workflow at the service level: keying field by field, the verification
draw, comparison, adjudication by a third person, and the agreed record in the holding pool."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import (KeyedValue, KeyerTally, PaperAgreed, PaperKeying, PaperSheet)
from survey.services import paper_entry as pe
from survey.services import paper_fields as pf
from survey.services.sheet_ids import format_sheet_id, new_sheet_id
from tests.entry.support import keyers, paper_campaign, sheet_values

SECRET = "test-secret-key-not-for-production"


def _key_all(keying, plan, values, user):
    for name, text in values.items():
        pe.save_field(db.session, keying, plan, name, text, user)
        db.session.commit()


def test_double_entry_with_one_difference_is_adjudicated(app):
    with app.test_request_context():
        campaign, batch = paper_campaign()
        lan, minh, hoa = keyers("lan", "minh", "hoa")
        plan = pe.plan_of(campaign)
        sheet_id = format_sheet_id(new_sheet_id())
        first = pe.open_sheet(db.session, campaign, batch, sheet_id, lan, SECRET)
        _key_all(first, plan, sheet_values(plan), lan)
        assert pe.finish(db.session, first, plan, lan, SECRET).outcome == "second"
        db.session.commit()
        with pytest.raises(pe.EntryError, match="người khác nhập"):
            pe.open_sheet(db.session, campaign, batch, sheet_id, lan, SECRET)
        second = pe.open_sheet(db.session, campaign, batch, sheet_id.lower(), minh, SECRET)
        assert second.pass_no == 2 and pe.values_of(db.session, second) == {}
        _key_all(second, plan, sheet_values(plan, {"B1": "4"}), minh)
        done = pe.finish(db.session, second, plan, minh, SECRET)
        db.session.commit()
        assert (done.outcome, done.discordant) == ("discordant", 1)
        sheet = db.session.scalar(select(PaperSheet))
        with pytest.raises(pe.EntryError, match="người thứ ba"):
            pe.start_adjudication(db.session, sheet, plan, minh)
        third, differ = pe.start_adjudication(db.session, sheet, plan, hoa)
        assert [(d.name, d.first, d.second) for d in differ] == [("B1", "3", "4")]
        state = pf.evaluate(plan, pe.values_of(db.session, third))
        assert state.first() == "B1"
        pe.save_field(db.session, third, plan, "B1", "4", hoa)
        assert pe.finish(db.session, third, plan, hoa, SECRET).outcome == "agreed"
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PaperSheet)) == 0
        assert db.session.scalar(select(func.count()).select_from(PaperKeying)) == 0
        assert db.session.scalar(select(func.count()).select_from(KeyedValue)) == 0
        agreed = db.session.scalar(select(PaperAgreed))
        assert ["B1", 0, 4, None, None] in agreed.payload["rows"]
        assert not any(row[0] in ("B6b", "B7", "E4") for row in agreed.payload["rows"])
        tallies = {t.keyer_id: t for t in db.session.scalars(select(KeyerTally))}
        assert tallies[lan.id].errors == 1 and tallies[minh.id].errors == 0
        assert tallies[lan.id].discordant == tallies[minh.id].discordant == 1
        assert tallies[hoa.id].adjudicated == 1
        with pytest.raises(pe.EntryError, match="đã được nhập xong"):
            pe.open_sheet(db.session, campaign, batch, sheet_id, hoa, SECRET)
