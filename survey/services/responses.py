"""Accepting a submitted response exactly once, and counting page reach.

Exactly once: the submit form carries a random token minted when the form was rendered. In one
transaction we insert the token's hash as a :class:`SubmissionReceipt` (primary key: a second
insert of the same token fails), delete the draft (a second submit of the same draft, even with
another token, deletes nothing and stops), then put the answers in the holding pool
(:mod:`survey.services.pool`), from which they enter the response table in a shuffled batch.
Whichever of two racing requests commits first wins; the other finds the receipt or the missing
draft and is shown the thank-you page. Nothing is half-written: any failure rolls the whole thing
back.

Access codes: a draft started with a code holds it sealed; the submission spends it first, in a
transaction of its own (:func:`survey.services.access_codes.spend`), and only then stores the
answers. The two share no row and no transaction; a crash between them leaves the code spent *by
this draft*, and the retry spends it again (the same mark) and stores the answers. A draft whose
code another device spent first stores nothing (``CODE_USED``).

Anonymity: the pool row gets a random id and the day; the receipt holds no reference to it; the
draft held nothing readable. Banner tallies move when a batch is released, not here.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, delete, insert, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import Answer, BannerTally, Draft, ResponseStatus, SubmissionReceipt
from survey.models.base import today
from survey.questionnaire import banners
from survey.questionnaire.storage import AnswerRow, answer_rows
from survey.services import pool
from survey.services.access_codes import spend
from survey.services.reach import count_reach_steps
from survey.services.drafts import LiveDraft, spend_mark, token_hash


# Core statements built once: the submission runs them through the session's connection (same
# transaction) without the ORM unit of work, which cost more than the SQL for ~60 answer rows.
_INSERT_RECEIPT = insert(SubmissionReceipt.__table__)
_DELETE_DRAFT = delete(Draft.__table__).where(Draft.__table__.c.token_hash == bindparam("token_hash"))
_INSERT_ANSWER = insert(Answer.__table__)


class SubmitOutcome(str, enum.Enum):
    STORED = "stored"              # acknowledged: in the pool, committed
    ALREADY_SUBMITTED = "already"  # this form (token) was submitted before: show thank-you
    NO_DRAFT = "no_draft"          # the draft is gone (submitted from another tab, or expired)
    CODE_USED = "code_used"        # another device spent this draft's access code first


def submit(session: Session, draft: LiveDraft, definition: dict[str, Any], answers: dict[str, Any],
           submission_token: str, reach: Sequence[int] = (), mode: str = "web",
           status: ResponseStatus = ResponseStatus.COMPLETE) -> SubmitOutcome:
    """Accept ``answers`` (already validated and pruned) as a complete response; commits.
    ``reach``: steps to count as reached (:func:`survey.services.reach.count_reach_steps`) in the same transaction.
    ``status``: ``PARTIAL`` for a questionnaire the respondent chose to send unfinished (only
    the answers given, each valid); it takes exactly the same path (token, receipt, code spent,
    holding pool) and is released in the same batches. Its banner categories are not counted in
    the tallies: those follow completes, as the monitor's quotas do.

    Raises :class:`survey.questionnaire.storage.StorageError` (after rolling back) if the answers
    do not fit the definition: that means a validation step was skipped.
    """
    receipt_hash = receipt_key(submission_token)
    try:
        rows = answer_rows(definition, answers)
    except Exception:
        session.rollback()
        raise
    if draft.code is not None:
        session.rollback()  # the spend is a transaction of its own
        if not spend(session, draft.code, spend_mark(draft.secret)):
            session.rollback()
            return SubmitOutcome.CODE_USED
        session.commit()
    try:
        session.execute(_INSERT_RECEIPT, {"token_hash": receipt_hash, "used_on": today()})
        deleted = session.execute(_DELETE_DRAFT, {"token_hash": draft.stored["token_hash"]}).rowcount
        if deleted != 1:
            session.rollback()
            return SubmitOutcome.NO_DRAFT
        complete = status == ResponseStatus.COMPLETE
        pool.hold(session, draft.campaign_id, draft.version_id, rows,
                  banner_cells(definition, rows) if complete else [], mode, status)
        count_reach_steps(session, draft.campaign_id, list(reach))  # last: row locks until commit
        session.commit()
    except IntegrityError:
        session.rollback()
        return SubmitOutcome.ALREADY_SUBMITTED
    except Exception:
        session.rollback()
        raise
    return SubmitOutcome.STORED


def insert_answers(session: Session, response_id: str, rows: list[AnswerRow]) -> None:
    """Insert a response's ~60 answer rows. PostgreSQL gets them as one statement over
    ``unnest`` of one array per column: an executemany costs a bind and execute per row on
    both sides of the connection. SQLite, in process, takes the executemany."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_INSERT_ANSWERS_PG, {
            "response_id": response_id,
            "variables": [row.variable for row in rows],
            "positions": [row.position for row in rows],
            "codes": [row.code for row in rows],
            "numbers": [None if row.number is None else float(row.number) for row in rows],
            "texts": [row.text for row in rows]})
        return
    session.execute(_INSERT_ANSWER, [{"response_id": response_id, **row.as_dict()} for row in rows])


