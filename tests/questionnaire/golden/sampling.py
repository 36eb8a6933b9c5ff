"""The inputs of the golden fixtures: random answer sets and random expressions (fixed seeds), and
the choice of the few that are kept.

The pools are those of the equivalence test the fixtures replace (its seeds, its generators, its
150 rounds per definition and 3,000 expressions, the states it derived from each round). Only a sample is stored: every case that
exercises a line-to-line step (an arc) of the page rules or the expression evaluator that no
case chosen before it does, or shows a behaviour not yet shown (a page or item shown or hidden,
an error message on an item, an answer pruned, an offer token, an exception), then seeded
random cases up to a fixed number for breadth. So the sample exercises the code exactly as
much as the whole pool did, at a fraction of its size.
"""
from __future__ import annotations

import math
import random
import sys
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Iterable

from survey.questionnaire import iter_pages, load_file, normalize
from survey.questionnaire.expressions import (BoolOp, Call, Compare, Current, Literal, Node, Not,
                                              Reference)

ROOT = Path(__file__).resolve().parents[3]
FLAGSHIP = ROOT / "questionnaires" / "ne-tranh-trach-nhiem.yaml"

ROUNDS = 150            # answer sets drawn per definition
RULES_SAMPLE = 60       # kept per definition (at least all the covering ones)
EXPRESSION_POOL = 3000  # random expressions drawn
EXPRESSION_SAMPLE = 800


# --------------------------------------------------------------------------- definitions

def logic_definition() -> dict[str, Any]:
    """Every kind of condition the language has, on pages, items, options and constraints: grid
    rows, selected(), count-selected(), answered()/empty(), string-length(), text comparison,
    decimals, an option filter reading a question of its own page, a page of notes only, a page
    whose only question depends on a later-pruned answer (pruning needs several rounds)."""
    def opts(*codes: int, **filters: str) -> list[dict[str, Any]]:
        return [{"code": c, "label": {"vi": f"PA {c}"},
                 **({"relevant": filters[f"c{c}"]} if f"c{c}" in filters else {})} for c in codes]

    return normalize({
        "id": "logic", "languages": ["vi"], "title": {"vi": "Phiếu logic"},
        "pages": [
            {"id": "P1", "title": {"vi": "Một"}, "items": [
                {"id": "q1", "type": "single", "label": {"vi": "q1"}, "required": True,
                 "options": opts(1, 2, 3)},
                {"id": "q2", "type": "multiple", "label": {"vi": "q2"},
                 "options": opts(1, 2, 3, 4, c3="q1 = 2", c4="q1 != 1 and q1 != 3") + [
                     {"code": 8, "label": {"vi": "Khác"}, "other": True},
                     {"code": 9, "label": {"vi": "Không biết"}, "exclusive": True, "missing": True}]},
                {"id": "q3", "type": "numeric", "label": {"vi": "q3"}, "min": 0, "max": 100,
                 "decimals": 1, "relevant": "selected(q2, 2) or count-selected(q2) >= 3",
                 "constraint": ". != 13 and . < 99.5"},
                {"id": "q4", "type": "text", "label": {"vi": "q4"}, "max_length": 30,
                 "constraint": "string-length(.) >= 2", "relevant": "answered(q1)"},
            ]},
            {"id": "P2", "title": {"vi": "Hai"}, "relevant": "q1 = 1 or q3 > 10", "items": [
                {"id": "g", "type": "grid", "label": {"vi": "g"}, "required": True,
                 "rows": [{"id": "a", "label": {"vi": "a"}}, {"id": "b", "label": {"vi": "b"}},
                          {"id": "3", "label": {"vi": "ba"}}],
                 "options": opts(1, 2, 3, c3="q1 = 1")},
                {"id": "r", "type": "ranking", "label": {"vi": "r"}, "top": 2,
                 "relevant": "g.a = 2 or g.3 >= 2",
                 "options": opts(1, 2, 3, 4, c4="empty(q4)")},
            ]},
            {"id": "P3", "title": {"vi": "Ba"}, "items": [
                {"id": "n1", "type": "note", "label": {"vi": "ghi chú"}, "relevant": "q4 = 'abc'"},
                {"id": "n2", "type": "note", "label": {"vi": "ghi chú 2"}, "relevant": "not answered(g)"},
            ]},
            {"id": "P4", "title": {"vi": "Bốn"}, "items": [
                {"id": "z", "type": "single", "label": {"vi": "z"}, "required": True,
                 "relevant": "selected(r, 3) or (count-selected(g) = 3 and q3 >= 5)",
                 "options": opts(1, 2)},
                {"id": "y", "type": "single", "label": {"vi": "y"},
                 "options": opts(1, 2, c1="z = 1", c2="z = 2 or empty(z)")},
            ]},
        ],
    })


