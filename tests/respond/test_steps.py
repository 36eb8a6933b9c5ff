"""The respondent's next step, decided without a request or a database (survey.respond.steps),
and the bounded per-version cache (survey.respond.versions)."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from survey.questionnaire.runtime import rules
from survey.respond import steps
from survey.respond.versions import VersionCache

# Page 2 is shown only to those who answer 1 on Q1; Q3 is required, range 18..70.
DEFINITION = {
    "pages": [
        {"items": [{"id": "Q1", "type": "single", "required": True, "label": {"vi": "Q1"},
                    "options": [{"code": 1, "label": {"vi": "Có"}},
                                {"code": 2, "label": {"vi": "Không"}}]}]},
        {"relevant": "Q1 = 1",
         "items": [{"id": "Q2", "type": "text", "label": {"vi": "Q2"}}]},
        {"items": [{"id": "Q3", "type": "numeric", "required": True, "min": 18, "max": 70,
                    "label": {"vi": "Tuổi"}}]},
    ]
}


def _input(index, form, answers):
    return rules.parse_page(DEFINITION["pages"][index], MultiDict(form), answers)


def test_next_and_previous_steps_skip_hidden_pages():
    assert steps.next_step(DEFINITION, {"Q1": 2}, 0) == 3
    assert steps.next_step(DEFINITION, {"Q1": 1}, 0) == 2
    assert steps.next_step(DEFINITION, {"Q1": 2}, 2) == 4  # the review
    assert steps.previous_step(DEFINITION, {"Q1": 2}, 2) == 1
    assert steps.previous_step(DEFINITION, {"Q1": 1}, 2) == 2
    assert steps.previous_step(DEFINITION, {}, 0) == 0  # the introduction


def test_progress_counts_only_the_pages_shown():
    assert steps.progress(DEFINITION, {"Q1": 2}, 2) == (2, 2)
    assert steps.progress(DEFINITION, {"Q1": 1}, 2) == (3, 3)


def test_steps_reached_are_the_visible_pages_and_the_review_passed():
    assert steps.steps_reached(1, 3, [0, 2], 4) == [3, 4]
    assert steps.steps_reached(1, 3, [0, 1, 2], 4) == [2, 3, 4]
    assert steps.steps_reached(4, 3, [0, 2], 4) == []


def test_a_page_with_errors_is_shown_again_with_them():
    answers = {"Q3": 90}
    page_input = _input(2, {"Q3": "90"}, {})
    seen = rules.offer_tokens(DEFINITION["pages"][2], answers)
    outcome = steps.after_page(DEFINITION, 2, answers, page_input, seen, "vi")
    assert isinstance(outcome, steps.ShowPage)
    assert outcome.index == 2 and set(outcome.errors) == {"Q3"} and outcome.status == 422
    # Not seen yet (the page script did not report it): shown again with a notice, its
    # errors waiting for the next try.
    revealed = steps.after_page(DEFINITION, 2, answers, page_input, set(), "vi")
    assert revealed == steps.ShowPage(2, {}, revealed=True) and revealed.status == 200


def test_a_clean_page_moves_on():
    page_input = _input(0, {"Q1": "2"}, {})
    outcome = steps.after_page(DEFINITION, 0, {"Q1": 2}, page_input,
                               rules.offer_tokens(DEFINITION["pages"][0], {"Q1": 2}), "vi")
    assert outcome == steps.GoTo(3)


def test_the_whole_document_stops_at_the_first_page_in_error():
    answers = {"Q1": 1, "Q3": 10}
    page_input = rules.parse_page({"items": [i for p in DEFINITION["pages"] for i in p["items"]]},
                                  MultiDict({"Q1": "1", "Q3": "10"}), {})
    seen = set().union(*(rules.offer_tokens(p, answers) for p in DEFINITION["pages"]))
    outcome = steps.after_document(DEFINITION, answers, page_input, seen, "vi")
    assert isinstance(outcome, steps.ShowPage) and outcome.index == 2
    fixed = {"Q1": 1, "Q3": 30}
    page_input = rules.parse_page({"items": [i for p in DEFINITION["pages"] for i in p["items"]]},
                                  MultiDict({"Q1": "1", "Q3": "30"}), {})
    assert steps.after_document(DEFINITION, fixed, page_input, seen, "vi") == steps.GoTo(4)


def test_version_cache_is_bounded_and_loads_each_version_once():
    loads = []

    def load(version_id):
        loads.append(version_id)
        return {"pages": [], "id": version_id}
    cache = VersionCache(load, size=2)
    assert cache.get(1).definition["id"] == 1
    cache.get(1)
    cache.get(2)
    cache.get(3)  # 1 is the least recently used: out
    assert list(cache.entries) == [2, 3]
    cache.get(1)
    assert loads == [1, 2, 3, 1]


def test_a_frame_key_takes_plain_values_only():
    cache = VersionCache(lambda version_id: {"pages": []})
    version = cache.get(1)
    rendered = version.frame("t", lambda holes: f"<p>{holes['x']}</p>", {"x": "a"}, {"n": 1})
    assert rendered == "<p>a</p>"
    assert version.frame("t", lambda holes: f"<p>{holes['x']}</p>", {"x": "b"}, {"n": 1}) == "<p>b</p>"
    with pytest.raises(TypeError):
        version.frame("t", lambda holes: "", {}, {"page": {"a": 1}})
