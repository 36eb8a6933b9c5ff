"""Sheets of an XLSForm as plain rows, and the small helpers that read their cells.

Kept apart from :mod:`.xlsform_import` so the importer reads as the walk over the survey it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.model import LANGUAGE_RE

__all__ = ["Sheet", "Columns", "Row", "cell_text", "language_of", "LANGUAGE_BY_NAME"]

LANGUAGE_BY_NAME = {"vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi",
                    "english": "en", "french": "fr", "français": "fr", "chinese": "zh",
                    "khmer": "km", "lao": "lo", "thai": "th"}
@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    truncated: bool = False


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def language_of(spec: str) -> str | None:
    spec = spec.strip()
    match = re.search(r"\(([^()]*)\)\s*$", spec)
    if match:
        code = match.group(1).strip().lower().split("-")[0]
        return code if LANGUAGE_RE.match(code) else None
    lowered = spec.lower()
    if lowered in LANGUAGE_BY_NAME:
        return LANGUAGE_BY_NAME[lowered]
    return lowered if LANGUAGE_RE.match(lowered) else None


@dataclass
class Columns:
    """The header of a sheet: column index by (key, language or None)."""

    sheet: str
    index: dict[tuple[str, str | None], int] = field(default_factory=dict)
    headers: dict[int, str] = field(default_factory=dict)


@dataclass
class Row:
    sheet: str
    number: int
    values: list[Any]
    columns: Columns

    def get(self, key: str, lang: str | None = None) -> str:
        position = self.columns.index.get((key, lang))
        if position is None or position >= len(self.values):
            return ""
        return cell_text(self.values[position])

    def labels(self, key: str, default_language: str) -> dict[str, str]:
        result = {}
        for (name, lang), position in self.columns.index.items():
            if name != key or position >= len(self.values):
                continue
            text = cell_text(self.values[position])
            if text:
                result[lang or default_language] = text
        return result
