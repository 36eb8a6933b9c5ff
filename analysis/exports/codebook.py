"""The codebook that goes with a row-level file: every variable, its label, codes, skip rule
and how many responses hold each value (unweighted counts, computed in the database).

It documents the data file for the analyst who receives it; it is not a published table, so
small counts are shown (and flagged against the disclosure threshold, so nobody copies one into
a report by mistake). The collection mode (:mod:`analysis.mode`) is listed like a question, its
counts read from ``response`` (it has no ``answer`` rows).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from analysis import mode
from analysis.exports.datafile import CASE_ID, WEIGHT, DataFile
from analysis.exports.source import count_responses
from analysis.filters import Filter
from survey import schema

__all__ = ["CodebookEntry", "Codebook", "build_codebook", "count_values", "write_codebook_xlsx",
           "render_codebook_html", "HEADERS"]

TYPE_NAMES = {"single": "Một lựa chọn", "multiple": "Nhiều lựa chọn", "grid": "Bảng (lưới)",
              "ranking": "Xếp hạng", "numeric": "Số", "text": "Văn bản",
              "mode": "Thông tin phiếu (không phải câu hỏi)"}
HEADERS = ("Biến", "Nhãn biến", "Câu hỏi", "Loại", "Điều kiện hỏi", "Mã", "Nhãn giá trị",
           "Giá trị thiếu", "Số phiếu")


@dataclass(frozen=True)
class CodebookEntry:
    """One line: a variable (``code`` None) or one of its values."""

    variable: str
    label: str
    item_id: str
    item_type: str
    skip_rule: str
    code: int | None
    value_label: str
    missing: bool
    count: int | None

    def cells(self) -> tuple:
        return (self.variable, self.label, self.item_id, TYPE_NAMES.get(self.item_type, ""),
                self.skip_rule, self.code, self.value_label, "Có" if self.missing else "",
                self.count)


@dataclass(frozen=True)
class Codebook:
    title: str
    responses: int
    threshold: int
    entries: tuple[CodebookEntry, ...]


def count_values(connectable: Engine | Connection, datafile: DataFile,
                 flt: Filter) -> dict[tuple[str, int | None], int]:
    """``{(stored variable, code): responses}``; code None counts responses with any value.
    The collection mode counts under its variable's name."""
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            return count_values(conn, datafile, flt)
    a, r = schema.answer.c, schema.response.c
    mode_variable = datafile.mode
    status_variable = datafile.status
    wanted = sorted({v.source for v in datafile if v.source and v is not mode_variable
                     and v is not status_variable})
    base = (sa.select(a.variable, a.code, a.response_id)
            .select_from(schema.answer.join(schema.response, r.id == a.response_id))
            .where(*flt.clauses(), a.variable.in_(wanted)))
    sub = base.subquery()
    by_code = sa.select(sub.c.variable, sub.c.code,
                        sa.func.count(sa.distinct(sub.c.response_id))) \
        .group_by(sub.c.variable, sub.c.code)
    any_value = sa.select(sub.c.variable, sa.func.count(sa.distinct(sub.c.response_id))) \
        .group_by(sub.c.variable)
    counts: dict[tuple[str, int | None], int] = {}
    for variable, code, n in connectable.execute(by_code):
        if code is not None:
            counts[(variable, int(code))] = int(n)
    for variable, n in connectable.execute(any_value):
        counts[(variable, None)] = int(n)
    if mode_variable is not None:
        by_mode = sa.select(r.mode, sa.func.count()).where(*flt.clauses()).group_by(r.mode)
        for stored, n in connectable.execute(by_mode):
            code = mode.codes_of([stored])[0]
            if not math.isnan(code):  # NaN: synthetic data, collected in no mode
                for key in ((mode_variable.source, int(code)), (mode_variable.source, None)):
                    counts[key] = counts.get(key, 0) + int(n)
    if status_variable is not None:
        by_status = sa.select(r.status, sa.func.count()).where(*flt.clauses()).group_by(r.status)
        for stored, n in connectable.execute(by_status):
            code = 2 if str(getattr(stored, "value", stored)) == "partial" else 1
            for key in ((status_variable.source, code), (status_variable.source, None)):
                counts[key] = counts.get(key, 0) + int(n)
    return counts


