"""Cells that a spreadsheet must read as text, never as a formula (CSV / formula injection).

A respondent's free text or a designer's label can begin with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return; Excel and LibreOffice open such a CSV cell as a formula
(``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``@SUM(…)``). Following the OWASP advice, such a text
cell is written with a leading apostrophe, which spreadsheets show as text and do not evaluate.
Numbers stay numbers (a negative code is still a number). XLSX files are written with
XlsxWriter's ``strings_to_formulas``/``strings_to_urls``/``strings_to_numbers`` off
(:data:`XLSX_OPTIONS`), so a string cell is always a string.

(The ``defusedcsv`` package does the same for the ``csv`` module only, skips tab and carriage
return, and rewrites ``|`` inside the text; the frames here are written by pandas.)
"""
from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "XLSX_OPTIONS", "neutralise", "neutralise_frame", "neutralise_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


def neutralise(value: Any) -> Any:
    """``value`` itself, or a text that could start a formula with an apostrophe before it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(row) -> list[Any]:
    return [neutralise(value) for value in row]


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns are neutralised (numeric columns untouched), and
    whose column names are too."""
    text = [c for c in frame.columns if frame[c].dtype == object
            or isinstance(frame[c].dtype, pd.StringDtype)]
    if not text and not any(isinstance(c, str) and c.startswith(FORMULA_STARTS)
                            for c in frame.columns):
        return frame
    frame = frame.copy()
    for column in text:
        frame[column] = frame[column].map(neutralise)
    return frame.rename(columns=lambda c: neutralise(c))
