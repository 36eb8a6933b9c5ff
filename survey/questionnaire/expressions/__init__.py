"""The skip-logic language: a tokenizer, a recursive-descent parser to a small AST, an evaluator.

Relevance conditions, constraints and option filters are written by designers and evaluated on
respondents' answers, so they are parsed by our own code into frozen dataclasses and walked by
:func:`evaluate` — never handed to ``eval``. The grammar (lowest precedence first)::

    expression  := or
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := operand (("=" | "!=" | "<" | "<=" | ">" | ">=") operand)?
    operand     := number | string | reference | "." | call | "(" expression ")"
    call        := function "(" [expression ("," expression)*] ")"
    function    := "selected" | "count-selected" | "answered" | "empty" | "string-length"
    reference   := ITEM | ITEM "." ROW

Comparisons do not chain (``1 < A1 < 3`` is a syntax error: write ``A1 > 1 and A1 < 3``).
An unanswered reference makes every comparison false; ``empty(X)`` is then true.

The language lives in small modules, re-exported here as its one public surface:
:mod:`.tree` (nodes, walking, writing back as text), :mod:`.parser` (text to tree),
:mod:`.dependencies` (what an expression reads), :mod:`.semantics` (what answer values mean)
and :mod:`.evaluation` (compiled evaluation).
"""
from __future__ import annotations

from survey.questionnaire.expressions.dependencies import (references, referenced_items,
                                                           uses_current)
from survey.questionnaire.expressions.evaluation import compiled_condition, evaluate, is_true
from survey.questionnaire.expressions.parser import ExpressionError, parse, tokenize
from survey.questionnaire.expressions.semantics import compare_values, is_answered
from survey.questionnaire.expressions.tree import (COMPARISONS, FUNCTIONS, KEYWORDS, BoolOp, Call,
                                                   Compare, Current, Literal, Node, Not,
                                                   Reference, to_text, walk)

__all__ = [
    "ExpressionError", "Node", "Literal", "Reference", "Current", "Not", "BoolOp", "Compare",
    "Call", "FUNCTIONS", "parse", "evaluate", "is_true", "references", "referenced_items",
    "walk", "to_text", "is_answered", "compiled_condition", "compare_values", "KEYWORDS",
    "COMPARISONS", "uses_current", "tokenize",
]