def build_codebook(datafile: DataFile, counts: Mapping[tuple[str, int | None], int], responses: int,
                   threshold: int = 5) -> Codebook:
    entries: list[CodebookEntry] = []
    for v in datafile:
        if v.name == CASE_ID:
            entries.append(CodebookEntry(v.name, v.label, "", "", "", None, "", False, responses))
            continue
        if v.name == WEIGHT:
            entries.append(CodebookEntry(v.name, v.label, "", "", "", None, "", False, None))
            continue
        answered = counts.get((v.source, v.code if v.kind in ("flag", "rank") else None))
        if v.kind == "flag":
            answered_item = counts.get((v.source, None), 0)
            entries.append(CodebookEntry(v.name, v.label, v.item_id, v.item_type, v.skip_rule,
                                         None, "", False, answered_item))
            selected = counts.get((v.source, v.code), 0)
            entries.append(CodebookEntry(v.name, "", "", "", "", 1, v.value_labels[1], False,
                                         selected))
            entries.append(CodebookEntry(v.name, "", "", "", "", 0, v.value_labels[0], False,
                                         answered_item - selected))
            continue
        entries.append(CodebookEntry(v.name, v.label, v.item_id, v.item_type, v.skip_rule, None,
                                     "", False, answered or 0))
        for code, text in v.value_labels.items():
            entries.append(CodebookEntry(v.name, "", "", "", "", code, text, code in v.missing,
                                         counts.get((v.source, code), 0)))
    return Codebook(datafile.title, responses, threshold, tuple(entries))


def write_codebook_xlsx(codebook: Codebook, path: str | Path) -> None:
    """One sheet, header frozen, variable rows bold, small counts highlighted."""
    import xlsxwriter

    from analysis.exports.cells import XLSX_OPTIONS

    workbook = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)  # labels stay text, never formulas
    sheet = workbook.add_worksheet("Sổ tay biến")
    bold = workbook.add_format({"bold": True})
    head = workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1,
                                "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    small = workbook.add_format({"bg_color": "#FCE4D6"})
    sheet.write(0, 0, f"Sổ tay biến (codebook): {codebook.title}", bold)
    sheet.write(1, 0, f"Số phiếu hoàn thành: {codebook.responses}. Số đếm không gia quyền; ô tô "
                      f"màu: dưới ngưỡng công bố {codebook.threshold} (tài liệu nội bộ, không "
                      f"công bố).")
    for col, text in enumerate(HEADERS):
        sheet.write(3, col, text, head)
    for row, entry in enumerate(codebook.entries, start=4):
        for col, value in enumerate(entry.cells()):
            fmt = bold if entry.code is None and col == 0 else wrap
            if col == 8 and value is not None and 0 < value < codebook.threshold:
                fmt = small
            if value is not None and value != "":
                sheet.write(row, col, value, fmt)
    for col, width in enumerate((14, 50, 10, 14, 24, 6, 36, 10, 10)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(4, 1)
    sheet.autofilter(3, 0, 3 + len(codebook.entries), len(HEADERS) - 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(3)
    workbook.close()


def render_codebook_html(codebook: Codebook) -> str:
    """A standalone HTML page (no scripts, no external resources)."""
    e = html.escape
    rows = []
    for entry in codebook.entries:
        cls = ' class="var"' if entry.code is None else ""
        cells = "".join(f"<td>{e('' if c is None else str(c))}</td>" for c in entry.cells())
        rows.append(f"<tr{cls}>{cells}</tr>")
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in HEADERS)
    return (
        '<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>Sổ tay biến: {e(codebook.title)}</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px;vertical-align:top}"
        "tr.var td{font-weight:bold;background:#eef}</style></head><body>"
        f"<h1>Sổ tay biến: {e(codebook.title)}</h1>"
        f"<p>Số phiếu hoàn thành: {codebook.responses}. Số đếm không gia quyền (tài liệu nội bộ, "
        f"không công bố; ngưỡng công bố {codebook.threshold}).</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>\n"
    )


def codebook_for(connectable: Engine | Connection, datafile: DataFile, flt: Filter,
                 threshold: int = 5) -> Codebook:
    """Count in the database and build the codebook."""
    return build_codebook(datafile, count_values(connectable, datafile, flt),
                          count_responses(connectable, flt), threshold)


__all__.append("codebook_for")
