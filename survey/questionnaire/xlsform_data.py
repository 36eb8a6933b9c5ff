"""Data collected with an XLSForm elsewhere (a KoboToolbox or ODK export) as our answers dicts.

A KoboToolbox or ODK export is a table, one row per submission, with a column per question named
by its XLSForm name — bare (``age``) or with its group path (``A/age``) — and many columns that
are not answers: submission time, device, user, the submission's ids, GPS parts, attachments,
review state. :func:`map_export` reads each column against the form the data was collected with
(its :class:`~.xlsform.ImportResult`) and the version it goes into, keeps the answers (choice
names through each option's ``name``, the name → code table of the import) and names every
column it does not keep, and why, in a report in Vietnamese and English.

Nothing identifying leaves this module: the submission id is only turned into a keyed hash
(:func:`row_key`) so that importing the same file twice adds nothing; times, devices, users and
locations are never read into an answer. Pure Python: no Flask, no database.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from survey.questionnaire.model import iter_items
from survey.questionnaire.xlsform_reading import open_rows, zip_problem
from survey.questionnaire.xlsform_report import Report
from survey.questionnaire.xlsform_sheets import cell_text

__all__ = ["DataRead", "Record", "read_table", "map_export", "row_key", "ID_COLUMNS"]

#: columns naming the submission itself, in order of preference (their value is hashed, never kept)
ID_COLUMNS = ("meta/instanceID", "instanceID", "_uuid", "KEY", "meta/rootUuid", "_id")
#: columns KoboToolbox, Ona and ODK Central add to an export: never answers
META_COLUMNS = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username",
    "email", "audit", "SubmissionDate", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion", "KEY",
    "instanceID", "instanceName", "version",
}
META_PREFIXES = ("_", "meta/", "meta-", "formhub/", "__")
EMPTY = {"", "n/a", "N/A", "NA", "NULL", "null"}
TRUE_CELLS = {"1", "true", "True", "TRUE", "yes"}
FALSE_CELLS = {"0", "false", "False", "FALSE", "no"}
MAX_EXPORT_BYTES = 20 * 1024 * 1024
MAX_EXPORT_ROWS = 100_000


@dataclass
class Record:
    """One submission: its row in the file, the key of its submission id (or of its content
    when the export has no id column) and the answers read from it."""

    row: int
    key: str
    answers: dict[str, Any]


@dataclass
class DataRead:
    records: list[Record] = field(default_factory=list)
    report: Report = field(default_factory=Report)

    @property
    def ok(self) -> bool:
        return not self.report.of_kind("refused")


def row_key(secret: bytes, questionnaire: str, submission: str) -> str:
    """A keyed hash of a submission id: equal for the same submission imported twice, useless
    to anyone without the server's secret (the id itself is never stored)."""
    message = f"xlsform-data\x00{questionnaire}\x00{submission}".encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- the table

