"""The skip-logic language: parsing, precedence, evaluation, errors."""
from __future__ import annotations

import itertools

import pytest

from survey.questionnaire.expressions import (BoolOp, Call, Compare, Current, ExpressionError,
                                              Literal, Not, Reference, evaluate, is_true, parse,
                                              referenced_items, references, to_text)

ANSWERS = {
    "A1": 2,                     # single
    "A3": [1, 4],                # multiple
    "B2": {"1": 3, "2": 5},      # grid
    "D3": [7, 2, 5],             # ranking
    "N1": 4.5,                   # numeric
    "T1": "xin chào",            # text
    "Z": [],                     # multiple, nothing chosen
}


def test_parse_builds_the_expected_tree():
    assert parse("A1 = 2 and not selected(A3, 4) or B2.1 >= 3") == BoolOp("or", (
        BoolOp("and", (
            Compare("=", Reference("A1"), Literal(2)),
            Not(Call("selected", (Reference("A3"), Literal(4)))),
        )),
        Compare(">=", Reference("B2", "1"), Literal(3)),
    ))
    assert parse(". <= 10.5") == Compare("<=", Current(), Literal(10.5))
    assert parse("count_selected(A3)") == parse("count-selected(A3)") == \
        Call("count-selected", (Reference("A3"),))
    assert parse("A1 != -1") == Compare("!=", Reference("A1"), Literal(-1))
    assert parse('T1 = "a b"') == Compare("=", Reference("T1"), Literal("a b"))


@pytest.mark.parametrize("a,b", list(itertools.product([False, True], repeat=2)))
def test_truth_tables(a, b):
    answers = {"P": 1 if a else 0, "Q": 1 if b else 0}
    assert evaluate("P = 1 and Q = 1", answers) is (a and b)
    assert evaluate("P = 1 or Q = 1", answers) is (a or b)
    assert evaluate("not P = 1", answers) is (not a)
    assert evaluate("not (P = 1 and Q = 1)", answers) is (not (a and b))


@pytest.mark.parametrize("a,b,c", list(itertools.product([False, True], repeat=3)))
def test_and_binds_tighter_than_or_and_not_tighter_than_and(a, b, c):
    answers = {"P": int(a), "Q": int(b), "R": int(c)}
    assert evaluate("P = 1 or Q = 1 and R = 1", answers) is (a or (b and c))
    assert evaluate("(P = 1 or Q = 1) and R = 1", answers) is ((a or b) and c)
    assert evaluate("not P = 1 and Q = 1", answers) is ((not a) and b)
    assert evaluate("not (P = 1 or Q = 1)", answers) is (not (a or b))


@pytest.mark.parametrize("expression,expected", [
    ("A1 = 2", True), ("A1 != 2", False), ("A1 < 3", True), ("A1 <= 2", True),
    ("A1 > 2", False), ("A1 >= 2", True), ("A1 = '2'", True),
    ("selected(A3, 4)", True), ("selected(A3, 2)", False), ("selected(A1, 2)", True),
    ("selected(A3, '1')", True),
    ("count-selected(A3) = 2", True), ("count-selected(Z) = 0", True),
    ("count-selected(D3) = 3", True), ("count-selected(B2) = 2", True),
    ("B2.1 = 3", True), ("B2.2 > 4", True), ("B2.3 = 3", False),
    ("selected(D3, 5)", True),
    ("N1 > 4", True), ("N1 < 4.6", True), ("T1 = 'xin chào'", True),
    ("answered(A1)", True), ("answered(Z)", False), ("answered(B2.2)", True),
    ("empty(T1)", False), ("empty(Q9)", True), ("empty(Z)", True),
])
def test_evaluate_on_each_answer_kind(expression, expected):
    assert evaluate(expression, ANSWERS) is expected


@pytest.mark.parametrize("expression", [
    "Q9 = 1", "Q9 != 1", "Q9 < 1", "Q9 >= 1", "B2.9 = 3", "selected(Q9, 1)", "Q9 = Q8",
    "A3 = 1", "T1 > 3",
])
def test_unanswered_or_mismatched_references_compare_false(expression):
    assert evaluate(expression, ANSWERS) is False


