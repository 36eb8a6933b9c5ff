"""The settings and choices sheets of an XLSForm: form id and title, option lists and codes.

Our options have whole-number codes; KoboToolbox writes choice names as words (``yes``,
``fear``). A list whose names are not all distinct whole numbers is numbered 1, 2, 3… in sheet
order; the name → code table goes into the report and each option keeps its ``name``, so the
codebook and a data import read the same mapping.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from survey.questionnaire.model.schema import OPTION_KEYS, SLUG_RE
from survey.questionnaire.xlsform_aliases import yes_no
from survey.questionnaire.xlsform_labels import LabelPicker, placeholder
from survey.questionnaire.xlsform_report import CodeMap, Report
from survey.questionnaire.xlsform_sheets import Columns, Row, Sheet, ascii_fold, cell_text

__all__ = ["Settings", "Choice", "ChoiceList", "read_settings", "read_choices", "slug_of",
           "TEXT_SETTINGS"]

TEXT_SETTINGS = ("introduction", "anonymity", "thank_you")
QUIET_SETTINGS = {"form_id", "title", "questionnaire_title", "default_language", "report",
                  "estimated_minutes", "allow_choice_duplicates", "clean_text_values",
                  *TEXT_SETTINGS}
INTEGER_RE = re.compile(r"-?\d+")
CARRY_NAME = "name" in OPTION_KEYS  # options keep their XLSForm name (the codebook's mapping)


def slug_of(text: str) -> str | None:
    """Our questionnaire id for an XLSForm ``form_id`` (``phieu_thu_xls`` → ``phieu-thu-xls``),
    or ``None`` when nothing usable is left."""
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")[:64].strip("-")
    if 0 < len(slug) < 3:
        slug = f"form-{slug}"
    return slug if SLUG_RE.match(slug) else None


@dataclass
class Settings:
    form_id: str
    title: dict[str, str]
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    estimated_minutes: int | None = None
    allow_duplicates: bool = False


def settings_row(sheet: Sheet | None) -> Row | None:
    if sheet is None or len(sheet.rows) < 1:
        return None
    columns = Columns.read(sheet)
    data = sheet.rows[1] if len(sheet.rows) > 1 else []
    return Row("settings", 2, data, columns)


def read_settings(row: Row | None, on_survey: dict[str, tuple[int, str]], picker: LabelPicker,
                  report: Report, source: str, content_key: str) -> Settings:
    """Form id, title and our extra texts. ``on_survey`` holds settings given as survey rows
    (``type: form_title``); ``content_key`` names a file whose name gives no usable id."""
    raw_id = row.get("form_id") if row else ""
    raw_title = ""
    if not raw_id and "form_id" in on_survey:
        raw_id = on_survey["form_id"][1]
    if "title" in on_survey:
        raw_title = on_survey["title"][1]
    if raw_id:
        form_id = slug_of(raw_id)
        if form_id is None:
            form_id = slug_of(PurePath(source).stem) or f"xlsform-{content_key}"
        if form_id != raw_id:
            report.add("form-id-mapped", "settings", 2, "form_id", old=raw_id, new=form_id)
    else:
        raw_id = PurePath(source).stem
        form_id = slug_of(raw_id) or f"xlsform-{content_key}"
        report.add("form-id-from-file", "settings", 2, "form_id", new=form_id)
    title: dict[str, str] = {}
    texts: dict[str, dict[str, str]] = {}
    minutes = None
    allow = False
    if row is not None:
        title = picker.pick(row.texts("questionnaire_title"), "settings") or \
            picker.pick(row.texts("title"), "settings")
        for key in TEXT_SETTINGS:
            text = picker.pick(row.texts(key), "settings")
            if text:
                texts[key] = text
        value = row.get("estimated_minutes")
        if value and INTEGER_RE.fullmatch(value) and int(value) >= 1:
            minutes = int(value)
        elif value:
            report.add("setting-dropped", "settings", 2, "estimated_minutes",
                       setting="estimated_minutes", value=value)
        allow = bool(yes_no(row.get("allow_choice_duplicates")))
        for header in row.columns.headers:
            if header.key in QUIET_SETTINGS or not row.filled(header):
                continue
            value = cell_text(row.values[header.position])
            if header.key == "public_key":
                report.add("setting-encryption", "settings", 2, header.raw)
            else:
                report.add("setting-dropped", "settings", 2, header.raw, setting=header.raw,
                           value=value[:80])
    if not title and raw_title:
        title = {"vi": raw_title}
    if not title:
        title = {"vi": raw_id}
        report.add("title-from-id", "settings", 2, "form_title", title=raw_id)
    return Settings(form_id, title, texts, minutes, allow)


@dataclass
class Choice:
    row: int
    name: str
    label: dict[str, str]
    flags: dict[str, bool]
    values: dict[str, str]
    code: int = 0
    original: str = ""  # our export's ``original_name`` column


@dataclass
class ChoiceList:
    name: str
    choices: list[Choice] = field(default_factory=list)
    mapping: dict[str, int] | None = None  # choice name → code, when names were not codes

    def options(self) -> list[dict[str, Any]]:
        """Our options for this list, each keeping its XLSForm ``name`` when it was recoded."""
        result = []
        for choice in self.choices:
            option: dict[str, Any] = {"code": choice.code, "label": dict(choice.label)}
            option.update({k: True for k, v in choice.flags.items() if v})
            name = choice.original or (choice.name if self.mapping is not None else "")
            if name and CARRY_NAME:
                option["name"] = name
            result.append(option)
        return result


def read_choices(sheet: Sheet | None, columns: Columns | None, picker: LabelPicker,
                 report: Report, allow_duplicates: bool) -> dict[str, ChoiceList]:
    lists: dict[str, ChoiceList] = {}
    if sheet is None or columns is None:
        return lists
    for number, values in enumerate(sheet.rows[1:], start=2):
        if not any(cell_text(v) for v in values):
            continue
        row = Row("choices", number, values, columns)
        list_name, name = row.get("list_name"), row.get("name")
        if not list_name:
            report.add("choice-no-list", "choices", number, "list_name")
            continue
        if not name:
            report.add("choice-no-name", "choices", number, "name", list=list_name)
            continue
        choice_list = lists.setdefault(list_name, ChoiceList(list_name))
        if not allow_duplicates and any(c.name == name for c in choice_list.choices):
            report.add("choice-duplicate", "choices", number, "name", choice=name,
                       list=list_name)
            continue
        label = picker.pick(row.texts("label"), f"choices {number}") or \
            placeholder(name)
        flags = {flag: bool(yes_no(row.get(flag))) for flag in ("missing", "other", "exclusive")}
        cells = {h.key: cell_text(values[h.position]) if h.position < len(values) else ""
                 for h in columns.headers if h.lang is None}
        cells.update({h.raw: cells.get(h.key, "") for h in columns.headers if h.lang is None})
        cells["name"] = name
        choice_list.choices.append(Choice(number, name, label, flags, cells,
                                          original=cells.get("original_name", "")))
    for choice_list in lists.values():
        _recode(choice_list, report)
    mapped = [c for c in lists.values() if c.mapping is not None]
    if mapped:
        report.add("codes-assigned", "choices", mapped[0].choices[0].row, "name",
                   list=", ".join(c.name for c in mapped))
    return lists


def _recode(choice_list: ChoiceList, report: Report) -> None:
    names = [c.name for c in choice_list.choices]
    if all(INTEGER_RE.fullmatch(n) for n in names) and len(set(map(int, names))) == len(names):
        for choice in choice_list.choices:
            choice.code = int(choice.name)
        return
    mapping: dict[str, int] = {}
    for number, choice in enumerate(choice_list.choices, start=1):
        choice.code = number
        mapping.setdefault(choice.name, number)
    choice_list.mapping = mapping
    report.code_maps.append(CodeMap(choice_list.name, [
        (c.name, c.code, c.label.get("vi", "")) for c in choice_list.choices]))
