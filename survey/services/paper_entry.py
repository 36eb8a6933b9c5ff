"""Double entry of paper sheets: keying, comparison, adjudication, agreement.

The workflow, as EpiData and CSPro users know it:

1. A keyer opens a sheet of a box by the id printed on it (or the number written on it when
   the box was received) and keys it field by field; every field is saved as it is typed
   (nothing is lost when a browser or the server dies), checked with the respondent flow's
   rules (:mod:`survey.services.paper_fields`).
2. When the first keying is finished, a random draw (the campaign's verification share; 100 %
   by default) decides whether the sheet is keyed a second time. The first keyer is not told.
3. The second keying is done by someone else, who never sees the first one's values.
4. Finished twice, the two keyings are compared field by field. Equal: the record is agreed.
   Otherwise a third person, who keyed neither, keys the discordant fields again from the paper
   (seeing both values), and that is the agreed record.
5. An agreed record leaves the entry tables at once: its sheet, both keyings, their typed
   values and times are deleted; its answer rows wait in ``paper_agreed`` for the holding pool
   (:mod:`survey.services.paper_release`), and the keyed hash of its sheet id stays so the same
   paper is never keyed into the results twice.

A keying belongs to its keyer: nobody else can open it, so two people never key one sheet at
once, and the unique (sheet, pass) pair stops two people starting the same pass together.
Keyer statistics are sums per keyer (:class:`survey.models.KeyerTally`).

Errors are :class:`EntryError` with a message in the request's language (Vietnamese source).
Functions never commit; the caller does (then calls :func:`paper_release.scrub` after an
agreement).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey import clock
from survey.models import (Campaign, EntrySettings, KeyedValue, KeyerTally, PaperAgreed,
                           PaperBatch, PaperKeying, PaperSheet, PaperSheetKey, StaffUser)
from survey.questionnaire.runtime import rules
from survey.services import paper_fields as pf
from survey.services import sheet_ids

__all__ = ["EntryError", "reference_for", "open_sheet", "values_of", "save_field", "finish",
           "Discord", "discords", "start_adjudication", "discard", "plan_of", "sheet_state",
           "PAUSE_SECONDS", "format_reference"]

# A gap between two saved fields longer than this is a pause, counted as this long.
PAUSE_SECONDS = 120.0
PASS_ADJUDICATION = 3


class EntryError(ValueError):
    """A refusal, with a message for the keyer (already translated)."""


def plan_of(campaign: Campaign) -> pf.Plan:
    """The fields of the campaign's version (built once per version: versions never change,
    so the version's definition is not even loaded again)."""
    from sqlalchemy.orm import object_session

    from survey.models import QuestionnaireVersion

    session = object_session(campaign)
    digest = session.scalar(select(QuestionnaireVersion.content_hash).where(
        QuestionnaireVersion.id == campaign.version_id)) if session is not None else None
    key = ("version", campaign.version_id, digest)  # the hash: ids repeat across databases
    plan = pf.cached_plan(key)
    return plan if plan is not None else pf.plan_for(campaign.version.definition, key=key)


# ------------------------------------------------------------------------------ sheets

def reference_for(batch: PaperBatch, raw: str) -> str:
    """The stored reference of a sheet typed as ``raw``: a printed sheet id (its check
    character must match) or the number written on the sheet when its box was received."""
    text = (raw or "").strip()
    if text.isdigit():
        number = int(text)
        if not 1 <= number <= batch.received:
            raise EntryError(_("Số thứ tự phiếu phải từ 1 đến %(n)s (số phiếu của lô).",
                               n=batch.received))
        return f"L{batch.id}-{number}"
    if not sheet_ids.is_valid(text):
        raise EntryError(_("Mã phiếu «%(text)s» không đúng (sai ký tự hoặc ký tự kiểm tra): "
                           "hãy đọc lại mã in trên phiếu.", text=text[:20]))
    return sheet_ids.normalize(text)


def format_reference(reference: str) -> str:
    """A reference as a keyer reads it: ``ABCD-EFG``, or ``số 17 (lô 3)``."""
    if reference.startswith("L") and "-" in reference:
        box, number = reference[1:].split("-", 1)
        return _("số %(n)s (lô %(box)s)", n=number, box=box)
    return sheet_ids.format_sheet_id(reference)


