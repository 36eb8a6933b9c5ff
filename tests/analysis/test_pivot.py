"""The one pivot (answer rows → one row per response) that the wide table, in-memory frames and
data files share: every stored shape lands in its column, whatever the option codes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.layout import layout_for
from analysis.pivot import Pivot

DEFINITION = {"title": "t", "pages": [{"id": "p", "items": [
    {"id": "S", "type": "single", "label": "s",
     "options": [{"code": -1, "label": "none"}, {"code": 2, "label": "other", "other": True}]},
    {"id": "M", "type": "multiple", "label": "m",
     "options": [{"code": -9, "label": "refused"}, {"code": 1, "label": "a"},
                 {"code": 7, "label": "other", "other": True}]},
    {"id": "R", "type": "ranking", "label": "r", "top": 2,
     "options": [{"code": -2, "label": "x"}, {"code": 3, "label": "y"}]},
    {"id": "G", "type": "grid", "label": "g", "rows": [{"id": "1", "label": "one"}],
     "options": [{"code": 1, "label": "o"}]},
    {"id": "N", "type": "numeric", "label": "n"},
    {"id": "T", "type": "text", "label": "t"},
]}]}

# (response, variable, code, number, text), as survey.questionnaire.storage stores them
ROWS = [
    ("r1", "S", -1, None, None),
    ("r1", "M", -9, None, None),
    ("r1", "R", -2, 1, None), ("r1", "R", 3, 2, None),
    ("r1", "G.1", 1, None, None),
    ("r1", "N", None, 4.5, None),
    ("r1", "T", None, None, "free text"),
    ("r1", "ZZ", 5, None, None),                      # a variable the layout does not hold
    ("r2", "S", 2, None, "my own answer"),
    ("r2", "M", 1, None, None), ("r2", "M", 7, None, "another"),
    ("r3", None, None, None, None),                   # no answers: a LEFT JOIN null
]


def _block(variable) -> tuple:
    layout = layout_for(DEFINITION)
    rid, _, code, number, text = zip(*ROWS)
    wide = Pivot(layout).block(np.array(rid, dtype=object), variable,
                               np.array(code, dtype=float), np.array(number, dtype=float),
                               np.array(text, dtype=object))
    values = pd.DataFrame(wide.values, columns=[c.name for c in layout.columns],
                          index=wide.responses)
    texts = {c.name: dict(zip(wide.responses, wide.texts[j]))
             for j, c in enumerate(layout.texts)}
    return values, texts


def test_every_shape_lands_in_its_column_negative_codes_included():
    values, texts = _block(np.array([r[1] for r in ROWS], dtype=object))
    r1, r2, r3 = values.loc["r1"], values.loc["r2"], values.loc["r3"]
    assert r1["v_s"] == -1 and r2["v_s"] == 2
    assert (r1["a_m"], r1["m_m_n9"], r1["m_m_1"], r1["m_m_7"]) == (1, 1, 0, 0)
    assert (r2["a_m"], r2["m_m_n9"], r2["m_m_1"], r2["m_m_7"]) == (1, 0, 1, 1)
    assert (r1["a_r"], r1["r_r_n2"], r1["r_r_3"]) == (1, 1, 2)
    assert np.isnan(r2["a_r"]) and np.isnan(r2["r_r_n2"])
    assert r1["v_g_1"] == 1 and r1["v_n"] == 4.5
    assert r3.isna().all()
    assert texts["t_t"] == {"r1": "free text", "r2": None, "r3": None}
    assert texts["t_s_2"]["r2"] == "my own answer" and texts["t_m_7"]["r2"] == "another"


def test_a_categorical_variable_column_pivots_the_same():
    names = sorted({r[1] for r in ROWS if r[1]})
    plain, _ = _block(np.array([r[1] for r in ROWS], dtype=object))
    categorical, _ = _block(pd.Categorical([r[1] for r in ROWS], categories=names))
    pd.testing.assert_frame_equal(plain, categorical)


def test_texts_are_left_out_unless_asked_for():
    layout = layout_for(DEFINITION)
    wide = Pivot(layout).block(np.array(["r1"], dtype=object), np.array(["T"], dtype=object),
                               np.array([np.nan]), np.array([np.nan]))
    assert wide.texts == [] and np.isnan(wide.values).all()
