"""Normalisation: a designer's definition, shorthands and all, into the canonical dict.

A designer's file may use shorthands (a plain string for a Vietnamese-only label, ``options_from``
naming a shared option list, omitted defaults). :func:`normalize` expands them into the canonical
form described in ``docs/questionnaire-format.md`` — the one form every other part of the platform
reads. Normalising a canonical dict again returns an equal dict.

Structural problems (a label that is a number, an unknown key, an option without a code) are
collected, not raised one at a time, so a designer sees every problem of a file in one run.
"""
from __future__ import annotations

import difflib
from typing import Any, Mapping

from survey.questionnaire.model.problems import Path, Report
from survey.questionnaire.model.reader import ValueReader, _is_int, _is_number
from survey.questionnaire.model.schema import (APPEARANCES, CHOICE_TYPES, COMMON_ITEM_KEYS,
                                               COMPARE_KEYS, GROUP_KEYS, ITEM_ORDER, ITEM_TYPES,
                                               KEYS_INSTEAD, OPTION_FLAGS, OPTION_KEYS,
                                               OUTLINE_KEYS, PAGE_KEYS, REPORT_KEYS, ROW_KEYS,
                                               SECTION_KEYS, TEXT_MAX_LENGTH, TOP_KEYS, TYPE_KEYS)


