"""The collection mode of a response as an analysis variable (``MODE``), beside the answers.

Why: a response is collected on the web, keyed from a paper sheet (double entry) or imported
from KoboToolbox/ODK (``response.mode``), and the way people answered can change what they
answered (mode effects); analysts must be able to cross any table by it. It is not an answer —
no ``answer`` row holds it, no questionnaire defines it — so it lives here: a single-choice
variable with fixed codes whose values come from ``response.mode``, offered everywhere a banner
is (tables, filters, data files, codebook) and held to the same disclosure rules.

Codes: 1 web, 2 paper, 3 import. A synthetic response (demo data, :mod:`analysis.synthetic`)
was collected in no mode: its ``MODE`` is empty. Synthetic responses are still counted only in
a campaign without real ones, as before; the ``synthetic`` flag of the wide table is unchanged.

The variable is called ``MODE`` unless the questionnaire has an item of that id; then the first
of ``MODE_2``, ``MODE_3``, … that it does not have (:func:`variable_for`), so no item is ever
shadowed. The wide table's column is always ``mode`` (question columns carry a prefix).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from survey.questionnaire import iter_items

__all__ = ["VARIABLE", "COLUMN", "CODES", "LABEL", "OPTION_LABELS", "variable_for", "item_for",
           "codes_of", "sql_code", "names_of"]

#: The variable's name when the questionnaire leaves it free.
VARIABLE = "MODE"
#: Its column in the wide table and in wide DataFrames.
COLUMN = "mode"
#: ``response.mode`` → code. Other values (``synthetic``) have no code.
CODES = {"web": 1, "paper": 2, "import": 3}
LABEL = {"vi": "Hình thức thu thập", "en": "Collection mode"}
OPTION_LABELS = {
    1: {"vi": "Trực tuyến", "en": "Online (web)"},
    2: {"vi": "Phiếu giấy", "en": "Paper questionnaire"},
    3: {"vi": "Nhập từ dữ liệu khác (Kobo/ODK)", "en": "Imported from other data (Kobo/ODK)"},
}


def variable_for(definition: Mapping[str, Any]) -> str:
    """The name of the mode variable for this questionnaire: ``MODE``, or the first
    ``MODE_<n>`` no item uses."""
    taken = {item.get("id") for item in iter_items(definition)}
    name, n = VARIABLE, 2
    while name in taken:
        name, n = f"{VARIABLE}_{n}", n + 1
    return name


def item_for(definition: Mapping[str, Any] | None = None, variable: str | None = None
             ) -> dict[str, Any]:
    """The mode as an item in the questionnaire format (a single choice with the role of a
    banner), so that code written for banners reads its labels and options unchanged. It is
    never part of a questionnaire: nobody is asked it."""
    if variable is None:
        variable = variable_for(definition) if definition is not None else VARIABLE
    return {"id": variable, "type": "single", "role": "banner", "dimension": "mode",
            "label": dict(LABEL),
            "options": [{"code": code, "label": dict(label)}
                        for code, label in OPTION_LABELS.items()]}


def codes_of(modes: Iterable[Any]) -> np.ndarray:
    """``response.mode`` values → codes as floats (NaN: synthetic or unknown). No mode is
    ``web``, as everywhere else (:func:`analysis.synthetic.counted`)."""
    series = pd.Series(list(modes) if not isinstance(modes, pd.Series) else modes, dtype=object)
    return series.fillna("web").map(CODES).to_numpy(dtype=float, na_value=np.nan)


def sql_code(column: Any) -> Any:
    """:func:`codes_of` as a SQL expression on a ``response.mode`` column."""
    mode = sa.func.coalesce(column, "web")
    return sa.case(*((mode == name, code) for name, code in CODES.items()), else_=sa.null())


def names_of(codes: Iterable[int]) -> list[str]:
    """Codes → the ``response.mode`` values they stand for (unknown codes are left out)."""
    by_code = {code: name for name, code in CODES.items()}
    return [by_code[int(c)] for c in codes if int(c) in by_code]