def test_not_of_unanswered_comparison_is_true():
    assert evaluate("not Q9 = 1", {}) is True


def test_current_value_in_constraints():
    assert evaluate(". >= 18 and . <= 65", {}, current=30) is True
    assert evaluate(". >= 18 and . <= 65", {}, current=70) is False
    assert evaluate(". > 0", {}, current=None) is False
    assert evaluate("count-selected(.) <= 3", {}, current=[1, 2, 3]) is True


def test_bare_values_and_is_true():
    assert evaluate("A1", ANSWERS) == 2
    assert evaluate("Q9", ANSWERS) is None
    assert evaluate("'x'", {}) == "x"
    assert is_true(None, {}) and is_true("  ", {})
    assert is_true("A1", ANSWERS) and not is_true("Q9", ANSWERS)
    assert not is_true("Z", ANSWERS)


def test_flattened_grid_answers_are_found_too():
    assert evaluate("B2.1 = 3", {"B2.1": 3}) is True
    assert evaluate("B2.1 = 3", {"B2": {1: 3}}) is True


def test_references():
    assert references("A1 = 1 and selected(A3, 2) or B2.1 > . and empty(T1)") == \
        {"A1", "A3", "B2.1", "T1"}
    assert referenced_items("B2.1 > 2 or B2.2 > 2 or A1 = 1") == {"B2", "A1"}
    assert references(". > 3") == set()


@pytest.mark.parametrize("text", [
    "A1 = 2 and not selected(A3, 4) or B2.1 >= 3",
    "not (A1 = 1 or A2 = 2) and count-selected(A3) > 1",
    "(A1 = 1 or A2 = 2) and (A3 = 3 or A4 = 4)",
    ". >= -2.5 and . != 'x'",
])
def test_to_text_round_trips(text):
    tree = parse(text)
    assert parse(to_text(tree)) == tree


@pytest.mark.parametrize("text,position,fragment", [
    ("", 0, "empty expression"),
    ("A1 =", 4, "expected a value"),
    ("(A1 = 1", 7, "expected ')'"),
    ("A1 = 1)", 6, "unexpected ')'"),
    ("foo(A1)", 0, "unknown function 'foo'"),
    ("selected(A1)", 0, "takes 2 arguments"),
    ("selected(1, 2)", 0, "must be an item id"),
    ("selected(A1, B1)", 0, "must be an option code"),
    ("A1 < 2 < 3", 7, "cannot be chained"),
    ("A1 ! 2", 3, "'!' must be followed by '='"),
    ("'abc", 0, "unterminated string"),
    ("A1 = .5", 5, "leading digit"),
    ("A1 = 1 and", 10, "expected a value"),
    ("A1 = 1 and or A2 = 1", 11, "found keyword 'or'"),
    ("A1 # 1", 3, "unexpected character '#'"),
    ("A1 = 1abc", 6, "after number"),
    ("B2. = 1", 3, "expected a row name"),
    ("Ã1 = 1", 0, "unexpected character"),
])
def test_syntax_errors_carry_a_position(text, position, fragment):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.position == position
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_pathological_input_is_refused_cleanly():
    with pytest.raises(ExpressionError, match="nested"):
        parse("(" * 500 + "A1" + ")" * 500)
    with pytest.raises(ExpressionError, match="nested"):
        parse("not " * 500 + "A1")
    with pytest.raises(ExpressionError, match="longer than"):
        parse("A1 = 1 or " * 1000 + "A1 = 1")
    with pytest.raises(ExpressionError, match="must be text"):
        parse(42)  # type: ignore[arg-type]


def test_evaluate_never_calls_python_eval():
    # Something that would run under eval() is a syntax error here.
    with pytest.raises(ExpressionError):
        evaluate("__import__('os').system('true')", {})


def test_string_length_counts_characters_of_text():
    assert parse("string-length(.) <= 5") == parse("string_length(.) <= 5")
    assert evaluate("string-length(.)", {}, current="Hà Nội") == 6
    assert is_true("string-length(.) <= 5", {}, current="Huế")
    assert not is_true("string-length(E5) > 0", {})
    assert evaluate("string-length(E5)", {"E5": "ab"}) == 2