class _Normalizer(ValueReader):
    def __init__(self, report: Report):
        super().__init__(report)
        self.option_lists: dict[str, list[dict[str, Any]]] = {}

    # -- the report outline (see docs/questionnaire-format.md, "Report outline")

    def report_ref(self, value: Any, path: Path, where: str) -> str | None:
        """An outline section id (``I.1``) given as ``report:`` on a page, item or grid row."""
        if value is None:
            return None
        if _is_number(value):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.add(path, where, f"report phải là mã một mục của dàn ý báo cáo (ví dụ I.1), "
                                  f"không phải {value!r}")
            return None
        return value.strip()

    def report_spec(self, value: Any, path: Path) -> dict[str, Any] | None:
        """``report:`` at the top level: ``outline`` (parts with optional sections),
        optionally ``compare`` (groups of one banner compared in every section) and
        ``banners`` (the banners whose differences the report tests)."""
        raw = self.mapping(value, path, "report", "report")
        if raw is None:
            return None
        self.unknown_keys(raw, REPORT_KEYS, path, "report")
        spec: dict[str, Any] = {"outline": []}
        for index, part in enumerate(self.sequence(raw.get("outline"), path + ("outline",),
                                                   "report", "outline")):
            entry = self.outline_entry(part, path + ("outline", index), OUTLINE_KEYS)
            if entry is None:
                continue
            sections = []
            if part.get("sections") is not None:
                for s_index, raw_section in enumerate(self.sequence(
                        part.get("sections"), path + ("outline", index, "sections"),
                        f"report, mục {entry['id']}", "sections")):
                    section = self.outline_entry(
                        raw_section, path + ("outline", index, "sections", s_index),
                        SECTION_KEYS)
                    if section is not None:
                        sections.append(section)
            entry["sections"] = sections
            spec["outline"].append(entry)
        if raw.get("compare") is not None:
            compare = self.report_compare(raw["compare"], path + ("compare",))
            if compare:
                spec["compare"] = compare
        if raw.get("banners") is not None:
            names = self.sequence(raw["banners"], path + ("banners",), "report", "banners")
            spec["banners"] = [str(name) for name in names]
        if raw.get("highlight") is not None:
            spec["highlight"] = self.report_highlight(raw["highlight"], path + ("highlight",))
        return spec

    def report_highlight(self, value: Any, path: Path) -> dict[str, list[int]]:
        """``highlight: {B5: [1, 2]}``: the answers whose share the report's sentences state
        for an item (default: the two highest valid codes of a scale)."""
        raw = self.mapping(value, path, "report.highlight", "report.highlight") or {}
        result: dict[str, list[int]] = {}
        for item_id, codes in raw.items():
            where = f"report.highlight, câu {item_id}"
            numbers = []
            for index, code in enumerate(self.sequence(codes, path + (item_id,), where,
                                                       "codes")):
                number = self.integer(code, path + (item_id, index), where, "mã")
                if number is not None:
                    numbers.append(number)
            result[str(item_id)] = numbers
        return result

    def outline_entry(self, raw: Any, path: Path, keys: tuple[str, ...]) -> dict[str, Any] | None:
        raw = self.mapping(raw, path, "report", "một mục của dàn ý")
        if raw is None:
            return None
        self.unknown_keys(raw, keys, path, "report")
        section_id = raw.get("id")
        if _is_number(section_id):
            section_id = str(section_id)
        if not isinstance(section_id, str) or not section_id.strip():
            self.add(path + ("id",), "report", "mỗi mục của dàn ý báo cáo cần một mã (id), "
                                                "ví dụ I hoặc I.1")
            return None
        section_id = section_id.strip()
        title = self.label(raw.get("title"), path + ("title",), f"report, mục {section_id}",
                           "title") or {}
        return {"id": section_id, "title": title}

    def report_compare(self, value: Any, path: Path) -> dict[str, Any] | None:
        raw = self.mapping(value, path, "report", "report.compare")
        if raw is None:
            return None
        self.unknown_keys(raw, COMPARE_KEYS, path, "report.compare")
        item = raw.get("item")
        groups = []
        for index, raw_group in enumerate(self.sequence(raw.get("groups"), path + ("groups",),
                                                        "report.compare", "groups")):
            group_path = path + ("groups", index)
            raw_group = self.mapping(raw_group, group_path, "report.compare", f"nhóm {index + 1}")
            if raw_group is None:
                continue
            self.unknown_keys(raw_group, GROUP_KEYS, group_path, "report.compare")
            label = self.label(raw_group.get("label"), group_path + ("label",),
                               f"report.compare, nhóm {index + 1}") or {}
            codes = []
            for c_index, code in enumerate(self.sequence(raw_group.get("codes"),
                                                         group_path + ("codes",),
                                                         "report.compare", "codes")):
                number = self.integer(code, group_path + ("codes", c_index),
                                      f"report.compare, nhóm {index + 1}", "mã")
                if number is not None:
                    codes.append(number)
            groups.append({"label": label, "codes": codes})
        return {"item": str(item) if item is not None else "", "groups": groups}

    # -- options, rows

    def options(self, value: Any, path: Path, where: str) -> list[dict[str, Any]]:
        result = []
        for index, raw in enumerate(self.sequence(value, path, where, "options")):
            option_path = path + (index,)
            raw = self.mapping(raw, option_path, where, f"option {index + 1}")
            if raw is None:
                continue
            self.unknown_keys(raw, OPTION_KEYS, option_path, where)
            code = raw.get("code")
            if isinstance(code, str) and code.strip().lstrip("-").isdigit():
                code = int(code)
            if not _is_int(code):
                self.add(option_path + ("code",), where,
                         f"option {index + 1} needs a whole-number code, not {code!r}")
                continue
            option_where = f"{where}, option {code}"
            option: dict[str, Any] = {"code": code}
            option["label"] = self.label(raw.get("label"), option_path + ("label",),
                                         option_where) or {}
            for flag in OPTION_FLAGS:
                if self.flag(raw.get(flag), option_path + (flag,), option_where, flag):
                    option[flag] = True
            relevant = self.expression(raw.get("relevant"), option_path + ("relevant",),
                                       option_where, "relevant")
            if relevant:
                option["relevant"] = relevant
            name = raw.get("name")  # the option's name in an imported XLSForm (codebook)
            if isinstance(name, (str, int)) and not isinstance(name, bool) and str(name).strip():
                option["name"] = str(name).strip()
            elif name is not None:
                self.add(option_path + ("name",), option_where, "name must be text")
            result.append(option)
        return result

    def rows(self, value: Any, path: Path, where: str) -> list[dict[str, Any]]:
        result = []
        for index, raw in enumerate(self.sequence(value, path, where, "rows")):
            row_path = path + (index,)
            raw = self.mapping(raw, row_path, where, f"row {index + 1}")
            if raw is None:
                continue
            self.unknown_keys(raw, ROW_KEYS, row_path, where)
            row_id = raw.get("id")
            if _is_int(row_id):
                row_id = str(row_id)
            if not isinstance(row_id, str) or not row_id:
                self.add(row_path + ("id",), where, f"row {index + 1} needs an id")
                continue
            label = self.label(raw.get("label"), row_path + ("label",), f"{where}, row {row_id}")
            row = {"id": row_id, "label": label or {}}
            section = self.report_ref(raw.get("report"), row_path + ("report",),
                                      f"{where}, row {row_id}")
            if section:
                row["report"] = section
            result.append(row)
        return result

    def choice_options(self, raw: Mapping[str, Any], path: Path, where: str,
                       item: dict[str, Any]) -> None:
        list_name = raw.get("options_from")
        options = None
        if "options" in raw:
            options = self.options(raw["options"], path + ("options",), where)
        if list_name is not None:
            if not isinstance(list_name, str) or list_name not in self.option_lists:
                known = ", ".join(sorted(self.option_lists)) or "none defined"
                close = difflib.get_close_matches(str(list_name), list(self.option_lists), n=1)
                hint = f"did you mean {close[0]}? known: {known}" if close else f"known: {known}"
                self.add(path + ("options_from",), where,
                         f"options_from names unknown option list {list_name!r} ({hint})")
                # This is the one problem: no "missing options" besides it, and the validator
                # says nothing of an item whose list is unknown.
                item["options_from"] = str(list_name)
                if options is None:
                    options = []
            else:
                shared = self.option_lists[list_name]
                if options is not None and options != shared:
                    self.add(path + ("options",), where,
                             f"options differ from option list {list_name!r} named in "
                             "options_from; keep only one of the two")
                options = [dict(option) for option in shared]
                item["options_from"] = list_name
        if options is None:
            self.add(path, where, "missing options (give options or options_from)")
            options = []
        item["options"] = options

    # -- items, pages, top level

    def item(self, raw: Any, path: Path, index: int) -> dict[str, Any] | None:
        raw = self.mapping(raw, path, f"item {index + 1} of its page", "an item")
        if raw is None:
            return None
        item_id = raw.get("id")
        if _is_int(item_id):
            item_id = str(item_id)
        if not isinstance(item_id, str) or not item_id:
            self.add(path + ("id",), f"item {index + 1} of its page", "missing item id")
            return None
        where = f"item {item_id}"
        item_type = raw.get("type")
        if not isinstance(item_type, str) or item_type not in TYPE_KEYS:
            self.add(path + ("type",), where,
                     f"unknown type {item_type!r} (known: {', '.join(ITEM_TYPES)})")
            return None
        if item_type != "single" and ("role" in raw or "dimension" in raw):
            self.add(path + ("role",), where,
                     f"only a single-choice item can be a banner (role/dimension), not {item_type}")
            raw = {k: v for k, v in raw.items() if k not in ("role", "dimension")}
        self.unknown_keys(raw, COMMON_ITEM_KEYS + TYPE_KEYS[item_type], path, where,
                          instead=KEYS_INSTEAD.get(item_type))
        item: dict[str, Any] = {"id": item_id, "type": item_type}
        item["label"] = self.label(raw.get("label"), path + ("label",), where) or {}
        hint = self.label(raw.get("hint"), path + ("hint",), where, "hint", required=False)
        if hint:
            item["hint"] = hint
        item["required"] = self.flag(raw.get("required"), path + ("required",), where, "required")
        for key in ("relevant", "constraint"):
            text = self.expression(raw.get(key), path + (key,), where, key)
            if text:
                item[key] = text
        message = self.label(raw.get("constraint_message"), path + ("constraint_message",),
                             where, "constraint_message", required=False)
        if message:
            item["constraint_message"] = message
        section = self.report_ref(raw.get("report"), path + ("report",), where)
        if section:
            item["report"] = section

        if item_type in CHOICE_TYPES:
            if item_type == "grid":
                item["rows"] = self.rows(raw.get("rows"), path + ("rows",), where)
            self.choice_options(raw, path, where, item)
            item["randomize"] = self.flag(raw.get("randomize"), path + ("randomize",), where,
                                          "randomize")
        if item_type == "single":
            appearance = raw.get("appearance", "radio")
            if appearance not in APPEARANCES:
                self.add(path + ("appearance",), where,
                         f"appearance must be one of {', '.join(APPEARANCES)}, not {appearance!r}")
                appearance = "radio"
            item["appearance"] = appearance
            if raw.get("role") is not None:
                item["role"] = raw["role"]
            if raw.get("dimension") is not None:
                item["dimension"] = raw["dimension"]
        elif item_type == "multiple":
            item["min_select"] = self.integer(raw.get("min_select"), path + ("min_select",),
                                              where, "min_select") or 0
            item["max_select"] = self.integer(raw.get("max_select"), path + ("max_select",),
                                              where, "max_select")
        elif item_type == "ranking":
            top = self.integer(raw.get("top"), path + ("top",), where, "top")
            item["top"] = top if top is not None else len(
                [o for o in item["options"] if not o.get("missing")])
        elif item_type == "numeric":
            item["min"] = self.number(raw.get("min"), path + ("min",), where, "min")
            item["max"] = self.number(raw.get("max"), path + ("max",), where, "max")
            decimals = self.integer(raw.get("decimals"), path + ("decimals",), where, "decimals")
            item["decimals"] = decimals if decimals is not None else 0
        elif item_type == "text":
            item["multiline"] = self.flag(raw.get("multiline"), path + ("multiline",), where,
                                          "multiline")
            max_length = self.integer(raw.get("max_length"), path + ("max_length",), where,
                                      "max_length")
            item["max_length"] = max_length if max_length is not None else \
                TEXT_MAX_LENGTH[item["multiline"]]
        return _ordered(item, ITEM_ORDER)

    def page(self, raw: Any, path: Path, index: int) -> dict[str, Any] | None:
        raw = self.mapping(raw, path, f"page {index + 1}", "a page")
        if raw is None:
            return None
        page_id = raw.get("id")
        if _is_int(page_id):
            page_id = str(page_id)
        if not isinstance(page_id, str) or not page_id:
            self.add(path + ("id",), f"page {index + 1}", "missing page id")
            page_id = f"P{index + 1}"
        where = f"page {page_id}"
        self.unknown_keys(raw, PAGE_KEYS, path, where)
        page: dict[str, Any] = {"id": page_id}
        title = self.label(raw.get("title"), path + ("title",), where, "title", required=False)
        if title:
            page["title"] = title
        relevant = self.expression(raw.get("relevant"), path + ("relevant",), where, "relevant")
        if relevant:
            page["relevant"] = relevant
        section = self.report_ref(raw.get("report"), path + ("report",), where)
        if section:
            page["report"] = section
        items = []
        for item_index, raw_item in enumerate(self.sequence(raw.get("items"), path + ("items",),
                                                            where, "items")):
            item = self.item(raw_item, path + ("items", item_index), item_index)
            if item is not None:
                items.append(item)
        page["items"] = items
        return page

    def definition(self, data: Any) -> dict[str, Any]:
        data = self.mapping(data, (), "", "a questionnaire definition")
        if data is None:
            return {}
        self.unknown_keys(data, TOP_KEYS, (), "")
        result: dict[str, Any] = {}
        qid = data.get("id")
        if not isinstance(qid, str) or not qid:
            self.add(("id",), "", "missing questionnaire id (a slug such as ne-tranh-trach-nhiem)")
            qid = ""
        result["id"] = qid
        languages = data.get("languages")
        result["title"] = self.label(data.get("title"), ("title",), "", "title") or {}
        for key in ("introduction", "anonymity", "thank_you"):
            text = self.label(data.get(key), (key,), "", key, required=False)
            if text:
                result[key] = text
        minutes = self.integer(data.get("estimated_minutes"), ("estimated_minutes",), "",
                               "estimated_minutes")
        if minutes is not None:
            result["estimated_minutes"] = minutes
        lists = data.get("option_lists")
        if lists is not None and self.mapping(lists, ("option_lists",), "", "option_lists"):
            for name, options in lists.items():
                self.option_lists[str(name)] = self.options(
                    options, ("option_lists", name), f"option list {name}")
            result["option_lists"] = {name: [dict(o) for o in options]
                                      for name, options in self.option_lists.items()}
        if data.get("report") is not None:
            spec = self.report_spec(data["report"], ("report",))
            if spec:
                result["report"] = spec
        pages = []
        for index, raw_page in enumerate(self.sequence(data.get("pages"), ("pages",), "",
                                                       "pages")):
            page = self.page(raw_page, ("pages", index), index)
            if page is not None:
                pages.append(page)
        result["pages"] = pages
        if languages is None:
            languages = ["vi"] + [lang for lang in self.languages_seen if lang != "vi"]
        elif not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            self.add(("languages",), "", "languages must be a list of language codes")
            languages = ["vi"]
        result["languages"] = list(languages)
        return _ordered(result, TOP_KEYS)


def _ordered(data: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    return {key: data[key] for key in order if key in data}


def normalize_collect(data: Any, report: Report) -> dict[str, Any]:
    """Best-effort normalisation: problems go to ``report``, the result skips what was broken."""
    return _Normalizer(report).definition(data)


def normalize(data: Any, source: str = "<definition>",
              locations: Mapping[Path, int | str] | None = None) -> dict[str, Any]:
    """Expand shorthands into the canonical dict (labels as ``{lang: text}``, ``options_from``
    copied into ``options``, defaults filled).

    Raises :class:`~survey.questionnaire.DefinitionError` listing every structural problem.
    It does not check cross-references or logic: :func:`~survey.questionnaire.validate` does.
    """
    from survey.questionnaire.errors import DefinitionError

    report = Report(source, locations or {})
    result = normalize_collect(data, report)
    if report:
        raise DefinitionError(report.messages())
    return result
