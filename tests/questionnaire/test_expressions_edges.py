"""Edges of the logic language that mutation testing (mutmut over
``survey/questionnaire/expressions``, one module then, issue 25 point 17) showed no test pinned
down: the value ``.`` stands for inside calls and comparisons, ``selected()`` with a text code,
comparisons between mixed and non-numeric values, numbers given as text, bare references, and
the position and text every tokenizer error carries."""
from __future__ import annotations

import pytest

from survey.questionnaire.expressions import (ExpressionError, evaluate, is_answered, is_true,
                                              parse, tokenize)


# -- the current answer (".") reaches every kind of node -----------------------------------

@pytest.mark.parametrize("constraint, current, expected", [
    ("answered(.)", 3, True), ("answered(.)", None, False),
    ("empty(.)", None, True), ("empty(.)", "x", False),
    ("string-length(.) >= 3", "abcd", True), ("string-length(.) >= 3", "ab", False),
    ("count-selected(.) <= 2", [1, 2], True), ("count-selected(.) <= 2", [1, 2, 3], False),
    ("not (selected(., 98) and count-selected(.) > 1)", [98, 1], False),
    ("not (selected(., 98) and count-selected(.) > 1)", [98], True),
    ("selected(., 'khac')", ["khac"], True), ("selected(., 'khac')", ["khác"], False),
    (". <= A3", 30, True), (". <= A3", 50, False), ("A3 >= .", 30, True),
])
def test_the_current_answer_reaches_calls_and_comparisons(constraint, current, expected):
    assert is_true(constraint, {"A3": 45}, current) is expected


def test_count_selected_of_a_grid_counts_answered_rows():
    assert evaluate("count-selected(B2)", {"B2": {"1": 3, "2": None, "3": 1}}) == 2


# -- selected() with text codes and with codes stored as text ------------------------------

def test_selected_with_text_and_numeric_codes():
    assert is_true("selected(B3, 'thue')", {"B3": ["dat", "thue"]})
    assert not is_true("selected(B3, 'thue')", {"B3": ["dat"]})
    assert is_true("selected(B3, 2)", {"B3": "1 2 5"})  # XLSForm's space-separated codes
    assert is_true("selected(B3, '2')", {"B3": [2]})
    assert not is_true("selected(B3, 2)", {"B3": "12"})


# -- comparisons -------------------------------------------------------------------------

@pytest.mark.parametrize("expr, answers, expected", [
    ("A1 = B1", {"A1": 2}, False), ("A1 = B1", {"B1": 2}, False),
    ("A1 != B1", {"A1": 2}, False), ("A1 = B1", {"A1": 2, "B1": 2}, True),
    ("A1 < B1", {"A1": "abc", "B1": 5}, False), ("A1 = B1", {"A1": "abc", "B1": 5}, False),
    ("A1 != B1", {"A1": "abc", "B1": 5}, False),
    ("A1 = B1", {"A1": [1, 2], "B1": [1, 2]}, True),
    ("A1 != B1", {"A1": [1, 2], "B1": [1, 3]}, True),
    ("A1 < B1", {"A1": [1], "B1": [2]}, False),
    ("A1 = B1", {"A1": [1], "B1": {"1": 1}}, False),
    ("A1 = 'x'", {"A1": "x"}, True), ("A1 < 'b'", {"A1": "a"}, True),
    ("A5 >= 12.5", {"A5": "12.5"}, True), ("A5 = 3", {"A5": "3"}, True),
    ("A5 > 999", {"A5": "1e3"}, True), ("A5 > 999", {"A5": "1E3"}, True),
    ("A5 = 3", {"A5": "3.0"}, True), ("A5 = 3", {"A5": "ba"}, False),
    ("A5 = 1", {"A5": True}, False),
])
def test_comparisons_of_mixed_and_non_numeric_values(expr, answers, expected):
    assert is_true(expr, answers) is expected


@pytest.mark.parametrize("answers, expected", [
    ({"A1": 0}, False), ({"A1": 1}, True), ({"A1": 2}, True), ({"A1": ""}, False),
    ({"A1": "khác"}, True), ({}, False), ({"A1": [1]}, True), ({"A1": []}, False),
])
def test_a_bare_reference_is_true_when_answered_and_not_zero(answers, expected):
    assert is_true("A1", answers) is expected


def test_is_answered_on_every_kind_of_value():
    assert is_answered(0) and is_answered(0.0) and is_answered(True) and is_answered(False)
    assert is_answered([1]) and is_answered({"1": 2}) and is_answered("x")
    assert not is_answered([]) and not is_answered({}) and not is_answered("  ")
    assert not is_answered(None)
    assert is_answered(object())


