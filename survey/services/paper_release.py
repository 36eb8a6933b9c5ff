"""Agreed paper records go to the holding pool in groups that never hold one box alone.

Why not hand each agreed record to the pool at once: a box of sheets comes from one unit and
is keyed within a few days, so the pool's day stamp (shared by a release) would date that
unit's records, and an analyst's date filter would then show one small unit's answers. So an
agreed record waits in ``paper_agreed`` (its answer rows only) and the waiting records of a
campaign are handed to the pool (``pool.hold`` with ``mode="paper"``) only when

* records agreed since the last hand-over come from at least :data:`MIN_BOXES` boxes, and at
  least ``2k`` records wait (``k``: the campaign's threshold, never below the platform floor);
  then all but ``k`` go, chosen at random, and ``k`` stay to be mixed into the next group, so
  that even the last group is never one box's; or
* paper entry of the campaign is finished (the supervisor says so) or the campaign is closed:
  then everything goes.

The pool then applies its own rules (at least ``k`` per release, after the day, shuffled,
fresh ids). Like the pool, a hand-over deletes the campaign's rows of ``paper_agreed`` and puts back the
records it keeps with fresh ids in a fresh order; after the commit :func:`scrub` erases what
the database keeps of the deleted rows: the sheets, keyings and typed values deleted when
records were agreed, and the agreed rows themselves (:func:`scrub`).
"""
from __future__ import annotations

import logging
import secrets

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from survey.models import Campaign, EntrySettings, PaperAgreed, PaperBatch
from survey.models.base import random_id
from survey.questionnaire.storage import AnswerRow

log = logging.getLogger(__name__)

MIN_BOXES = 2
_agreed = PaperAgreed.__table__
# Tables that hold typed values while a sheet is in entry: rewritten by the scrub.
_ENTRY_TABLES = ("paper_value", "paper_keying", "paper_sheet", "paper_agreed")

__all__ = ["hand_over", "lock", "waiting", "scrub", "MIN_BOXES"]


def waiting(session: Session, campaign_id: int) -> int:
    """Agreed records of the campaign not yet handed to the pool (a count)."""
    return int(session.scalar(select(func.count()).select_from(_agreed)
                              .where(_agreed.c.campaign_id == campaign_id)) or 0)


def _entry_over(session: Session, campaign: Campaign) -> bool:
    from survey.services.campaigns import CampaignState, campaign_state

    settings = session.get(EntrySettings, campaign.id)
    if settings is not None and settings.finished:
        return True
    return campaign_state(session, campaign) in (CampaignState.CLOSED, CampaignState.FULL)


def lock(session: Session) -> None:
    """Serialise agreements and hand-overs on PostgreSQL (SQLite has one writer anyway). Taken
    before a transaction writes ``paper_agreed``: two agreements that inserted first and locked
    second would deadlock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE paper_agreed IN SHARE ROW EXCLUSIVE MODE"))


def hand_over(session: Session, campaign: Campaign) -> int:
    """Hand the campaign's waiting agreed records to the pool when the rule above allows it,
    in the caller's transaction (the caller commits, then calls :func:`scrub`). Returns how
    many went."""
    from survey.services import pool

    lock(session)
    rows = session.execute(select(_agreed).where(_agreed.c.campaign_id == campaign.id)).all()
    if not rows:
        return 0
    k = pool.threshold(campaign)
    chooser = secrets.SystemRandom()
    if _entry_over(session, campaign):
        going, kept = list(rows), []
    else:
        boxes = int(session.scalar(select(func.count()).select_from(PaperBatch).where(
            PaperBatch.campaign_id == campaign.id, PaperBatch.waiting > 0)) or 0)
        if boxes < MIN_BOXES or len(rows) < 2 * k:
            return 0
        shuffled = list(rows)
        chooser.shuffle(shuffled)
        going, kept = shuffled[k:], shuffled[:k]
    chooser.shuffle(going)
    for row in going:
        payload = row.payload
        pool.hold(session, campaign.id, row.version_id,
                  [AnswerRow(*values) for values in payload["rows"]],
                  [tuple(cell) for cell in payload["banners"]], mode="paper")
    # Deleted, not truncated (other campaigns' records stay); :func:`scrub` rewrites the table.
    session.execute(delete(_agreed).where(_agreed.c.campaign_id == campaign.id))
    chooser.shuffle(kept)
    if kept:
        session.execute(insert(_agreed), [
            {"id": random_id(), "campaign_id": row.campaign_id, "version_id": row.version_id,
             "payload": row.payload} for row in kept])
    session.execute(update(PaperBatch).where(PaperBatch.campaign_id == campaign.id)
                    .values(waiting=0))
    return len(going)


def scrub(session: Session) -> None:
    """Erase what the database keeps of deleted entry rows: best effort, after commit.

    SQLite: deleted cells are zeroed already (``secure_delete``); the WAL is checkpointed and
    truncated. PostgreSQL: the entry tables are rewritten (``VACUUM FULL``: new files, the old
    ones unlinked; they are small, holding only sheets still in entry), then the pool's own
    WAL switch and checkpoint (``survey.services.pool.scrub``)."""
    from survey.services import pool

    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        try:
            with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for table in _ENTRY_TABLES:
                    conn.exec_driver_sql(f"VACUUM FULL {table}")
        except Exception as error:  # a missing privilege must not undo a committed agreement
            log.warning("the entry tables were not rewritten at once: %s", error)
    pool.scrub(session)