def _keyings(session: Session, sheet: PaperSheet) -> dict[int, PaperKeying]:
    return {k.pass_no: k for k in session.scalars(
        select(PaperKeying).where(PaperKeying.sheet_id == sheet.id))}


def sheet_state(session: Session, sheet: PaperSheet) -> str:
    """``first`` (first keying under way), ``second`` (waiting for or under its second
    keying), ``discordant`` (waiting for adjudication), ``adjudicating``."""
    keyings = _keyings(session, sheet)
    if PASS_ADJUDICATION in keyings:
        return "adjudicating"
    if 2 in keyings and keyings[2].finished:
        return "discordant"
    if 1 in keyings and keyings[1].finished:
        return "second"
    return "first"


def open_sheet(session: Session, campaign: Campaign, batch: PaperBatch, raw_reference: str,
               user: StaffUser, secret: str | bytes) -> PaperKeying:
    """The keying ``user`` should work on for this sheet: a new first keying, the second one,
    or their own unfinished one. Raises :class:`EntryError` saying why not otherwise."""
    settings = session.get(EntrySettings, campaign.id)
    if settings is None or settings.finished:
        raise EntryError(_("Việc nhập phiếu giấy của đợt này chưa mở hoặc đã kết thúc."))
    reference = reference_for(batch, raw_reference)
    key = sheet_ids.sheet_key(secret, campaign.id, reference)
    if session.get(PaperSheetKey, key) is not None:
        raise EntryError(_("Phiếu này đã được nhập xong và thống nhất: không nhập lại."))
    sheet = session.scalar(select(PaperSheet).where(PaperSheet.campaign_id == campaign.id,
                                                    PaperSheet.reference == reference))
    try:
        if sheet is None:
            sheet = PaperSheet(campaign_id=campaign.id, batch_id=batch.id, reference=reference)
            session.add(sheet)
            session.flush()
            return _new_keying(session, sheet, 1, user)
        if sheet.batch_id != batch.id:
            other = session.get(PaperBatch, sheet.batch_id)
            raise EntryError(_("Phiếu này thuộc lô «%(label)s», không thuộc lô đang chọn.",
                               label=other.label if other else sheet.batch_id))
        keyings = _keyings(session, sheet)
        for pass_no in (1, 2, PASS_ADJUDICATION):
            keying = keyings.get(pass_no)
            if keying is not None and not keying.finished:
                if keying.keyer_id == user.id:
                    return keying
                raise EntryError(_("Phiếu này đang được người khác nhập: hai người không nhập "
                                   "cùng một phiếu một lúc."))
        if 2 in keyings:
            raise EntryError(_("Phiếu này đã được nhập hai lần và đang chờ đối chiếu."))
        if keyings[1].keyer_id == user.id:
            raise EntryError(_("Bạn đã nhập lần thứ nhất phiếu này; lần thứ hai phải do người "
                               "khác nhập."))
        if not sheet.verify:  # pragma: no cover - a sheet not drawn is agreed at once
            raise EntryError(_("Phiếu này không cần nhập lần thứ hai."))
        return _new_keying(session, sheet, 2, user)
    except IntegrityError:
        session.rollback()
        raise EntryError(_("Phiếu này vừa được người khác mở. Vui lòng thử lại.")) from None


def _new_keying(session: Session, sheet: PaperSheet, pass_no: int,
                user: StaffUser) -> PaperKeying:
    now = clock.now()
    keying = PaperKeying(sheet_id=sheet.id, pass_no=pass_no, keyer_id=user.id,
                         started_at=now, last_keyed_at=now, seconds=0.0, finished=False)
    session.add(keying)
    session.flush()
    return keying


def values_of(session: Session, keying: PaperKeying) -> dict[str, str]:
    return dict(session.execute(select(KeyedValue.field, KeyedValue.raw)
                                .where(KeyedValue.keying_id == keying.id)).all())


# ------------------------------------------------------------------------------ keying

@dataclass
class Saved:
    """A saved field: the sheet's evaluation after it, and the fields whose values were
    removed because the new value skips them."""

    evaluation: pf.Evaluation
    cleared: list[str] = field(default_factory=list)


