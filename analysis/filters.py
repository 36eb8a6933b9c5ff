"""Which responses a table, a data file or a codebook counts: one :class:`Filter` for all of them.

Tables read the wide table (:mod:`analysis.source` applies the filter to its columns); row-level
files and codebooks read the stored ``response`` and ``answer`` tables (:meth:`Filter.clauses`).
Either way synthetic responses count only in a campaign without real ones
(:func:`analysis.synthetic.counted`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from analysis import mode
from analysis.synthetic import counted
from survey import schema

__all__ = ["Filter"]


@dataclass(frozen=True)
class Filter:
    """Which responses count.

    ``values`` maps a variable (``A2``) to the codes kept (``{"A2": (1, 2)}``); ``modes`` the
    collection modes kept, as codes of :mod:`analysis.mode` (``(2,)``: paper only; empty: every
    mode) — a field of its own because data files read the mode from ``response``, where
    ``values`` are looked up in ``answer``;
    ``date_from`` and ``date_to`` bound the submission date (inclusive); ``campaign_ids`` empty = every campaign
    (of the source's version, for a table); ``version_id`` narrows a data file to one version
    (a table's source is already one version's); ``complete_only`` drops partial responses.
    """

    campaign_ids: tuple[int, ...] = ()
    values: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    complete_only: bool = True
    version_id: int | None = None
    modes: tuple[int, ...] = ()

    def describe(self, layout: Any = None) -> str:
        parts = []
        if self.campaign_ids:
            parts.append("campaign " + ", ".join(map(str, self.campaign_ids)))
        for variable, codes in self.values.items():
            parts.append(f"{variable} ∈ {{{', '.join(map(str, codes))}}}")
        if self.modes:
            name = layout.mode_variable if layout is not None else mode.VARIABLE
            parts.append(f"{name} ∈ {{{', '.join(map(str, self.modes))}}}")
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '…'} – {self.date_to or '…'}")
        if self.complete_only:
            parts.append("complete")
        return "; ".join(parts)

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        """The filter as conditions on the stored ``response`` table (a value filter is an
        ``EXISTS`` on ``answer``). A variable given no codes is skipped here: a data file's
        request never narrows by an empty list (a table's source keeps no response for one)."""
        r, a = schema.response.c, schema.answer
        clauses: list[sa.ColumnElement[bool]] = []
        if self.complete_only:
            clauses.append(r.status == schema.ResponseStatus.COMPLETE.value)
        clauses.append(counted(schema.response))
        if len(self.campaign_ids) == 1:
            clauses.append(r.campaign_id == self.campaign_ids[0])
        elif self.campaign_ids:
            clauses.append(r.campaign_id.in_(self.campaign_ids))
        if self.version_id is not None:
            clauses.append(r.version_id == self.version_id)
        if self.date_from is not None:
            clauses.append(r.submitted_on >= self.date_from)
        if self.date_to is not None:
            clauses.append(r.submitted_on <= self.date_to)
        if self.modes:
            clauses.append(sa.func.coalesce(r.mode, "web").in_(mode.names_of(self.modes)))
        for variable, codes in sorted(self.values.items()):
            codes = [int(c) for c in codes]
            if not codes:
                continue
            f = a.alias(f"filter_{len(clauses)}")
            clauses.append(sa.exists().where(
                f.c.response_id == r.id, f.c.variable == variable, f.c.code.in_(codes))
                .correlate(schema.response))
        return clauses
