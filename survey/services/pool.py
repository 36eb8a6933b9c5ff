"""The holding pool: submissions enter the results in shuffled batches, never one by one.

Why: a response written to the response table the moment it is sent would carry the order of
arrival in everything the database keeps about it: its physical place in the table, its
transaction id, the order of the WAL and of every dump, the moment the monitor's counters moved.
Anyone holding the server could then put responses in the order people sent them, and set that
against who was seen answering when. So a submission is stored here first (durably: nothing
acknowledged is lost) and a *release* moves the waiting submissions of a campaign into the
response table all at once, in a random order, with fresh random ids, all stamped with the same
day, after which the pool's traces are erased.

When a release happens (:func:`release_due`, run lazily by submissions and staff pages, and by
``flask respond release`` from a daily timer):

* A day's submissions wait until the day is over (UTC): a release never splits a day, so within
  the day stamp that every response shows anyway, nothing stored says who came first.
* At least ``k`` (the campaign's threshold, never below the platform floor) must go together.
  Fewer wait for the next day.
* ``k`` submissions are always held back while fieldwork goes on (today's count towards them,
  the rest are chosen at random among those due), so that the last release of a campaign, when
  it closes, is never smaller than ``k`` either. A submission waiting more than
  ``MAX_WAIT_DAYS`` is held back only when no other can be.
* When the campaign is closed or full, everything waiting goes, whatever the count.

What the day stamp, the counters and the pool reveal, and what they do not:

* ``Response.submitted_on`` is the release's day stamp (the latest day among the batch's
  submissions): every response of a batch shares it, and a batch has at least ``k``.
* The banner tallies move by whole batches, at the release; page-reach counters count steps per
  day, never who.
* The pool itself, between releases, holds that day's submissions: someone holding the server
  *during* the day could read them in order. The release erases them: PostgreSQL ``TRUNCATE``
  (a new file, the old one unlinked) then ``CHECKPOINT`` and a WAL switch, so that with
  ``wal_recycle = off`` the WAL segments that held them are removed; SQLite ``secure_delete``
  (deleted cells are zeroed) and a ``wal_checkpoint(TRUNCATE)``. ``docs/deploy.md`` says what
  backups, WAL archiving and file-system snapshots keep.
"""
from __future__ import annotations

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from survey import clock
from survey.models import Campaign, Response, ResponsePool, ResponseStatus
from survey.models.base import random_id
from survey.questionnaire.storage import AnswerRow

log = logging.getLogger(__name__)

MAX_WAIT_DAYS = 7
MODES = ("web", "paper", "import", "synthetic")

_pool = ResponsePool.__table__
_INSERT_POOL = insert(_pool)
_INSERT_RESPONSE = insert(Response.__table__)


@dataclass(frozen=True)
class Release:
    """One campaign's batch: how many responses entered the results, with which day stamp."""

    campaign_id: int
    count: int
    stamp: date


