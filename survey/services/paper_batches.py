"""Paper entry of a campaign: its settings, its boxes of sheets with their counts, the sheets
waiting for a second keying or for adjudication, and keyer statistics.

A box (``PaperBatch``) is what the institute receives from one unit. Like an access-code batch
it is never smaller than the campaign's threshold (``ANONYMITY_FLOOR`` at least): while its
sheets are in entry their typed answers are tied to the box, and a box of two would tie two
people's answers to their unit. Its counts are the progress of the keyers' work (received,
keyed once, keyed twice, discordant, agreed): no count says anything about what anyone
answered, and agreed records keep no reference to their box.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import (Campaign, EntrySettings, KeyerTally, PaperBatch, PaperKeying,
                           PaperSheet, StaffUser)
from survey.services.audit import record
from survey.services.paper_entry import EntryError

__all__ = ["MAX_BOX", "settings_for", "save_settings", "create_batch", "batches",
           "BatchCounts", "Waiting", "waiting_sheets", "KeyerStats", "keyer_stats"]

MAX_BOX = 100_000


def settings_for(session: Session, campaign: Campaign) -> EntrySettings | None:
    return session.get(EntrySettings, campaign.id)


def save_settings(session: Session, campaign: Campaign, verify_percent: int, finished: bool,
                  actor: StaffUser | None) -> EntrySettings:
    """Open paper entry for a campaign, or change its verification share or finish it."""
    if isinstance(verify_percent, bool) or not isinstance(verify_percent, int) or \
            not 1 <= verify_percent <= 100:
        raise EntryError(_("Tỷ lệ phiếu nhập hai lần phải từ 1 đến 100 (%%)."))
    settings = session.get(EntrySettings, campaign.id)
    if settings is None:
        settings = EntrySettings(campaign_id=campaign.id)
        session.add(settings)
    settings.verify_percent = verify_percent
    settings.finished = bool(finished)
    record(session, actor, "entry.settings", f"campaign:{campaign.id}",
           {"verify_percent": verify_percent, "finished": bool(finished)})
    return settings


def create_batch(session: Session, campaign: Campaign, label: str, received: int,
                 actor: StaffUser | None) -> PaperBatch:
    """A box of ``received`` sheets. Raises :class:`EntryError` for a box smaller than the
    campaign's threshold, a label too long, or entry not open."""
    from survey.services.pool import threshold

    settings = session.get(EntrySettings, campaign.id)
    if settings is None or settings.finished:
        raise EntryError(_("Việc nhập phiếu giấy của đợt này chưa mở hoặc đã kết thúc."))
    k = threshold(campaign)
    if isinstance(received, bool) or not isinstance(received, int):
        raise EntryError(_("Số phiếu nhận được phải là một số nguyên."))
    if received < k:
        raise EntryError(_("Mỗi lô phải có ít nhất %(n)s phiếu (ngưỡng bảo mật của đợt khảo "
                           "sát): một lô nhỏ hơn có thể làm lộ người trả lời. Hãy gộp với phiếu "
                           "của đơn vị khác.", n=k))
    if received > MAX_BOX:
        raise EntryError(_("Mỗi lô có tối đa %(n)s phiếu.", n=MAX_BOX))
    label = (label or "").strip()
    if len(label) > 200:
        raise EntryError(_("Nhãn lô tối đa 200 ký tự."))
    batch = PaperBatch(campaign_id=campaign.id, label=label, received=received, keyed_once=0,
                       keyed_twice=0, discordant=0, agreed=0, waiting=0,
                       created_by_id=actor.id if actor else None)
    session.add(batch)
    session.flush()
    record(session, actor, "entry.batch", f"campaign:{campaign.id}",
           {"batch": batch.id, "received": received, "label": label})
    return batch


@dataclass(frozen=True)
class BatchCounts:
    batch: PaperBatch
    in_first: int      # first keying under way
    in_second: int     # waiting for or under a second keying
    discordant_now: int  # waiting for adjudication

    @property
    def label(self) -> str:
        return self.batch.label or f"#{self.batch.id}"


