"""Validation of questionnaire definitions: every problem, with file, line, item and cause.

:func:`validate` accepts a designer's dict (shorthands allowed) or a canonical one and returns a
list of messages — empty when the definition is sound. The checks go beyond the shape of the
data: references in logic must name existing, earlier items (and existing rows and option codes),
logic may not form a cycle, banners need options, rankings cannot ask for more ranks than there
are options, numeric ranges must be ordered, and every expression must parse.
"""
from __future__ import annotations

import difflib
import re
from typing import Any, Mapping

from survey.questionnaire import expressions as ex
from survey.questionnaire.model import (CHOICE_TYPES, Path, Report, iter_items,
                                        normalize_collect)

__all__ = ["validate", "check"]

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
ITEM_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ROW_ID_RE = re.compile(r"^[A-Za-z0-9_]+$")
DIMENSION_RE = re.compile(r"^[a-z][a-z0-9_]*$")
REPORT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
MAX_ITEM_ID = 40
MAX_VARIABLE = 64  # answer.variable column
RESERVED = set(ex.KEYWORDS) | set(ex.FUNCTIONS) | {"count"}
MAX_DECIMALS = 6
MAX_TEXT_LENGTH = 10_000


def check(data: Any, source: str = "<definition>",
          locations: Mapping[Path, int | str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Normalise and validate in one pass: (canonical dict, messages)."""
    report = Report(source, locations or {})
    definition = normalize_collect(data, report)
    if definition:
        _Checker(definition, report).run()
    return definition, report.messages()


def validate(definition: Any, source: str = "<definition>",
             locations: Mapping[Path, int | str] | None = None) -> list[str]:
    """All problems of a definition as readable messages; an empty list means valid.

    Never raises on malformed input: a definition that is not even a mapping is one problem.
    """
    return check(definition, source, locations)[1]


class _Site:
    """Where an item sits: its path, page index and global order."""

    def __init__(self, item: dict[str, Any], path: Path, page: int, order: int):
        self.item, self.path, self.page, self.order = item, path, page, order


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _conjuncts(tree: ex.Node) -> dict[int, tuple[ex.Compare, ...]]:
    """For each comparison not under a ``not``: the comparisons that must hold with it (the
    operands of every ``and`` around it, through ``or`` branches). Keyed by ``id(node)``."""
    out: dict[int, tuple[ex.Compare, ...]] = {}

    def flat(node: ex.Node) -> list[ex.Compare]:
        if isinstance(node, ex.Compare):
            return [node]
        if isinstance(node, ex.BoolOp) and node.op == "and":
            return [c for operand in node.operands for c in flat(operand)]
        return []

    def visit(node: ex.Node, context: tuple[ex.Compare, ...]) -> None:
        if isinstance(node, ex.Compare):
            out[id(node)] = context
        elif isinstance(node, ex.BoolOp):
            if node.op == "and":
                context = context + tuple(c for operand in node.operands for c in flat(operand))
            for operand in node.operands:
                visit(operand, context)
        # a "not" turns its operand's meaning round: nothing under it is judged

    visit(tree, ())
    return out


class _Checker:
    def __init__(self, definition: dict[str, Any], report: Report):
        self.definition = definition
        self.report = report
        self.sites: dict[str, _Site] = {}
        self.edges: dict[str, set[str]] = {}  # item -> items its display depends on

    def add(self, path: Path, where: str, message: str) -> None:
        self.report.add(path, where, message)

    def line_of(self, path: Path) -> str:
        place = self.report.location(path)
        if place is None:
            return ""
        return f" (first at line {place})" if isinstance(place, int) else f" (first at {place})"

    # ------------------------------------------------------------------ structure

    def run(self) -> None:
        d = self.definition
        if d["id"] and not SLUG_RE.match(d["id"]):
            self.add(("id",), "", f"questionnaire id {d['id']!r} must be 3–64 lower-case letters, "
                                  "digits and dashes, starting and ending with a letter or digit")
        languages = d.get("languages") or []
        if "vi" not in languages:
            self.add(("languages",), "", "languages must include vi (Vietnamese)")
        if len(set(languages)) != len(languages):
            self.add(("languages",), "", "languages lists a language twice")
        self.check_label_languages(languages)
        minutes = d.get("estimated_minutes")
        if minutes is not None and minutes < 1:
            self.add(("estimated_minutes",), "", "estimated_minutes must be at least 1")
        for name, options in (d.get("option_lists") or {}).items():
            self.check_options(options, ("option_lists", name), f"option list {name}", "list")
        if not d["pages"]:
            self.add(("pages",), "", "the questionnaire has no pages")
        self.collect_sites()
        for site in self.sites.values():
            self.check_item(site)
        self.check_banners()
        self.check_logic()
        self.check_report()

    def check_label_languages(self, languages: list[str]) -> None:
        declared = set(languages)

        def visit(node: Any, path: Path) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("label", "title", "hint", "introduction", "anonymity",
                               "thank_you", "constraint_message") and isinstance(value, dict):
                        for lang in value:
                            if lang not in declared:
                                self.add(path + (key,), "", f"{key} in {lang!r}, which is not "
                                                            f"in languages {sorted(declared)}")
                    else:
                        visit(value, path + (key,))
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    visit(value, path + (index,))

        visit(self.definition, ())

    def collect_sites(self) -> None:
        page_ids: dict[str, Path] = {}
        order = 0
        for page_index, page in enumerate(self.definition["pages"]):
            page_path = ("pages", page_index)
            if page["id"] in page_ids:
                self.add(page_path + ("id",), f"page {page['id']}",
                         f"duplicate page id{self.line_of(page_ids[page['id']])}")
            page_ids.setdefault(page["id"], page_path)
            if not page["items"]:
                self.add(page_path, f"page {page['id']}", "the page has no items")
            for item_index, item in enumerate(page["items"]):
                path = page_path + ("items", item_index)
                if item["id"] in self.sites:
                    first = self.sites[item["id"]].path
                    self.add(path + ("id",), f"item {item['id']}",
                             f"duplicate item id{self.line_of(first)}")
                    continue
                self.sites[item["id"]] = _Site(item, path, page_index, order)
                order += 1

    def check_item(self, site: _Site) -> None:
        item, path = site.item, site.path
        where = f"item {item['id']}"
        kind = item["type"]
        if not ITEM_ID_RE.match(item["id"]):
            self.add(path + ("id",), where, "an item id starts with a letter and uses only "
                                            "letters, digits and _")
        elif item["id"] in RESERVED:
            self.add(path + ("id",), where, f"{item['id']!r} is a reserved word of the "
                                            "logic language")
        if len(item["id"]) > MAX_ITEM_ID:
            self.add(path + ("id",), where, f"item id longer than {MAX_ITEM_ID} characters")
        if kind == "note":
            if item.get("required"):
                self.add(path + ("required",), where, "a note cannot be required")
            if item.get("constraint"):
                self.add(path + ("constraint",), where, "a note cannot have a constraint")
        if item.get("constraint_message") and not item.get("constraint"):
            self.add(path + ("constraint_message",), where,
                     "constraint_message without a constraint")
        unknown_list = "options_from" in item and \
            item["options_from"] not in (self.definition.get("option_lists") or {})
        if kind in CHOICE_TYPES and not unknown_list:  # an unknown list is reported once
            self.check_options(item["options"], path + ("options",), where, kind,
                               skip_duplicates="options_from" in item)
        if kind == "grid":
            self.check_rows(item, path, where)
        elif kind == "ranking":
            ranked = [o for o in item["options"] if not o.get("missing")]
            if item["top"] < 1:
                self.add(path + ("top",), where, "top must be at least 1")
            elif item["top"] > len(ranked):
                self.add(path + ("top",), where, f"ranking top {item['top']} is more than its "
                                                 f"{len(ranked)} rankable options")
        elif kind == "multiple":
            count = len(item["options"])
            low, high = item["min_select"], item["max_select"]
            if low < 0:
                self.add(path + ("min_select",), where, "min_select cannot be negative")
            if high is not None and high < 1:
                self.add(path + ("max_select",), where, "max_select must be at least 1")
            if high is not None and low > high:
                self.add(path + ("min_select",), where,
                         f"min_select {low} is greater than max_select {high}")
            if high is not None and count and high > count:
                self.add(path + ("max_select",), where,
                         f"max_select {high} is more than its {count} options")
            if count and low > count:
                self.add(path + ("min_select",), where,
                         f"min_select {low} is more than its {count} options")
        elif kind == "numeric":
            if item["min"] is not None and item["max"] is not None and item["min"] > item["max"]:
                self.add(path + ("min",), where,
                         f"min {item['min']} is greater than max {item['max']}")
            if not 0 <= item["decimals"] <= MAX_DECIMALS:
                self.add(path + ("decimals",), where, f"decimals must be 0–{MAX_DECIMALS}")
        elif kind == "text":
            if not 1 <= item["max_length"] <= MAX_TEXT_LENGTH:
                self.add(path + ("max_length",), where,
                         f"max_length must be 1–{MAX_TEXT_LENGTH}")

    def check_options(self, options: list[dict[str, Any]], path: Path, where: str, kind: str,
                      skip_duplicates: bool = False) -> None:
        minimum = 2
        if len(options) < minimum and (kind != "list" or not options):
            self.add(path, where, f"needs at least {minimum} options, has {len(options)}"
                     if options or kind == "list" else "has no options")
        seen: dict[int, int] = {}
        others = 0
        for index, option in enumerate(options):
            option_path = path + (index,)
            option_where = f"{where}, option {option['code']}"
            if option["code"] in seen and not skip_duplicates:
                self.add(option_path + ("code",), option_where,
                         f"duplicate option code {option['code']}"
                         f"{self.line_of(path + (seen[option['code']],))}")
            seen.setdefault(option["code"], index)
            if option.get("other"):
                others += 1
                if kind == "grid":
                    self.add(option_path + ("other",), option_where,
                             "a grid scale cannot have an 'other — specify' option")
            if option.get("exclusive") and kind not in ("multiple", "list"):
                self.add(option_path + ("exclusive",), option_where,
                         "exclusive only applies to multiple-choice items")
            if option.get("missing") and option.get("other"):
                self.add(option_path, option_where, "an option cannot be both missing and other")
        if others > 1:
            self.add(path, where, "more than one 'other — specify' option")

    def check_rows(self, item: dict[str, Any], path: Path, where: str) -> None:
        if not item["rows"]:
            self.add(path + ("rows",), where, "a grid needs at least one row")
        seen: dict[str, int] = {}
        for index, row in enumerate(item["rows"]):
            row_path = path + ("rows", index)
            if row["id"] in seen:
                self.add(row_path + ("id",), where, f"duplicate row id {row['id']!r}"
                         f"{self.line_of(path + ('rows', seen[row['id']]))}")
            seen.setdefault(row["id"], index)
            if not ROW_ID_RE.match(row["id"]):
                self.add(row_path + ("id",), where, f"row id {row['id']!r} may use only "
                                                    "letters, digits and _")
            if len(item["id"]) + 1 + len(row["id"]) > MAX_VARIABLE:
                self.add(row_path + ("id",), where, f"variable {item['id']}.{row['id']} is "
                                                    f"longer than {MAX_VARIABLE} characters")

    def check_banners(self) -> None:
        dimensions: dict[str, str] = {}
        for site in self.sites.values():
            item, where = site.item, f"item {site.item['id']}"
            role, dimension = item.get("role"), item.get("dimension")
            if role is None and dimension is None:
                continue
            if role != "banner":
                self.add(site.path + ("role",), where, f"role must be 'banner', not {role!r}")
            if isinstance(dimension, str) and dimension.strip() and \
                    not DIMENSION_RE.match(dimension):
                meant = re.sub(r"[^a-z0-9_]+", "_", dimension.strip().lower()).strip("_")
                self.add(site.path + ("dimension",), where,
                         f"dimension {dimension!r} may use only lower-case letters, digits and _ "
                         f"(did you mean {meant or 'level'}?)")
            elif not isinstance(dimension, str) or not DIMENSION_RE.match(dimension):
                self.add(site.path + ("dimension",), where,
                         "a banner needs a dimension such as level, field, rank or category "
                         "(lower-case letters, digits, _)")
            elif dimension in dimensions:
                self.add(site.path + ("dimension",), where,
                         f"dimension {dimension!r} is already used by item {dimensions[dimension]}")
            else:
                dimensions[dimension] = item["id"]
            if role == "banner" and not item["options"]:
                self.add(site.path, where, "a banner needs options")

    # ------------------------------------------------------------------ report outline

    def check_report(self) -> None:
        """The report outline and every ``report:`` reference to it (messages in Vietnamese:
        the outline is written by survey designers and analysts)."""
        spec = self.definition.get("report")
        known: dict[str, Path] = {}
        if spec is not None:
            if not spec["outline"]:
                self.add(("report", "outline"), "report",
                         "dàn ý báo cáo (outline) chưa có mục nào")
            for index, part in enumerate(spec["outline"]):
                entries = [(part, ("report", "outline", index))] + [
                    (section, ("report", "outline", index, "sections", s))
                    for s, section in enumerate(part.get("sections") or [])]
                for entry, path in entries:
                    self.check_section_id(entry["id"], path, known)
            self.check_report_compare(spec.get("compare"))
            for index, name in enumerate(spec.get("banners") or []):
                site = self.sites.get(name)
                path = ("report", "banners", index)
                if site is None:
                    self.add(path, "report.banners", f"không có câu hỏi {name!r}")
                elif site.item.get("role") != "banner":
                    self.add(path, "report.banners", f"câu {name} không phải biến phân tổ "
                                                     "(role: banner)")
            self.check_highlight(spec.get("highlight") or {})
        ids = ", ".join(known) or "chưa có"

        def refer(section: str, path: Path, where: str) -> None:
            if spec is None:
                self.add(path, where, f"report: gán vào mục {section!r} nhưng phiếu chưa khai "
                                      "báo dàn ý báo cáo (report.outline ở đầu tệp)")
            elif section not in known:
                close = difflib.get_close_matches(section, list(known), n=1)
                hint = f" (có phải {close[0]}?)" if close else ""
                self.add(path, where, f"report: mục {section!r} không có trong dàn ý báo cáo"
                                      f"{hint}; các mục: {ids}")

        for page_index, page in enumerate(self.definition["pages"]):
            if page.get("report"):
                refer(page["report"], ("pages", page_index, "report"), f"page {page['id']}")
        for site in self.sites.values():
            item, where = site.item, f"item {site.item['id']}"
            if item.get("report"):
                if item["type"] == "note":
                    self.add(site.path + ("report",), where,
                             "report: ghi chú không có số liệu để đưa vào báo cáo")
                else:
                    refer(item["report"], site.path + ("report",), where)
            for index, row in enumerate(item.get("rows") or []):
                if row.get("report"):
                    refer(row["report"], site.path + ("rows", index, "report"),
                          f"{where}, row {row['id']}")

    def check_highlight(self, highlight: dict[str, list[int]]) -> None:
        for item_id, codes in highlight.items():
            path, where = ("report", "highlight", item_id), "report.highlight"
            site = self.sites.get(item_id)
            if site is None:
                self.add(path, where, f"không có câu hỏi {item_id!r}")
                continue
            if site.item["type"] not in ("single", "grid"):
                self.add(path, where, f"câu {item_id} phải là câu hỏi một lựa chọn hoặc dạng "
                                      f"lưới, không phải {site.item['type']}")
                continue
            valid = {o["code"] for o in site.item["options"] if not o.get("missing")}
            if not codes:
                self.add(path, where, f"câu {item_id}: cần ít nhất một mã")
            for code in codes:
                if code not in valid:
                    self.add(path, where, f"câu {item_id} không có mã hợp lệ {code} (các mã: "
                                          f"{', '.join(map(str, sorted(valid)))})")

    def check_section_id(self, section: str, path: Path, known: dict[str, Path]) -> None:
        if section in known:
            self.add(path + ("id",), "report", f"mã mục {section!r} của dàn ý bị trùng"
                                               f"{self.line_of(known[section])}")
            return
        if not REPORT_ID_RE.match(section):
            self.add(path + ("id",), "report", f"mã mục {section!r} chỉ gồm chữ, số, dấu chấm, "
                                               "gạch dưới hoặc gạch ngang, tối đa 20 ký tự "
                                               "(ví dụ I, I.1, III.6)")
        known[section] = path

    def check_report_compare(self, compare: dict[str, Any] | None) -> None:
        if compare is None:
            return
        path, where = ("report", "compare"), "report.compare"
        site = self.sites.get(compare["item"])
        if site is None:
            self.add(path + ("item",), where, f"không có câu hỏi {compare['item']!r} để so "
                                              "sánh các nhóm")
            return
        if site.item["type"] != "single":
            self.add(path + ("item",), where, f"câu {compare['item']} phải là câu hỏi một "
                                              f"lựa chọn, không phải {site.item['type']}")
            return
        groups = compare["groups"]
        if len(groups) < 2:
            self.add(path + ("groups",), where, "cần ít nhất hai nhóm để so sánh")
        codes = {option["code"] for option in site.item["options"]}
        owner: dict[int, int] = {}
        for index, group in enumerate(groups):
            group_path = path + ("groups", index)
            if not group["codes"]:
                self.add(group_path + ("codes",), where, f"nhóm {index + 1} chưa có mã nào")
            for code in group["codes"]:
                if code not in codes:
                    self.add(group_path + ("codes",), where,
                             f"câu {compare['item']} không có mã {code} "
                             f"(các mã: {', '.join(map(str, sorted(codes)))})")
                elif code in owner:
                    self.add(group_path + ("codes",), where,
                             f"mã {code} đã thuộc nhóm {owner[code] + 1}; mỗi mã chỉ thuộc "
                             "một nhóm")
                else:
                    owner[code] = index

    # ------------------------------------------------------------------ logic

    def check_logic(self) -> None:
        for page_index, page in enumerate(self.definition["pages"]):
            if page.get("relevant"):
                self.check_expression(page["relevant"], ("pages", page_index, "relevant"),
                                      f"page {page['id']}", "relevant", page=page_index)
        for site in self.sites.values():
            item, where = site.item, f"item {site.item['id']}"
            for key in ("relevant", "constraint"):
                if item.get(key):
                    self.check_expression(item[key], site.path + (key,), where, key, owner=site)
            for index, option in enumerate(item.get("options") or []):
                if option.get("relevant"):
                    self.check_expression(option["relevant"],
                                          site.path + ("options", index, "relevant"),
                                          f"{where}, option {option['code']}", "option filter",
                                          owner=site)
        self.check_cycles()

    def check_expression(self, text: str, path: Path, where: str, key: str,
                         owner: _Site | None = None, page: int | None = None) -> None:
        try:
            tree = ex.parse(text)
        except ex.ExpressionError as exc:
            self.add(path, where, f"{key}: bad expression {text!r}: {exc}")
            return
        if ex.uses_current(tree) and key != "constraint":
            self.add(path, where, f"{key}: '.' (the current answer) is only allowed in "
                                  "constraints")
        self.guards = _conjuncts(tree)
        for node in ex.walk(tree):
            if isinstance(node, ex.Reference):
                self.check_reference(node, path, where, key, owner, page)
            elif isinstance(node, ex.Call):
                self.check_call(node, path, where, key, owner)
            elif isinstance(node, ex.Compare):
                self.check_compare(node, path, where, key, owner)

    def target(self, node: ex.Node, owner: _Site | None) -> dict[str, Any] | None:
        if isinstance(node, ex.Current):
            return owner.item if owner else None
        if isinstance(node, ex.Reference) and node.item in self.sites:
            return self.sites[node.item].item
        return None

    def grid_row_spelling(self, ref: ex.Reference) -> str | None:
        """``B1_5`` (XLSForm's spelling) for row 5 of grid B1: ``B1.5``."""
        if ref.row is not None or "_" not in ref.item:
            return None
        grid, _, row = ref.item.rpartition("_")
        site = self.sites.get(grid)
        if site is not None and site.item["type"] == "grid" and \
                row in {r["id"] for r in site.item["rows"]}:
            return f"{grid}.{row}"
        return None

    def check_reference(self, ref: ex.Reference, path: Path, where: str, key: str,
                        owner: _Site | None, page: int | None) -> None:
        site = self.sites.get(ref.item)
        if site is None:
            close = [self.grid_row_spelling(ref)] if self.grid_row_spelling(ref) else \
                difflib.get_close_matches(ref.item, list(self.sites), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.add(path, where, f"{key} refers to unknown item {ref.item!r}{hint}")
            return
        item = site.item
        if item["type"] == "note":
            self.add(path, where, f"{key} refers to {ref.item}, a note, which has no answer")
        if ref.row is not None:
            if item["type"] != "grid":
                self.add(path, where, f"{key} refers to {ref.name}, but {ref.item} is not a grid")
            elif ref.row not in {row["id"] for row in item["rows"]}:
                self.add(path, where, f"{key} refers to unknown row {ref.row!r} of grid {ref.item}")
        if owner is not None:
            if key != "constraint" or ref.item != owner.item["id"]:
                self.edges.setdefault(owner.item["id"], set()).add(ref.item)
            if site.order > owner.order:
                self.add(path, where, f"{key} refers to {ref.item}, which comes later in the "
                                      "questionnaire")
        elif page is not None and site.page >= page:
            self.add(path, where, f"{key} refers to {ref.item}, which is not on an earlier page")

    def check_call(self, call: ex.Call, path: Path, where: str, key: str,
                   owner: _Site | None) -> None:
        subject = call.args[0]
        item = self.target(subject, owner)
        if item is None:
            return
        is_row = isinstance(subject, ex.Reference) and subject.row is not None
        kind = "single" if is_row else item["type"]
        if call.function == "string-length" and kind not in ("text", "numeric"):
            self.add(path, where, f"{key}: string-length() needs a text item, "
                                  f"{item['id']} is {item['type']}")
            return
        if call.function in ("selected", "count-selected") and kind not in CHOICE_TYPES:
            self.add(path, where, f"{key}: {call.function}() needs a choice item, "
                                  f"{item['id']} is {item['type']}")
            return
        if call.function == "selected":
            if kind == "grid":
                self.add(path, where, f"{key}: selected() on a grid needs a row, "
                                      f"e.g. {item['id']}.{(item['rows'] or [{'id': '1'}])[0]['id']}")
                return
            self.check_code(call.args[1], item, path, where, key)

    def check_code(self, literal: ex.Node, item: dict[str, Any], path: Path, where: str,
                   key: str) -> None:
        if not isinstance(literal, ex.Literal):
            return
        value = literal.value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int):
            self.add(path, where, f"{key}: {literal.value!r} is not an option code of "
                                  f"{item['id']}")
            return
        codes = sorted({option["code"] for option in item.get("options") or []})
        if not codes and "options_from" in item:
            return  # its option list is unknown: reported once, on the item
        if value not in codes:
            self.add(path, where, f"{key}: {item['id']} has no option {value} "
                                  f"(codes: {', '.join(map(str, codes))})")

    def check_compare(self, node: ex.Compare, path: Path, where: str, key: str,
                      owner: _Site | None) -> None:
        for side, other in ((node.left, node.right), (node.right, node.left)):
            item = self.target(side, owner)
            if item is None:
                continue
            is_row = isinstance(side, ex.Reference) and side.row is not None
            if item["type"] == "grid" and not is_row:
                self.add(path, where, f"{key}: compare a row of grid {item['id']} "
                                      f"({item['id']}.ROW), not the whole grid")
            elif item["type"] in ("multiple", "ranking"):
                self.add(path, where, f"{key}: {item['id']} holds several codes; use "
                                      f"selected({item['id']}, CODE) or "
                                      f"count-selected({item['id']})")
            elif (item["type"] == "single" or is_row) and node.op in ("=", "!="):
                self.check_code(other, item, path, where, key)
            elif (item["type"] == "single" or is_row) and isinstance(other, ex.Literal):
                self.check_missing_order(node, side, other, item, path, where, key)

    def check_missing_order(self, node: ex.Compare, side: ex.Node, literal: ex.Literal,
                            item: dict[str, Any], path: Path, where: str, key: str) -> None:
        """An order comparison (``<``, ``<=``, ``>``, ``>=``) that a declared missing code also
        satisfies (``B2.5 >= 4`` with 98 = "khó trả lời") is refused: like SPSS user-missing
        values, a missing code is not a point on the scale, yet the runtime compares codes as
        numbers. The message says how to write what was meant."""
        if id(node) not in self.guards:  # under a "not": its meaning is turned round
            return
        op = node.op if side is node.left else _FLIPPED[node.op]
        name = side.name if isinstance(side, ex.Reference) else "."
        for option in item.get("options") or []:
            if option.get("missing") and ex.compare_values(op, option["code"], literal.value) \
                    and not self.guarded(node, side, option["code"]):
                valid = [o["code"] for o in item["options"] if not o.get("missing")
                         and ex.compare_values(op, o["code"], literal.value)]
                meant = " or ".join(f"{name} = {code}" for code in valid) or "…"
                self.add(path, where, f"{key}: {ex.to_text(node)} is also true for the missing "
                                      f"code {option['code']} of {name}; write {meant} "
                                      f"(or add: and {name} != {option['code']})")
                return

    def guarded(self, node: ex.Compare, side: ex.Node, code: int) -> bool:
        """Whether another comparison of the same answer, joined by ``and``, is false for
        ``code`` (``B6 >= 2 and B6 <= 4`` leaves out 99)."""
        for other in self.guards.get(id(node), ()):
            if other is node:
                continue
            for mine, value, flip in ((other.left, other.right, False),
                                      (other.right, other.left, True)):
                if mine == side and isinstance(value, ex.Literal):
                    op = _FLIPPED.get(other.op, other.op) if flip else other.op
                    if not ex.compare_values(op, code, value.value):
                        return True
        return False

    def check_cycles(self) -> None:
        """Report each cycle of display logic once (an item shown depending on itself)."""
        state: dict[str, int] = {}  # 1 = on the stack, 2 = done
        stack: list[str] = []
        reported: set[frozenset[str]] = set()

        def visit(node: str) -> None:
            state[node] = 1
            stack.append(node)
            for nxt in sorted(self.edges.get(node, ())):
                if nxt not in self.sites:
                    continue
                if state.get(nxt) == 1:
                    cycle = stack[stack.index(nxt):] + [nxt]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        site = self.sites[nxt]
                        self.add(site.path, f"item {nxt}",
                                 "logic cycle: " + " → ".join(cycle))
                elif nxt not in state:
                    visit(nxt)
            stack.pop()
            state[node] = 2

        for node in self.edges:
            if node not in state:
                visit(node)


def all_item_ids(definition: Mapping[str, Any]) -> list[str]:
    return [item.get("id") for item in iter_items(definition)]
