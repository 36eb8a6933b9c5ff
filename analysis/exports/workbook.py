"""Published tables as files: the XLSX banner book and the tidy CSV of tables.

Both take analysis results that already went through disclosure control (suppressed cells are
blank and flagged); the book prints the suppression mark, and each sheet carries its notes,
tests and bases, formatted for A4 landscape printing.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Mapping, Sequence

import pandas as pd

from analysis.exports.cells import XLSX_OPTIONS, neutralise_frame
from analysis.exports.delimited import BOM
from analysis.exports.grid import Grid, grid_for
from analysis.results import SUPPRESSED_MARK

__all__ = ["write_book_xlsx", "tables_frame", "tables_csv", "sheet_name"]

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def sheet_name(key: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, unique (any case)."""
    base = _BAD_SHEET.sub("_", key)[:31] or "Bang"
    name, counter = base, 2
    while name.lower() in used:
        suffix = f"~{counter}"
        name = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(name.lower())
    return name


def _lang(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def write_book_xlsx(results: Sequence[Any], out: str | Path | BinaryIO, *, title: str,
                    mode: str = "percent", notes: Iterable[str] = (), language: str = "vi",
                    refused: Iterable[tuple[str, str, str]] = (),
                    labels: Mapping[str, str] | None = None) -> list[str]:
    """Write a contents sheet and one sheet per result; returns the sheet names (contents
    first). ``refused`` lists (item, banner, message) of tables disclosure control refused,
    shown on the contents sheet so their absence is explained."""
    import xlsxwriter

    grids = [grid_for(r, mode, language, labels) for r in results]
    workbook = xlsxwriter.Workbook(out if not isinstance(out, Path) else str(out),
                                   {"in_memory": True, **XLSX_OPTIONS})
    f = {
        "title": workbook.add_format({"bold": True, "font_size": 13, "text_wrap": True,
                                      "valign": "top"}),
        "sub": workbook.add_format({"italic": True, "font_color": "#444444"}),
        "head": workbook.add_format({"bold": True, "text_wrap": True, "align": "center",
                                     "valign": "vcenter", "border": 1, "bg_color": "#DDE4EE"}),
        "letter": workbook.add_format({"italic": True, "align": "center", "border": 1,
                                       "bg_color": "#DDE4EE"}),
        "label": workbook.add_format({"text_wrap": True, "valign": "top", "border": 1}),
        "num": workbook.add_format({"num_format": "0.0", "border": 1}),
        "int": workbook.add_format({"num_format": "#,##0", "border": 1}),
        "dec": workbook.add_format({"num_format": "0.00", "border": 1}),
        "sig": workbook.add_format({"border": 1, "font_color": "#1F4E79", "bold": True}),
        "mark": workbook.add_format({"border": 1, "align": "center", "font_color": "#C00000",
                                     "bold": True}),
        "base": workbook.add_format({"num_format": "#,##0", "border": 1, "bold": True,
                                     "top": 2}),
        "baselabel": workbook.add_format({"bold": True, "border": 1, "top": 2,
                                          "text_wrap": True}),
        "note": workbook.add_format({"text_wrap": True, "valign": "top", "font_size": 9}),
        "link": workbook.add_format({"font_color": "blue", "underline": 1}),
    }
    used: set[str] = set()
    contents = workbook.add_worksheet(sheet_name(_lang("Mục lục", "Contents", language), used))
    names = [contents.name]
    contents.write(0, 0, title, f["title"])
    contents.write(1, 0, _lang("Bảng số liệu — mỗi bảng một trang tính", "Tables — one sheet "
                               "per table", language), f["sub"])
    row = 3
    for note in notes:
        contents.merge_range(row, 0, row, 3, note, f["note"])
        contents.set_row(row, 30)
        row += 1
    row += 1
    for col, text in enumerate((_lang("Trang tính", "Sheet", language),
                                _lang("Câu hỏi", "Item", language),
                                _lang("Theo", "By", language),
                                _lang("Chỉ tiêu", "Statistic", language))):
        contents.write(row, col, text, f["head"])
    for grid in grids:
        name = sheet_name(grid.key, used)
        names.append(name)
        row += 1
        contents.write_url(row, 0, f"internal:'{name}'!A1", f["link"], name)
        contents.write(row, 1, grid.title, f["label"])
        contents.write(row, 2, grid.banner, f["label"])
        contents.write(row, 3, grid.statistic, f["label"])
        _write_sheet(workbook.add_worksheet(name), grid, f, language, contents.name)
    refused = list(refused)
    if refused:
        row += 2
        contents.write(row, 0, _lang("Bảng không công bố (dưới ngưỡng an toàn)",
                                     "Tables withheld (under the disclosure threshold)",
                                     language), f["title"])
        for item, banner, message in refused:
            row += 1
            contents.write(row, 0, item)
            contents.write(row, 1, banner)
            contents.write(row, 2, message, f["note"])
    contents.set_column(0, 0, 16)
    contents.set_column(1, 1, 70)
    contents.set_column(2, 3, 28)
    contents.set_landscape()
    contents.set_paper(9)
    contents.fit_to_pages(1, 0)
    workbook.close()
    return names


def _write_sheet(sheet, grid: Grid, f: dict, language: str, contents: str) -> None:
    width = len(grid.columns)
    sheet.merge_range(0, 0, 0, max(width, 1), grid.title, f["title"])
    sheet.set_row(0, 15 * max(1, len(grid.title) // 90 + 1))
    sub = grid.statistic + (f" — {_lang('theo', 'by', language)} {grid.banner}"
                            if grid.banner else "")
    if grid.weighted:
        sub += _lang(" (có gia quyền)", " (weighted)", language)
    sheet.write(1, 0, sub, f["sub"])
    sheet.write_url(1, max(width, 1) + 1, f"internal:'{contents}'!A1",
                    string=_lang("← Mục lục", "← Contents", language))
    header = 3
    sheet.write(header, 0, "", f["head"])
    for col, label in enumerate(grid.columns, start=1):
        sheet.write(header, col, label, f["head"])
    has_letters = any(grid.letters)
    if has_letters:
        sheet.write(header + 1, 0, "", f["letter"])
        for col, letter in enumerate(grid.letters, start=1):
            sheet.write(header + 1, col, f"({letter})" if letter else "", f["letter"])
    row = header + (2 if has_letters else 1)
    for label, cells in grid.rows:
        sheet.write(row, 0, label, f["label"])
        for col, cell in enumerate(cells, start=1):
            if cell.suppressed:
                sheet.write(row, col, SUPPRESSED_MARK, f["mark"])
            elif cell.value is None:
                sheet.write_blank(row, col, None, f["label"])
            elif cell.letters:
                sheet.write(row, col, cell.text, f["sig"])
            else:
                fmt = {0: "int", 1: "num"}.get(cell.decimals, "dec")
                sheet.write_number(row, col, cell.value, f[fmt])
        row += 1
    if grid.base:
        label, cells = grid.base
        sheet.write(row, 0, label, f["baselabel"])
        for col, cell in enumerate(cells, start=1):
            if cell.suppressed:
                sheet.write(row, col, SUPPRESSED_MARK, f["mark"])
            elif cell.value is None:
                sheet.write_blank(row, col, None, f["base"])
            else:
                sheet.write_number(row, col, cell.value, f["base"])
        row += 1
    row += 1
    lines = list(grid.tests)
    if grid.tests:
        lines = [_lang("Kiểm định: ", "Tests: ", language) + t for t in grid.tests]
    lines += list(grid.notes)
    if grid.suppressed and not grid.suppression_noted:
        lines.append(_lang(f"{SUPPRESSED_MARK} = ô bị ẩn để bảo vệ người trả lời ({grid.suppressed}"
                           " ô, gồm cả ô ẩn bổ sung).",
                           f"{SUPPRESSED_MARK} = cell suppressed to protect respondents "
                           f"({grid.suppressed} cells, complementary ones included).", language))
    for line in lines:
        sheet.merge_range(row, 0, row, max(width, 1), line, f["note"])
        sheet.set_row(row, 15 * max(1, len(line) // 110 + 1))
        row += 1
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, max(width, 1), 13)
    sheet.freeze_panes(header + (2 if has_letters else 1), 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header, header + (1 if has_letters else 0))
    sheet.set_footer("&L&A&R&P / &N")


def tables_frame(results: Sequence[Any]) -> pd.DataFrame:
    """Every result's tidy cells in one long frame, with ``kind``, ``item``, ``banner`` in
    front; suppressed cells keep their NaN and ``suppressed=True``."""
    parts = []
    for result in results:
        part = result.table.copy()
        part.insert(0, "banner", "×".join(getattr(result, "by", ()) or ()))
        part.insert(0, "item", getattr(result, "item", getattr(result, "variable", "")))
        part.insert(0, "kind", type(result).__name__)
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["kind", "item", "banner"])
    frame = pd.concat([p.astype(object) for p in parts], ignore_index=True)
    return frame


def tables_csv(results: Sequence[Any], notice: str = "") -> bytes:
    """Tidy CSV of the tables (UTF-8 with BOM, for Excel). ``notice``: a first column
    ``ghi_chu`` repeating it on every row (e.g. that the data are synthetic)."""
    buffer = io.StringIO()
    frame = tables_frame(results)
    if notice:
        frame.insert(0, "ghi_chu", notice)
    neutralise_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    return BOM + buffer.getvalue().encode("utf-8")