def definition(name: str) -> tuple[dict[str, Any], str]:
    """The definition named in ``golden.RULES`` and the seed name its pool was drawn with."""
    if name == "flagship":
        return load_file(FLAGSHIP), FLAGSHIP.name
    if name == "rich":
        from tests.respond.support import rich_definition

        return rich_definition(), "rich"
    if name == "logic":
        return logic_definition(), "logic"
    raise KeyError(name)


# --------------------------------------------------------------------------- random answers

JUNK = [None, "", "  ", [], {}, True, False, 0, -1, 1.5, float("nan"), "1", "x", [1, "2"],
        {"a": 1}, [None], 10 ** 6, "Khác nữa", 2.0]


def _valid(item: dict[str, Any], rng: random.Random) -> Any:
    codes = [o["code"] for o in item.get("options") or []]
    kind = item["type"]
    if kind == "single":
        return rng.choice(codes)
    if kind in ("multiple", "ranking"):
        return rng.sample(codes, rng.randint(1, len(codes)))
    if kind == "grid":
        return {str(row["id"]): rng.choice(codes + [77])
                for row in item.get("rows") or [] if rng.random() < 0.85}
    if kind == "numeric":
        low = item.get("min") if item.get("min") is not None else -5
        high = item.get("max") if item.get("max") is not None else 120
        return rng.choice([rng.randint(int(low) - 2, int(high) + 2), round(rng.uniform(low, high), 2)])
    return rng.choice(["abc", "Cần quy định rõ trách nhiệm.", "x" * rng.randint(1, 300)])


