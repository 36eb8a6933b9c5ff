"""Evaluation of expressions on answers, by compiling each tree once into nested closures.

Conditions are evaluated for every page of every respondent request, mostly the same few
dozen texts over and over, so a tree is compiled once (cached per expression text) into nested
closures: evaluation is then a few plain calls instead of an isinstance dispatch at every node.
The closures mirror the tree's meaning exactly (same order, same short-circuits); evaluation
only reads the answers mapping, never changes it.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Mapping

from survey.questionnaire.expressions.parser import parse
from survey.questionnaire.expressions.semantics import (_MISSING, _OPERATORS, _codes, _compare,
                                                        _lookup, _number, _truthy, is_answered)
from survey.questionnaire.expressions.tree import (BoolOp, Call, Compare, Current, Literal, Node,
                                                   Not, Reference)

#: A compiled expression: ``(answers, current) -> value`` (``_MISSING`` for an unanswered value).
Evaluator = Callable[[Mapping[str, Any], Any], Any]


def _compile(node: Node) -> Evaluator:
    """The closure that evaluates ``node``; raises ``TypeError`` for what is not a node."""
    if isinstance(node, Literal):
        value = node.value

        def literal(answers: Mapping[str, Any], current: Any) -> Any:
            return value
        return literal
    if isinstance(node, Reference):
        if node.row is None:
            item = node.item

            def reference(answers: Mapping[str, Any], current: Any) -> Any:
                return answers.get(item, _MISSING)
            return reference
        ref = node

        def row_reference(answers: Mapping[str, Any], current: Any) -> Any:
            return _lookup(ref, answers)
        return row_reference
    if isinstance(node, Current):
        def dot(answers: Mapping[str, Any], current: Any) -> Any:
            return _MISSING if current is None else current
        return dot
    if isinstance(node, Not):
        inner = _compile(node.operand)

        def negation(answers: Mapping[str, Any], current: Any) -> Any:
            return not _truthy(inner(answers, current))
        return negation
    if isinstance(node, BoolOp):
        return _compile_bool(node)
    if isinstance(node, Compare):
        return _compile_compare(node)
    if isinstance(node, Call):
        return _compile_call(node)
    raise TypeError(f"not an expression node: {node!r}")


def _compile_bool(node: BoolOp) -> Evaluator:
    parts = tuple(_compile(operand) for operand in node.operands)
    if node.op == "and":
        def conjunction(answers: Mapping[str, Any], current: Any) -> Any:
            for part in parts:
                if not _truthy(part(answers, current)):
                    return False
            return True
        return conjunction

    def disjunction(answers: Mapping[str, Any], current: Any) -> Any:
        for part in parts:
            if _truthy(part(answers, current)):
                return True
        return False
    return disjunction


def _compile_compare(node: Compare) -> Evaluator:
    op_text = node.op
    left, right = _compile(node.left), _compile(node.right)
    function = _OPERATORS.get(op_text)
    literal = node.right.value if isinstance(node.right, Literal) else None
    if function is not None and type(literal) in (int, float):
        # ``A1 = 3``, the usual filter: the literal is answered and a number, so (see _compare)
        # the result is the comparison of the left side as a number, false when it is none.
        number = literal

        def compare_number(answers: Mapping[str, Any], current: Any) -> Any:
            value = left(answers, current)
            if type(value) is int:
                return function(value, number)
            if not is_answered(value):
                return False
            value = _number(value)
            return value is not None and function(value, number)
        return compare_number

    def compare(answers: Mapping[str, Any], current: Any) -> Any:
        return _compare(op_text, left(answers, current), right(answers, current))
    return compare


def _compile_call(node: Call) -> Evaluator:
    subject = _compile(node.args[0])
    name = node.function
    if name == "answered":
        def answered(answers: Mapping[str, Any], current: Any) -> Any:
            return is_answered(subject(answers, current))
        return answered
    if name == "empty":
        def empty(answers: Mapping[str, Any], current: Any) -> Any:
            return not is_answered(subject(answers, current))
        return empty
    if name == "string-length":
        def string_length(answers: Mapping[str, Any], current: Any) -> Any:
            value = subject(answers, current)
            return len(str(value)) if is_answered(value) else 0
        return string_length
    if name == "count-selected":
        def count_selected(answers: Mapping[str, Any], current: Any) -> Any:
            value = subject(answers, current)
            if isinstance(value, dict):
                return sum(1 for v in value.values() if is_answered(v))
            return len(_codes(value))
        return count_selected
    if name == "selected":
        return _compile_selected(subject, node.args[1])

    def unknown(answers: Mapping[str, Any], current: Any) -> Any:
        subject(answers, current)
        raise TypeError(f"not an expression node: {node!r}")
    return unknown


def _compile_selected(subject: Evaluator, code_node: Node) -> Evaluator:
    if isinstance(code_node, Literal):
        wanted = _number(code_node.value)
        target = code_node.value if wanted is None else wanted
        if wanted is not None:
            def selected_number(answers: Mapping[str, Any], current: Any) -> Any:
                for code in _codes(subject(answers, current)):
                    if _number(code) == target:
                        return True
                return False
            return selected_number

        def selected_text(answers: Mapping[str, Any], current: Any) -> Any:
            return any(code == target for code in _codes(subject(answers, current)))
        return selected_text
    code = _compile(code_node)

    def selected(answers: Mapping[str, Any], current: Any) -> Any:
        value = subject(answers, current)
        wanted = _number(code(answers, current))
        target = code(answers, current) if wanted is None else wanted
        return any(_number(c) == target if wanted is not None else c == target
                   for c in _codes(value))
    return selected


@functools.lru_cache(maxsize=4096)
def _compiled_text(text: str) -> Evaluator:
    return _compile(parse(text))


def _evaluator(expr: str | Node) -> Evaluator:
    return _compiled_text(expr) if isinstance(expr, str) else _compile(expr)


def _always(answers: Mapping[str, Any], current: Any = None) -> bool:
    return True


def _gives_bool(node: Node) -> bool:
    """The node's compiled closure always returns a bool (so ``_truthy`` would change nothing)."""
    if isinstance(node, (Not, BoolOp)):
        return True
    if isinstance(node, Compare):
        return node.op in _OPERATORS
    return isinstance(node, Call) and node.function in ("answered", "empty", "selected")


