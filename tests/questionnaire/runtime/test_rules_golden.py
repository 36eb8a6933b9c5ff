"""The page rules give the recorded outcomes on the golden answer sets.

``tests/questionnaire/golden/rules-*.json`` hold, for the flagship, the rich test definition and
a definition dense with logic, answer sets (valid answers, unanswered items, filtered-out codes,
junk values) and what the rules make of each: pruned answers, shown pages and items, offer tokens,
error messages, offered options. They were first recorded from the straightforward code the
rules replaced when they were made cheap per request (the frozen copy that
``tests/respond/test_logic_equivalence.py`` kept until then), so they carry the same truth.
A deliberate rule change regenerates them (``python -m tests.questionnaire.golden.regenerate``)
and the fixture diff shows every answer set it affects.
"""
from __future__ import annotations

import pytest

from survey.questionnaire import iter_pages
from survey.questionnaire.runtime import rules
from tests.questionnaire import golden
from tests.questionnaire.golden.sampling import logic_definition


@pytest.fixture(scope="module")
def vietnamese():
    with golden.vietnamese(golden.babel_app()):
        yield


def _raised(outcome: object) -> bool:
    return isinstance(outcome, dict) and "$raises" in outcome


@pytest.mark.parametrize("name", golden.RULES)
def test_rules_give_the_recorded_outcomes(vietnamese, name):
    stored = golden.load(name)
    definition = golden.decode(stored["definition"])
    current = golden.current_rules()
    for number, case in enumerate(stored["cases"]):
        answers = golden.decode(case["answers"])
        observed = golden.observe_rules(current, definition, answers)
        assert observed == case["expect"], f"{name} case {number}"
        assert golden.same(observed, case["expect"]), f"{name} case {number}: types or key order"
        assert golden.same(golden.encode(answers), case["answers"])  # nothing changed in place


@pytest.mark.parametrize("name", golden.RULES)
def test_what_the_rules_return_is_the_definition_itself(vietnamese, name):
    """The fixtures name shown items and offered options by id and code; what the rules return
    are the definition's own dicts, and an item without option filters offers all its options."""
    stored = golden.load(name)
    definition = golden.decode(stored["definition"])
    for case in stored["cases"][:10]:
        answers = golden.decode(case["answers"])
        for page in iter_pages(definition):
            assert all(item in page["items"] for item in rules.visible_items(page, answers))
            for item in page["items"]:
                if not any(option.get("relevant") for option in item.get("options") or []):
                    assert rules.visible_options(item, answers) == (item.get("options") or [])


@pytest.mark.parametrize("name", golden.RULES)
def test_the_cases_reach_the_interesting_outcomes(name):
    """A resampling that lost its breadth would leave the rules unchecked: some answer sets are
    pruned, pages with errors outnumber the cases, options are offered."""
    cases = golden.load(name)["cases"]
    pruned = sum(not _raised(case["expect"]["pruned"])
                 and not golden.same(case["expect"]["pruned"], case["answers"]) for case in cases)
    errors = sum(bool(errors) and not _raised(errors)
                 for case in cases for state in case["expect"]["states"] for errors in state["errors"])
    offers = sum(len(tokens) for case in cases for state in case["expect"]["states"]
                 for tokens in state["tokens"] if not _raised(tokens))
    assert pruned > len(cases) // 10 and errors > len(cases) and offers


def test_pruning_needing_several_rounds():
    """Dropping r (ranked only when g.a = 2) hides z, which drops y's filtered option: chains
    like this one are why prune repeats until stable."""
    definition = logic_definition()
    answers = {"q1": 1, "q4": "ab", "g": {"a": 2, "b": 1, "3": 3}, "r": [3, 1], "z": 1, "y": 1}
    assert rules.prune(definition, answers) == answers
    answers["g"] = {"a": 1, "b": 1, "3": 1}
    pruned = rules.prune(definition, answers)
    assert pruned == {"q1": 1, "q4": "ab", "g": {"a": 1, "b": 1, "3": 1}}
    assert "r" not in pruned and "z" not in pruned and "y" not in pruned


@pytest.mark.parametrize("text,number", [
    ("1", 1), (" 12 ", 12), ("-3", -3), ("--3", None), ("1.0", None), ("", None), ("  ", None),
    ("123456789", 123456789), ("1234567890", None), ("٣", 3), ("1\n", 1), ("+1", None),
    ("0x1", None), ("1 2", None), (None, None), (5, None), (["1"], None), ("-", None),
    ("007", 7),
])
def test_form_integers_read_as_before(text, number):
    """A code from a form field: at most nine digits, optionally negative, surrounding blanks
    ignored (values recorded from the regular expression the parser replaced)."""
    assert rules._int(text) == number