_INSERT_ANSWERS_PG = text(
    "INSERT INTO answer (response_id, variable, position, code, number, text) "
    "SELECT :response_id, * FROM unnest(CAST(:variables AS VARCHAR[]), "
    "CAST(:positions AS INTEGER[]), CAST(:codes AS INTEGER[]), "
    "CAST(:numbers AS DOUBLE PRECISION[]), CAST(:texts AS TEXT[]))")


def banner_cells(definition: dict[str, Any], rows: list[AnswerRow]) -> list[tuple[str, int]]:
    """The (variable, code) banner categories among one response's answer rows, sorted."""
    banner_ids = {item["id"] for item in banners(definition)}
    return sorted({(row.variable, row.code) for row in rows
                   if row.variable in banner_ids and row.code is not None})


def add_to_tallies(session: Session, counts: Mapping[tuple[int, str, int], int]) -> None:
    """Add ``counts`` ((campaign, variable, code) → n, a released batch's banner categories) to
    the tallies: ``INSERT … ON CONFLICT DO UPDATE SET count = count + n``, in sorted order (rows
    locked in that order). The caller commits."""
    if not counts:
        return
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"banner tallies need SQLite or PostgreSQL, not {dialect}")
    statement = _TALLY_UPSERT_PG if dialect == "postgresql" else _TALLY_UPSERT_SQLITE
    session.execute(statement, [
        {"b_campaign": campaign_id, "b_variable": variable, "b_code": code, "b_n": n}
        for (campaign_id, variable, code), n in sorted(counts.items())])


_tally_insert = sqlite.insert(BannerTally.__table__).values(
    campaign_id=bindparam("b_campaign"), variable=bindparam("b_variable"),
    code=bindparam("b_code"), count=bindparam("b_n"))
_TALLY_UPSERT_SQLITE = _tally_insert.on_conflict_do_update(
    index_elements=["campaign_id", "variable", "code"],
    set_={"count": BannerTally.__table__.c.count + _tally_insert.excluded.count})
_TALLY_UPSERT_PG = text(
    "INSERT INTO banner_tally (campaign_id, variable, code, count) "
    "VALUES (:b_campaign, :b_variable, :b_code, :b_n) "
    "ON CONFLICT (campaign_id, variable, code) DO UPDATE SET count = banner_tally.count + "
    "EXCLUDED.count")


def receipt_key(submission_token: str) -> str:
    """The :class:`SubmissionReceipt` key of a submission token: its SHA-256 (with a prefix of
    its own), so the table never holds the token a browser sent. Not keyed: the token is 192
    random bits, nothing to guess offline."""
    return token_hash("submit:" + submission_token)