def _upsert(session: Session, keying_id: str, name: str, text: str) -> None:
    table = KeyedValue.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(keying_id=keying_id, field=name, raw=text)
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.keying_id, table.c.field], set_={"raw": text}))


def _own(keying: PaperKeying, user: StaffUser) -> None:
    if keying.keyer_id != user.id:
        raise EntryError(_("Phiếu này đang được người khác nhập: hai người không nhập cùng một "
                           "phiếu một lúc."))
    if keying.finished:
        raise EntryError(_("Lượt nhập này đã hoàn tất: không sửa được nữa."))


def save_field(session: Session, keying: PaperKeying, plan: pf.Plan, name: str, text: str,
               user: StaffUser, language: str = "vi",
               values: dict[str, str] | None = None) -> Saved:
    """Check and save one typed field (``""``: not answered on paper). Refused values raise
    :class:`EntryError` and change nothing. Values of fields the new value skips are removed
    (a sheet never holds an answer its own routing hides)."""
    _own(keying, user)
    text = (text or "").replace("\r", " ").replace("\n", " ").strip()[:2000]
    raw = dict(values_of(session, keying) if values is None else values)
    problem, evaluation = pf.check_field(plan, raw, name, text, language)
    if problem or evaluation is None:
        raise EntryError(problem or "")
    raw[name] = text
    cleared: list[str] = []
    while True:
        skipped = [n for n, s in evaluation.states.items()
                   if s.status == pf.SKIPPED and n in raw]
        if not skipped:
            break
        for gone in skipped:
            raw.pop(gone)
            cleared.append(gone)
        evaluation = pf.evaluate(plan, raw, language)
    _upsert(session, keying.id, name, text)
    if cleared:
        session.execute(delete(KeyedValue).where(KeyedValue.keying_id == keying.id,
                                                 KeyedValue.field.in_(cleared)))
    now = clock.now()
    last = keying.last_keyed_at
    if last is not None:
        if last.tzinfo is None:
            last = last.replace(tzinfo=now.tzinfo)
        keying.seconds = float(keying.seconds or 0) + min(
            max((now - last).total_seconds(), 0.0), PAUSE_SECONDS)
    keying.last_keyed_at = now
    return Saved(evaluation, cleared)


def _tally(session: Session, campaign_id: int, keyer_id: int) -> KeyerTally:
    tally = session.get(KeyerTally, (campaign_id, keyer_id))
    if tally is None:
        tally = KeyerTally(campaign_id=campaign_id, keyer_id=keyer_id, sheets=0, fields=0,
                           seconds=0.0, compared=0, discordant=0, errors=0, adjudicated=0)
        session.add(tally)
        session.flush()
    return tally


def _ready(plan: pf.Plan, raw: dict[str, str], language: str) -> pf.Evaluation:
    evaluation = pf.evaluate(plan, raw, language)
    todo = [plan.by_name[n].label for n, s in evaluation.states.items() if s.status == pf.TODO]
    if todo:
        raise EntryError(_("Còn %(n)s ô chưa nhập (%(fields)s). Ô để trống trên phiếu: nhấn "
                           "Enter ở ô trống.", n=len(todo), fields=", ".join(todo[:8])))
    if evaluation.errors:
        name, message = next(iter(evaluation.errors.items()))
        raise EntryError(_("Câu %(item)s: %(message)s", item=plan.by_name[name].label,
                           message=message))
    if not any(s.status == pf.KEYED for s in evaluation.states.values()):
        raise EntryError(_("Phiếu không có câu trả lời nào: phiếu trắng không được nhập vào "
                           "kết quả. Hãy báo người giám sát để bỏ phiếu này."))
    return evaluation


@dataclass
class Finished:
    """What finishing a keying led to: ``agreed``, ``second`` (a second keying is due) or
    ``discordant`` (waiting for adjudication)."""

    outcome: str
    discordant: int = 0