def batches(session: Session, campaign: Campaign) -> list[BatchCounts]:
    """Every box of the campaign with its counts (the cumulative ones on the box, the live
    ones from the sheets still in entry)."""
    rows = list(session.scalars(select(PaperBatch).where(PaperBatch.campaign_id == campaign.id)
                                .order_by(PaperBatch.id)))
    live: dict[int, dict[str, int]] = {row.id: {"first": 0, "second": 0, "discordant": 0}
                                       for row in rows}
    states = session.execute(
        select(PaperSheet.batch_id, PaperSheet.id, PaperKeying.pass_no, PaperKeying.finished)
        .join(PaperKeying, PaperKeying.sheet_id == PaperSheet.id, isouter=True)
        .where(PaperSheet.campaign_id == campaign.id)).all()
    sheets: dict[str, tuple[int, dict[int, bool]]] = {}
    for batch_id, sheet_id, pass_no, finished in states:
        sheets.setdefault(sheet_id, (batch_id, {}))[1][pass_no] = bool(finished)
    for batch_id, passes in sheets.values():
        state = _state(passes)
        if batch_id in live and state in live[batch_id]:
            live[batch_id][state] += 1
    return [BatchCounts(row, live[row.id]["first"], live[row.id]["second"],
                        live[row.id]["discordant"]) for row in rows]


def _state(passes: dict[int | None, bool]) -> str:
    if 3 in passes or passes.get(2):
        return "discordant"
    if passes.get(1):
        return "second"
    return "first"


@dataclass(frozen=True)
class Waiting:
    """A sheet still in entry, as the campaign's entry page lists it: its reference, its box,
    its state and who keyed it (never its values)."""

    sheet: PaperSheet
    batch: PaperBatch
    state: str
    keyers: tuple[int, ...]
    open_keyer: int | None
    open_keying: str | None


def waiting_sheets(session: Session, campaign: Campaign) -> list[Waiting]:
    rows = session.execute(
        select(PaperSheet, PaperBatch)
        .join(PaperBatch, PaperBatch.id == PaperSheet.batch_id)
        .where(PaperSheet.campaign_id == campaign.id)
        .order_by(PaperBatch.id, PaperSheet.reference)).all()
    keyings: dict[str, list[PaperKeying]] = {}
    for keying in session.scalars(select(PaperKeying).join(
            PaperSheet, PaperSheet.id == PaperKeying.sheet_id)
            .where(PaperSheet.campaign_id == campaign.id)):
        keyings.setdefault(keying.sheet_id, []).append(keying)
    out = []
    for sheet, batch in rows:
        mine = keyings.get(sheet.id, [])
        passes = {k.pass_no: k.finished for k in mine}
        unfinished = next((k for k in mine if not k.finished), None)
        state = "adjudicating" if 3 in passes else _state(passes)
        out.append(Waiting(sheet, batch, state,
                           tuple(k.keyer_id for k in sorted(mine, key=lambda k: k.pass_no)
                                 if k.pass_no in (1, 2)),
                           unfinished.keyer_id if unfinished else None,
                           unfinished.id if unfinished else None))
    return out


@dataclass(frozen=True)
class KeyerStats:
    """One keyer's figures for a campaign: rates from sums, never per sheet."""

    user: StaffUser
    tally: KeyerTally

    @property
    def hours(self) -> float:
        return self.tally.seconds / 3600.0

    @property
    def sheets_per_hour(self) -> float | None:
        return self.tally.sheets / self.hours if self.tally.seconds >= 1 else None

    @property
    def fields_per_hour(self) -> float | None:
        return self.tally.fields / self.hours if self.tally.seconds >= 1 else None

    @property
    def discordance_rate(self) -> float | None:
        return self.tally.discordant / self.tally.compared if self.tally.compared else None

    @property
    def error_rate(self) -> float | None:
        return self.tally.errors / self.tally.compared if self.tally.compared else None


def keyer_stats(session: Session, campaign: Campaign) -> list[KeyerStats]:
    rows = session.execute(select(KeyerTally, StaffUser)
                           .join(StaffUser, StaffUser.id == KeyerTally.keyer_id)
                           .where(KeyerTally.campaign_id == campaign.id)
                           .order_by(StaffUser.username)).all()
    return [KeyerStats(user, tally) for tally, user in rows]


def entry_totals(session: Session, campaign: Campaign) -> dict[str, int]:
    """Campaign totals over its boxes."""
    row = session.execute(select(
        func.coalesce(func.sum(PaperBatch.received), 0),
        func.coalesce(func.sum(PaperBatch.keyed_once), 0),
        func.coalesce(func.sum(PaperBatch.keyed_twice), 0),
        func.coalesce(func.sum(PaperBatch.discordant), 0),
        func.coalesce(func.sum(PaperBatch.agreed), 0))
        .where(PaperBatch.campaign_id == campaign.id)).one()
    return dict(zip(("received", "keyed_once", "keyed_twice", "discordant", "agreed"),
                    (int(v) for v in row)))
