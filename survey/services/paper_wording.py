"""Skip logic and option filters in words, for the paper questionnaire and the entry screen.

A respondent on paper cannot be routed by the server, so the printed sheet says what the
logic does: "Nếu chọn 3, chuyển sang câu E1" beside an option, "Chỉ trả lời nếu câu A4 chọn 1,
2 hoặc 3" above a filtered question, "(nếu câu A1 chọn 3)" beside filtered options. The entry
screen gives the same words when it refuses a value in a skipped question. Both are read from
the definition's own conditions (the JSON tree :func:`condition_json` gives the respondent's
script), so the words cannot drift from the rules.

Pure: no Flask, no database. Vietnamese and English wording.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from survey.questionnaire import is_true, iter_items, iter_pages

__all__ = ["describe", "Route", "routes", "skip_targets", "next_question"]

_WORDS = {
    "vi": {"q": "câu {id}", "row": "câu {id} dòng {row}", "chose": "{ref} chọn {values}",
           "chose_not": "{ref} không chọn {value}", "between": "{ref} chọn từ {low} đến {high}",
           "selected": "{ref} có chọn {value}", "not_selected": "{ref} không chọn {value}",
           "count": "số phương án chọn ở {ref} {op} {value}", "answered": "{ref} có trả lời",
           "empty": "{ref} để trống", "length": "độ dài câu trả lời {ref} {op} {value} ký tự",
           "and": " và ", "or": " hoặc ", "not": "không phải ({inner})", "list_or": " hoặc ",
           "compare": "{ref} {op} {value}"},
    "en": {"q": "{id}", "row": "{id} row {row}", "chose": "{ref} is {values}",
           "chose_not": "{ref} is not {value}", "between": "{ref} is {low} to {high}",
           "selected": "{ref} includes {value}", "not_selected": "{ref} does not include {value}",
           "count": "the number chosen at {ref} {op} {value}", "answered": "{ref} is answered",
           "empty": "{ref} is blank", "length": "the length of {ref} {op} {value} characters",
           "and": " and ", "or": " or ", "not": "not ({inner})", "list_or": " or ",
           "compare": "{ref} {op} {value}"},
}
_OPS = {"=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _tree(expr: str) -> Any:
    """The condition as the runtime's JSON tree (see ``render.condition_json``)."""
    from survey.questionnaire.runtime.render import condition_json

    return json.loads(condition_json(expr))


def _value(node: Any) -> str | None:
    if isinstance(node, list) and node and node[0] == "v":
        value = node[1]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"'{value}'" if isinstance(value, str) else str(value)
    return None


def _ref(node: Any, words: Mapping[str, str]) -> str | None:
    if isinstance(node, list) and node and node[0] == "r":
        if node[2] is not None:
            return words["row"].format(id=node[1], row=node[2])
        return words["q"].format(id=node[1])
    if isinstance(node, list) and node and node[0] == ".":
        return "."
    return None


def _join(values: list[str], words: Mapping[str, str]) -> str:
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + words["list_or"] + values[-1]


def _equalities(node: Any) -> tuple[str, list[str]] | None:
    """``X = a or X = b …`` on one reference: (reference key, values)."""
    if node[0] == "c" and node[1] == "=" and _value(node[3]) is not None and node[2][0] == "r":
        return json.dumps(node[2]), [_value(node[3])]  # type: ignore[list-item]
    if node[0] == "or":
        found = [_equalities(part) for part in node[1]]
        if all(found) and len({key for key, _v in found}) == 1:  # type: ignore[misc]
            return found[0][0], [v for _k, values in found for v in values]  # type: ignore[index]
    return None


def _between(node: Any) -> tuple[Any, str, str] | None:
    """``X >= a and X <= b``: (reference, a, b)."""
    if node[0] != "and" or len(node[1]) != 2:
        return None
    first, second = node[1]
    if first[0] == second[0] == "c" and first[2] == second[2] and first[2][0] == "r" \
            and first[1] == ">=" and second[1] == "<=":
        low, high = _value(first[3]), _value(second[3])
        if low is not None and high is not None:
            return first[2], low, high
    return None


