"""Reading XLSForm sheets into our definition dict (used by :func:`.xlsform.from_xlsx`).

Two passes: the first walks the survey sheet (groups → pages, ``table-list`` groups → grids,
questions → items) and the choices sheet, recording every XLSForm name; the second translates
``relevant``, ``constraint`` and ``choice_filter`` through :mod:`.xpath`, so a reference to a
later question or to a dropped one gets a precise message. The result goes through the same
validator as a YAML file, with each path mapped to its sheet and row.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Callable

from survey.questionnaire import expressions as ex
from survey.questionnaire.validator import SLUG_RE, check
from survey.questionnaire.xlsform_sheets import Columns, Row, Sheet, cell_text, language_of
from survey.questionnaire.xpath import XPathError, conjoin, conjuncts, fold, from_xpath, limit_of

__all__ = ["Sheet", "Importer"]

SURVEY_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint",
                  "constraint_message", "choice_filter", "appearance", "parameters", "role",
                  "dimension", "top", "decimals", "randomize"}
CHOICE_COLUMNS = {"list_name", "name", "label", "missing", "other", "exclusive"}
LOCALISED = {"label", "hint", "constraint_message", "title", "questionnaire_title",
             "introduction", "anonymity",
             "thank_you"}
METADATA = {"start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
            "username", "email", "audit", "start-geopoint", "background-geopoint", "instanceid",
            "uri:deviceid", "uri:email", "uri:username", "uri:phonenumber"}
UNSUPPORTED = {"calculate", "hidden", "geopoint", "geotrace", "geoshape", "date", "time",
               "datetime", "image", "audio", "video", "file", "barcode", "range", "acknowledge",
               "trigger", "xml-external", "csv-external", "select_one_from_file",
               "select_multiple_from_file", "select_one_external", "background-audio",
               "start-geopoint"}
CHOICE_TYPES = {"select_one": "single", "select_multiple": "multiple", "rank": "ranking"}
TRUE_WORDS = {"yes", "true", "true()", "1", "có"}
FALSE_WORDS = {"", "no", "false", "false()", "0", "không"}
DEFAULT_DECIMALS = 2


@dataclass
class _Frame:
    kind: str  # page | group | grid | skip
    name: str
    row: int
    relevant: tuple[str, int] | None = None
    item: dict[str, Any] | None = None


@dataclass
class _Pending:
    """An expression to translate once every name is known."""

    text: str
    sheet: str
    row: int
    column: str


class Importer:
    def __init__(self, sheets: dict[str, Sheet], source: str, max_rows: int = 5000):
        self.sheets = sheets
        self.source = source
        self.max_rows = max_rows
        self.errors: list[str] = []
        self.dropped: list[str] = []
        self.notes: list[str] = []
        self.default_language = "vi"
        self.languages: list[str] = []
        self.locations: dict[tuple[Any, ...], str] = {}
        self.names: dict[str, tuple[ex.Reference, str]] = {}
        self.dropped_names: dict[str, str] = {}
        self.group_names: set[str] = set()
        self.pages: list[dict[str, Any]] = []
        self.lists: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self.item_rows: list[tuple[dict[str, Any], int, dict[str, Any]]] = []
        self.option_lists: dict[str, list[dict[str, Any]]] = {}
        self.plain_label = False
        self.code_maps: dict[str, dict[str, int]] = {}  # list name -> choice name -> code
        self.item_lists: dict[str, str] = {}  # item id -> its choice list name

    # ------------------------------------------------------------------ messages

    def error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        place = sheet + (f" row {row}" if row else "") + (f", column {column}" if column else "")
        self.errors.append(f"{self.source}: {place}: {message}")

    def drop(self, sheet: str, row: int, message: str) -> None:
        self.dropped.append(f"{sheet} row {row}: {message}")

    # ------------------------------------------------------------------ headers

    def columns(self, sheet: Sheet, known: set[str],
                report_unknown: bool = True) -> Columns | None:
        columns = Columns(sheet.name)
        if not sheet.rows:
            self.error(sheet.name, None, None, "the sheet is empty")
            return None
        unknown_with_content: dict[str, int] = {}
        for position, raw in enumerate(sheet.rows[0]):
            header = cell_text(raw)
            if not header:
                continue
            key, _, spec = header.partition("::")
            key = key.strip().lower()
            lang = None
            if spec:
                if key not in LOCALISED:
                    unknown_with_content[header] = position
                    continue
                lang = language_of(spec)
                if lang is None:
                    self.error(sheet.name, 1, header, f"cannot tell the language of {header!r}; "
                               "write it as label::Vietnamese (vi)")
                    continue
            elif key not in known and key not in LOCALISED:
                unknown_with_content[header] = position
                continue
            if (key, lang) in columns.index:
                self.error(sheet.name, 1, header, "this column appears twice")
                continue
            columns.index[(key, lang)] = position
            columns.headers[position] = header
            if key in ("label", "title") and lang is None:
                self.plain_label = True
            if lang and lang not in self.languages:
                self.languages.append(lang)
        for header, position in unknown_with_content.items():
            if not report_unknown:
                continue
            used = sum(1 for values in sheet.rows[1:]
                       if position < len(values) and cell_text(values[position]))
            if used:
                self.dropped.append(f"{sheet.name} column {header!r} is not supported; "
                                    f"ignored ({used} row{'s' if used > 1 else ''})")
        return columns

    def rows(self, sheet: Sheet, columns: Columns) -> list[Row]:
        if sheet.truncated:
            self.error(sheet.name, self.max_rows + 1, None,
                       f"the sheet has more than {self.max_rows} rows")
        return [Row(sheet.name, number, values, columns)
                for number, values in enumerate(sheet.rows[1:self.max_rows], start=2)
                if any(cell_text(v) for v in values)]

    # ------------------------------------------------------------------ settings

    def settings(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        sheet = self.sheets.get("settings")
        row = None
        if sheet is not None and sheet.rows:
            columns = self.columns(sheet, {"form_id", "form_title", "default_language",
                                           "estimated_minutes", "version", "style",
                                           "instance_name", "public_key", "submission_url",
                                           "allow_choice_duplicates"})
            if columns is not None:
                data = sheet.rows[1] if len(sheet.rows) > 1 else []
                row = Row("settings", 2, data, columns)
        if row is not None:
            spec = row.get("default_language")
            if spec:
                lang = language_of(spec)
                if lang is None:
                    self.error("settings", 2, "default_language",
                               f"cannot tell the language of {spec!r}")
                else:
                    self.default_language = lang
        form_id = row.get("form_id") if row else ""
        if not form_id:
            stem = PurePath(self.source).stem.lower()
            form_id = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
            if SLUG_RE.match(form_id):
                self.notes.append(f"settings: no form_id; using {form_id!r} from the file name")
            else:
                self.error("settings", 2, "form_id", "form_id is missing (a slug such as "
                           "ne-tranh-trach-nhiem)")
        result["id"] = form_id
        if row is not None:
            title = row.labels("questionnaire_title", self.default_language) or \
                row.labels("title", self.default_language)
            if not title and row.get("form_title"):
                title = {self.default_language: row.get("form_title")}
            result["title"] = title or None
            for key in ("introduction", "anonymity", "thank_you"):
                text = row.labels(key, self.default_language)
                if text:
                    result[key] = text
            minutes = row.get("estimated_minutes")
            if minutes:
                if minutes.isdigit():
                    result["estimated_minutes"] = int(minutes)
                else:
                    self.error("settings", 2, "estimated_minutes",
                               f"{minutes!r} is not a whole number of minutes")
        for key, column in (("id", "form_id"), ("title", "form_title"),
                            ("introduction", "introduction"), ("anonymity", "anonymity"),
                            ("thank_you", "thank_you"),
                            ("estimated_minutes", "estimated_minutes")):
            self.locations[(key,)] = f"settings row 2, column {column}"
        return result

    # ------------------------------------------------------------------ choices

    def choices(self) -> None:
        sheet = self.sheets.get("choices")
        if sheet is None:
            return
        columns = self.columns(sheet, CHOICE_COLUMNS, report_unknown=False)
        if columns is None:
            return
        extra = [(key, pos) for (key, lang), pos in columns.index.items()
                 if lang is None and key not in LOCALISED]
        for position, header in enumerate(sheet.rows[0]):
            header = cell_text(header)
            key = header.lower()
            if header and "::" not in header and (key, None) not in columns.index:
                extra.append((header, position))  # custom filter columns (choice_filter)
        for row in self.rows(sheet, columns):
            list_name = row.get("list_name")
            if not list_name:
                self.error("choices", row.number, "list_name", "the choice has no list_name")
                continue
            name = row.get("name")
            if not re.fullmatch(r"-?\d+", name):
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", name):
                    self.error("choices", row.number, "name",
                               f"{name!r} is neither a whole-number code nor a choice name")
                    continue
            option: dict[str, Any] = {"code": name,
                                      "label": row.labels("label", self.default_language)}
            for flag in ("missing", "other", "exclusive"):
                if self.flag(row, flag):
                    option[flag] = True
            values = {key: (cell_text(row.values[pos]) if pos < len(row.values) else "")
                      for key, pos in extra}
            values["name"] = name
            self.lists.setdefault(list_name, []).append((row.number, option, values))
        for list_name, choices in self.lists.items():
            self.recode(list_name, choices)

    def recode(self, list_name: str,
               choices: list[tuple[int, dict[str, Any], dict[str, str]]]) -> None:
        """Our options need numeric codes; ODK choice names are often words. A list with any
        word name is numbered 1, 2, 3… in its order (a note gives the mapping) and expressions
        naming those choices are translated through :attr:`code_maps`."""
        names = [option["code"] for _, option, _ in choices]
        if all(re.fullmatch(r"-?\d+", name) for name in names):
            for _, option, _ in choices:
                option["code"] = int(option["code"])
            return
        mapping: dict[str, int] = {}
        for number, (_, option, _) in enumerate(choices, start=1):
            mapping.setdefault(option["code"], number)
            option["code"] = number
        self.code_maps[list_name] = mapping
        shown = ", ".join(f"{name} → {code}" for name, code in list(mapping.items())[:8])
        more = ", …" if len(mapping) > 8 else ""
        self.notes.append(f"choices list {list_name!r}: choice names are not numbers, so the "
                          f"options were numbered in order ({shown}{more})")

    def flag(self, row: Row, column: str) -> bool:
        value = row.get(column).lower()
        if value in TRUE_WORDS:
            return True
        if value not in FALSE_WORDS:
            self.error(row.sheet, row.number, column, f"{value!r} is not yes or no")
        return False

    # ------------------------------------------------------------------ survey

    def parameters(self, row: Row) -> dict[str, str]:
        result = {}
        for part in re.split(r"[\s;,]+", row.get("parameters")):
            if not part:
                continue
            key, sep, value = part.partition("=")
            if not sep:
                self.error("survey", row.number, "parameters",
                           f"{part!r} is not of the form name=value")
                continue
            result[key.strip().lower()] = value.strip()
        for key in ("top", "decimals", "randomize"):  # our columns (ODK rejects these params)
            if row.get(key):
                result[key] = row.get(key)
        return result

    def new_page(self, page_id: str, row: int, title: dict[str, str] | None,
                 relevant: str) -> dict[str, Any]:
        page: dict[str, Any] = {"id": page_id, "items": []}
        if title:
            page["title"] = title
        if relevant:
            page["_relevant"] = _Pending(relevant, "survey", row, "relevant")
        self.locations[("pages", len(self.pages))] = f"survey row {row}"
        self.pages.append(page)
        return page

    def add_item(self, page: dict[str, Any], item: dict[str, Any], row: Row,
                 stack: list[_Frame]) -> None:
        path = ("pages", self.pages.index(page), "items", len(page["items"]))
        self.locations[path] = f"survey row {row.number}"
        inherited = [frame.relevant for frame in stack if frame.kind == "group" and frame.relevant]
        item["_inherited"] = [_Pending(text, "survey", number, "relevant")
                              for text, number in inherited]
        page["items"].append(item)
        self.item_rows.append((item, row.number, {"path": path}))

    def common(self, item: dict[str, Any], row: Row) -> None:
        label = row.labels("label", self.default_language)
        if label:
            item["label"] = label
        hint = row.labels("hint", self.default_language)
        if hint:
            item["hint"] = hint
        message = row.labels("constraint_message", self.default_language)
        if message:
            item["constraint_message"] = message
        required = row.get("required").lower()
        if required in TRUE_WORDS:
            item["required"] = True
        elif required not in FALSE_WORDS:
            self.drop("survey", row.number, f"required condition {row.get('required')!r} is "
                                            "not supported; the question is required always")
            item["required"] = True
        for key in ("relevant", "constraint", "choice_filter"):
            if row.get(key):
                item[f"_{key}"] = _Pending(row.get(key), "survey", row.number, key)

    def survey(self) -> None:
        sheet = self.sheets.get("survey")
        if sheet is None:
            self.error("survey", None, None, "the workbook has no 'survey' sheet")
            return
        columns = self.columns(sheet, SURVEY_COLUMNS)
        if columns is None:
            return
        if ("type", None) not in columns.index or ("name", None) not in columns.index:
            self.error("survey", 1, None, "the first row needs 'type' and 'name' columns")
            return
        stack: list[_Frame] = []
        auto_page: dict[str, Any] | None = None

        def current_page(row: Row) -> dict[str, Any]:
            nonlocal auto_page
            for frame in stack:
                if frame.kind == "page" and frame.item is not None:
                    return frame.item
            if auto_page is None:
                auto_page = self.new_page(f"P{len(self.pages) + 1}", row.number, None, "")
            return auto_page

        for row in self.rows(sheet, columns):
            words = row.get("type").split()
            if not words:
                self.error("survey", row.number, "type", "the row has content but no type")
                continue
            head = words[0].lower()
            if head in ("begin", "end") and len(words) > 1:
                head, words = f"{head}_{words[1].lower()}", [f"{head}_{words[1]}"] + words[2:]
            if stack and stack[-1].kind == "skip":
                if head in ("begin_group", "begin_repeat"):
                    stack.append(_Frame("skip", row.get("name"), row.number))
                elif head in ("end_group", "end_repeat"):
                    stack.pop()
                continue
            name = row.get("name")
            if head == "begin_repeat":
                self.drop("survey", row.number, f"repeat {name!r} is not supported; it and "
                                                "its questions were dropped")
                stack.append(_Frame("skip", name, row.number))
                continue
            if head == "begin_group":
                self.begin_group(row, stack, current_page)
                if stack and stack[-1].kind == "page":
                    auto_page = None
                continue
            if head in ("end_group", "end_repeat"):
                if not stack:
                    self.error("survey", row.number, "type", f"{row.get('type')} without a "
                                                             "matching begin group")
                    continue
                frame = stack.pop()
                if frame.kind == "grid" and frame.item is not None and not frame.item["rows"]:
                    self.error("survey", frame.row, "type",
                               f"table-list group {frame.name!r} has no select_one rows")
                continue
            if stack and stack[-1].kind == "grid":
                self.grid_row(row, words, stack[-1])
                continue
            self.question(row, words, head, name, stack, current_page)
        for frame in stack:
            if frame.kind != "skip":
                self.error("survey", frame.row, "type",
                           f"group {frame.name!r} is never closed with end group")

    def begin_group(self, row: Row, stack: list[_Frame],
                    current_page: Callable[[Row], dict[str, Any]]) -> None:
        name = row.get("name")
        appearance = row.get("appearance").lower()
        relevant = row.get("relevant")
        if stack and stack[-1].kind == "grid":
            self.error("survey", row.number, "type", "a group inside a table-list group")
            stack.append(_Frame("skip", name, row.number))
            return
        if "table-list" in appearance:
            item: dict[str, Any] = {"id": name, "type": "grid", "rows": []}
            self.common(item, row)
            item.pop("_choice_filter", None)
            item.pop("required", None)
            params = self.parameters(row)
            if params.get("randomize", "").lower() in TRUE_WORDS:
                item["randomize"] = True
            self.add_item(current_page(row), item, row, stack)
            self.names[name] = (ex.Reference(name), "grid")
            stack.append(_Frame("grid", name, row.number, item=item))
            return
        self.group_names.add(name)
        label = row.labels("label", self.default_language)
        if not any(frame.kind == "page" for frame in stack):
            page = self.new_page(name or f"P{len(self.pages) + 1}", row.number, label, relevant)
            stack.append(_Frame("page", name, row.number, item=page))
            return
        self.notes.append(f"survey row {row.number}: group {name!r} inside a page was "
                          "flattened into the page (its condition applies to its questions)")
        stack.append(_Frame("group", name, row.number,
                            relevant=(relevant, row.number) if relevant else None))

    def grid_row(self, row: Row, words: list[str], frame: _Frame) -> None:
        grid = frame.item
        assert grid is not None
        if row.get("appearance").lower() == "label":
            self.notes.append(f"survey row {row.number}: header row of table-list group "
                              f"{frame.name!r} skipped")
            return
        if len(words) < 2 or words[0] != "select_one" or len(words) > 2:
            self.error("survey", row.number, "type", f"inside table-list group {frame.name!r} "
                       "every question must be 'select_one LIST' (one grid row)")
            return
        list_name = words[1]
        self.item_lists.setdefault(frame.name, list_name)
        if grid.setdefault("_list", (list_name, row.number))[0] != list_name:
            self.error("survey", row.number, "type", f"grid {frame.name!r} mixes option lists "
                       f"{grid['_list'][0]!r} and {list_name!r}; a grid shares one scale")
            return
        name = row.get("name")
        prefix = f"{frame.name}_"
        row_id = name[len(prefix):] if name.startswith(prefix) and len(name) > len(prefix) \
            else name
        grid["rows"].append({"id": row_id, "label": row.labels("label", self.default_language)})
        self.names[name] = (ex.Reference(frame.name, row_id), "single")
        required = row.get("required").lower() in TRUE_WORDS
        grid.setdefault("_required", []).append(required)
        for key in ("relevant", "constraint", "choice_filter"):
            if row.get(key):
                self.drop("survey", row.number, f"{key} on grid row {name!r} is not supported "
                                                "(a grid row has no condition of its own)")

    def question(self, row: Row, words: list[str], head: str, name: str, stack: list[_Frame],
                 current_page: Callable[[Row], dict[str, Any]]) -> None:
        if head in METADATA:
            self.dropped.append(f"survey row {row.number}: metadata {head!r} is never "
                                "collected (respondents stay anonymous)")
            self.dropped_names[name] = f"metadata ({head})"
            return
        if head in UNSUPPORTED or head.startswith(("select_one_from", "select_multiple_from")):
            self.drop("survey", row.number, f"{head} question {name!r} is not supported; dropped")
            self.dropped_names[name] = head
            return
        if not name:
            self.error("survey", row.number, "name", "the question has no name")
            return
        item: dict[str, Any] = {"id": name}
        params = self.parameters(row)
        appearance = row.get("appearance").lower()
        if head in CHOICE_TYPES:
            if len(words) < 2:
                self.error("survey", row.number, "type", f"{head} needs a list name, "
                                                         f"e.g. '{head} agree5'")
                return
            item["type"] = CHOICE_TYPES[head]
            item["_list"] = (words[1], row.number)
            self.item_lists[name] = words[1]
            rest = [w.lower() for w in words[2:]]
            if rest and rest != ["or_other"]:
                self.error("survey", row.number, "type", f"unexpected {' '.join(words[2:])!r} "
                                                         "after the list name")
            if rest == ["or_other"]:
                item["_or_other"] = True
            if params.get("randomize", "").lower() in TRUE_WORDS:
                item["randomize"] = True
            if head == "rank" and "top" in params:
                if params["top"].isdigit():
                    item["top"] = int(params["top"])
                else:
                    self.error("survey", row.number, "parameters", "top must be a whole number")
            if head == "select_one":
                if "minimal" in appearance or "autocomplete" in appearance:
                    item["appearance"] = "dropdown"
                for key in ("role", "dimension"):
                    if row.get(key):
                        item[key] = row.get(key)
            elif row.get("role") or row.get("dimension"):
                self.error("survey", row.number, "role",
                           "only a select_one question can be a banner")
        elif head in ("integer", "decimal"):
            item["type"] = "numeric"
            decimals = params.get("decimals", "")
            if head == "integer":
                item["decimals"] = 0
            elif decimals.isdigit() and int(decimals) > 0:
                item["decimals"] = int(decimals)
            else:
                item["decimals"] = DEFAULT_DECIMALS
        elif head == "text":
            item["type"] = "text"
            if "multiline" in appearance:
                item["multiline"] = True
        elif head == "note":
            item["type"] = "note"
        else:
            self.error("survey", row.number, "type", f"unknown question type {head!r}")
            return
        if appearance and not (head == "select_one" and ("minimal" in appearance or
                                                         "autocomplete" in appearance)) \
                and not (head == "text" and "multiline" in appearance):
            self.drop("survey", row.number, f"appearance {appearance!r} ignored")
        for key in params:
            if key not in ("randomize", "top", "decimals"):
                self.drop("survey", row.number, f"parameter {key!r} ignored")
        self.common(item, row)
        self.names[name] = (ex.Reference(name), item["type"])
        self.add_item(current_page(row), item, row, stack)

    # ------------------------------------------------------------------ second pass

    def resolve(self, name: str) -> tuple[ex.Reference, str]:
        if name in self.names:
            return self.names[name]
        if name in self.dropped_names:
            raise XPathError(f"${{{name}}} is a {self.dropped_names[name]} question, which "
                             "was dropped")
        if name in self.group_names:
            raise XPathError(f"${{{name}}} is a group, not a question")
        raise XPathError(f"unknown question ${{{name}}}")

    def codes_of(self, reference: ex.Reference) -> dict[str, int]:
        return self.code_maps.get(self.item_lists.get(reference.item, ""), {})

    def translate(self, pending: _Pending,
                  bare: Callable[[str], ex.Node | None] | None = None) -> ex.Node | None:
        try:
            return from_xpath(pending.text, self.resolve, bare, self.codes_of)
        except XPathError as exc:
            self.error(pending.sheet, pending.row, pending.column, str(exc))
            return None

    def attach_options(self, item: dict[str, Any], usage: dict[str, list[str]]) -> None:
        list_name, row = item.pop("_list")
        choices = self.lists.get(list_name)
        if choices is None:
            self.error("survey", row, "type", f"option list {list_name!r} is not on the "
                                              "choices sheet")
            item["options"] = []
            return
        options = [copy.deepcopy(option) for _, option, _ in choices]
        path = self.locations_of(item)
        for index, (choice_row, _, _) in enumerate(choices):
            self.locations[path + ("options", index)] = f"choices row {choice_row}"
        changed = False
        if item.pop("_or_other", False):
            codes = [o["code"] for o in options]
            ordinary = [o["code"] for o in options if not o.get("missing")]
            code = max(ordinary, default=0) + 1
            while code in codes:
                code += 1
            options.append({"code": code, "label": {"vi": "Khác (ghi rõ)",
                                                    "en": "Other (please specify)"},
                            "other": True})
            self.notes.append(f"survey row {row}: or_other became option {code} "
                              "'Khác (ghi rõ)' of item " + str(item["id"]))
            changed = True
        pending = item.pop("_choice_filter", None)
        if pending is not None:
            kept = []
            for (choice_row, _, values), option in zip(choices, options):
                def bare(column: str, values: dict[str, str] = values) -> ex.Node | None:
                    return ex.Literal(values[column]) if column in values else None
                tree = self.translate(pending, bare)
                if tree is None:
                    break
                try:
                    value = fold(tree)
                except XPathError as exc:
                    self.error(pending.sheet, pending.row, pending.column, str(exc))
                    break
                if value is False:
                    self.notes.append(f"survey row {row}: option {option['code']} of "
                                      f"{item['id']} is never offered by its choice_filter; "
                                      "left out")
                    continue
                if value is not True:
                    option["relevant"] = ex.to_text(value)
                kept.append(option)
            else:
                kept += options[len(choices):]  # the or_other option is always offered
                options = kept
                changed = True
        item["options"] = options
        if not changed and list_name in usage and \
                (len(usage[list_name]) > 1 or list_name != item["id"]):
            item["options_from"] = list_name
            del item["options"]

    def locations_of(self, item: dict[str, Any]) -> tuple[Any, ...]:
        for candidate, _, extra in self.item_rows:
            if candidate is item:
                return extra["path"]
        return ()  # pragma: no cover

    def extract(self, item: dict[str, Any], tree: ex.Node) -> ex.Node | None:
        """Pull ranges, selection limits and text length out of a constraint."""
        kind = item["type"]
        found: dict[str, Any] = {}
        rest: list[ex.Node] = []
        for node in conjuncts(tree):
            key = limit_of(kind, node)
            if key is not None and key[0] not in found:
                found[key[0]] = key[1]
            else:
                rest.append(node)
        if found and (rest or not item.get("constraint_message")):
            item.update(found)
            return conjoin(rest)
        return tree

    def finish_items(self) -> None:
        usage: dict[str, list[str]] = {}
        for item, _, _ in self.item_rows:
            if "_list" in item:
                usage.setdefault(item["_list"][0], []).append(item["id"])
        option_lists = {name: [o for _, o, _ in choices] for name, choices in self.lists.items()
                        if len(usage.get(name, [])) != 1 or usage[name][0] != name}
        for name in option_lists:
            for index, (row, _, _) in enumerate(self.lists[name]):
                self.locations[("option_lists", name, index)] = f"choices row {row}"
        for item, row, _ in self.item_rows:
            if item["type"] == "grid":
                flags = item.pop("_required", [])
                if flags and all(flags):
                    item["required"] = True
                elif any(flags):
                    self.notes.append(f"survey row {row}: only some rows of grid {item['id']} "
                                      "are required; the grid is treated as optional")
                if "_list" not in item:
                    item["options"] = []
            if "_list" in item:
                self.attach_options(item, {k: v for k, v in usage.items() if k in option_lists})
            conditions = [self.translate(p) for p in item.pop("_inherited", [])]
            own = item.pop("_relevant", None)
            if own is not None:
                conditions.append(self.translate(own))
            relevant = conjoin([c for c in conditions if c is not None])
            if relevant is not None:
                item["relevant"] = ex.to_text(relevant)
            pending = item.pop("_constraint", None)
            if pending is not None:
                tree = self.translate(pending)
                if tree is not None:
                    tree = self.extract(item, tree)
                    if tree is not None:
                        item["constraint"] = ex.to_text(tree)
        for page in self.pages:
            pending = page.pop("_relevant", None)
            if pending is not None:
                tree = self.translate(pending)
                if tree is not None:
                    page["relevant"] = ex.to_text(tree)
        self.option_lists = option_lists

    # ------------------------------------------------------------------ all

    def run(self) -> dict[str, Any] | None:
        data = self.settings()
        self.choices()
        self.survey()
        if self.errors:
            return None
        self.finish_items()
        if self.errors:
            return None
        if "vi" not in self.languages and not (self.plain_label and
                                               self.default_language == "vi"):
            self.error("survey", 1, None, "no Vietnamese labels: add a 'label::Vietnamese (vi)' "
                                          "column (Vietnamese is required)")
            return None
        languages = ["vi"] + [lang for lang in self.languages if lang != "vi"]
        if self.default_language not in languages:
            languages.append(self.default_language)
        data["languages"] = languages
        if self.option_lists:
            data["option_lists"] = self.option_lists
        data["pages"] = self.pages
        if data.get("title") is None:
            data.pop("title", None)
        definition, messages = check(data, self.source, self.locations)
        if messages:
            self.errors.extend(messages)
            return None
        return definition
