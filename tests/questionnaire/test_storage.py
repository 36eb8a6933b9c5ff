"""The answers dict ↔ answer rows mapping: exact layout, round trip, refusal of bad values."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.questionnaire import normalize
from survey.questionnaire.storage import AnswerRow, StorageError, answer_rows, answers_from_rows

SCALE = [{"code": c, "label": {"vi": f"Mức {c}"}} for c in (1, 2, 3)] + [
    {"code": 9, "label": {"vi": "Không biết"}, "missing": True}]

DEFINITION = normalize({
    "id": "every-type",
    "title": {"vi": "Mọi loại câu hỏi"},
    "pages": [{"id": "P1", "items": [
        {"id": "intro", "type": "note", "label": {"vi": "Giới thiệu"}},
        {"id": "s", "type": "single", "label": {"vi": "Một lựa chọn"},
         "options": SCALE[:3] + [{"code": 5, "label": {"vi": "Khác"}, "other": True}]},
        {"id": "m", "type": "multiple", "label": {"vi": "Nhiều lựa chọn"},
         "options": [{"code": c, "label": {"vi": f"Lĩnh vực {c}"}} for c in (1, 2, 3, 4)]
         + [{"code": 99, "label": {"vi": "Khác"}, "other": True}]},
        {"id": "g", "type": "grid", "label": {"vi": "Bảng"}, "options": SCALE,
         "rows": [{"id": "r1", "label": {"vi": "Hàng 1"}}, {"id": "r2", "label": {"vi": "Hàng 2"}}]},
        {"id": "r", "type": "ranking", "label": {"vi": "Xếp hạng"}, "top": 3,
         "options": [{"code": c, "label": {"vi": f"Nguyên nhân {c}"}} for c in range(1, 7)]},
        {"id": "n", "type": "numeric", "label": {"vi": "Số năm"}, "min": 0, "max": 60},
        {"id": "d", "type": "numeric", "label": {"vi": "Tỉ lệ"}, "decimals": 2},
        {"id": "t", "type": "text", "label": {"vi": "Đề xuất"}, "multiline": True},
    ]}],
})


def test_layout_of_every_item_type():
    answers = {"s": 5, "s.other": " Tự do ", "m": [3, 99, 1], "m.other": "Đất đai",
               "g": {"r2": 9}, "r": [4, 1, 6], "n": 12, "d": 3.25, "t": "Cải cách tiền lương"}
    rows = answer_rows(DEFINITION, answers)
    assert rows == [
        AnswerRow("s", 0, 5, None, "Tự do"),
        AnswerRow("m", 1, 1), AnswerRow("m", 2, 3), AnswerRow("m", 3, 99, None, "Đất đai"),
        AnswerRow("g.r2", 0, 9),
        AnswerRow("r", 1, 4, 1.0), AnswerRow("r", 2, 1, 2.0), AnswerRow("r", 3, 6, 3.0),
        AnswerRow("n", 0, None, 12.0), AnswerRow("d", 0, None, 3.25),
        AnswerRow("t", 0, None, None, "Cải cách tiền lương"),
    ]
    back = answers_from_rows(DEFINITION, rows)
    assert back == {"s": 5, "s.other": "Tự do", "m": [1, 3, 99], "m.other": "Đất đai",
                    "g": {"r2": 9}, "r": [4, 1, 6], "n": 12, "d": 3.25,
                    "t": "Cải cách tiền lương"}


def test_other_text_is_kept_only_with_the_other_option():
    rows = answer_rows(DEFINITION, {"s": 1, "s.other": "bỏ qua"})
    assert rows == [AnswerRow("s", 0, 1)]


def test_unanswered_items_store_nothing():
    assert answer_rows(DEFINITION, {"s": None, "m": [], "g": {}, "t": "  "}) == []


@pytest.mark.parametrize("answers", [
    {"s": 4}, {"s": "1"}, {"s": True}, {"m": [1, 7]}, {"g": {"r1": 4}}, {"g": {"r3": 1}},
    {"g": [1]}, {"r": [1, 1]}, {"n": "12"}, {"t": 5}, {"unknown": 1}, {"intro": 1},
])
def test_values_outside_the_definition_are_refused(answers):
    with pytest.raises(StorageError):
        answer_rows(DEFINITION, answers)


answers_strategy = st.fixed_dictionaries({}, optional={
    "s": st.sampled_from([1, 2, 3, 5]),
    "m": st.lists(st.sampled_from([1, 2, 3, 4, 99]), min_size=1, unique=True),
    "g": st.dictionaries(st.sampled_from(["r1", "r2"]), st.sampled_from([1, 2, 3, 9]),
                         min_size=1),
    "r": st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True),
    "n": st.integers(0, 60),
    "d": st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 2)),
    "t": st.text(min_size=1).filter(lambda s: s.strip() == s and s != ""),
})


@settings(max_examples=200, deadline=None)
@given(answers_strategy)
def test_round_trip(answers):
    back = answers_from_rows(DEFINITION, answer_rows(DEFINITION, answers))
    expected = dict(answers)
    if "m" in expected:
        expected["m"] = sorted(expected["m"], key=[1, 2, 3, 4, 99].index)
    assert back == expected