def hold(session: Session, campaign_id: int, version_id: int, rows: list[AnswerRow],
         banner_cells: list[tuple[str, int]], mode: str = "web",
         status: ResponseStatus = ResponseStatus.COMPLETE) -> None:
    """Put one validated submission in the pool (the caller commits, in the transaction that
    makes it acknowledged). ``rows``: its answer rows; ``banner_cells``: its banner categories,
    counted in the tallies when it is released; ``status``: a partial response (sent unfinished
    by the respondent's choice) waits and is released exactly as a complete one, in the same
    batches, and enters ``response`` with its status."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    payload: dict[str, Any] = {"rows": [[row.variable, row.position, row.code, row.number, row.text]
                                        for row in rows],
                               "banners": [list(cell) for cell in banner_cells]}
    if status != ResponseStatus.COMPLETE:
        payload["status"] = ResponseStatus(status).value
    session.execute(_INSERT_POOL, {
        "id": random_id(), "campaign_id": campaign_id, "version_id": version_id, "mode": mode,
        "received_on": clock.today(), "payload": payload})


def waiting(session: Session, campaign_ids: list[int],
            status: ResponseStatus | None = None) -> dict[int, int]:
    """Submissions waiting in the pool, per campaign (a count, shown to staff as such); with
    ``status``, only those of that status."""
    statement = select(_pool.c.campaign_id, func.count()).where(
        _pool.c.campaign_id.in_(campaign_ids)).group_by(_pool.c.campaign_id)
    if status is not None:
        stored = func.coalesce(_pool.c.payload["status"].as_string(),
                               ResponseStatus.COMPLETE.value)
        statement = statement.where(stored == ResponseStatus(status).value)
    counts = dict(session.execute(statement).all())
    return {campaign_id: int(counts.get(campaign_id, 0)) for campaign_id in campaign_ids}


def release_due(session: Session, everything: bool = False) -> list[Release]:
    """Release every campaign's due submissions (see the module docstring) in one transaction,
    then erase the pool's traces. Commits; returns the batches released (none: nothing changed).

    ``everything``: release all that waits, whatever the day and the count: for a campaign whose
    fieldwork is over (``flask respond release --all``), and for tests.

    Two releases never run at once: PostgreSQL locks the pool table for the transaction;
    SQLite's single writer makes a concurrent release fail to write, and it then does nothing.
    """
    from survey.services.campaigns import CampaignState, campaign_state

    dialect = session.get_bind().dialect.name
    try:
        if dialect == "postgresql":
            session.execute(text("LOCK TABLE response_pool IN ACCESS EXCLUSIVE MODE"))
        else:  # take SQLite's write lock before reading, so the read is the one we act on
            session.execute(delete(_pool).where(_pool.c.id == ""))
        waiting_rows = session.execute(select(_pool)).all()
        if not waiting_rows:
            session.rollback()
            return []
        by_campaign: dict[int, list[Any]] = defaultdict(list)
        for row in waiting_rows:
            by_campaign[row.campaign_id].append(row)
        campaigns = {c.id: c for c in session.scalars(
            select(Campaign).where(Campaign.id.in_(list(by_campaign))))}
        today = clock.today()
        chooser = secrets.SystemRandom()
        released: list[Release] = []
        going: list[tuple[Any, date]] = []
        kept: list[Any] = []
        for campaign_id, rows in sorted(by_campaign.items()):
            campaign = campaigns[campaign_id]
            over = everything or campaign_state(session, campaign) in (
                CampaignState.CLOSED, CampaignState.FULL)
            out, stay = _choose(rows, today, threshold(campaign), over, chooser)
            kept.extend(stay)
            if out:
                stamp = max(row.received_on for row in out)
                going.extend((row, stamp) for row in out)
                released.append(Release(campaign_id, len(out), stamp))
        if not going:
            session.rollback()
            return []
        chooser.shuffle(going)
        _insert_responses(session, going)
        _count_banners(session, [row for row, _stamp in going])
        _empty_pool(session, dialect)
        chooser.shuffle(kept)
        if kept:
            session.execute(_INSERT_POOL, [
                {"id": random_id(), "campaign_id": row.campaign_id, "version_id": row.version_id,
                 "mode": row.mode, "payload": row.payload, "received_on": row.received_on}
                for row in kept])
        session.commit()
    except OperationalError as error:  # SQLite: another process holds the write lock
        session.rollback()
        if dialect != "sqlite":
            raise
        log.info("release skipped: %s", error.orig)
        return []
    except Exception:
        session.rollback()
        raise
    scrub(session)
    return released


_last_attempt: dict[str, tuple[date, float]] = {}
ATTEMPT_EVERY_SECONDS = 600


def release_if_due(session: Session) -> list[Release]:
    """:func:`release_due`, at most once every ``ATTEMPT_EVERY_SECONDS`` per process and
    database (and at once on a new day): the staff pages call it before showing results, so a
    day's batch is in by the time anyone looks, without a timer."""
    import time

    url = str(session.get_bind().url)
    now, day = time.monotonic(), clock.today()
    last = _last_attempt.get(url)
    if last is not None and last[0] == day and now - last[1] < ATTEMPT_EVERY_SECONDS:
        return []
    _last_attempt[url] = (day, now)
    return release_due(session)


