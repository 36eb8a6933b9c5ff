"""The validator's messages, shown in plain Vietnamese by the designer.

The problems are produced by the real validator on broken definitions, so a change of wording
there makes this test fail instead of silently showing English to designers."""
from __future__ import annotations

import copy

import pytest

from survey.designer.messages import plain
from survey.questionnaire import check
from tests.helpers import small_definition


def _broken(change) -> list[str]:
    definition = copy.deepcopy(small_definition("hong"))
    change(definition)
    return check(definition, "hong.yaml")[1]


def _items(d):
    return d["pages"][0]["items"]


CASES = {
    "unknown reference": lambda d: _items(d)[2].update(relevant="Z9 = 1"),
    "later reference": lambda d: _items(d)[0].update(relevant="q1 = 1"),
    "bad expression": lambda d: _items(d)[2].update(relevant="level =="),
    "unknown code": lambda d: _items(d)[2].update(relevant="level = 7"),
    "duplicate item": lambda d: _items(d).append(dict(_items(d)[2])),
    "bad item id": lambda d: _items(d)[2].update(id="1q"),
    "duplicate code": lambda d: _items(d)[2]["options"].append({"code": 1, "label": "x"}),
    "no vi label": lambda d: _items(d)[2].update(label={"en": "x"}),
    "empty page": lambda d: d["pages"].append({"id": "P2", "items": []}),
    "min above max": lambda d: _items(d).append(
        {"id": "n1", "type": "numeric", "label": "Số", "min": 5, "max": 1}),
    "select limits": lambda d: _items(d).append(
        {"id": "m1", "type": "multiple", "label": "Chọn", "min_select": 3, "max_select": 2,
         "options": [{"code": 1, "label": "a"}, {"code": 2, "label": "b"}]}),
    "ranking top": lambda d: _items(d).append(
        {"id": "r1", "type": "ranking", "label": "Xếp", "top": 5,
         "options": [{"code": 1, "label": "a"}, {"code": 2, "label": "b"}]}),
    "banner dimension": lambda d: _items(d)[1].update(dimension="level"),
    "required note": lambda d: _items(d).append(
        {"id": "n2", "type": "note", "label": "Ghi chú", "required": True}),
    "grid rows": lambda d: _items(d).append(
        {"id": "g1", "type": "grid", "label": "Bảng", "rows": [{"id": "a b", "label": "x"}],
         "options": [{"code": 1, "label": "a"}, {"code": 2, "label": "b"}]}),
    "one option": lambda d: _items(d)[2].update(options=[{"code": 1, "label": "x"}]),
    "no pages": lambda d: d.update(pages=[]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_validator_messages_are_shown_in_vietnamese(name):
    messages = _broken(CASES[name])
    assert messages, name
    for message in messages:
        shown = plain(message)
        assert shown != message, f"{name}: no Vietnamese wording for {message!r}"
        assert shown.startswith("hong.yaml"), shown  # the place stays as it was


def test_place_words_and_unknown_messages():
    assert plain("f.yaml:3: item B3, option 2: duplicate option code 2 (first at line 2)") == \
        "f.yaml:3: câu B3, phương án 2: Mã phương án 2 bị trùng."
    assert plain("item A1: relevant refers to unknown item 'Z' (did you mean A2?)") == \
        "Câu A1: Điều kiện hiển thị nhắc đến câu Z, nhưng phiếu không có câu này (có phải A2?)."
    odd = "f.yaml: something nobody has seen before"
    assert plain(odd) == odd