def _say(node: Any, words: Mapping[str, str], top: bool = True) -> str:
    equal = _equalities(node)
    if equal is not None:
        ref = _ref(json.loads(equal[0]), words)
        return words["chose"].format(ref=ref, values=_join(equal[1], words))
    between = _between(node)
    if between is not None:
        return words["between"].format(ref=_ref(between[0], words), low=between[1],
                                       high=between[2])
    kind = node[0]
    if kind in ("and", "or"):
        parts = [_say(part, words, top=False) for part in node[1]]
        text = words[kind].join(parts)
        return text if top else f"({text})"
    if kind == "not":
        inner = node[1]
        if inner[0] == "f" and inner[1] == "selected":
            return words["not_selected"].format(ref=_ref(inner[2][0], words),
                                                value=_value(inner[2][1]))
        return words["not"].format(inner=_say(inner, words))
    if kind == "c":
        op, left, right = node[1], node[2], node[3]
        ref, value = _ref(left, words), _value(right)
        if left[0] == "f" and left[1] == "count-selected":
            return words["count"].format(ref=_ref(left[2][0], words), op=_OPS[op],
                                         value=value)
        if left[0] == "f" and left[1] == "string-length":
            return words["length"].format(ref=_ref(left[2][0], words), op=_OPS[op],
                                          value=value)
        if ref is not None and value is not None and op == "!=":
            return words["chose_not"].format(ref=ref, value=value)
        return words["compare"].format(ref=ref or _say(left, words, False), op=_OPS[op],
                                       value=value or _say(right, words, False))
    if kind == "f":
        function, args = node[1], node[2]
        if function == "selected":
            return words["selected"].format(ref=_ref(args[0], words), value=_value(args[1]))
        if function in ("answered", "empty"):
            return words[function].format(ref=_ref(args[0], words))
    if kind == "r":
        return words["answered"].format(ref=_ref(node, words))
    if kind == "v":
        return str(_value(node))
    return json.dumps(node, ensure_ascii=False)  # pragma: no cover - every node kind is named


def describe(expr: str, language: str = "vi") -> str:
    """``A4 = 1 or A4 = 2 or A4 = 3`` → ``câu A4 chọn 1, 2 hoặc 3``."""
    return _say(_tree(expr), _WORDS.get(language, _WORDS["vi"]))


# ------------------------------------------------------------------------------ routing

@dataclass(frozen=True)
class Route:
    """On paper, beside option ``code`` of question ``item``: go to question ``target``
    (``None``: the end of the questionnaire)."""

    item: str
    code: int
    target: str | None


def _questions(definition: Mapping[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(page, item) for every question (notes left out), in order."""
    return [(page, item) for page in iter_pages(definition)
            for item in page.get("items") or [] if item.get("type") != "note"]


def _reads_only(expr: str | None, item_id: str) -> bool:
    from survey.questionnaire import references

    if not expr:
        return True
    return {ref.split(".")[0] for ref in references(expr)} <= {item_id}


def routes(definition: Mapping[str, Any]) -> list[Route]:
    """Routing arrows a sheet prints: for a single choice X whose next question is skipped by
    an answer to X alone, the option(s) that skip it and the first question after the skipped
    ones. A question skipped by several answers gets its filter written above it instead
    (:func:`describe`), never an arrow that would be wrong for some respondents."""
    questions = _questions(definition)
    out: list[Route] = []
    for index, (_page, item) in enumerate(questions):
        if item.get("type") != "single":
            continue
        for option in item.get("options") or []:
            answers = {item["id"]: option["code"]}
            skipped = 0
            for page, later in questions[index + 1:]:
                conditions = [page.get("relevant"), later.get("relevant")]
                if not all(_reads_only(c, item["id"]) for c in conditions):
                    break
                if all(is_true(c, answers) for c in conditions):
                    break
                skipped += 1
            if skipped:
                following = questions[index + 1 + skipped:]
                out.append(Route(item["id"], option["code"],
                                 following[0][1]["id"] if following else None))
    return out


def skip_targets(definition: Mapping[str, Any], item_id: str) -> str | None:
    """The question to go to when ``item_id`` is skipped: the next one after it whose own
    condition differs (so a run of questions under one filter is skipped together)."""
    questions = _questions(definition)
    ids = [item["id"] for _page, item in questions]
    if item_id not in ids:
        return None
    index = ids.index(item_id)
    page, item = questions[index]
    condition = (page.get("relevant"), item.get("relevant"))
    for later_page, later in questions[index + 1:]:
        if (later_page.get("relevant"), later.get("relevant")) != condition:
            return later["id"]
    return None


def next_question(definition: Mapping[str, Any], item_id: str) -> str | None:
    ids = [item["id"] for item in iter_items(definition) if item.get("type") != "note"]
    index = ids.index(item_id) if item_id in ids else -1
    return ids[index + 1] if 0 <= index < len(ids) - 1 else None


def number_text(value: Any) -> str:
    """A bound as printed: whole numbers without decimals, a decimal comma otherwise."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", ",")
    return str(value)
