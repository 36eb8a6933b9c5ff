"""The evaluator gives the recorded outcomes on the golden expressions.

``tests/questionnaire/golden/expressions.json`` holds random conditions over every construct of
the language, answers of every shape (lists, dicts with text and number keys, tuples, sets, NaN,
blanks) and a current value, with what :func:`evaluate` and :func:`is_true` return. They were
first recorded from the tree walk that compiled evaluation replaced (the frozen copy
``tests/respond/test_logic_equivalence.py`` kept until then). Each is checked both as text
(compiled once per text) and as a parsed tree.
"""
from __future__ import annotations

import pytest

from survey.questionnaire.expressions import evaluate, is_true, parse
from tests.questionnaire import golden


def test_compiled_evaluation_gives_the_recorded_outcomes():
    cases = golden.load(golden.EXPRESSIONS)["cases"]
    for case in cases:
        answers, current = golden.decode(case["answers"]), golden.decode(case["current"])
        expected = {"evaluate": case["evaluate"], "is_true": case["is_true"]}
        for expr in (case["text"], parse(case["text"])):
            observed = golden.observe_expression(evaluate, is_true, expr, answers, current)
            assert golden.same(observed, expected), (case["text"], answers, current, observed)


def test_blank_and_missing_conditions_hold_and_bad_text_still_raises():
    for expr in (None, "", "   "):
        assert is_true(expr, {}) is True
    for bad in ("A1 =", "((", "A1 < 1 < 2", "x" * 5000):
        with pytest.raises(ValueError):
            is_true(bad, {"A1": 1})
        with pytest.raises(ValueError):  # raised again: failures are not cached as results
            is_true(bad, {"A1": 1})
