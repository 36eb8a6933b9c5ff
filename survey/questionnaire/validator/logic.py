"""Checks of the skip logic: every expression parses, refers to existing, earlier items (and
their rows and option codes), uses each function on an item of the right kind, does not let a
declared missing code satisfy an order comparison, and no display logic forms a cycle.
"""
from __future__ import annotations

import difflib
from typing import Any

from survey.questionnaire import expressions as ex
from survey.questionnaire.model.problems import Path
from survey.questionnaire.model.schema import CHOICE_TYPES
from survey.questionnaire.validator.base import Checks, Site

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


class LogicChecks(Checks):
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
                         owner: Site | None = None, page: int | None = None) -> None:
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

    def target(self, node: ex.Node, owner: Site | None) -> dict[str, Any] | None:
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
                        owner: Site | None, page: int | None) -> None:
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
                   owner: Site | None) -> None:
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
                      owner: Site | None) -> None:
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
