"""Checks of a definition's structure: its id and languages, each item's id and settings,
options, grid rows and banners.
"""
from __future__ import annotations

import re
from typing import Any

from survey.questionnaire.model.problems import Path
from survey.questionnaire.model.schema import (CHOICE_TYPES, DIMENSION_RE, ITEM_ID_RE,
                                               MAX_DECIMALS, MAX_ITEM_ID, MAX_TEXT_LENGTH,
                                               MAX_VARIABLE, RESERVED, ROW_ID_RE, SLUG_RE)
from survey.questionnaire.validator.base import Checks, Site


class StructureChecks(Checks):
    def check_questionnaire(self) -> None:
        """The top level: id, languages, the languages labels use, option lists, pages."""
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
                self.sites[item["id"]] = Site(item, path, page_index, order)
                order += 1

    def check_item(self, site: Site) -> None:
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
