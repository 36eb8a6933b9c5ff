"""Responses collected with KoboToolbox or ODK, made ready to enter a questionnaire version.

:func:`prepare` takes a data export (``.xlsx`` or ``.csv``), the XLSForm it was collected with and
the version the responses go into, and returns each submission as a validated answers dict with
the keyed hash of its submission id (:func:`survey.questionnaire.xlsform_data.row_key`), plus a
report naming every column it did not keep and why (submission time, device, user, ids, GPS,
attachments, repeats, questions the form import left out), every value it could not read, and
every answer the version's rules do not allow. Answers are checked the way the respondent flow
checks them: :func:`survey.respond.logic.prune` drops what the skip logic hides, each visible
page is validated, and :func:`survey.questionnaire.storage.answer_rows` must accept the result.

Exactly once: a submission whose key is among ``known_keys`` (imported before) is not prepared
again, nor is a second row of the same submission in one file.

Storing is not here yet. The response storage is being redesigned for anonymity (responses enter
through a holding pool released in shuffled batches, with a ``mode`` column: ``web``, ``paper``,
``import``); ``survey/services/pool.py`` is not in the tree at the time of writing. When it is,
the store step is: for each prepared record, in one transaction, keep its key (so the next import
finds it in ``known_keys``) and hand its answers to the pool's public function for a validated
answers dict with ``mode="import"`` — never an insert into ``response``/``answer`` here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection, Mapping

from survey.questionnaire import iter_pages
from survey.questionnaire.storage import StorageError, answer_rows
from survey.questionnaire.xlsform import from_xlsx
from survey.questionnaire.xlsform_data import Record, map_export, read_table
from survey.questionnaire.xlsform_report import Report

__all__ = ["PreparedImport", "prepare", "check_answers"]

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

    from survey.respond.logic import prune, validate_page

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