def test_grid_rows_flattened_or_nested_and_unknown_rows():
    assert is_true("B2.3 = 4", {"B2.3": 4})
    assert is_true("B2.3 = 4", {"B2": {"3": 4}})
    assert is_true("B2.3 = 4", {"B2": {3: 4}})
    assert not is_true("B2.4 = 4", {"B2": {"3": 4}})
    assert not is_true("B2.3 = 4", {"B2": [4]})
    assert not is_true("B2.3 != 4", {"B2": {}})


# -- the tokenizer: positions and text on every error, and what ends a token ---------------

@pytest.mark.parametrize("text, position, message", [
    ("A1 = 3x", 6, "unexpected character 'x' after number"),
    ("A1 = 3_", 6, "unexpected character '_' after number"),
    ("B2. = 1", 3, "expected a row name after 'B2.'"),
    ("A1 = 'abc", 5, "unterminated string"),
    ("(A1 ! 2)", 4, "'!' must be followed by '='"),
    ("A1 = .5", 5, "a decimal needs a leading digit"),
    ("A1 = 3 # 2", 7, "unexpected character '#'"),
    ("(A1 = 1) , 2", 9, "unexpected ','"),
    ("selected(A1, , 2)", 13, "expected a value, found ','"),
    ("(A1 = ) ", 6, "expected a value, found ')'"),
])
def test_errors_carry_the_text_and_position(text, position, message):
    with pytest.raises(ExpressionError) as error:
        parse(text)
    assert error.value.position == position, (text, error.value)
    assert error.value.message.startswith(message), error.value.message
    assert error.value.text == text
    assert str(error.value).endswith(f"(at position {position + 1})")


def test_tokens_and_their_positions():
    tokens = tokenize("(A1>=-2,B2.3)<'x' != .")
    assert [(t.kind, t.value, t.position) for t in tokens] == [
        ("lparen", "(", 0), ("name", ("A1", None), 1), ("op", ">=", 3), ("number", -2, 5),
        ("comma", ",", 7), ("name", ("B2", "3"), 8), ("rparen", ")", 12), ("op", "<", 13),
        ("string", "x", 14), ("op", "!=", 18), ("dot", ".", 21), ("end", None, 22)]
    assert [t.value for t in tokenize("count-selected(X) string-length(Y) count_x")
            if t.kind == "name"] == [("count-selected", None), ("X", None),
                                      ("string-length", None), ("Y", None), ("count_x", None)]
    assert tokenize("1.5 -0")[0].value == 1.5 and tokenize("1.5 -0")[1].value == 0
    with pytest.raises(ExpressionError):
        tokenize("- 1")  # a minus sign belongs to the number right after it
    assert [t.value for t in tokenize("'a''b'") if t.kind == "string"] == ["a", "b"]
    assert tokenize("\tA1\r\n")[0].position == 1


def test_an_unanswered_side_makes_a_comparison_false_even_between_texts():
    assert not is_true("A1 != B1", {"A1": "", "B1": "x"})
    assert not is_true("A1 = B1", {"A1": "  ", "B1": "  "})


def test_is_true_on_a_parsed_tree_passes_the_answers_and_the_current_answer():
    from survey.questionnaire.expressions import parse

    assert is_true(parse("A1 = 1 and . > 2"), {"A1": 1}, 3)
    assert not is_true(parse("A1 = 1 and . > 2"), {"A1": 1}, 2)
    assert not is_true(parse("A1 = 1"), {"A1": 2})
    assert is_true(parse("A1"), {"A1": 5}) and not is_true(parse("A1"), {})


def test_to_text_renames_references_and_the_current_answer_everywhere():
    from survey.questionnaire.expressions import to_text

    tree = parse("not (A1 = 1 or . > 2) and selected(B3, 3) and count-selected(.) <= B2.4")
    written = to_text(tree, name=lambda ref: "${" + ref.name + "}", current="${.}")
    assert written == ("not (${A1} = 1 or ${.} > 2) and selected(${B3}, 3) and "
                       "count-selected(${.}) <= ${B2.4}")
    assert to_text(parse("(A1 = 1) = (B1 = 2)")) == "(A1 = 1) = (B1 = 2)"
    assert to_text(parse("A1 = 1 and (B1 = 2 or C1 = 3)")) == "A1 = 1 and (B1 = 2 or C1 = 3)"
    assert to_text(parse("(A1 = 1 and B1 = 2) or C1 = 3")) == "A1 = 1 and B1 = 2 or C1 = 3"
    assert to_text(parse("not not A1")) == "not not A1"
