"""XLSForm export (:func:`to_xlsx`, :func:`export_xlsx`) and import (:func:`from_xlsx`).

XLSForm is the spreadsheet standard of ODK and KoboToolbox: a ``survey`` sheet (one row per
question or group), a ``choices`` sheet (option lists) and a ``settings`` sheet. Our format maps
onto it as documented in ``docs/questionnaire-format.md`` ("XLSForm").

Import accepts what pyxform accepts (its aliases and spellings, :mod:`.xlsform_aliases`), keeps
what we can ask and drops the rest, naming every dropped or converted thing in a report in
Vietnamese and English (:mod:`.xlsform_report`). It refuses a file only when it is not an
XLSForm or when no question is left. It never raises on a bad workbook.

Modules: :mod:`.xlsform_reading` (the zip and its sheets), :mod:`.xlsform_sheets` (headers,
rows, languages), :mod:`.xlsform_labels` (which column is Vietnamese; placeholders),
:mod:`.xlsform_choices` (settings, option lists, name → code), :mod:`.xlsform_import` (the walk
over the survey), :mod:`.xlsform_logic` (conditions), :mod:`.xlsform_finish` (options and
conditions attached), :mod:`.xlsform_repair` (the validator, and what it makes us drop),
:mod:`.xlsform_export`.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey.questionnaire import model
from survey.questionnaire.errors import DefinitionError
from survey.questionnaire.model import normalize
from survey.questionnaire.xlsform_aliases import parse_type
from survey.questionnaire.xlsform_choices import read_choices, read_settings, settings_row
from survey.questionnaire.xlsform_export import LANGUAGE_NAMES, Exporter
from survey.questionnaire.xlsform_finish import Finisher
from survey.questionnaire.xlsform_import import Walker
from survey.questionnaire.xlsform_labels import (LABELLED_KEYS, LabelPicker, Missing,
                                                 missing_labels)
from survey.questionnaire.xlsform_reading import (MAX_ROWS, MAX_XLSX_BYTES, read_sheets,
                                                  zip_problem)
from survey.questionnaire.xlsform_repair import repair
from survey.questionnaire.xlsform_report import Line, Report
from survey.questionnaire.xlsform_sheets import Columns, Row, Sheet, cell_text

__all__ = ["ImportResult", "to_xlsx", "export_xlsx", "from_xlsx", "read_xlsform",
           "import_sheets", "LANGUAGE_NAMES", "MAX_XLSX_BYTES"]

DATA_EXPORT_COLUMNS = ("_uuid", "_submission_time", "meta/instanceID", "_id", "_index",
                       "__version__", "_submitted_by", "_validation_status", "instanceID")


@dataclass
class ImportResult:
    """What :func:`from_xlsx` made of a workbook.

    ``definition`` is the canonical, validated dict, or ``None`` when the file was refused.
    ``report`` holds every line (:class:`~.xlsform_report.Line`, worded in Vietnamese and
    English) and the name → code tables. ``names`` maps each XLSForm question name to our
    variable (``B2_3`` → ``B2.3``; an "other" text box → ``ITEM.other``; the k-th rank of a
    split ranking → ``ITEM``), for reading data collected with the form.
    """

    definition: dict[str, Any] | None
    report: Report = field(default_factory=Report)
    source: str = "form.xlsx"
    names: dict[str, str] = field(default_factory=dict)
    rank_positions: dict[str, int] = field(default_factory=dict)
    dropped_names: dict[str, str] = field(default_factory=dict)  # name → why (English)

    @property
    def ok(self) -> bool:
        return self.definition is not None

    @property
    def errors(self) -> list[str]:
        """Why the file was refused (English, prefixed with the file name)."""
        return [f"{self.source}: {line.text('en')}" for line in self.report.of_kind("refused")]

    @property
    def dropped(self) -> list[str]:
        return self.report.texts("en", ("dropped",))

    @property
    def notes(self) -> list[str]:
        return self.report.texts("en", ("missing", "changed", "note"))

    @property
    def missing(self) -> list[Missing]:
        return missing_labels(self.definition) if self.definition else []


# --------------------------------------------------------------------------- export

def export_xlsx(definition: dict[str, Any]) -> tuple[bytes, Report]:
    """The definition as an XLSForm workbook (``.xlsx`` bytes) and the report of what XLSForm
    cannot carry (also written on the workbook's ``export_report`` sheet).

    Accepts a canonical or designer dict (it is normalised first); raises
    :class:`DefinitionError` if it cannot be normalised, two of its names would collide in
    XLSForm, or a text holds a control character a spreadsheet cannot store.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    exporter = Exporter(normalize(definition))
    tables = exporter.run()
    problems = [f"cannot export to XLSForm: {title} row {number}, column {header}: the text "
                f"holds a control character (U+{ord(match.group()):04X}) that a spreadsheet "
                "cannot store; remove it"
                for title, rows in tables.items()
                for number, row in enumerate(rows, start=1)
                for header, value in zip(rows[0], row)
                if isinstance(value, str) and (match := ILLEGAL_CHARACTERS_RE.search(value))]
    if problems:
        raise DefinitionError(problems)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in tables.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # a text such as "=0" is a label, never a formula
                    cell.data_type = "s"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(rows[0], start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            wide = title == "export_report" or header.startswith((
                "label", "hint", "introduction", "anonymity", "questionnaire_title",
                "thank_you", "constraint_message", "form_title"))
            sheet.column_dimensions[letter].width = 60 if wide else max(12, len(header) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), exporter.report


def to_xlsx(definition: dict[str, Any]) -> bytes:
    """The definition as an XLSForm workbook; see :func:`export_xlsx`."""
    return export_xlsx(definition)[0]


# --------------------------------------------------------------------------- import

def from_xlsx(data: bytes, source: str = "form.xlsx") -> ImportResult:
    """Import an XLSForm workbook. Never raises for bad input: a refused file has
    ``definition`` ``None`` and ``refused`` lines in its report."""
    report = Report()
    if not isinstance(data, (bytes, bytearray)):
        report.add("file-empty")
        return ImportResult(None, report, source)
    problem = zip_problem(bytes(data))
    if problem is not None:
        report.lines.append(problem)
        return ImportResult(None, report, source)
    try:
        sheets, titles = read_sheets(bytes(data))
    except Exception as exc:  # noqa: BLE001 - a damaged workbook may fail anywhere in openpyxl
        report.add("file-unreadable", why=f"{type(exc).__name__}: {exc}"[:200])
        return ImportResult(None, report, source)
    return import_sheets(sheets, titles, source, hashlib.sha256(bytes(data)).hexdigest()[:8])


def import_sheets(sheets: dict[str, Sheet], titles: list[str], source: str,
                  content_key: str = "0") -> ImportResult:
    """Import sheets already read (``survey``, ``choices``, ``settings``)."""
    report = Report()
    result = ImportResult(None, report, source)
    survey = sheets.get("survey")
    if survey is None or not survey.rows:
        report.add("no-survey-sheet", sheets=", ".join(titles) or "—")
        return result
    columns = {name: Columns.read(sheet) for name, sheet in sheets.items()}
    if not columns["survey"].has("type"):
        headers = [h.raw for h in columns["survey"].headers]
        marks = [h for h in headers if h in DATA_EXPORT_COLUMNS]
        if marks:
            report.add("data-export", columns=", ".join(marks[:4]))
        else:
            report.add("no-type-column", headers=", ".join(headers[:8]) or "—")
        return result
    for name, sheet in sheets.items():
        if sheet.truncated:
            report.add("too-many-rows", sheet=name, count=MAX_ROWS)
            return result
    for name, cols in columns.items():
        for header in cols.duplicates:
            report.add("column-duplicate", name, 1, header.raw, column=header.raw)
    srow = settings_row(sheets.get("settings"))
    picker = LabelPicker(columns, (srow.get("default_language") if srow else "") or None,
                         report, _filled(sheets, columns))
    for name, cols in columns.items():
        for header in cols.headers:
            if header.key in LABELLED_KEYS and picker.dropped_column(header.lang):
                report.add("column-language", name, 1, header.raw, column=header.raw)
    rows = [Row("survey", number, values, columns["survey"])
            for number, values in enumerate(survey.rows[1:], start=2)
            if any(cell_text(v) for v in values)]
    on_survey: dict[str, tuple[int, str]] = {}
    for row in rows:
        spec = parse_type(row.get("type"))
        if spec.kind == "setting":
            on_survey[spec.name] = (row.number, row.get("name"))
    settings = read_settings(srow, on_survey, picker, report, source, content_key)
    lists = read_choices(sheets.get("choices"), columns.get("choices"), picker, report,
                         settings.allow_duplicates)
    walker = Walker(rows, lists, picker, report)
    walker.walk(rows)
    walker.report_columns()
    finisher = Finisher(walker, lists, report)
    pages = finisher.run()
    data: dict[str, Any] = {"id": settings.form_id, "languages": picker.languages,
                            "title": settings.title, **settings.texts}
    if settings.estimated_minutes:
        data["estimated_minutes"] = settings.estimated_minutes
    if finisher.option_lists:
        data["option_lists"] = finisher.option_lists
    spec = srow.get("report") if srow else ""
    if spec and "report" in model.TOP_KEYS:
        try:
            data["report"] = json.loads(spec)
        except ValueError:
            report.add("setting-dropped", "settings", 2, "report", setting="report",
                       value=spec[:80])
    data["pages"] = pages
    dropped = len(report.of_kind("dropped"))
    if not any(page["items"] for page in pages):
        report.add("nothing-usable", dropped=dropped)
        return result
    rows_of = {site.item["id"]: site.row for site in walker.sites}

    def place(path: tuple[Any, ...]) -> tuple[str, int | None]:
        if len(path) >= 4 and path[0] == "pages":
            try:
                return "survey", rows_of.get(data["pages"][path[1]]["items"][path[3]]["id"])
            except (IndexError, KeyError):
                pass
        return "", None

    definition = repair(data, report, place)
    if definition is None or not any(page["items"] for page in definition["pages"]):
        report.add("nothing-usable", dropped=len(report.of_kind("dropped")))
        return result
    picker.report_fallbacks()
    choice_rows = {(name, c.code): c.row for name, cl in lists.items() for c in cl.choices}
    for missing in missing_labels(definition):
        sheet, row = "survey", rows_of.get(missing.item)
        if missing.what == "option":
            sheet = "choices"
            list_name = finisher.item_lists.get(missing.item, missing.item)
            row = choice_rows.get((list_name, int(missing.detail)))
        report.add("label-missing", sheet if row else "", row, "label", what=missing.what,
                   name=f"{missing.item} {missing.detail}".strip())
    result.definition = definition
    result.names = {name: ref.name for name, (ref, _kind) in walker.names.items()}
    result.names.update({name: f"{item}.other" for name, item in finisher.other_texts.items()})
    result.rank_positions = {site_name: index for site_name, index in _rank_positions(walker)}
    result.dropped_names = {name: en for name, (en, _vi) in walker.dropped_names.items()}
    return result


def _filled(sheets: dict[str, Sheet], columns: dict[str, Columns]) -> dict[tuple[str, str | None],
                                                                          int]:
    counts: dict[tuple[str, str | None], int] = {}
    for name, cols in columns.items():
        for header in cols.headers:
            if header.key != "label":
                continue
            counts[(name, header.lang)] = sum(
                1 for values in sheets[name].rows[1:]
                if header.position < len(values) and cell_text(values[header.position]))
    return counts


def _rank_positions(walker: Walker) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    counters: dict[str, int] = {}
    for name, (ref, kind) in walker.names.items():
        if kind == "ranking":
            counters[ref.item] = counters.get(ref.item, 0) + 1
            found.append((name, counters[ref.item]))
    return found


def read_xlsform(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """Import an XLSForm file: (canonical dict, report lines in English).

    Raises :class:`DefinitionError` listing every problem — also when a label is missing
    (the command line cannot leave a draft to finish in the designer).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_XLSX_BYTES:
            raise DefinitionError([f"{path.name}: file larger than "
                                   f"{MAX_XLSX_BYTES // (1024 * 1024)} MB"])
        data = path.read_bytes()
    except OSError as exc:
        raise DefinitionError([f"{path.name}: cannot read the file: {exc.strerror or exc}"]) \
            from None
    result = from_xlsx(data, path.name)
    if not result.ok:
        raise DefinitionError(result.errors)
    missing = result.report.of_kind("missing")
    if missing:
        raise DefinitionError([f"{path.name}: {line.text('en')}" for line in missing])
    assert result.definition is not None
    tables = [f"list {m.list_name}: " + ", ".join(f"{name} → {code}" for name, code, _ in m.rows)
              for m in result.report.code_maps]
    return result.definition, [f"dropped: {d}" for d in result.dropped] + result.notes + tables


__all__ += ["Line"]