def finish(session: Session, keying: PaperKeying, plan: pf.Plan, user: StaffUser,
           secret: str | bytes, language: str = "vi") -> Finished:
    """Finish a keying: every field keyed (or marked not answered), no error left."""
    _own(keying, user)
    sheet = session.get(PaperSheet, keying.sheet_id)
    campaign = session.get(Campaign, sheet.campaign_id)
    batch = session.get(PaperBatch, sheet.batch_id)
    raw = values_of(session, keying)
    evaluation = _ready(plan, raw, language)
    keying.finished = True
    if keying.pass_no == PASS_ADJUDICATION:
        return _finish_adjudication(session, campaign, batch, sheet, keying, plan, raw,
                                    secret)
    tally = _tally(session, campaign.id, keying.keyer_id)
    tally.sheets += 1
    tally.fields += sum(1 for s in evaluation.states.values() if s.status != pf.SKIPPED)
    tally.seconds += float(keying.seconds or 0)
    if keying.pass_no == 1:
        batch.keyed_once += 1
        settings = session.get(EntrySettings, campaign.id)
        share = settings.verify_percent if settings is not None else 100
        sheet.verify = secrets.randbelow(100) < share
        if not sheet.verify:
            _agree(session, campaign, batch, sheet, plan, raw, secret)
            return Finished("agreed")
        return Finished("second")
    batch.keyed_twice += 1
    first = session.scalar(select(PaperKeying).where(PaperKeying.sheet_id == sheet.id,
                                                     PaperKeying.pass_no == 1))
    differ = discords(plan, values_of(session, first), raw, language)
    compared = _compared(plan, values_of(session, first), raw, language)
    for keyer_id in {first.keyer_id, keying.keyer_id}:
        other = _tally(session, campaign.id, keyer_id)
        other.compared += compared
        other.discordant += len(differ)
    if not differ:
        _agree(session, campaign, batch, sheet, plan, raw, secret)
        return Finished("agreed")
    batch.discordant += 1
    return Finished("discordant", len(differ))


@dataclass(frozen=True)
class Discord:
    """A field the two keyings disagree on: what each typed (``None``: skipped by its own
    routing)."""

    name: str
    label: str
    first: str | None
    second: str | None


def _shown(plan: pf.Plan, raw: dict[str, str], language: str) -> dict[str, str | None]:
    evaluation = pf.evaluate(plan, raw, language)
    return {n: (None if s.status == pf.SKIPPED else (s.raw or "")) for n, s in
            evaluation.states.items()}


def _compared(plan: pf.Plan, one: dict[str, str], two: dict[str, str], language: str) -> int:
    a, b = _shown(plan, one, language), _shown(plan, two, language)
    return sum(1 for n in a if a[n] is not None or b[n] is not None)


def discords(plan: pf.Plan, one: dict[str, str], two: dict[str, str],
             language: str = "vi") -> list[Discord]:
    """The fields whose meaning differs between two keyings (in keying order)."""
    a, b = _shown(plan, one, language), _shown(plan, two, language)
    out = []
    for spec in plan.fields:
        left, right = a[spec.name], b[spec.name]
        if left is None and right is None:
            continue
        if left is None or right is None or \
                pf.canonical(spec, left) != pf.canonical(spec, right):
            out.append(Discord(spec.name, spec.label, left, right))
    return out


def start_adjudication(session: Session, sheet: PaperSheet, plan: pf.Plan, user: StaffUser,
                       language: str = "vi") -> tuple[PaperKeying, list[Discord]]:
    """The adjudication keying of a discordant sheet, by someone who keyed neither keying:
    the agreed fields are filled in, the discordant ones are left to key from the paper."""
    keyings = _keyings(session, sheet)
    if not (1 in keyings and 2 in keyings and keyings[2].finished):
        raise EntryError(_("Phiếu này không chờ đối chiếu."))
    if user.id in (keyings[1].keyer_id, keyings[2].keyer_id):
        raise EntryError(_("Bạn đã nhập phiếu này: việc đối chiếu phải do người thứ ba hoặc "
                           "người giám sát làm."))
    one, two = values_of(session, keyings[1]), values_of(session, keyings[2])
    differ = discords(plan, one, two, language)
    existing = keyings.get(PASS_ADJUDICATION)
    if existing is not None:
        if existing.keyer_id != user.id:
            raise EntryError(_("Phiếu này đang được người khác đối chiếu."))
        return existing, differ
    try:
        keying = _new_keying(session, sheet, PASS_ADJUDICATION, user)
    except IntegrityError:
        session.rollback()
        raise EntryError(_("Phiếu này vừa được người khác mở. Vui lòng thử lại.")) from None
    disputed = {d.name for d in differ}
    agreed = {name: text for name, text in one.items() if name not in disputed}
    if agreed:
        session.execute(KeyedValue.__table__.insert(), [
            {"keying_id": keying.id, "field": name, "raw": text} for name, text in agreed.items()])
    return keying, differ


