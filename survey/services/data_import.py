"""Responses collected with KoboToolbox or ODK, made ready to enter a questionnaire version.

:func:`prepare` takes a data export (``.xlsx`` or ``.csv``), the XLSForm it was collected with and
the version the responses go into, and returns each submission as a validated answers dict with
the keyed hash of its submission id (:func:`survey.questionnaire.xlsform_data.row_key`), plus a
report naming every column it did not keep and why (submission time, device, user, ids, GPS,
attachments, repeats, questions the form import left out), every value it could not read, and
every answer the version's rules do not allow. Answers are checked the way the respondent flow
checks them: :func:`survey.questionnaire.runtime.rules.prune` drops what the skip logic hides, each visible
page is validated, and :func:`survey.questionnaire.storage.answer_rows` must accept the result.

Exactly once: a submission whose key is among ``known_keys`` (imported before) is not prepared
again, nor is a second row of the same submission in one file.

Storing: :func:`import_data` prepares an export for a campaign and stores what it kept, in one
transaction (all or nothing): each record's key goes into ``import_key`` (so the next import finds
it) and its answers into the holding pool with ``mode="import"`` (``survey.services.pool.hold``),
never into ``response``/``answer`` directly; keys and records are each inserted in a random order,
so neither the order of the source file nor a pairing of key and response survives. What is
stored is exactly the records :func:`prepare` kept: an answer that breaks a rule of the version is
left out with its reason, a row with no usable answer left is refused with its reasons (the lines
of its row), the others are imported. A refused *file* (unreadable form or export, a form that is
not the campaign's version) stores nothing.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any, Collection, Iterator, Mapping

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.questionnaire import iter_pages
from survey.questionnaire.storage import StorageError, answer_rows
from survey.questionnaire.xlsform import from_xlsx
from survey.questionnaire.xlsform_data import Record, map_export, read_table
from survey.questionnaire.xlsform_report import Report

__all__ = ["PreparedImport", "prepare", "check_answers", "ImportOutcome", "import_data",
           "import_secret", "version_differences"]

MAX_ROUNDS = 10


@dataclass
class PreparedImport:
    """Submissions ready to store (``records``) and the report of what was left out."""

    records: list[Record] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    skipped: int = 0  # submissions imported before

    @property
    def ok(self) -> bool:
        return not self.report.of_kind("refused")


def prepare(definition: Mapping[str, Any], form: bytes, form_name: str, export: bytes,
            export_name: str, secret: bytes, known_keys: Collection[str] = ()) -> PreparedImport:
    """Read ``export`` (collected with the XLSForm ``form``) as answers of ``definition``.

    Never raises for bad files: a refused form or export gives a ``refused`` line and no
    records."""
    result = PreparedImport()
    report = result.report
    imported = from_xlsx(form, form_name)
    if not imported.ok:
        why = "; ".join(line.text("en") for line in imported.report.of_kind("refused"))
        why_vi = "; ".join(line.text("vi") for line in imported.report.of_kind("refused"))
        report.add("data-form-refused", why=why, why_vi=why_vi)
        return result
    headers, rows = read_table(export, export_name, report)
    if not result.ok:
        return result
    read = map_export(definition, headers, rows, imported.names, secret,
                      imported.rank_positions, imported.dropped_names, report)
    if not read.ok:
        return result
    hidden: dict[str, int] = {}
    empty = 0
    for record in read.records:
        if record.key in known_keys:
            result.skipped += 1
            continue
        record.answers = check_answers(definition, record.answers, record.row, report, hidden)
        if not record.answers:
            empty += 1
            continue
        result.records.append(record)
    if empty:
        report.add("data-rows-empty", count=empty)
    if hidden:
        report.add("data-answer-hidden", count=sum(hidden.values()),
                   names=", ".join(sorted(hidden)))
    if result.skipped:
        report.add("data-already", count=result.skipped)
    return result


def check_answers(definition: Mapping[str, Any], answers: dict[str, Any], row: int,
                  report: Report, hidden: dict[str, int] | None = None) -> dict[str, Any]:
    """``answers`` as the respondent flow would accept them: answers the skip logic hides are
    dropped (counted in ``hidden``), an answer a visible question refuses (out of range, too
    long, too many choices, an option not offered) is left out with a line. An unanswered
    required question stays unanswered: the data is stored as it was collected."""
    from flask import has_app_context
    from flask_babel import force_locale

    from survey.questionnaire.runtime.rules import prune, validate_page

    current = dict(answers)
    for _round in range(MAX_ROUNDS):
        kept = prune(definition, current)
        if hidden is not None:
            for key in set(current) - set(kept):
                hidden[key.split(".")[0]] = hidden.get(key.split(".")[0], 0) + 1
        current = kept
        problems: dict[str, str] = {}
        for page in iter_pages(definition):
            if has_app_context():
                with force_locale("vi"):  # Vietnamese is the source language of these texts
                    problems.update(validate_page(page, current))
            else:
                problems.update(validate_page(page, current))
        fixable = {item: text for item, text in problems.items() if item in current}
        if not fixable:
            break
        for item, text in fixable.items():
            current.pop(item, None)
            current.pop(f"{item}.other", None)
            report.add("data-answer-invalid", "data", row, item, name=item, problem=text,
                       problem_en="the answer does not fit the question (range, length, "
                                  "choices or constraint)")
    try:
        answer_rows(definition, current)
    except StorageError as exc:  # a value the definition cannot store: leave the item out
        report.add("data-answer-invalid", "data", row, None, name="—",
                   problem="giá trị không lưu được theo phiếu", problem_en=str(exc))
        return {}
    return current


# --------------------------------------------------------------------------- storing

@dataclass
class ImportOutcome:
    """What :func:`import_data` did: counts and the full report (both languages)."""

    report: Report = field(default_factory=Report)
    imported: int = 0   # records handed to the holding pool
    already: int = 0    # submissions imported before: not added again
    refused: int = 0    # rows with no usable answer left: not imported

    @property
    def ok(self) -> bool:
        return not self.report.of_kind("refused")

    def refusals(self, lang: str = "vi") -> list[str]:
        return self.report.texts(lang, ("refused",))

    def sections(self, lang: str = "vi") -> list[tuple[str, list[str]]]:
        """(kind, lines) for every kind of line the report holds, refusals first."""
        out = []
        for kind in ("refused", "dropped", "changed", "note"):
            texts = self.report.texts(lang, (kind,))
            if texts:
                out.append((kind, texts))
        return out


def import_secret(secret_key: str | bytes) -> bytes:
    """The key of the import hashes, derived from the app's ``SECRET_KEY`` (a new SECRET_KEY
    makes earlier imports unrecognisable: the same file would then be imported again)."""
    key = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    return hmac.new(key, b"xlsform-data-import-v1", hashlib.sha256).digest()


class _KnownKeys:
    """``key in known``: looked up in ``import_key`` (any campaign: a submission is imported
    once, wherever)."""

    def __init__(self, session: Session):
        self.session = session

    def __contains__(self, key: object) -> bool:
        from survey.models import ImportKey

        return self.session.scalar(select(ImportKey.key).where(ImportKey.key == key)) is not None

    def __iter__(self) -> Iterator[str]:  # pragma: no cover - prepare only asks ``in``
        return iter(())

    def __len__(self) -> int:  # pragma: no cover
        return 0


def version_differences(form_definition: Mapping[str, Any],
                        version_definition: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Why the questions of an XLSForm are not those of a version, as (Vietnamese, English)
    phrases: a question the version lacks, of another type, or whose options (name → code)
    differ. Questions of the version the form lacks are fine (left unanswered); labels may
    differ (Vietnamese labels added after the import)."""
    from survey.questionnaire.model import iter_items

    version_items = {item["id"]: item for item in iter_items(version_definition)}
    out: list[tuple[str, str]] = []
    for item in iter_items(form_definition):
        ours = version_items.get(item["id"])
        if ours is None:
            out.append((f"câu {item['id']} không có trong phiên bản",
                        f"{item['id']} is not in the version"))
        elif ours["type"] != item["type"]:
            out.append((f"câu {item['id']} khác loại ({item['type']} / {ours['type']})",
                        f"{item['id']} has another type ({item['type']} / {ours['type']})"))
        elif _options(ours) != _options(item) or _rows(ours) != _rows(item):
            out.append((f"câu {item['id']} khác phương án hoặc mã số",
                        f"{item['id']} has other options or codes"))
    return out


