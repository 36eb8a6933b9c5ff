"""Which XLSForm label column becomes our Vietnamese label, and labels still to be written.

Our definitions need a Vietnamese label on every question, option and grid row. An XLSForm
written elsewhere has ``label::English (en)``, a plain ``label`` (in the form's
``default_language``), or several languages. :class:`LabelPicker` chooses the column read as
Vietnamese — a ``vi`` column if there is one, else the form's default language, else the plain
column, else the fullest column — says so in the report, keeps the other languages it can name,
and fills a missing label from another language. An element with no label in any language gets
a placeholder starting with :data:`MISSING_MARK`: the draft imports and can be edited, and
:func:`missing_labels` lists what must be written before the designer lets it be published.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from survey.questionnaire.model import iter_pages
from survey.questionnaire.xlsform_report import Report
from survey.questionnaire.xlsform_sheets import Columns, language_of

__all__ = ["LabelPicker", "MISSING_MARK", "placeholder", "missing_labels", "Missing",
           "LABELLED_KEYS"]

MISSING_MARK = "⚠ Chưa có nhãn: "
LABELLED_KEYS = ("label", "hint", "constraint_message", "questionnaire_title", "title",
                 "introduction", "anonymity", "thank_you")
DEFAULT = "\x00default"  # the key of plain columns whose language nobody named
REFERENCE_RE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")


def placeholder(name: str) -> dict[str, str]:
    return {"vi": f"{MISSING_MARK}{name}"}


class LabelPicker:
    """Reads every label-like column's language once and decides the Vietnamese source."""

    def __init__(self, sheets: Mapping[str, Columns], default_language: str | None,
                 report: Report, filled: Mapping[tuple[str, str | None], int]):
        """``filled[(sheet, language part)]`` counts non-empty label cells per column."""
        self.report = report
        self.default_code = language_of(default_language) if default_language else None
        self.default_spec = default_language
        self.keys: dict[str | None, str] = {}  # language part → language key
        self.headers: dict[str, str] = {}       # language key → a header naming it
        order: list[str] = []
        weight: dict[str, int] = {}
        for sheet, columns in sheets.items():
            for header in columns.headers:
                if header.key not in LABELLED_KEYS:
                    continue
                key = self._key(header.lang)
                self.keys[header.lang] = key
                if key not in self.headers or (header.key == "label" and not
                                               self.headers[key].lower().startswith("label")):
                    self.headers[key] = header.raw
                if key not in order:
                    order.append(key)
                weight[key] = weight.get(key, 0) + filled.get((sheet, header.lang), 0) * (
                    header.key == "label")
        self.vi_key = self._choose(order, weight)
        # plain columns with no language named are the form's own language: read as Vietnamese
        self.aliases = {DEFAULT: self.vi_key} if self.vi_key not in (None, DEFAULT) else {}
        self.codes: dict[str, str] = {}  # language key → our language code (other languages)
        dropped: set[str] = set()
        for key in order:
            if key in self.aliases:
                continue
            if key == self.vi_key:
                if key not in ("vi", DEFAULT) and not key.startswith("?"):
                    self.codes[key] = key  # English read as Vietnamese is still English too
                continue
            if key.startswith("?") or key == DEFAULT:
                dropped.add(key)
                continue
            self.codes[key] = key
        self.dropped_keys = dropped
        if self.vi_key is not None and self.vi_key != "vi":
            report.add("vi-from-language", language=self.headers.get(self.vi_key, "label"))
        self.fallbacks: dict[str, list[str]] = {}  # language key → places
        self.references: list[str] = []  # places whose text inserted an answer (``${x}``)

    def _key(self, spec: str | None) -> str:
        if spec is None:
            return self.default_code or (f"?{self.default_spec}" if self.default_spec
                                         else DEFAULT)
        code = language_of(spec)
        if code is None and self.default_spec and \
                " ".join(spec.split()).lower() == " ".join(self.default_spec.split()).lower():
            return self._key(None)
        return code or f"?{' '.join(spec.split()).lower()}"

    def _choose(self, order: list[str], weight: dict[str, int]) -> str | None:
        if not order:
            return None
        if "vi" in order:
            return "vi"
        default = self._key(None)
        if self.default_spec and default in order:
            return default
        if DEFAULT in order and weight.get(DEFAULT) and \
                weight[DEFAULT] >= max(weight.values(), default=0):
            return DEFAULT
        return max(order, key=lambda key: (weight.get(key, 0), -order.index(key)))

    def dropped_column(self, spec: str | None) -> bool:
        key = self.keys.get(spec, self._key(spec))
        return self.aliases.get(key, key) in self.dropped_keys

    @property
    def languages(self) -> list[str]:
        return ["vi"] + [code for code in dict.fromkeys(self.codes.values()) if code != "vi"]

    def pick(self, texts: Mapping[str | None, str], place: str = "",
             fallback: bool = True) -> dict[str, str]:
        """``{language code: text}`` from one row's cells of one key (``texts`` by language
        part). The Vietnamese text comes from the chosen column, else (``fallback``) from the
        first other language that has one — each such place is remembered for the report."""
        by_key: dict[str, str] = {}
        for spec, text in texts.items():
            key = self.keys.get(spec) or self._key(spec)
            by_key.setdefault(self.aliases.get(key, key), text)
        result: dict[str, str] = {}
        if self.vi_key in by_key:
            result["vi"] = by_key[self.vi_key]
        elif fallback and by_key:
            key = next((k for k in by_key if k not in self.dropped_keys), next(iter(by_key)))
            result["vi"] = by_key[key]
            self.fallbacks.setdefault(key, []).append(place)
        for key, code in self.codes.items():
            if key in by_key and code != "vi":
                result.setdefault(code, by_key[key])
        for code, text in result.items():
            plain = REFERENCE_RE.sub(r"[\1]", text)
            if plain != text:
                result[code] = plain
                if place not in self.references:
                    self.references.append(place)
        return result

    def report_fallbacks(self) -> None:
        if self.references:
            shown = ", ".join(self.references[:6]) + (", …" if len(self.references) > 6 else "")
            self.report.add("label-references", count=len(self.references), rows=shown)
        for key, places in self.fallbacks.items():
            shown = ", ".join(places[:6]) + (", …" if len(places) > 6 else "")
            self.report.add("label-fallback", count=len(places),
                            language=self.headers.get(key, key), rows=shown)


