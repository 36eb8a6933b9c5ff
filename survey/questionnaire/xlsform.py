"""XLSForm export (:func:`to_xlsx`) and import (:func:`from_xlsx`), with openpyxl.

XLSForm is the spreadsheet standard of ODK and KoboToolbox: a ``survey`` sheet (one row per
question or group), a ``choices`` sheet (option lists) and a ``settings`` sheet. Our format maps
onto it as documented in ``docs/questionnaire-format.md`` ("XLSForm"): pages are ``field-list``
groups, a grid is a ``table-list`` group of ``select_one`` rows sharing one list, ``rank`` is a
ranking, ranges and selection limits become constraints, and the few things XLSForm has no
column for live in clean extra columns (``role``/``dimension`` on the survey sheet,
``missing``/``other``/``exclusive`` on the choices sheet, ``top``, ``decimals`` and (for a grid)
``randomize`` on the survey sheet, the introduction and anonymity statement on the settings sheet).

Import never raises on a bad workbook: :class:`ImportResult` carries the errors (each naming
sheet, row and column) and the notes about features we dropped.
"""
from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey.questionnaire import expressions as ex
from survey.questionnaire.errors import DefinitionError
from survey.questionnaire.model import iter_pages, normalize
from survey.questionnaire.xlsform_import import Importer
from survey.questionnaire.xlsform_sheets import Sheet
from survey.questionnaire.xpath import ChoiceColumn, conjoin, to_xpath

__all__ = ["ImportResult", "to_xlsx", "from_xlsx", "read_xlsform", "LANGUAGE_NAMES",
           "MAX_XLSX_BYTES"]

MAX_XLSX_BYTES = 10 * 1024 * 1024       # the upload itself
MAX_UNPACKED_BYTES = 60 * 1024 * 1024   # all parts of the zip, unpacked (zip-bomb guard)
MAX_RATIO = 150                         # unpacked/packed for a large part (zip-bomb guard)
MAX_PARTS = 500
MAX_ROWS = 5000
MAX_COLUMNS = 200

SETTINGS_TEXTS = {"title": "questionnaire_title", "introduction": "introduction",
                  "anonymity": "anonymity", "thank_you": "thank_you"}
LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English", "fr": "French", "zh": "Chinese",
                  "km": "Khmer", "lo": "Lao", "th": "Thai", "ru": "Russian", "ja": "Japanese",
                  "ko": "Korean", "de": "German", "es": "Spanish"}


@dataclass
class ImportResult:
    """What :func:`from_xlsx` made of a workbook.

    ``definition`` is the canonical, validated dict, or ``None`` when ``errors`` is not empty.
    ``dropped`` lists XLSForm features we do not support and left out; ``notes`` lists
    conversions worth knowing (an ``or_other`` option given a code, a nested group flattened).
    """

    definition: dict[str, Any] | None
    dropped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None and not self.errors


# --------------------------------------------------------------------------- export

def _language_column(key: str, lang: str) -> str:
    return f"{key}::{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


