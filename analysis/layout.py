"""The analysis layout: one row per response, one small column per analysable value.

Answers are stored one row per value (``answer``: variable, position, code, number, text), which
suits writing and keeps published versions immutable, but makes every cross-tabulation a
self-join. Analysis reads a *wide* layout instead — the same data, pivoted once:

============= ============================== =================================================
item type     columns                        value
============= ============================== =================================================
single        ``v_<id>``                     the option code
grid          ``v_<id>_<row>`` per row       the option code
multiple      ``a_<id>`` + ``m_<id>_<code>``  answered flag 1; per option 1 selected, 0 not
                                             (both NULL when the item was not answered)
ranking       ``a_<id>`` + ``r_<id>_<code>``  answered flag 1; per option its rank, NULL when
                                             not ranked
numeric       ``v_<id>``                     the number
text, note    —                              not analysed here
============= ============================== =================================================

plus ``response_id``, ``campaign_id``, ``submitted_on``, ``complete`` (1/0) and ``mode``, the
collection mode's code (:mod:`analysis.mode`: 1 web, 2 paper, 3 import; empty for synthetic
data). The mode is a variable like a single choice — :meth:`Layout.column`, :meth:`Layout.item`
and the label lookups know it under :attr:`Layout.mode_variable` (``MODE``) — but it is not in
:attr:`Layout.columns`, which are the answers' columns. The same layout is used for a pandas
DataFrame (:class:`analysis.source.FrameSource`) and for the materialised table
in the database (:mod:`analysis.wide`), so every table function works on either.

Free text is not analysed, but a row-level data file may carry it: :attr:`Layout.texts` names the
text boxes (a text item ``t_<id>``, the "other — specify" box of a single or multiple choice
option ``t_<id>_<code>``), outside :attr:`Layout.columns` so that neither the wide table nor its
layout hash knows about them. The files of :mod:`analysis.exports` name and label these same
columns (:mod:`analysis.exports.datafile`); :class:`analysis.pivot.Pivot` turns answer rows into
them for both.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import mode
from analysis.pivot import Pivot
from survey.questionnaire import iter_items, label_text

__all__ = ["Column", "Layout", "layout_for", "wide_frame", "META_COLUMNS"]

META_COLUMNS = ("response_id", "campaign_id", "submitted_on", "complete", mode.COLUMN)


@dataclass(frozen=True)
class Column:
    name: str               # column name in the wide table / DataFrame
    variable: str           # answer variable (A1, B2.3)
    item: str               # item id (B2)
    kind: str               # code | number | flag | rank | answered | text
    option: int | None = None  # per-option column; for text, the "other" option's code


def _safe(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def _code(code: int) -> str:
    return f"n{-code}" if code < 0 else str(code)


@dataclass(frozen=True)
class Layout:
    definition: Mapping[str, Any]
    columns: tuple[Column, ...]
    texts: tuple[Column, ...] = ()
    #: The collection mode's variable name (:func:`analysis.mode.variable_for`).
    mode_variable: str = mode.VARIABLE

    def of_item(self, item_id: str) -> list[Column]:
        """The item's columns in file order: its values (no answered flag), then its text
        boxes."""
        return [c for c in (*self.columns, *self.texts)
                if c.item == item_id and c.kind != "answered"]

    # ------------------------------------------------------------------ lookups
    @property
    def by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, variable: str) -> str:
        """Column of a single/grid-row/numeric variable (``A2``, ``B2.3``) or of the mode.

        Raises ``KeyError`` naming the variable when it has no such column."""
        if variable == self.mode_variable:
            return mode.COLUMN
        for c in self.columns:
            if c.variable == variable and c.kind in ("code", "number"):
                return c.name
        raise KeyError(f"no analysable single, grid row or numeric variable {variable!r}")

    def option_columns(self, item_id: str) -> dict[int, str]:
        return {c.option: c.name for c in self.columns
                if c.item == item_id and c.kind in ("flag", "rank") and c.option is not None}

    def answered_column(self, item_id: str) -> str:
        return next(c.name for c in self.columns if c.item == item_id and c.kind == "answered")

    @property
    def hash(self) -> str:
        payload = json.dumps([(c.name, c.kind) for c in self.columns])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ definition helpers
    def item(self, item_id: str) -> dict[str, Any]:
        """The item of a variable (``B2.3`` → grid ``B2``); for the mode variable, the item
        :func:`analysis.mode.item_for` makes of it. Raises ``KeyError`` when there is none."""
        if item_id == self.mode_variable:
            return mode.item_for(variable=self.mode_variable)
        item_id = item_id.split(".", 1)[0]
        for item in iter_items(self.definition):
            if item.get("id") == item_id:
                return item
        raise KeyError(f"no item {item_id!r} in the questionnaire")

    def variable_label(self, variable: str, language: str = "vi") -> str:
        item = self.item(variable)
        text = label_text(item.get("label"), language)
        if "." in variable:
            row_id = variable.split(".", 1)[1]
            row = next((r for r in item.get("rows") or [] if r["id"] == row_id), None)
            if row is not None:
                text = f"{text} — {label_text(row.get('label'), language)}"
        return text

    def option_labels(self, variable: str, language: str = "vi") -> dict[int, str]:
        return {o["code"]: label_text(o.get("label"), language)
                for o in self.item(variable).get("options") or []}

    def missing(self, variable: str) -> set[int]:
        return {o["code"] for o in self.item(variable).get("options") or [] if o.get("missing")}

    def analysable_variables(self) -> list[str]:
        """Single, grid-row, multiple, ranking and numeric variables, in questionnaire order
        (multiple and ranking by item id)."""
        seen: list[str] = []
        for c in self.columns:
            name = c.variable if c.kind in ("code", "number") else c.item
            if name not in seen:
                seen.append(name)
        return seen


def layout_for(definition: Mapping[str, Any]) -> Layout:
    """The wide layout of a questionnaire definition (canonical dict)."""
    columns: list[Column] = []
    texts: list[Column] = []
    used: set[str] = set(META_COLUMNS)

    def add(name: str, variable: str, item: str, kind: str, option: int | None = None) -> None:
        base, n = name, 2
        while name in used:  # B2.3 and B2_3 would collide; keep both distinct
            name, n = f"{base}_{n}", n + 1
        used.add(name)  # text names start with t_: they never displace a value column's name
        (texts if kind == "text" else columns).append(Column(name, variable, item, kind, option))

    for item in iter_items(definition):
        kind, item_id = item.get("type"), item.get("id")
        safe = _safe(item_id)
        if kind == "single":
            add(f"v_{safe}", item_id, item_id, "code")
        elif kind == "numeric":
            add(f"v_{safe}", item_id, item_id, "number")
        elif kind == "grid":
            for row in item.get("rows") or []:
                add(f"v_{safe}_{_safe(row['id'])}", f"{item_id}.{row['id']}", item_id, "code")
        elif kind in ("multiple", "ranking"):
            add(f"a_{safe}", item_id, item_id, "answered")
            prefix, sub = ("m", "flag") if kind == "multiple" else ("r", "rank")
            for option in item.get("options") or []:
                add(f"{prefix}_{safe}_{_code(option['code'])}", item_id, item_id, sub,
                    option["code"])
        elif kind == "text":
            add(f"t_{safe}", item_id, item_id, "text")
        if kind in ("single", "multiple"):
            for option in item.get("options") or []:
                if option.get("other"):
                    add(f"t_{safe}_{_code(option['code'])}", item_id, item_id, "text",
                        option["code"])
    return Layout(definition, tuple(columns), tuple(texts), mode.variable_for(definition))


def wide_frame(definition: Mapping[str, Any], responses: Iterable[Mapping[str, Any]],
               campaign_id: int = 1) -> pd.DataFrame:
    """A wide DataFrame from answers dicts (the respondent flow's format), one per response.

    Each dict may carry ``_campaign_id``, ``_submitted_on``, ``_complete`` and ``_mode`` (a
    ``response.mode``, default ``web``) keys; they are taken out before the answers are checked
    against the definition. Used by tests and as the in-memory fallback; it goes through
    :func:`survey.questionnaire.storage.answer_rows`, the same mapping that stores real
    responses."""
    from survey.questionnaire.storage import answer_rows

    layout = layout_for(definition)
    records, meta = [], []
    for number, answers in enumerate(responses):
        answers = dict(answers)
        response_id = f"r{number:09d}"
        meta.append({"response_id": response_id,
                     "campaign_id": answers.pop("_campaign_id", campaign_id),
                     "submitted_on": answers.pop("_submitted_on", None),
                     "complete": int(answers.pop("_complete", True)),
                     mode.COLUMN: answers.pop("_mode", "web")})
        for row in answer_rows(definition, answers):
            records.append({"response_id": response_id, "variable": row.variable,
                            "code": row.code, "number": row.number})
    rows = pd.DataFrame(records, columns=["response_id", "variable", "code", "number"])
    wide = Pivot(layout).frame(rows)
    frame = pd.DataFrame(meta).set_index("response_id")
    frame[mode.COLUMN] = mode.codes_of(frame[mode.COLUMN])
    frame = frame.join(wide, how="left")
    for name in (c.name for c in layout.columns):
        if name not in frame:
            frame[name] = np.nan
    return frame.reset_index()
