"""Frequencies, multiple choice, ranking, numeric and Likert tables against hand-computed values,
and disclosure control (primary and complementary suppression, refusals)."""
from __future__ import annotations

import numpy as np
import pytest

from analysis import (DisclosureRefused, Filter, FrameSource, crosstab, frequencies, likert,
                      multiple, numeric, ranking, wide_frame)
from analysis.disclosure import suppression_mask
from tests.analysis.helpers import source_from_counts

SCALE = [{"code": c, "label": {"vi": t}} for c, t in
         [(1, "Rất thấp"), (2, "Thấp"), (3, "Vừa"), (4, "Cao"), (5, "Rất cao")]] + \
    [{"code": 9, "label": {"vi": "Không biết"}, "missing": True}]

DEFINITION = {"id": "t", "title": {"vi": "t"}, "languages": ["vi"], "pages": [{"id": "P", "items": [
    {"id": "lv", "type": "single", "role": "banner", "dimension": "level",
     "label": {"vi": "Cấp"}, "options": [{"code": 1, "label": {"vi": "Tỉnh"}},
                                          {"code": 2, "label": {"vi": "Xã"}}]},
    {"id": "m", "type": "multiple", "label": {"vi": "Lĩnh vực"},
     "options": [{"code": c, "label": {"vi": f"LV{c}"}} for c in (1, 2, 3)]},
    {"id": "rk", "type": "ranking", "top": 2, "label": {"vi": "Nguyên nhân"},
     "options": [{"code": c, "label": {"vi": f"NN{c}"}} for c in (1, 2, 3)]},
    {"id": "age", "type": "numeric", "label": {"vi": "Tuổi"}, "min": 18, "max": 70},
    {"id": "g", "type": "grid", "label": {"vi": "Mức độ"}, "options": SCALE,
     "rows": [{"id": "1", "label": {"vi": "Hàng 1"}}, {"id": "2", "label": {"vi": "Hàng 2"}}]},
]}]}

# Ten respondents, five per level, written out so every expected value below can be checked
# by hand.
ANSWERS = [
    {"lv": 1, "m": [1, 2], "rk": [1, 2], "age": 30, "g": {"1": 5, "2": 1}},
    {"lv": 1, "m": [1], "rk": [1, 3], "age": 40, "g": {"1": 4, "2": 2}},
    {"lv": 1, "m": [2, 3], "rk": [2, 1], "age": 50, "g": {"1": 4, "2": 9}},
    {"lv": 1, "m": [1, 3], "rk": [3, 1], "age": 35, "g": {"1": 3, "2": 3}},
    {"lv": 1, "m": [1], "rk": [1, 2], "age": 45, "g": {"1": 9, "2": 5}},
    {"lv": 2, "m": [3], "rk": [2, 3], "age": 25, "g": {"1": 2, "2": 4}},
    {"lv": 2, "m": [2], "rk": [2, 1], "age": 28, "g": {"1": 1, "2": 4}},
    {"lv": 2, "m": [1, 2, 3], "rk": [3, 2], "age": 33, "g": {"1": 5, "2": 5}},
    {"lv": 2, "rk": [1, 2], "age": 60, "g": {"1": 4, "2": 3}},
    {"lv": 2, "m": [2], "rk": [2, 1], "g": {"1": 2}},
]


@pytest.fixture(scope="module")
def source():
    return FrameSource(DEFINITION, wide_frame(DEFINITION, ANSWERS))


def test_multiple_choice_cases_and_responses(source):
    table = multiple(source, "m", k=None).table.set_index("option")
    # 9 answered; selections: code 1 ×5, code 2 ×5, code 3 ×4 = 14
    assert table["n"].tolist() == [5, 5, 4]
    assert table["pct_cases"].tolist() == pytest.approx([500 / 9, 500 / 9, 400 / 9])
    assert table["pct_responses"].tolist() == pytest.approx([500 / 14, 500 / 14, 400 / 14])
    by_level = multiple(source, "m", by="lv", k=None)
    assert by_level.bases["cases"].tolist() == [5, 4]
    assert by_level.bases["responses"].tolist() == [8, 6]


def test_ranking_first_share_and_score(source):
    table = ranking(source, "rk", k=None).table.set_index("option")
    # first places: 1 ×4, 2 ×4, 3 ×2 of 10; points (top 2: first = 2, second = 1):
    # option 1: 4·2 + 4·1 = 12; option 2: 4·2 + 4·1 = 12; option 3: 2·2 + 2·1 = 6
    assert table["first"].tolist() == [4, 4, 2]
    assert table["pct_first"].tolist() == pytest.approx([40, 40, 20])
    assert table["score"].tolist() == pytest.approx([1.2, 1.2, 0.6])
    assert table["ranked"].tolist() == [8, 8, 4]