def threshold(campaign: Campaign) -> int:
    from survey.services.settings import anonymity_floor

    return max(anonymity_floor(), campaign.disclosure_threshold or 1)


def _choose(rows: list[Any], today: date, k: int, over: bool,
            chooser: secrets.SystemRandom) -> tuple[list[Any], list[Any]]:
    """(released, kept) for one campaign's waiting rows."""
    if over:
        return list(rows), []
    due = [row for row in rows if row.received_on < today]
    todays = [row for row in rows if row.received_on >= today]
    hold_back = max(0, k - len(todays))
    overdue_before = today - timedelta(days=MAX_WAIT_DAYS)
    recent = [row for row in due if row.received_on > overdue_before]
    overdue = [row for row in due if row.received_on <= overdue_before]
    chooser.shuffle(recent)
    chooser.shuffle(overdue)
    held = (recent + overdue)[:hold_back]
    if len(due) - len(held) < k:
        return [], list(rows)  # not enough yet: everything waits
    held_ids = {row.id for row in held}
    return [row for row in due if row.id not in held_ids], todays + held


def _insert_responses(session: Session, going: list[tuple[Any, date]]) -> None:
    """The released responses and their answers, in the (shuffled) order given, fresh ids."""
    from survey.services.responses import insert_answers

    for row, stamp in going:
        response_id = random_id()
        session.execute(_INSERT_RESPONSE, {
            "id": response_id, "campaign_id": row.campaign_id, "version_id": row.version_id,
            "status": ResponseStatus(row.payload.get("status", ResponseStatus.COMPLETE.value)),
            "submitted_on": stamp, "mode": row.mode})
        insert_answers(session, response_id,
                       [AnswerRow(*values) for values in row.payload["rows"]])


def _count_banners(session: Session, rows: list[Any]) -> None:
    """Add the batch's banner categories to the tallies, a whole batch at a time."""
    from survey.services.responses import add_to_tallies

    counts: dict[tuple[int, str, int], int] = defaultdict(int)
    for row in rows:
        for variable, code in row.payload["banners"]:
            counts[(row.campaign_id, variable, int(code))] += 1
    add_to_tallies(session, counts)


def _empty_pool(session: Session, dialect: str) -> None:
    if dialect == "postgresql":
        session.execute(text("TRUNCATE response_pool"))
    else:
        session.execute(delete(_pool))


def scrub(session: Session) -> None:
    """Erase what the database keeps of rows deleted by a release: best effort, after commit.

    SQLite: a ``wal_checkpoint(TRUNCATE)`` (with ``secure_delete`` on, deleted cells were
    already zeroed in the pages it copies back). It cannot truncate while another connection
    reads an older snapshot; the next release tries again. PostgreSQL: a WAL switch and a
    ``CHECKPOINT``, so that the segments which held the pool's inserts can be removed (with
    ``wal_recycle = off`` they are unlinked, not kept for reuse). Needs the ``pg_checkpoint``
    role and EXECUTE on ``pg_switch_wal``; without them the release is logged and the
    deployment's daily ``CHECKPOINT`` (docs/deploy.md) does the same later."""
    bind = session.get_bind()
    try:
        if bind.dialect.name == "sqlite":
            with bind.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif bind.dialect.name == "postgresql":
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("SELECT pg_switch_wal()")
                conn.exec_driver_sql("CHECKPOINT")
    except Exception as error:  # a missing privilege must not undo a committed release
        log.warning("the pool's traces were not erased at once: %s", error)


__all__ = ["Release", "hold", "waiting", "release_due", "release_if_due", "scrub", "threshold", "MODES",
           "MAX_WAIT_DAYS"]
