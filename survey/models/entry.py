"""Paper questionnaires keyed by staff: boxes of sheets, the keyings of each sheet while it is
in entry, agreed records waiting for the holding pool, and keyer statistics.

Anonymity rules, the same as the respondent flow's (see ``survey.services.paper_entry``):

* A sheet and its keyings (typed values, who keyed them, when) exist only while the sheet is in
  entry. When its record is agreed, the sheet, both keyings and their values are deleted; what
  remains is the record's answer rows in :class:`PaperAgreed` (no sheet, no box, no keyer, no
  time, no row id on SQLite), the keyed hash of its printed sheet id in :class:`PaperSheetKey`
  (so the same paper is never counted twice), and counters.
* Agreed records reach the response table only through the holding pool, in groups that never
  hold one box alone (``survey.services.paper_release``).
* :class:`KeyerTally` keeps per keyer and campaign only sums (sheets, fields, seconds, compared
  and discordant fields), never anything per sheet.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, random_id, utcnow


class EntrySettings(Base):
    """Paper entry of one campaign: which share of sheets is keyed a second time (100: every
    sheet; less: a random verification sample), and whether entry is finished (then every
    agreed record goes to the pool, whatever the count)."""

    __tablename__ = "entry_settings"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    verify_percent: Mapped[int] = mapped_column(default=100)
    finished: Mapped[bool] = mapped_column(default=False)


class PaperBatch(Base):
    """A box of sheets from one unit. Never fewer sheets than the campaign's threshold (a box
    of two would tie two people's answers to their unit while they are keyed). ``agreed`` and
    ``waiting`` are counts only: agreed records keep no reference to their box."""

    __tablename__ = "paper_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"),
                                             index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    received: Mapped[int]
    # Counters of the box's progress (cumulative: agreed sheets are erased, their counts stay).
    keyed_once: Mapped[int] = mapped_column(default=0)
    keyed_twice: Mapped[int] = mapped_column(default=0)
    discordant: Mapped[int] = mapped_column(default=0)
    agreed: Mapped[int] = mapped_column(default=0)
    # Agreed since the last hand-over to the pool (a hand-over needs two boxes or more).
    waiting: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaperSheet(Base):
    """One paper sheet while it is in entry. ``reference`` is its printed sheet id (random,
    with a check character) or, for a sheet printed without one, ``L<box>-<number>`` written on
    it when the box was received. ``verify``: drawn when the first keying is finished (the first
    keyer cannot know whether their work will be checked)."""

    __tablename__ = "paper_sheet"
    __table_args__ = (
        UniqueConstraint("campaign_id", "reference", name="uq_paper_sheet_reference"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("paper_batch.id", ondelete="CASCADE"),
                                          index=True)
    reference: Mapped[str] = mapped_column(String(24))
    verify: Mapped[bool | None]


class PaperKeying(Base):
    """One person's keying of a sheet: pass 1, pass 2 (a different person) or 3 (the
    adjudication of the discordant fields, by someone who keyed neither). Owned by its keyer:
    nobody else can open it, so two people never key one sheet at once; the unique pass number
    stops two people starting the same pass together."""

    __tablename__ = "paper_keying"
    __table_args__ = (
        UniqueConstraint("sheet_id", "pass_no", name="uq_paper_keying_pass"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    sheet_id: Mapped[str] = mapped_column(ForeignKey("paper_sheet.id", ondelete="CASCADE"))
    pass_no: Mapped[int]
    keyer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    finished: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_keyed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Time spent keying: gaps between saved fields, each capped (a pause is not work).
    seconds: Mapped[float] = mapped_column(default=0.0)


class KeyedValue(Base):
    """What was typed into one field of a keying: ``raw`` as typed ("" = not answered on
    paper). Saved field by field, so nothing keyed is lost when a browser or the server dies."""

    __tablename__ = "paper_value"
    __table_args__ = ({"sqlite_with_rowid": False},)

    keying_id: Mapped[str] = mapped_column(
        ForeignKey("paper_keying.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(80), primary_key=True)
    raw: Mapped[str] = mapped_column(Text, default="")


class PaperAgreed(Base):
    """An agreed record waiting to be handed to the holding pool: its answer rows and banner
    categories, nothing else (like ``response_pool``: no sheet, no box, no time)."""

    __tablename__ = "paper_agreed"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"),
                                             index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    payload: Mapped[dict[str, Any]]


class PaperSheetKey(Base):
    """The keyed hash of an agreed sheet's reference: keying the same paper again is refused.
    The reference itself is gone, and nothing here points at a record."""

    __tablename__ = "paper_sheet_key"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))


class KeyerTally(Base):
    """Keyer statistics of a campaign: sums per keyer, never per sheet. ``discordant``: fields
    of this keyer's finished keyings that differed from the other keying; ``errors``: those
    where the adjudicated value was not this keyer's."""

    __tablename__ = "keyer_tally"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    keyer_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), primary_key=True)
    sheets: Mapped[int] = mapped_column(default=0)
    fields: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    compared: Mapped[int] = mapped_column(default=0)
    discordant: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    adjudicated: Mapped[int] = mapped_column(default=0)


# Kept as it is on PostgreSQL, like the pool's payload: the attack tests read what an attacker would.
event.listen(PaperAgreed.__table__, "after_create", DDL(
    "ALTER TABLE paper_agreed ALTER COLUMN payload SET STORAGE EXTERNAL").execute_if(
    dialect="postgresql"))