def _finish_adjudication(session: Session, campaign: Campaign, batch: PaperBatch,
                         sheet: PaperSheet, keying: PaperKeying, plan: pf.Plan,
                         raw: dict[str, str], secret: str | bytes) -> Finished:
    keyings = _keyings(session, sheet)
    final = _shown(plan, raw, "vi")
    for pass_no in (1, 2):
        mine = _shown(plan, values_of(session, keyings[pass_no]), "vi")
        wrong = 0
        for spec in plan.fields:
            left, right = mine[spec.name], final[spec.name]
            if left is None and right is None:
                continue
            if left is None or right is None or \
                    pf.canonical(spec, left) != pf.canonical(spec, right):
                wrong += 1
        _tally(session, campaign.id, keyings[pass_no].keyer_id).errors += wrong
    _tally(session, campaign.id, keying.keyer_id).adjudicated += 1
    _agree(session, campaign, batch, sheet, plan, raw, secret)
    return Finished("agreed")


def _agree(session: Session, campaign: Campaign, batch: PaperBatch, sheet: PaperSheet,
           plan: pf.Plan, raw: dict[str, str], secret: str | bytes) -> None:
    """The record becomes agreed: its answer rows wait for the pool, the sheet and every
    keying of it (values, keyers, times) are deleted."""
    from survey.questionnaire.storage import StorageError, answer_rows
    from survey.services import paper_release
    from survey.services.responses import banner_cells

    paper_release.lock(session)
    definition = campaign.version.definition
    answers = rules.prune(plan.definition, pf.evaluate(plan, raw).answers)
    try:
        rows = answer_rows(definition, answers)
    except StorageError as exc:  # pragma: no cover - every value passed the version's rules
        raise EntryError(str(exc)) from exc
    session.add(PaperAgreed(campaign_id=campaign.id, version_id=campaign.version_id, payload={
        "rows": [[r.variable, r.position, r.code, r.number, r.text] for r in rows],
        "banners": [list(cell) for cell in banner_cells(definition, rows)]}))
    session.add(PaperSheetKey(key=sheet_ids.sheet_key(secret, campaign.id, sheet.reference),
                              campaign_id=campaign.id))
    _erase_sheet(session, sheet)
    batch.agreed += 1
    batch.waiting += 1
    session.flush()
    paper_release.hand_over(session, campaign)


def _erase_sheet(session: Session, sheet: PaperSheet) -> None:
    ids = list(session.scalars(select(PaperKeying.id).where(PaperKeying.sheet_id == sheet.id)))
    if ids:
        session.execute(delete(KeyedValue).where(KeyedValue.keying_id.in_(ids)))
        session.execute(delete(PaperKeying).where(PaperKeying.id.in_(ids)))
    session.execute(delete(PaperSheet).where(PaperSheet.id == sheet.id))
    session.expire_all()


def discard(session: Session, keying: PaperKeying) -> None:
    """Drop an unfinished keying (its keyer left it): the sheet can be opened again, from
    scratch. A sheet left with no keying at all is dropped too."""
    if keying.finished:
        raise EntryError(_("Lượt nhập này đã hoàn tất: không hủy được."))
    sheet = session.get(PaperSheet, keying.sheet_id)
    session.execute(delete(KeyedValue).where(KeyedValue.keying_id == keying.id))
    session.execute(delete(PaperKeying).where(PaperKeying.id == keying.id))
    remaining = session.scalar(select(PaperKeying.id).where(PaperKeying.sheet_id == sheet.id))
    if remaining is None:
        session.execute(delete(PaperSheet).where(PaperSheet.id == sheet.id))
    session.expire_all()