def _options(item: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    return [(option["code"], option.get("name")) for option in item.get("options") or []]


def _rows(item: Mapping[str, Any]) -> list[Any]:
    return [row.get("id") for row in item.get("rows") or []]


def import_data(session: Session, campaign: Any, export: bytes, export_name: str,
                form: bytes | None = None, form_name: str | None = None,
                secret: bytes = b"") -> ImportOutcome:
    """Import a KoboToolbox/ODK export into ``campaign`` (its version), exactly once; commits
    when something was stored, rolls back otherwise. ``form``: the XLSForm the data was
    collected with (default: the XLSForm of the campaign's version, which names options the
    same way). Never raises for bad files: a refused file gives a ``refused`` line and stores
    nothing."""
    from survey.models import ImportKey
    from survey.questionnaire.xlsform import to_xlsx
    from survey.services import pool
    from survey.services.responses import banner_cells

    outcome = ImportOutcome()
    report = outcome.report
    version = campaign.version
    definition = version.definition
    if form is None:
        try:
            form, form_name = to_xlsx(definition), f"{campaign.slug}.xlsx"
        except Exception:  # noqa: BLE001 - a version the writer cannot express
            report.add("data-form-unavailable")
            return outcome
    form_name = form_name or "form.xlsx"
    try:
        imported = from_xlsx(form, form_name)
    except Exception:  # noqa: BLE001 - prepare says why, in both languages
        imported = None
    if imported is not None and imported.ok:
        differences = version_differences(imported.definition, definition)
        if differences:
            title = f"«{version.questionnaire.slug}» v{version.number}"
            report.add("data-version-mismatch", title=title,
                       why_vi="; ".join(vi for vi, _en in differences[:8]),
                       why="; ".join(en for _vi, en in differences[:8]))
            return outcome
    prepared = prepare(definition, form, form_name, export, export_name, secret,
                       known_keys=_KnownKeys(session))
    outcome.report = report = prepared.report
    outcome.already = prepared.skipped
    outcome.refused = sum(int(dict(line.params)["count"]) for line in report.lines
                          if line.code == "data-rows-empty")
    if not prepared.ok:
        return outcome
    if not prepared.records:
        session.rollback()
        return outcome
    chooser = secrets.SystemRandom()
    keys = [{"key": record.key, "campaign_id": campaign.id} for record in prepared.records]
    records = list(prepared.records)
    chooser.shuffle(keys)
    chooser.shuffle(records)
    try:
        session.execute(insert(ImportKey.__table__), keys)
        for record in records:
            rows = answer_rows(definition, record.answers)
            pool.hold(session, campaign.id, version.id, rows, banner_cells(definition, rows),
                      mode="import")
        session.commit()
    except IntegrityError:  # another import stored one of these keys first
        session.rollback()
        report.add("data-import-busy")
        return outcome
    except Exception:
        session.rollback()
        raise
    outcome.imported = len(records)
    report.add("data-stored", count=outcome.imported)
    return outcome
