"""Property tests: random and malformed input always ends in a clean error, never a crash."""
from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey.questionnaire import DefinitionError, load_text, normalize, validate
from survey.questionnaire.expressions import ExpressionError, evaluate, parse, to_text
from tests.questionnaire.test_validator import base

TOKENS = ["A1", "B2.1", "B2.x", ".", "1", "-2", "3.5", "'a'", '"b"', "=", "!=", "<", "<=", ">",
          ">=", "and", "or", "not", "(", ")", ",", "selected(", "count-selected(",
          "count_selected(", "answered(", "empty(", "foo(", "!", "'", "#", "..", "1a", " "]

token_soup = st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join)
answer_value = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner,
                                                                max_size=3),
    max_leaves=8,
)
answers = st.dictionaries(st.sampled_from(["A1", "B2", "B2.1", "Q"]), answer_value, max_size=4)


@given(st.text(max_size=200))
@settings(max_examples=400, deadline=None)  # a loaded 2-core machine is slow
def test_parser_on_random_text_raises_only_expression_error(text):
    try:
        tree = parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text)
    else:
        assert parse(to_text(tree)) == tree


@given(token_soup, answers, answer_value)
@settings(max_examples=600, deadline=None)  # a loaded 2-core machine is slow
def test_parser_and_evaluator_on_token_soup(text, values, current):
    try:
        tree = parse(text)
    except ExpressionError as exc:
        assert 0 <= exc.position <= len(text)
        return
    assert parse(to_text(tree)) == tree
    evaluate(tree, values, current)  # must not raise, whatever the answers hold


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)  # a loaded 2-core machine is slow
def test_loader_on_random_text_raises_only_definition_error(text):
    try:
        definition = load_text(text, "fuzz.yaml")
    except DefinitionError as exc:
        assert exc.errors and all(e.startswith("fuzz.yaml") for e in exc.errors)
    else:  # pragma: no cover - random text is never a whole questionnaire
        assert validate(definition) == []


YAML_LINES = ["id: thu", "id: [", "title: Tiêu đề", "title: {vi: x, en: y}", "pages:",
              "  - id: A", "    items:", "      - id: q1", "        type: single",
              "        type: grid", "        label: Câu", "        options:",
              "          - {code: 1, label: Có}", "          - {code: x}", "        rows: [1, 2]",
              "        relevant: q1 = 1", "        relevant: '((('", "  - 7", "&a x: *a",
              "\t", "? [a, b]\n: c", "%TAG ! tag:x", "!!binary aGk=", "x: !!python/name:os.system"]


@given(st.lists(st.sampled_from(YAML_LINES), max_size=20).map("\n".join))
@settings(max_examples=400, deadline=None)  # a loaded 2-core machine is slow
def test_loader_on_yaml_shaped_garbage(text):
    try:
        load_text(text, "fuzz.yaml")
    except DefinitionError as exc:
        assert exc.errors


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "type", "label", "options", "code", "rows", "items", "pages",
                         "relevant", "top", "min", "max", "vi", "en", "role", "dimension",
                         "options_from", "max_select", "constraint"]) | st.text(max_size=4),
        inner, max_size=5),
    max_leaves=30,
)


@given(json_like)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_validate_and_normalize_on_random_structures(data):
    errors = validate(data)
    assert isinstance(errors, list) and all(isinstance(e, str) for e in errors)
    try:
        normalize(data)
    except DefinitionError:
        pass


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


BASE_PATHS = list(_paths(base()))[1:]


@given(st.sampled_from(BASE_PATHS), json_like)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_validate_on_a_valid_definition_with_one_node_replaced(path, replacement):
    definition = copy.deepcopy(base())
    node = definition
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = replacement
    errors = validate(definition)
    assert isinstance(errors, list)
