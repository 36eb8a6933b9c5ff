"""Sheets of an XLSForm as plain rows, their headers read the way pyxform reads them, and the
small helpers that read cells and language names.

Kept apart from :mod:`.xlsform_import` so the importer reads as the walk over the survey it is.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire.model import LANGUAGE_RE
from survey.questionnaire.xlsform_aliases import header_key

__all__ = ["Sheet", "Header", "Columns", "Row", "cell_text", "language_of", "LANGUAGE_BY_NAME",
           "ascii_fold"]

#: language names as XLSForm authors write them (``label::English``, ``label::Swahili``)
LANGUAGE_BY_NAME = {
    "vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi", "việt": "vi",
    "english": "en", "french": "fr", "français": "fr", "francais": "fr", "spanish": "es",
    "español": "es", "espanol": "es", "portuguese": "pt", "português": "pt", "arabic": "ar",
    "العربية": "ar", "عربي": "ar", "chinese": "zh", "中文": "zh", "swahili": "sw",
    "kiswahili": "sw", "hindi": "hi", "bengali": "bn", "bangla": "bn", "russian": "ru",
    "german": "de", "deutsch": "de", "japanese": "ja", "korean": "ko", "thai": "th",
    "khmer": "km", "lao": "lo", "burmese": "my", "myanmar": "my", "indonesian": "id",
    "bahasa indonesia": "id", "malay": "ms", "tagalog": "tl", "filipino": "fil",
    "amharic": "am", "hausa": "ha", "yoruba": "yo", "igbo": "ig", "somali": "so",
    "nepali": "ne", "urdu": "ur", "persian": "fa", "farsi": "fa", "dari": "prs",
    "pashto": "ps", "turkish": "tr", "italian": "it", "dutch": "nl", "tetun": "tet",
    "chichewa": "ny", "kinyarwanda": "rw", "luganda": "lg", "zulu": "zu", "xhosa": "xh",
    "afrikaans": "af", "ukrainian": "uk", "polish": "pl", "romanian": "ro", "greek": "el",
    "hebrew": "he", "tigrinya": "ti", "oromo": "om", "kurdish": "ku", "sinhala": "si",
    "tamil": "ta", "telugu": "te", "marathi": "mr", "gujarati": "gu", "punjabi": "pa",
    "mongolian": "mn", "haitian creole": "ht", "creole": "ht", "lingala": "ln",
    "wolof": "wo", "fula": "ff", "bambara": "bm", "malagasy": "mg", "shona": "sn",
}


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    truncated: bool = False


def cell_text(value: Any) -> str:
    """A cell as text, the way pyxform reads it: stripped, ``3.0`` → ``3``, smart quotes
    straightened (pyxform's ``clean_text_values``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text.translate(_SMART_QUOTES) if text else ""


_SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def ascii_fold(text: str) -> str:
    """Vietnamese (or any Latin) text without its diacritics: ``Phiếu đợt 1`` → ``Phieu dot 1``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def language_of(spec: str | None) -> str | None:
    """The language code of a header's language part: ``English (en)``, ``English(en)``,
    ``en``, ``EN``, ``english``, ``Tiếng Việt``; ``None`` when it cannot be told."""
    if spec is None:
        return None
    spec = " ".join(spec.split())
    match = re.search(r"\(([^()]*)\)\s*$", spec)
    if match:
        code = match.group(1).strip().lower().replace("_", "-").split("-")[0]
        if LANGUAGE_RE.match(code):
            return code
        spec = spec[:match.start()].strip()
    lowered = spec.lower()
    if lowered in LANGUAGE_BY_NAME:
        return LANGUAGE_BY_NAME[lowered]
    code = lowered.replace("_", "-").split("-")[0]
    return code if LANGUAGE_RE.match(code) and len(lowered) <= 8 else None


@dataclass(frozen=True)
class Header:
    position: int
    raw: str
    key: str
    lang: str | None  # the language part as written (``English (en)``), None for plain


@dataclass
class Columns:
    """The header of a sheet: each column read by :func:`header_key`; ``index`` gives the
    position of the first column of each ``(key, language part)``."""

    sheet: str
    headers: list[Header] = field(default_factory=list)
    index: dict[tuple[str, str | None], int] = field(default_factory=dict)
    duplicates: list[Header] = field(default_factory=list)

    @classmethod
    def read(cls, sheet: Sheet) -> Columns:
        columns = cls(sheet.name)
        raw = [cell_text(v) for v in (sheet.rows[0] if sheet.rows else [])]
        double = any("::" in h for h in raw)
        for position, text in enumerate(raw):
            if not text:
                continue
            key, lang = header_key(text, sheet.name, double)
            header = Header(position, text, key, lang)
            if (key, lang) in columns.index:
                columns.duplicates.append(header)
                continue
            columns.index[(key, lang)] = position
            columns.headers.append(header)
        return columns

    def has(self, key: str) -> bool:
        return any(k == key for k, _ in self.index)

    def languages(self, key: str) -> list[str | None]:
        return [lang for k, lang in self.index if k == key]


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

    def texts(self, key: str) -> dict[str | None, str]:
        """Every non-empty cell of ``key``, by language part (``None`` for the plain column)."""
        result: dict[str | None, str] = {}
        for (name, lang), position in self.columns.index.items():
            if name == key and position < len(self.values):
                text = cell_text(self.values[position])
                if text:
                    result[lang] = text
        return result

    def filled(self, header: Header) -> bool:
        return header.position < len(self.values) and bool(cell_text(self.values[header.position]))
