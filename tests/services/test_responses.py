"""The submission module's helpers pinned to exact values (issue 25, point 17).

What mutation testing (mutmut over ``survey/services/responses.py``) showed the flow tests left
open: the receipt key's exact hash; which answer rows are banner categories; the PostgreSQL
``unnest`` insert of answers (every column, numbers none, whole and fractional) and the SQLite
executemany; the tallies' upsert adding to a count already there, on both engines, and its refusal
of another engine; ``submit``'s ``mode`` and ``status`` reaching the holding pool. Hand-computed
values throughout. docs/mutation-testing.md lists the mutants that remain and why they change
nothing.
"""
from __future__ import annotations

import hashlib
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import (Answer, BannerTally, Draft, Response, ResponsePool, ResponseStatus,
                           SubmissionReceipt)
from survey.questionnaire.storage import AnswerRow
from survey.services.drafts import create_draft, new_token
from survey.services.responses import (SubmitOutcome, add_to_tallies, banner_cells,
                                       insert_answers, receipt_key, submit)
from tests.helpers import make_campaign, small_definition


def test_receipt_key_is_the_prefixed_sha256():
    assert receipt_key("abc") == "b6093b26d8cc9d2515a0cf8af8655e02d9fea6843a87d15d666ac1be6d19a927"
    assert receipt_key("abc") == hashlib.sha256(b"submit:abc").hexdigest()
    assert receipt_key("abc") != hashlib.sha256(b"abc").hexdigest()


def test_banner_cells_keep_banner_rows_with_a_code_only():
    rows = [AnswerRow("q1", 0, 3),                  # not a banner, with a code
            AnswerRow("level", 0, 2),
            AnswerRow("gender", 0, None, None, "x"),  # a banner row without a code
            AnswerRow("gender", 0, 9),
            AnswerRow("level", 0, 2),               # the same category twice: once
            AnswerRow("note", 0, None, None, "y")]  # neither
    assert banner_cells(small_definition(), rows) == [("gender", 9), ("level", 2)]
    assert banner_cells(small_definition(), [AnswerRow("q1", 0, 1)]) == []


def _response(campaign) -> str:
    response = Response(campaign_id=campaign.id, version_id=campaign.version_id,
                        status=ResponseStatus.COMPLETE, submitted_on=date(2026, 11, 20))
    db.session.add(response)
    db.session.flush()
    return response.id


def test_insert_answers_stores_every_column(any_app):
    """PostgreSQL takes one ``unnest`` statement, SQLite an executemany: the same rows."""
    rows = [AnswerRow("level", 0, 2),
            AnswerRow("B2.3", 0, 4),
            AnswerRow("M1", 1, 1), AnswerRow("M1", 2, 5),
            AnswerRow("R1", 1, 3, 1), AnswerRow("R1", 2, 7, 2),
            AnswerRow("N1", 0, None, 2.5), AnswerRow("N2", 0, None, 40),
            AnswerRow("T1", 0, None, None, "Ủy ban xã"),
            AnswerRow("M1", 3, 98, None, "khác: tự do")]
    with any_app.app_context():
        campaign = make_campaign()
        first, second = _response(campaign), _response(campaign)
        insert_answers(db.session, first, rows)
        insert_answers(db.session, second, [AnswerRow("level", 0, 1)])
        db.session.commit()
        stored = db.session.execute(
            select(Answer.variable, Answer.position, Answer.code, Answer.number, Answer.text)
            .where(Answer.response_id == first)).all()
        assert sorted(tuple(row) for row in stored) == sorted([
            ("level", 0, 2, None, None), ("B2.3", 0, 4, None, None),
            ("M1", 1, 1, None, None), ("M1", 2, 5, None, None),
            ("R1", 1, 3, 1.0, None), ("R1", 2, 7, 2.0, None),
            ("N1", 0, None, 2.5, None), ("N2", 0, None, 40.0, None),
            ("T1", 0, None, None, "Ủy ban xã"), ("M1", 3, 98, None, "khác: tự do")],
            key=repr)
        assert db.session.execute(select(Answer.response_id, Answer.variable, Answer.code)
                                  .where(Answer.response_id == second)).all() == [
            (second, "level", 1)]


def tallies(campaign_id: int) -> dict[tuple[str, int], int]:
    return {(v, c): n for v, c, n in db.session.execute(
        select(BannerTally.variable, BannerTally.code, BannerTally.count)
        .where(BannerTally.campaign_id == campaign_id))}


def test_add_to_tallies_inserts_then_adds(any_app):
    with any_app.app_context():
        one, two = make_campaign("thu"), make_campaign("khac")
        add_to_tallies(db.session, {})  # nothing to add: no statement, nothing written
        add_to_tallies(db.session, {(one.id, "level", 2): 3, (one.id, "gender", 9): 1,
                                    (two.id, "level", 2): 5})
        db.session.commit()
        assert tallies(one.id) == {("level", 2): 3, ("gender", 9): 1}
        assert tallies(two.id) == {("level", 2): 5}
        add_to_tallies(db.session, {(one.id, "level", 2): 4, (one.id, "level", 1): 2})
        db.session.commit()
        assert tallies(one.id) == {("level", 2): 7, ("level", 1): 2, ("gender", 9): 1}
        assert tallies(two.id) == {("level", 2): 5}


def test_add_to_tallies_refuses_another_engine():
    mysql = SimpleNamespace(get_bind=lambda: SimpleNamespace(dialect=SimpleNamespace(name="mysql")))
    with pytest.raises(RuntimeError) as caught:
        add_to_tallies(mysql, {(1, "level", 2): 1})
    assert str(caught.value) == "banner tallies need SQLite or PostgreSQL, not mysql"
    add_to_tallies(mysql, {})  # no counts: returns before looking at the engine


@pytest.mark.parametrize("mode, status", [("paper", ResponseStatus.COMPLETE),
                                          ("web", ResponseStatus.PARTIAL),
                                          ("import", ResponseStatus.COMPLETE)])
def test_submit_puts_mode_status_and_banners_in_the_pool(any_app, mode, status):
    """The pool row keeps the submission's mode and, for a partial, its status and no banner
    categories (tallies follow completes); the receipt is the token's receipt key."""
    with any_app.app_context():
        campaign = make_campaign()
        draft, _cookie = create_draft(db.session, campaign, 30)
        token = new_token()
        outcome = submit(db.session, draft, campaign.version.definition,
                         {"level": 2, "gender": 9, "q1": 3}, token, mode=mode, status=status)
        assert outcome == SubmitOutcome.STORED
        row = db.session.execute(select(ResponsePool.mode, ResponsePool.payload)).one()
        assert row.mode == mode
        expected_rows = sorted([["level", 0, 2, None, None], ["gender", 0, 9, None, None],
                                ["q1", 0, 3, None, None]])
        assert sorted(row.payload["rows"]) == expected_rows
        if status == ResponseStatus.COMPLETE:
            assert row.payload == {"rows": row.payload["rows"],
                                   "banners": [["gender", 9], ["level", 2]]}
        else:
            assert row.payload == {"rows": row.payload["rows"], "banners": [],
                                   "status": "partial"}
        assert db.session.scalars(select(SubmissionReceipt.token_hash)).all() == [
            receipt_key(token)]
        assert db.session.scalars(select(Draft.token_hash)).all() == []