class _Exporter:
    def __init__(self, definition: dict[str, Any]):
        self.d = definition
        self.languages: list[str] = list(definition["languages"])
        self.names: dict[str, str] = {}  # our variable or grid id -> XLSForm name
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        self.lists: dict[str, list[dict[str, Any]]] = {}

    # -- names

    def assign_names(self) -> None:
        taken: dict[str, str] = {}
        for page in iter_pages(self.d):
            for item in page["items"]:
                pairs = [(item["id"], item["id"])]
                if item["type"] == "grid":
                    pairs += [(f"{item['id']}.{row['id']}", f"{item['id']}_{row['id']}")
                              for row in item["rows"]]
                for ours, theirs in pairs:
                    if theirs in taken:
                        raise DefinitionError([f"cannot export to XLSForm: {ours} and "
                                               f"{taken[theirs]} would both be named {theirs}"])
                    taken[theirs] = ours
                    self.names[ours] = theirs

    def xpath(self, text: str | None, extra: list[ex.Node] | None = None) -> str:
        nodes = list(extra or [])
        if text:
            nodes.append(ex.parse(text))
        tree = conjoin(nodes)
        if tree is None:
            return ""
        return to_xpath(tree, lambda ref: self.names.get(ref.name, ref.name))

    # -- rows

    def labels(self, row: dict[str, Any], key: str, label: dict[str, str] | None) -> None:
        for lang, text in (label or {}).items():
            row[_language_column(key, lang)] = text

    def option_list(self, item: dict[str, Any]) -> str:
        name = item.get("options_from") or item["id"]
        options = [{k: v for k, v in o.items() if k != "relevant"} for o in item["options"]]
        if name in self.lists and self.lists[name] != options:
            name = f"{item['id']}_options"
            while name in self.lists and self.lists[name] != options:
                name += "_"
        if name not in self.lists:
            self.lists[name] = options
            for option in options:
                row: dict[str, Any] = {"list_name": name, "name": option["code"]}
                self.labels(row, "label", option["label"])
                for flag in ("missing", "other", "exclusive"):
                    if option.get(flag):
                        row[flag] = "yes"
                self.choices.append(row)
        return name

    def choice_filter(self, item: dict[str, Any]) -> str:
        """Per-option filters as one ``choice_filter`` over the choice ``name`` column:
        ``(COND and (name = '1' or name = '2')) or name = '9'``."""
        if not any(o.get("relevant") for o in item["options"]):
            return ""
        groups: dict[str, list[int]] = {}
        for option in item["options"]:
            groups.setdefault(option.get("relevant") or "", []).append(option["code"])
        parts: list[ex.Node] = []
        for condition, codes in groups.items():
            names: list[ex.Node] = [ex.Compare("=", ChoiceColumn("name"),  # type: ignore[arg-type]
                                               ex.Literal(str(code))) for code in codes]
            which = names[0] if len(names) == 1 else ex.BoolOp("or", tuple(names))
            if condition:
                parts.append(ex.BoolOp("and", (ex.parse(condition), which)))
            elif isinstance(which, ex.BoolOp):
                parts.extend(which.operands)
            else:
                parts.append(which)
        tree = parts[0] if len(parts) == 1 else ex.BoolOp("or", tuple(parts))
        return to_xpath(tree, lambda ref: self.names.get(ref.name, ref.name))

    def common(self, item: dict[str, Any], row: dict[str, Any],
               constraint_extra: list[ex.Node] | None = None) -> None:
        row["name"] = item["id"]
        self.labels(row, "label", item["label"])
        self.labels(row, "hint", item.get("hint"))
        if item.get("required"):
            row["required"] = "yes"
        row["relevant"] = self.xpath(item.get("relevant"))
        row["constraint"] = self.xpath(item.get("constraint"), constraint_extra)
        self.labels(row, "constraint_message", item.get("constraint_message"))

    def item(self, item: dict[str, Any]) -> None:
        kind = item["type"]
        row: dict[str, Any] = {}
        params: list[str] = []
        extra: list[ex.Node] = []
        current = ex.Current()
        if kind == "grid":
            self.grid(item)
            return
        if kind == "note":
            row["type"] = "note"
        elif kind in ("single", "multiple", "ranking"):
            xls_type = {"single": "select_one", "multiple": "select_multiple",
                        "ranking": "rank"}[kind]
            row["type"] = f"{xls_type} {self.option_list(item)}"
            row["choice_filter"] = self.choice_filter(item)
            if item.get("randomize"):
                params.append("randomize=true")
            if kind == "single":
                if item.get("appearance") == "dropdown":
                    row["appearance"] = "minimal"
                for key in ("role", "dimension"):
                    if item.get(key) is not None:
                        row[key] = item[key]
            elif kind == "multiple":
                count = ex.Call("count-selected", (current,))
                if item.get("min_select"):
                    extra.append(ex.Compare(">=", count, ex.Literal(item["min_select"])))
                if item.get("max_select") is not None:
                    extra.append(ex.Compare("<=", count, ex.Literal(item["max_select"])))
            else:
                row["top"] = item["top"]
        elif kind == "numeric":
            row["type"] = "integer" if not item.get("decimals") else "decimal"
            if item.get("decimals"):
                row["decimals"] = item["decimals"]
            if item.get("min") is not None:
                extra.append(ex.Compare(">=", current, ex.Literal(item["min"])))
            if item.get("max") is not None:
                extra.append(ex.Compare("<=", current, ex.Literal(item["max"])))
        elif kind == "text":
            row["type"] = "text"
            if item.get("multiline"):
                row["appearance"] = "multiline"
            extra.append(ex.Compare("<=", ex.Call("string-length", (current,)),
                                    ex.Literal(item["max_length"])))
        self.common(item, row, extra)
        if params:
            row["parameters"] = " ".join(params)
        self.survey.append(row)

    def grid(self, item: dict[str, Any]) -> None:
        group: dict[str, Any] = {"type": "begin group", "appearance": "table-list"}
        self.common(item, group)
        group.pop("required", None)
        if item.get("randomize"):
            group["randomize"] = "yes"  # ODK allows randomize parameters on selects only
        self.survey.append(group)
        list_name = self.option_list(item)
        for grid_row in item["rows"]:
            row: dict[str, Any] = {"type": f"select_one {list_name}",
                                   "name": self.names[f"{item['id']}.{grid_row['id']}"]}
            self.labels(row, "label", grid_row["label"])
            if item.get("required"):
                row["required"] = "yes"
            self.survey.append(row)
        self.survey.append({"type": "end group", "name": item["id"]})

    def run(self) -> dict[str, list[list[Any]]]:
        self.assign_names()
        for name, options in (self.d.get("option_lists") or {}).items():
            self.option_list({"id": name, "options_from": name, "options": options})
        for page in iter_pages(self.d):
            group: dict[str, Any] = {"type": "begin group", "name": page["id"],
                                     "appearance": "field-list",
                                     "relevant": self.xpath(page.get("relevant"))}
            self.labels(group, "label", page.get("title"))
            self.survey.append(group)
            for item in page["items"]:
                self.item(item)
            self.survey.append({"type": "end group", "name": page["id"]})

        langs = self.languages
        survey_columns = (["type", "name"] + [_language_column("label", x) for x in langs]
                          + [_language_column("hint", x) for x in langs]
                          + ["required", "relevant", "constraint"]
                          + [_language_column("constraint_message", x) for x in langs]
                          + ["choice_filter", "appearance", "parameters", "top", "decimals",
                             "randomize", "role", "dimension"])
        choice_columns = (["list_name", "name"] + [_language_column("label", x) for x in langs]
                          + ["missing", "other", "exclusive"])
        settings: dict[str, Any] = {"form_id": self.d["id"],
                                    "form_title": self.d["title"].get("vi", ""),
                                    "default_language": _language_column("x", "vi")[3:],
                                    "estimated_minutes": self.d.get("estimated_minutes")}
        # ODK reads settings ``title::…`` as its own form title: ours is questionnaire_title
        for key, column in SETTINGS_TEXTS.items():
            self.labels(settings, column, self.d.get(key))
        settings_columns = ["form_id", "form_title", "default_language", "estimated_minutes"] + [
            _language_column(column, x) for column in SETTINGS_TEXTS.values() for x in langs]
        return {
            "survey": _table(survey_columns, self.survey),
            "choices": _table(choice_columns, self.choices),
            "settings": _table(settings_columns, [settings]),
        }