@functools.lru_cache(maxsize=4096)
def compiled_condition(text: str) -> Callable[[Mapping[str, Any], Any], bool]:
    """``text`` as a function ``(answers, current) -> bool`` with exactly the meaning of
    :func:`is_true` (blank text holds). Compiled once per text (a parse error raises
    :class:`ExpressionError`, every time); for code that tests the same condition many times."""
    if not text.strip():
        return _always
    tree = parse(text)
    compiled = _compiled_text(text)
    if _gives_bool(tree):
        return compiled  # type: ignore[return-value]

    def condition(answers: Mapping[str, Any], current: Any) -> bool:
        return _truthy(compiled(answers, current))
    return condition


def evaluate(expr: str | Node, answers: Mapping[str, Any], current: Any = None) -> Any:
    """Evaluate an expression on an answers dict (see docs/questionnaire-format.md).

    Returns a bool for conditions, or the plain value for a bare reference or literal
    (``None`` when unanswered). ``current`` is the value ``.`` stands for. Raises
    :class:`ExpressionError` only when ``expr`` is text that does not parse; evaluation itself
    never raises on odd answer values — a value of the wrong kind simply compares false.
    """
    result = _evaluator(expr)(answers or {}, current)
    return None if result is _MISSING else result


def is_true(expr: str | Node | None, answers: Mapping[str, Any], current: Any = None) -> bool:
    """A condition holds. ``None`` or an empty expression (no condition) counts as true."""
    if expr is None:
        return True
    if isinstance(expr, str):
        return compiled_condition(expr)(answers or {}, current)
    return _truthy(evaluate(expr, answers, current))
