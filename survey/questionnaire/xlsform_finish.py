"""The second pass of an XLSForm import: options, conditions, and the shape of the result.

Once the walk (:mod:`.xlsform_import`) knows every name, each choice item gets its options (an
``or_other`` option added, a ``choice_filter`` folded into per-option filters), conditions are
translated through :mod:`.xlsform_logic`, limits are pulled out of constraints, and two patterns
written for ODK are recognised: an exclusivity constraint (``not(selected(., 'none') and
count-selected(.) > 1)``) becomes an exclusive option, and a ``X_other`` text question shown when
``X`` is "other" becomes that option's "please specify" box.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from survey.questionnaire import expressions as ex
from survey.questionnaire.xlsform_choices import CARRY_NAME, ChoiceList
from survey.questionnaire.xlsform_import import Pending, Site, Walker
from survey.questionnaire.xlsform_logic import LogicReader, Unreadable
from survey.questionnaire.xlsform_report import Report
from survey.questionnaire.xpath import XPathError, conjoin, conjuncts, fold, limit_of

__all__ = ["Finisher", "OTHER_LABEL"]

OTHER_LABEL = {"vi": "Khác (ghi rõ)", "en": "Other (please specify)"}
RANK_SUFFIX = re.compile(r" \((?:hạng|rank) \d+\)$")


class Finisher:
    def __init__(self, walker: Walker, lists: dict[str, ChoiceList], report: Report):
        self.w = walker
        self.lists = lists
        self.report = report
        self.item_lists: dict[str, str] = {}  # item id → list name
        self.logic = LogicReader(report, self.resolve, self.codes_of)
        self.option_lists: dict[str, list[dict[str, Any]]] = {}
        self.other_texts: dict[str, str] = {}  # XLSForm name of a folded text → item id
        self.owner = ""  # the item whose conditions are being read (``.`` in a constraint)

    # ------------------------------------------------------------------ names

    def resolve(self, name: str) -> tuple[ex.Reference, str]:
        w = self.w
        if name in w.names:
            return w.names[name]
        if name in self.other_texts:
            raise Unreadable(f"${{{name}}} is the 'other' text of {self.other_texts[name]}",
                             f"${{{name}}} là phần ghi rõ của câu {self.other_texts[name]}")
        if name in w.dropped_names:
            en, vi = w.dropped_names[name]
            raise Unreadable(f"${{{name}}} is {en}", f"${{{name}}} là {vi}")
        if name in w.group_names:
            raise Unreadable(f"${{{name}}} is a group, not a question",
                             f"${{{name}}} là một nhóm, không phải câu hỏi")
        raise Unreadable(f"there is no question {name}", f"không có câu hỏi {name}")

    def codes_of(self, reference: ex.Reference | ex.Current) -> dict[str, int]:
        item = self.owner if isinstance(reference, ex.Current) else reference.item
        choice_list = self.lists.get(self.item_lists.get(item, ""))
        return (choice_list.mapping or {}) if choice_list else {}

    # ------------------------------------------------------------------ all

    def run(self) -> list[dict[str, Any]]:
        sites = self.w.sites
        for site in sites:
            if "_list" in site.item:
                self.item_lists[site.item["id"]] = site.item["_list"][0]
        self.fold_rankings()
        self.fold_other_texts()
        usage: dict[str, list[str]] = {}
        for site in self.w.sites:
            if "_list" in site.item:
                usage.setdefault(site.item["_list"][0], []).append(site.item["id"])
        for name, choice_list in self.lists.items():
            users = usage.get(name, [])
            if users == [name]:
                continue
            options = choice_list.options()
            if not users and any(o["label"]["vi"].startswith("⚠") for o in options):
                continue  # an unused list that would block publishing: never asked anyway
            self.option_lists[name] = options
        for site in self.w.sites:
            self.finish(site)
        for page in self.w.pages:
            pending = page.pop("_relevant", None)
            if pending is not None:
                tree = self.logic.read(pending.text, pending.row, "relevant", pending.name)
                if tree is not None:
                    page["relevant"] = ex.to_text(tree)
        return [page for page in self.w.pages if page["items"]]

    def finish(self, site: Site) -> None:
        item = site.item
        self.owner = item["id"]
        if item["type"] == "grid":
            flags = item.pop("_required", [])
            if flags and all(flags):
                item["required"] = True
            elif any(flags):
                self.report.add("grid-partly-required", "survey", site.row, "required",
                                name=site.name)
        if "_list" in item:
            self.attach_options(item, site)
        conditions = [self.logic.read(p.text, p.row, p.column, p.name)
                      for p in item.pop("_inherited", [])]
        own = item.pop("_relevant", None)
        if own is not None:
            conditions.append(self.logic.read(own.text, own.row, own.column, own.name))
        relevant = conjoin([c for c in conditions if c is not None])
        if relevant is not None:
            item["relevant"] = ex.to_text(relevant)
        pending = item.pop("_constraint", None)
        if pending is not None:
            tree = self.logic.read(pending.text, pending.row, pending.column, pending.name)
            if tree is not None and item["type"] == "multiple":
                tree = self.exclusive(item, tree, site)
            if tree is not None:
                tree = self.extract(item, tree)
            if tree is not None:
                item["constraint"] = ex.to_text(tree)
        if not item.get("constraint"):
            item.pop("constraint_message", None)

    # ------------------------------------------------------------------ options

    def attach_options(self, item: dict[str, Any], site: Site) -> None:
        list_name, row = item.pop("_list")
        choice_list = self.lists[list_name]
        options = choice_list.options()
        changed = False
        if item.pop("_or_other", False):
            codes = [o["code"] for o in options]
            code = max([o["code"] for o in options if not o.get("missing")], default=0) + 1
            while code in codes:
                code += 1
            other: dict[str, Any] = {"code": code, "label": dict(OTHER_LABEL), "other": True}
            if choice_list.mapping is not None and CARRY_NAME:
                other["name"] = "other"
            options.append(other)
            self.other_texts[f"{site.name}_other"] = item["id"]  # pyxform's text box, in data
            self.report.add("or-other", "survey", row, "type", name=site.name, code=code)
            changed = True
        pending: Pending | None = item.pop("_choice_filter", None)
        if pending is not None:
            filtered = self.choice_filter(item, pending, choice_list, options, site)
            if filtered is not None:
                options, changed = filtered, True
        item["options"] = options
        if not changed and list_name in self.option_lists:
            item["options_from"] = list_name
            item["options"] = copy.deepcopy(self.option_lists[list_name])

    def choice_filter(self, item: dict[str, Any], pending: Pending, choice_list: ChoiceList,
                      options: list[dict[str, Any]], site: Site) -> list[dict[str, Any]] | None:
        kept = []
        quiet = Report()
        reader = LogicReader(quiet, self.resolve, self.codes_of)
        for choice, option in zip(choice_list.choices, options):
            def bare(column: str, values: dict[str, str] = choice.values) -> ex.Node | None:
                return ex.Literal(values[column]) if column in values else None
            tree = reader.read(pending.text, pending.row, pending.column, pending.name,
                               bare=bare, lenient=False)
            try:
                value = fold(tree) if tree is not None else None
            except XPathError:
                value = None
            if value is None:
                self.logic.read(pending.text, pending.row, pending.column, pending.name,
                                bare=bare, lenient=False)  # report it once, in the real report
                return None
            if value is False:
                self.report.add("choice-filter-never", "survey", pending.row, "choice_filter",
                                name=site.name, code=option["code"])
                continue
            if value is not True:
                option["relevant"] = ex.to_text(value)
            kept.append(option)
        return kept + options[len(choice_list.choices):]  # the or_other option stays offered

    # ------------------------------------------------------------------ constraints

    def extract(self, item: dict[str, Any], tree: ex.Node) -> ex.Node | None:
        """Pull ranges, selection limits and text length out of a constraint."""
        found: dict[str, Any] = {}
        rest: list[ex.Node] = []
        for node in conjuncts(tree):
            key = limit_of(item["type"], node)
            if key is not None and key[0] not in found:
                found[key[0]] = key[1]
            else:
                rest.append(node)
        if found and (rest or not item.get("constraint_message")):
            for key, value in found.items():
                if key in ("min", "max") and item.get(key) is not None:
                    value = max(value, item[key]) if key == "min" else min(value, item[key])
                item[key] = value
            return conjoin(rest)
        return tree

    def exclusive(self, item: dict[str, Any], tree: ex.Node, site: Site) -> ex.Node | None:
        """``not(selected(., C) and count-selected(.) > 1)`` makes option C exclusive."""
        rest = []
        for node in conjuncts(tree):
            code = _exclusive_code(node)
            option = next((o for o in item["options"] if o["code"] == code), None) \
                if code is not None else None
            if option is None:
                rest.append(node)
                continue
            if not option.get("exclusive"):
                option["exclusive"] = True
                item.pop("options_from", None)
                self.report.add("exclusive-recognised", "survey", site.row, "constraint",
                                name=site.name, code=code)
        return conjoin(rest)

    # ------------------------------------------------------------------ folded rows

    def fold_other_texts(self) -> None:
        """A text question ``X_other`` right after choice question ``X``, shown exactly when
        one option of ``X`` is chosen (our own export marks it ``other_of``): that option is
        "other — please specify" and the text question is its box."""
        kept: list[Site] = []
        previous: Site | None = None
        for site in self.w.sites:
            target = self.other_target(site, previous)
            if target is None:
                kept.append(site)
                previous = site
                continue
            owner, code = target
            choice_list = self.lists[self.item_lists[owner.item["id"]]]
            choice = next(c for c in choice_list.choices if c.code == code)
            if not choice.flags.get("other"):
                choice.flags["other"] = True
                self.report.add("other-recognised", "survey", site.row, "name", name=site.name,
                                owner=owner.name, code=code)
            site.page["items"].remove(site.item)
            del self.w.names[site.name]
            self.other_texts[site.name] = owner.item["id"]
        self.w.sites = kept

    def other_target(self, site: Site, previous: Site | None) -> tuple[Site, int] | None:
        item = site.item
        if previous is None or item["type"] != "text" or "_list" not in previous.item or \
                previous.item["type"] not in ("single", "multiple") or \
                previous.item.get("_or_other") or "_relevant" not in item:
            return None
        marker = site.extra.get("other_of")
        if (marker != previous.name) if marker else (site.name != f"{previous.name}_other"):
            return None
        quiet = LogicReader(Report(), self.resolve, self.codes_of)
        pending = item["_relevant"]
        tree = quiet.read(pending.text, pending.row, "relevant", site.name, lenient=False)
        ref = ex.Reference(previous.item["id"])
        code = None
        if isinstance(tree, ex.Call) and tree.function == "selected" and tree.args[0] == ref:
            code = tree.args[1].value if isinstance(tree.args[1], ex.Literal) else None
        elif isinstance(tree, ex.Compare) and tree.op == "=" and tree.left == ref and \
                isinstance(tree.right, ex.Literal):
            code = tree.right.value
        choice_list = self.lists[previous.item["_list"][0]]
        flagged = [c.code for c in choice_list.choices if c.flags.get("other")]
        if not isinstance(code, int) or code not in [c.code for c in choice_list.choices] or \
                (flagged and flagged != [code]) or item.get("_inherited"):
            return None
        return previous, code

    def fold_rankings(self) -> None:
        """Consecutive ``select_one`` rows marked ``rank_of: R`` (our export of a ranking of
        the top N) are one ranking item ``R`` again."""
        groups: dict[str, list[Site]] = {}
        for site in self.w.sites:
            owner = site.extra.get("rank_of")
            if owner and site.item["type"] == "single":
                groups.setdefault(owner, []).append(site)
        for owner, members in groups.items():
            first = members[0]
            item = first.item
            item["type"] = "ranking"
            item["top"] = len(members)
            item["label"] = {k: RANK_SUFFIX.sub("", v) for k, v in item["label"].items()}
            for key in ("role", "dimension", "appearance"):
                item.pop(key, None)
            for site in members:
                self.w.taken.discard(site.item["id"])
            self.w.taken.add(owner)
            item["id"] = owner
            self.item_lists[owner] = item["_list"][0]
            for site in members:
                self.w.names[site.name] = (ex.Reference(owner), "ranking")
            for site in members[1:]:
                site.page["items"].remove(site.item)
                self.w.sites.remove(site)


def _exclusive_code(node: ex.Node) -> int | None:
    if not isinstance(node, ex.Not) or not isinstance(node.operand, ex.BoolOp) or \
            node.operand.op != "and" or len(node.operand.operands) != 2:
        return None
    code = None
    counted = False
    for part in node.operand.operands:
        if isinstance(part, ex.Call) and part.function == "selected" and \
                part.args[0] == ex.Current() and isinstance(part.args[1], ex.Literal):
            code = part.args[1].value
        elif isinstance(part, ex.Compare) and isinstance(part.left, ex.Call) and \
                part.left.function == "count-selected" and part.left.args[0] == ex.Current() \
                and isinstance(part.right, ex.Literal) and \
                (part.op, part.right.value) in ((">", 1), (">=", 2)):
            counted = True
    return code if counted and isinstance(code, int) else None
