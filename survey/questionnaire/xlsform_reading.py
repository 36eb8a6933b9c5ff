"""Opening an uploaded workbook safely and reading its XLSForm sheets as rows.

An ``.xlsx`` is a zip archive of XML parts; a hostile or broken one must cost little and fail
with one plain reason. :func:`zip_problem` checks the archive before openpyxl sees it (size,
parts, unpacked size, compression ratio); :func:`read_sheets` reads the sheets pyxform reads
(``survey``, ``choices``, ``settings`` in any case; a workbook of one sheet is its survey).
"""
from __future__ import annotations

import io
import warnings
import zipfile
from typing import Any

from survey.questionnaire.xlsform_report import Line
from survey.questionnaire.xlsform_sheets import Sheet, cell_text

__all__ = ["zip_problem", "read_sheets", "open_rows", "MAX_XLSX_BYTES", "MAX_ROWS",
           "MAX_COLUMNS"]

MAX_XLSX_BYTES = 10 * 1024 * 1024       # the upload itself
MAX_UNPACKED_BYTES = 60 * 1024 * 1024   # all parts of the zip, unpacked (zip-bomb guard)
MAX_RATIO = 150                         # unpacked/packed for a large part (zip-bomb guard)
MAX_PARTS = 500
MAX_ROWS = 5000
MAX_COLUMNS = 200
XLSFORM_SHEETS = ("survey", "choices", "settings")


def zip_problem(data: bytes) -> Line | None:
    """Why this is not a workbook we are willing to open, or ``None``."""
    mb = 1024 * 1024
    if not data:
        return Line("file-empty")
    if len(data) > MAX_XLSX_BYTES:
        return Line("file-too-large", params=(("mb", MAX_XLSX_BYTES // mb),))
    if not data.startswith(b"PK"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            return Line("file-old-xls")
        return Line("file-not-zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                return Line("file-parts", params=(("count", MAX_PARTS),))
            total = 0
            for part in parts:
                total += part.file_size
                if part.file_size > mb and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                    ratio = part.file_size // max(part.compress_size, 1)
                    return Line("file-bomb-ratio", params=(("part", part.filename),
                                                           ("ratio", ratio)))
            if total > MAX_UNPACKED_BYTES:
                return Line("file-bomb-total", params=(("mb", MAX_UNPACKED_BYTES // mb),))
            if "xl/workbook.xml" not in {part.filename for part in parts}:
                return Line("file-no-workbook")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return Line("file-unreadable", params=(("why", str(exc)),))
    return None


def open_rows(data: bytes, max_rows: int = MAX_ROWS + 1,
              max_columns: int = MAX_COLUMNS) -> tuple[list[str], dict[str, list[list[Any]]]]:
    """``(sheet titles, {title: rows})`` of a workbook that passed :func:`zip_problem`.

    Raises whatever openpyxl raises on a damaged workbook; callers turn that into a refusal.
    """
    from openpyxl import load_workbook

    titles: list[str] = []
    tables: dict[str, list[list[Any]]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for worksheet in workbook.worksheets:
                title = str(worksheet.title)
                titles.append(title)
                tables[title] = [list(values) for values in worksheet.iter_rows(
                    max_row=max_rows, max_col=max_columns, values_only=True)]
        finally:
            workbook.close()
    return titles, tables


def read_sheets(data: bytes) -> tuple[dict[str, Sheet], list[str]]:
    """The XLSForm sheets (lower-case names) and the titles of all sheets.

    pyxform reads sheet names in any case and takes the only sheet of a one-sheet workbook as
    its survey, whatever it is called; so do we. Raises like :func:`open_rows`.
    """
    titles, tables = open_rows(data)
    sheets: dict[str, Sheet] = {}
    for title in titles:
        name = title.strip().lower()
        if name not in XLSFORM_SHEETS and len(titles) == 1:
            name = "survey"
        if name not in XLSFORM_SHEETS or name in sheets:
            continue
        rows = tables[title]
        while rows and not any(cell_text(v) for v in rows[-1]):
            rows.pop()  # trailing blank rows (formatted but empty) are not content
        truncated = len(rows) > MAX_ROWS
        sheets[name] = Sheet(name, rows[:MAX_ROWS], truncated)
    return sheets, titles