def read_table(data: bytes, filename: str, report: Report) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of an export (``.xlsx``: its first sheet, where KoboToolbox puts the
    submissions; ``.csv``: UTF-8, comma, semicolon or tab). Problems become refusal lines."""
    if len(data) > MAX_EXPORT_BYTES:
        report.add("file-too-large", mb=MAX_EXPORT_BYTES // (1024 * 1024))
        return [], []
    if filename.lower().endswith(".xlsx") or data.startswith(b"PK"):
        problem = zip_problem(data) if len(data) <= 10 * 1024 * 1024 else None
        if problem is not None:
            report.lines.append(problem)
            return [], []
        try:
            titles, tables = open_rows(data, max_rows=MAX_EXPORT_ROWS + 1, max_columns=2000)
        except Exception as exc:  # noqa: BLE001 - a damaged workbook may fail anywhere
            report.add("file-unreadable", why=f"{type(exc).__name__}: {exc}"[:200])
            return [], []
        table = [[cell_text(v) for v in row] for row in (tables[titles[0]] if titles else [])]
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.add("data-not-utf8")
            return [], []
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        table = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    table = [row for row in table if any(row)]
    if not table:
        report.add("file-empty")
        return [], []
    if len(table) > MAX_EXPORT_ROWS + 1:
        report.add("too-many-rows", sheet=filename, count=MAX_EXPORT_ROWS)
        return [], []
    return table[0], table[1:]


# --------------------------------------------------------------------------- the columns

@dataclass
class Column:
    position: int
    header: str
    item: dict[str, Any] | None = None
    row_id: str | None = None      # a grid row
    choice: int | None = None      # a per-option column of a multiple choice (q/choice)
    rank: int | None = None        # the k-th rank of a ranking exported as one question per rank
    other: bool = False            # the "other — specify" text


class _Columns:
    """Which variable of the version each export column answers."""

    def __init__(self, definition: Mapping[str, Any], names: Mapping[str, str],
                 ranks: Mapping[str, int], dropped: Mapping[str, str], report: Report):
        self.items = {item["id"]: item for item in iter_items(definition)}
        self.names, self.ranks, self.dropped, self.report = names, ranks, dropped, report
        self.by_tail: dict[str, str] = {}
        for name in names:
            self.by_tail.setdefault(name.lower(), name)

    def variable(self, name: str) -> str | None:
        return self.names.get(name) or self.names.get(self.by_tail.get(name.lower(), ""))

    def read(self, position: int, header: str) -> Column | None:
        path = [part for part in header.split("/") if part]
        tail = path[-1] if path else header
        if header in ID_COLUMNS or header in META_COLUMNS or header.startswith(META_PREFIXES) \
                or tail.startswith("_"):
            self.report.add("data-column-meta", "data", None, header, column=header)
            return None
        if re.search(r"\[\d+\]", header):
            self.report.add("data-column-repeat", "data", None, header, column=header)
            return None
        column = self.match(position, header, path)
        if column is None and "-" in header:  # ODK Central writes group-question
            column = self.match(position, header, [p for p in header.split("-") if p])
        if column is not None:
            return column
        why = self.dropped.get(tail) or (self.dropped.get(path[-2]) if len(path) > 1 else None)
        if why:
            self.report.add("data-column-question", "data", None, header, column=header,
                            name=tail, why=why)
        else:
            self.report.add("data-column-unknown", "data", None, header, column=header)
        return None

    def match(self, position: int, header: str, path: list[str]) -> Column | None:
        tail = path[-1] if path else header
        variable = self.variable(tail)
        if variable is None and len(path) >= 2:  # a loop's column: loop/choice/question
            variable = self.variable(f"{tail}_{path[-2]}")
        if variable is not None:
            item_id, _, rest = variable.partition(".")
            item = self.items.get(item_id)
            if item is None:
                return None
            if rest == "other":
                return Column(position, header, item, other=True)
            if item["type"] == "grid":
                return Column(position, header, item, row_id=rest or None)
            rank = self.ranks.get(tail) if item["type"] == "ranking" else None
            return Column(position, header, item, rank=rank)
        if len(path) >= 2:  # a multiple choice's per-option column: question/choice
            owner = self.variable(path[-2])
            item = self.items.get(owner or "")
            if item is not None and item["type"] == "multiple":
                code = option_of(item, tail)
                if code is not None:
                    return Column(position, header, item, choice=code)
        return None


def option_of(item: Mapping[str, Any], value: str) -> int | None:
    """The code of the option a cell names: its XLSForm name, its code, or (an export written
    with labels) its label in any language."""
    for option in item.get("options") or []:
        if value == option.get("name") or value == str(option["code"]):
            return option["code"]
    if value == "other":
        return next((o["code"] for o in item.get("options") or [] if o.get("other")), None)
    lowered = value.strip().lower()
    for option in item.get("options") or []:
        if any(lowered == text.strip().lower() for text in option["label"].values()):
            return option["code"]
    return None


# --------------------------------------------------------------------------- the rows

def map_export(definition: Mapping[str, Any], headers: list[str], rows: list[list[str]],
               names: Mapping[str, str], secret: bytes, ranks: Mapping[str, int] | None = None,
               dropped: Mapping[str, str] | None = None, report: Report | None = None
               ) -> DataRead:
    """Answers dicts of ``definition`` from an export's ``headers`` and ``rows``.

    ``names`` maps the form's XLSForm names to our variables (:attr:`ImportResult.names`),
    ``ranks`` the k-th rank questions of a split ranking, ``dropped`` the form's questions that
    were not imported and why. Every column not kept gets a line; a value that is not an option
    or a number is left unanswered with a line. Rows repeating a submission already read are
    read once.
    """
    result = DataRead(report=report or Report())
    report = result.report
    reader = _Columns(definition, names, ranks or {}, dropped or {}, report)
    columns = [c for position, header in enumerate(headers) if header
               and (c := reader.read(position, header)) is not None]
    if not columns:
        report.add("data-no-match", columns=", ".join(h for h in headers[:6] if h) or "—")
        return result
    id_at = next((headers.index(name) for name in ID_COLUMNS if name in headers), None)
    if id_at is None:
        report.add("data-no-id")
    whole = {c.item["id"] for c in columns
             if c.choice is None and not c.other and c.item["type"] == "multiple"}
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        cells = cells + [""] * (len(headers) - len(cells))
        submission = cells[id_at].strip() if id_at is not None else ""
        key = row_key(secret, str(definition.get("id", "")),
                      submission or "\x1f".join(cells))
        if key in seen:
            report.add("data-row-duplicate", "data", number, None, first=seen[key])
            continue
        seen[key] = number
        answers: dict[str, Any] = {}
        for column in columns:
            if column.choice is not None and column.item["id"] in whole:
                continue  # the whole answer is in the question's own column
            _read_cell(answers, column, cells[column.position].strip(), number, report)
        result.records.append(Record(number, key, _ordered(answers)))
    return result


def _read_cell(answers: dict[str, Any], column: Column, value: str, row: int,
               report: Report) -> None:
    item = column.item
    assert item is not None
    item_id, kind = item["id"], item["type"]
    if value in EMPTY:
        return
    if column.other:
        answers[f"{item_id}.other"] = value
        return
    if column.choice is not None:
        if value in TRUE_CELLS:
            answers.setdefault(item_id, []).append(column.choice)
        elif value not in FALSE_CELLS:
            report.add("data-value-unknown", "data", row, column.header, value=value[:40],
                       name=item_id)
        return
    if kind in ("single", "grid"):
        code = option_of(item, value)
        if code is None:
            report.add("data-value-unknown", "data", row, column.header, value=value[:40],
                       name=item_id)
        elif kind == "grid":
            answers.setdefault(item_id, {})[column.row_id] = code
        else:
            answers[item_id] = code
    elif kind in ("multiple", "ranking"):
        codes = []
        for part in value.split():
            code = option_of(item, part)
            if code is None:
                report.add("data-value-unknown", "data", row, column.header, value=part[:40],
                           name=item_id)
            elif code not in codes:
                codes.append(code)
        if kind == "ranking" and column.rank is not None:
            slots = answers.setdefault(f"\x00{item_id}", {})
            slots.update({column.rank: codes[0]} if codes else {})
        elif codes:
            answers[item_id] = codes
    elif kind == "numeric":
        try:
            number = float(value.replace(",", ".")) if value.count(",") == 1 and \
                "." not in value else float(value)
        except ValueError:
            report.add("data-value-number", "data", row, column.header, value=value[:40],
                       name=item_id)
            return
        answers[item_id] = int(number) if number.is_integer() and \
            not item.get("decimals") else number
    elif kind == "text":
        answers[item_id] = value


def _ordered(answers: dict[str, Any]) -> dict[str, Any]:
    """Ranks read from one question per rank become the ranking's list, in rank order."""
    for key in [k for k in answers if k.startswith("\x00")]:
        slots = answers.pop(key)
        ranked = [slots[k] for k in sorted(slots)]
        if ranked:
            answers[key[1:]] = list(dict.fromkeys(ranked))
    return answers