# --------------------------------------------------------------------------- what is missing

@dataclass(frozen=True)
class Missing:
    """One placeholder label: ``what`` (question, option, row, title), the element's id."""

    what: str
    item: str
    detail: str = ""
    path: tuple[Any, ...] = field(default=(), compare=False)


def _marked(label: Any) -> bool:
    return isinstance(label, Mapping) and str(label.get("vi", "")).startswith(MISSING_MARK)


def missing_labels(definition: Mapping[str, Any]) -> list[Missing]:
    """Every label of ``definition`` that is still a placeholder left by an XLSForm import:
    a draft with any cannot be published."""
    found: list[Missing] = []
    if _marked(definition.get("title")):
        found.append(Missing("title", str(definition.get("id", "")), "", ("title",)))
    for name, options in (definition.get("option_lists") or {}).items():
        for index, option in enumerate(options):
            if _marked(option.get("label")):
                found.append(Missing("option", name, str(option.get("code")),
                                     ("option_lists", name, index)))
    for page_index, page in enumerate(iter_pages(definition)):
        for item_index, item in enumerate(page.get("items") or []):
            path = ("pages", page_index, "items", item_index)
            if _marked(item.get("label")):
                found.append(Missing("question", item["id"], "", path))
            for index, row in enumerate(item.get("rows") or []):
                if _marked(row.get("label")):
                    found.append(Missing("row", item["id"], str(row.get("id")),
                                         path + ("rows", index)))
            if item.get("options_from"):
                continue
            for index, option in enumerate(item.get("options") or []):
                if _marked(option.get("label")):
                    found.append(Missing("option", item["id"], str(option.get("code")),
                                         path + ("options", index)))
    return found
