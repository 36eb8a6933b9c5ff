"""What answer values mean to a condition: answered or not, numbers from text, the codes of a
choice, truth, and how two values compare.

One meaning, shared by every compiled condition, so that a designer's condition reads the same
answer the same way everywhere: an unanswered value makes every comparison false, numeric text
compares as a number, a value of the wrong kind compares false instead of raising.
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Mapping

from survey.questionnaire.expressions.tree import Reference

#: What an unanswered reference evaluates to: unlike ``None``, never equal to an answer.
_MISSING = object()


def _lookup(ref: Reference, answers: Mapping[str, Any]) -> Any:
    if ref.row is None:
        return answers.get(ref.item, _MISSING)
    if ref.name in answers:  # answers flattened to variables, as in the answer table
        return answers[ref.name]
    container = answers.get(ref.item)
    if isinstance(container, dict):
        return container.get(ref.row, container.get(_int_or_none(ref.row), _MISSING))
    return _MISSING


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def is_answered(value: Any) -> bool:
    """An answer is present: not missing, not ``None``, not an empty string, list or dict."""
    if value is None or value is _MISSING:
        return False
    kind = type(value)
    if kind is int or kind is float:  # the common case first (bool is not int here: answered)
        return True
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) > 0
    return True


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return None
    return None


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}


def _compare(op: str, left: Any, right: Any) -> bool:
    if not is_answered(left) or not is_answered(right):
        return False
    if isinstance(left, str) and isinstance(right, str):
        return _OPERATORS[op](left, right)
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return _OPERATORS[op](a, b)
    if op in ("=", "!=") and type(left) is type(right):
        return _OPERATORS[op](left, right)
    return False


def compare_values(op: str, left: Any, right: Any) -> bool:
    """``left op right`` as a condition compares them (numbers as numbers, an unanswered side
    false): the validator asks it whether a missing code satisfies a comparison."""
    return _compare(op, left, right)


def _codes(value: Any) -> list[Any]:
    if not is_answered(value):
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    if isinstance(value, str):  # XLSForm style "1 3 5"
        return value.split()
    return [value]


def _truthy(value: Any) -> bool:
    if value is True or value is False:
        return value
    if not is_answered(value):
        return False
    return value != 0