def _table(columns: list[str], rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows under the columns that have content (labels always: they declare the languages)."""
    used = [c for c in columns if c in ("type", "name", "list_name", "form_id")
            or c.startswith("label::") or any(row.get(c) not in (None, "") for row in rows)]
    return [used] + [[row.get(c) if row.get(c) != "" else None for c in used] for row in rows]


def to_xlsx(definition: dict[str, Any]) -> bytes:
    """The definition as an XLSForm workbook (``.xlsx`` bytes).

    Accepts a canonical or designer dict (it is normalised first); raises
    :class:`DefinitionError` if it cannot be normalised, a grid row's XLSForm name would
    collide with an item id, or a text holds a control character a spreadsheet cannot store.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    tables = _Exporter(normalize(definition)).run()
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
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, header in enumerate(rows[0], start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            wide = header.startswith(("label", "hint", "introduction", "anonymity",
                                      "questionnaire_title",
                                      "thank_you", "constraint_message", "form_title"))
            sheet.column_dimensions[letter].width = 60 if wide else max(12, len(header) + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- import

def _zip_problem(data: bytes) -> str | None:
    """Why this is not a workbook we are willing to open, or ``None``."""
    if len(data) > MAX_XLSX_BYTES:
        return f"file larger than {MAX_XLSX_BYTES // (1024 * 1024)} MB"
    if not data.startswith(b"PK"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            return "this is an old Excel .xls file; save it as .xlsx (Excel 2007 or later)"
        return "not an .xlsx workbook (an .xlsx file is a zip archive)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                return f"the workbook has more than {MAX_PARTS} parts"
            total = 0
            for part in parts:
                total += part.file_size
                if part.file_size > 1024 * 1024 and \
                        part.file_size > MAX_RATIO * max(part.compress_size, 1):
                    return f"part {part.filename} unpacks {part.file_size // part.compress_size or 0}" \
                           " times larger than it is packed; refusing a possible zip bomb"
            if total > MAX_UNPACKED_BYTES:
                return (f"the workbook unpacks to more than "
                        f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB; refusing a possible zip bomb")
            if "xl/workbook.xml" not in {part.filename for part in parts}:
                return "a zip archive, but not an .xlsx workbook (no xl/workbook.xml)"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return f"not a readable .xlsx workbook ({exc})"
    return None


def _read_sheets(data: bytes) -> dict[str, Sheet]:
    """Rows of the sheets we know, as lists of cell values (first row = header)."""
    from openpyxl import load_workbook

    sheets: dict[str, Sheet] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for worksheet in workbook.worksheets:
                title = str(worksheet.title).strip().lower()
                if title not in ("survey", "choices", "settings") or title in sheets:
                    continue
                rows = []
                for values in worksheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS,
                                                  values_only=True):
                    rows.append(list(values))
                sheets[title] = Sheet(title, rows, truncated=len(rows) > MAX_ROWS and
                                      any(v not in (None, "") for v in rows[MAX_ROWS]))
        finally:
            workbook.close()
    return sheets


def from_xlsx(data: bytes, source: str = "form.xlsx") -> ImportResult:
    """Import an XLSForm workbook. Never raises for bad input: problems are in ``errors``,
    each naming the sheet, row and column; unsupported features are listed in ``dropped``."""
    if not isinstance(data, (bytes, bytearray)):
        return ImportResult(None, errors=[f"{source}: no file content"])
    problem = _zip_problem(bytes(data))
    if problem:
        return ImportResult(None, errors=[f"{source}: {problem}"])
    try:
        sheets = _read_sheets(bytes(data))
    except Exception as exc:  # noqa: BLE001 - a damaged workbook may fail anywhere in openpyxl
        return ImportResult(None, errors=[f"{source}: not a readable .xlsx workbook "
                                          f"({type(exc).__name__}: {exc})"])
    importer = Importer(sheets, source, max_rows=MAX_ROWS)
    definition = importer.run()
    errors = importer.errors
    return ImportResult(definition if not errors else None, dropped=importer.dropped,
                        errors=errors, notes=importer.notes)


def read_xlsform(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """Import an XLSForm file: (canonical dict, notes about dropped or converted features).

    Raises :class:`DefinitionError` listing every problem.
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
    assert result.definition is not None
    return result.definition, [f"dropped: {d}" for d in result.dropped] + result.notes