def test_numeric_summary_by_hand(source):
    table = numeric(source, "age", k=None).table.iloc[0]
    ages = np.array([30, 40, 50, 35, 45, 25, 28, 33, 60])
    assert table["n"] == 9 and table["mean"] == pytest.approx(ages.mean())
    assert table["sd"] == pytest.approx(ages.std(ddof=1))
    assert table["median"] == 35
    half = 2.306004 * ages.std(ddof=1) / 3  # t(0.975, 8) = 2.306004
    assert table["ci_low"] == pytest.approx(ages.mean() - half, rel=1e-6)
    level = numeric(source, "age", by="lv", k=None).table
    assert level["median"].tolist() == [40, 30.5]  # (28 + 33) / 2 for the even level 2


def test_likert_mean_and_top_two_box(source):
    table = likert(source, "g", k=None).table.set_index("variable")
    # row 1 valid: 5,4,4,3,2,1,5,4,2 (one 9 = missing) → mean 30/9, top-2 (4, 5): 5/9
    assert table.loc["g.1", "mean"] == pytest.approx(30 / 9)
    assert table.loc["g.1", "top2"] == pytest.approx(500 / 9)
    # row 2 valid: 1,2,3,5,4,4,5,3 → mean 27/8, top-2: 4/8
    assert table.loc["g.2", "mean"] == pytest.approx(27 / 8)
    assert table.loc["g.2", "top2"] == pytest.approx(50)


def test_frequency_valid_percent_excludes_missing(source):
    freq = frequencies(source, "g.2", k=None)
    rows = freq.table.set_index("code")
    assert freq.n == 9 and freq.valid_base == 8
    assert rows.loc[9, "percent"] == pytest.approx(100 / 9)
    assert np.isnan(rows.loc[9, "valid_percent"])
    assert rows.loc[4, "valid_percent"] == pytest.approx(25.0)


def test_suppression_primary_and_complementary_by_hand():
    counts = np.array([[20, 3, 30], [25, 40, 35]])
    mask, reasons = suppression_mask(counts, 5)
    # 3 is primary; its row (20, 3, 30 | 53) and column (3, 40 | 43) each need a second
    # hidden cell: 20 (smallest left in the row) and 40 (the only one left in the column);
    # then row 2 (25, 40, 35) holds one hidden cell, so 25 goes too; column 1 (20, 25) has two.
    assert reasons[0, 1] == "primary"
    assert {(i, j) for i, j in zip(*np.nonzero(mask))} == {(0, 1), (0, 0), (1, 1), (1, 0)}
    for line in list(mask) + list(mask.T):
        assert line.sum() in (0, 2, 3, 4)  # never exactly one hidden cell in a line


def test_crosstab_suppression_is_visible_and_not_recoverable():
    source = source_from_counts(["a", "b"], ["x", "y", "z"], [[20, 3, 30], [25, 40, 35]])
    table = crosstab(source, "q", "b", k=5)
    cells = table.table.set_index(["row", "column"])
    assert cells.loc[(1, 2), "suppressed"] and np.isnan(cells.loc[(1, 2), "n"])
    assert np.isnan(cells.loc[(1, 2), "adj_residual"]) and cells.loc[(1, 2), "letters"] == ""
    assert int(cells["suppressed"].sum()) == 4
    assert table.suppression.count == 4
    assert any(note.code == "suppressed" for note in table.notes)
    # visible row totals and column bases cannot give back a hidden cell
    visible = cells[~cells["suppressed"]]
    assert set(visible.index) == {(1, 3), (2, 3)}


def test_small_base_is_refused_in_vietnamese_and_english(source):
    with pytest.raises(DisclosureRefused) as refused:
        frequencies(source, "g.1", flt=Filter(values={"lv": (1,)}), k=6)
    assert "ít hơn ngưỡng bảo mật k = 6" in str(refused.value)
    assert "fewer than the disclosure threshold" in refused.value.message.en


def test_nested_banners():
    definition = {"id": "t", "title": {"vi": "t"}, "languages": ["vi"], "pages": [{"id": "P",
                  "items": [
        {"id": "a", "type": "single", "role": "banner", "dimension": "a", "label": {"vi": "A"},
         "options": [{"code": 1, "label": {"vi": "a1"}}, {"code": 2, "label": {"vi": "a2"}}]},
        {"id": "b", "type": "single", "role": "banner", "dimension": "b", "label": {"vi": "B"},
         "options": [{"code": 1, "label": {"vi": "b1"}}, {"code": 2, "label": {"vi": "b2"}}]},
        {"id": "q", "type": "single", "label": {"vi": "Q"},
         "options": [{"code": 1, "label": {"vi": "có"}}, {"code": 2, "label": {"vi": "không"}}]},
    ]}]}
    answers = ([{"a": 1, "b": 1, "q": 1}] * 6 + [{"a": 1, "b": 2, "q": 2}] * 7
               + [{"a": 2, "b": 2, "q": 1}] * 8 + [{"a": 2, "b": 2, "q": 2}] * 9)
    table = crosstab(FrameSource(definition, wide_frame(definition, answers)), "q", "a",
                     by2="b", k=None)
    assert table.bases["column"].tolist() == [(1, 1), (1, 2), (2, 2)]  # empty a2/b1 dropped
    assert table.bases["column_label"].tolist() == ["a1 / b1", "a1 / b2", "a2 / b2"]
    assert table.bases["n"].tolist() == [6, 7, 17]