def random_answers(definition: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """An answers dict the server could hold or be sent: most items answered with codes of the
    item (filtered-out ones included), some missing, some junk, "other" texts and stray keys."""
    answers: dict[str, Any] = {}
    chance = rng.choice([0.2, 0.6, 0.9, 1.0])
    for page in iter_pages(definition):
        for item in page.get("items") or []:
            if item["type"] == "note":
                if rng.random() < 0.05:
                    answers[item["id"]] = 1
                continue
            roll = rng.random()
            if roll < chance:
                answers[item["id"]] = _valid(item, rng)
            elif roll < chance + 0.08:
                answers[item["id"]] = rng.choice(JUNK)
            if any(o.get("other") for o in item.get("options") or []) and rng.random() < 0.5:
                answers[f"{item['id']}.other"] = rng.choice(["ý kiến khác", "", "  ", "y" * 300])
    if rng.random() < 0.2:
        answers["stray"] = 1
    return answers


def comparison_form(value: Any) -> Any:
    """A value as the equivalence test compared results: nested plain data tagged with type
    names (``("int", 1)``, ``["list", …]``), dict items as pairs, NaN as ``"NaN"``."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dict):
        return [(k, comparison_form(v)) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__] + [comparison_form(v) for v in value]
    if isinstance(value, set):
        return sorted(value, key=repr)
    return (type(value).__name__, value)


def answer_pool(definition: dict[str, Any], seed_name: str) -> list[dict[str, Any]]:
    """Per round, the random answers, then the second state the equivalence test checked: its
    pruned answers with every value in :func:`comparison_form` (answers of shapes no form
    sends, which reach branches the random answers seldom do)."""
    from survey.questionnaire.runtime.rules import prune

    rng = random.Random(f"equivalence:{seed_name}")
    pool = []
    for _ in range(ROUNDS):
        answers = random_answers(definition, rng)
        pool.append(answers)
        try:
            pruned = prune(definition, answers)
        except Exception:  # noqa: BLE001 - the test then checked the answers only
            continue
        pool.append({key: comparison_form(value) for key, value in pruned.items()})
    return pool


# --------------------------------------------------------------------------- random expressions

def random_node(rng: random.Random, depth: int = 0) -> Node:
    leaf = depth > 3 or rng.random() < 0.3
    if leaf:
        return rng.choice([
            Literal(rng.choice([0, 1, 2, 3, -1, 2.5, "a", "1", " "])),
            Reference(rng.choice(["A1", "B2", "Q", "T"])),
            Reference("B2", rng.choice(["1", "x", "2"])), Current()])
    kind = rng.choice(["not", "and", "or", "compare", "compare", "call"])
    if kind == "not":
        return Not(random_node(rng, depth + 1))
    if kind in ("and", "or"):
        return BoolOp(kind, tuple(random_node(rng, depth + 1) for _ in range(rng.randint(2, 3))))
    if kind == "compare":
        right = Literal(rng.choice([1, 2, 0, 2.5, -1, "a", "2"])) if rng.random() < 0.6 \
            else random_node(rng, depth + 1)
        return Compare(rng.choice(["=", "!=", "<", "<=", ">", ">="]), random_node(rng, depth + 1),
                       right)
    function = rng.choice(["selected", "count-selected", "answered", "empty", "string-length"])
    subject = rng.choice([Reference("A1"), Reference("B2"), Reference("B2", "1"), Current()])
    if function == "selected":
        code = rng.choice([Literal(1), Literal(2), Literal("1"), Literal("a"), Literal(2.0)])
        return Call(function, (subject, code))
    return Call(function, (subject,))


VALUES = [None, "", " ", "a", "1", "2", "2.5", "1 2", "x y", 0, 1, 2, 3, -1, 2.5, 2.0, True, False,
          float("nan"), [], [1], [1, 2], ["1", "a"], [2.0, None], {}, {"1": 1}, {"1": 2, "x": None},
          {1: 2}, (1, 2), {1, 2}]


def expression_pool() -> list[tuple[Node, dict[str, Any], Any]]:
    """(tree, answers, current) triples, drawn as the equivalence test drew them."""
    rng = random.Random(11)
    pool = []
    for _ in range(EXPRESSION_POOL):
        node = random_node(rng)
        answers = {key: rng.choice(VALUES) for key in ["A1", "B2", "B2.2", "Q", "T"]
                   if rng.random() < 0.8}
        pool.append((node, answers, rng.choice(VALUES)))
    return pool


# --------------------------------------------------------------------------- choosing the sample

class Arcs:
    """Line-to-line steps taken in ``files`` while active (``sys.settrace``): what a case
    exercises of the code, finer than lines (both ways out of an ``if`` count)."""

    def __init__(self, files: Iterable[str]) -> None:
        self.files = {str(Path(f).resolve()) for f in files}
        self.seen: set[tuple[str, int, int]] = set()

    def __enter__(self) -> Arcs:
        self.seen = set()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(None)

    def _call(self, frame: FrameType, event: str, arg: Any) -> Any:
        filename = frame.f_code.co_filename
        if filename not in self.files:
            return None
        last = -frame.f_code.co_firstlineno
        seen = self.seen

        def local(frame: FrameType, event: str, arg: Any) -> Any:
            nonlocal last
            if event == "line":
                seen.add((filename, last, frame.f_lineno))
                last = frame.f_lineno
            elif event == "return":
                seen.add((filename, last, -frame.f_code.co_firstlineno))
            return local
        return local


def choose(features: list[set[Any]], size: int, seed: str) -> list[int]:
    """Indices of a sample of at most ``max(size, cover)`` cases: greedily the case adding most
    features not yet covered until all are, then seeded random others. In pool order."""
    wanted = set().union(*features) if features else set()
    chosen: list[int] = []
    covered: set[Any] = set()
    while covered != wanted:
        best = max((i for i in range(len(features)) if i not in chosen),
                   key=lambda i: (len(features[i] - covered), -i))
        chosen.append(best)
        covered |= features[best]
    rest = [i for i in range(len(features)) if i not in chosen]
    random.Random(seed).shuffle(rest)
    chosen += rest[:max(0, size - len(chosen))]
    return sorted(chosen)


def behaviours(observed: dict[str, Any], answers: dict[str, Any]) -> set[Any]:
    """What one rules observation shows, as features (see the module docstring)."""
    found: set[Any] = set()
    pruned = observed["pruned"]
    if isinstance(pruned, dict) and "$raises" in pruned:
        found.add(("prune raises", pruned["$raises"]))
    else:
        found.update(("dropped", key) for key in answers if key not in pruned)
    for state, seen in enumerate(observed["states"]):
        for index, shown in enumerate(seen["page_visible"]):
            found.add(("page", state, index, repr(shown)))
        for index, items in enumerate(seen["items"]):
            found.add(("items", state, index, repr(items)))
        for tokens in seen["tokens"]:
            found.update(("token", state, token) for token in (tokens if isinstance(tokens, list)
                                                                else [repr(tokens)]))
        for errors in seen["errors"]:
            if isinstance(errors, dict):
                found.update(("error", state, key, repr(message)) for key, message in errors.items())
        found.update(("options", item, repr(codes)) for item, codes in seen["options"].items())
        found.update(("displayed", token) for token in seen["displayed"])
        found.add(("all", state, repr(seen["validate_all"])[:60]))
    return found


def value_kind(value: Any) -> str:
    """A value's kind as the evaluator tells values apart: type, sign, blank or numeric text."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        if value != value:
            return "nan"
        sign = "neg" if value < 0 else "zero" if value == 0 else "pos"
        whole = "whole" if float(value).is_integer() else "fraction"
        return f"{type(value).__name__}:{sign}:{whole}"
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return "str:blank"
        try:
            float(text)
        except ValueError:
            return "str:words" if " " in text else "str:word"
        return "str:number" if text.lstrip("-").isdigit() else "str:decimal"
    if isinstance(value, dict):
        return f"dict:{sorted({type(key).__name__ for key in value})}"
    if isinstance(value, (list, tuple, set)):
        return f"{type(value).__name__}:{'items' if value else 'empty'}"
    return type(value).__name__


def value_features(tree: Node, answers: dict[str, Any], current: Any) -> set[Any]:
    """For each construct of ``tree``: the kinds of values it met and the kind it gave. Two
    cases that take the same code path with a numeric text and a number are told apart."""
    from survey.questionnaire.expressions import evaluate, walk

    def kind(node: Node) -> str:
        try:
            return value_kind(evaluate(node, answers, current))
        except Exception as exc:  # noqa: BLE001 - an error is a kind of outcome too
            return type(exc).__name__

    found: set[Any] = set()
    for node in walk(tree):
        if isinstance(node, Compare):
            found.add(("compare", node.op, kind(node.left), kind(node.right), kind(node)))
        elif isinstance(node, Call):
            found.add(("call", node.function, *(kind(arg) for arg in node.args), kind(node)))
        elif isinstance(node, (Not, BoolOp)):  # each operand's truth, whatever its neighbours
            op = node.op if isinstance(node, BoolOp) else "not"
            operands = (node.operand,) if isinstance(node, Not) else node.operands
            found.update((op, kind(each)) for each in operands)
            found.add((op, kind(node)))
    found.add(("whole", kind(tree)))
    return found


def traced(files: Iterable[str], function: Callable[[], Any]) -> tuple[Any, set[Any]]:
    with Arcs(files) as arcs:
        result = function()
    return result, arcs.seen
