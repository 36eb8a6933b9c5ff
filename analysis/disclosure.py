"""Disclosure control for published tables: a threshold k, primary and complementary suppression.

Rules (applied to unweighted counts — the number of real people behind a cell):

* A filter or table whose base (respondents counted) is under k is refused with
  :class:`DisclosureRefused`; nothing is computed from it.
* A banner column whose base is under k is suppressed whole (reason ``base``).
* A cell with 0 < n < k is suppressed (``primary``). So is a margin total with 0 < n < k.
* Complementary suppression: the table with its margins is a set of lines (each row with its row
  total, each column with its column base) whose cells add up. A line holding exactly one
  suppressed cell would let it be recovered by subtraction, so the smallest other non-zero cell
  of that line is suppressed too (``complementary``); repeated until every line holds zero or at
  least two suppressed cells. Zero cells are used only when nothing else is left.

The suppressed cells are reported (:class:`analysis.results.Suppression`) and marked in every
output (NaN values, ``suppressed=True``, the mark ``x`` and a note) — never silently dropped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.results import Message

__all__ = ["DisclosureRefused", "DEFAULT_K", "check_base", "suppression_mask", "suppression_note"]

DEFAULT_K = 5


class DisclosureRefused(ValueError):
    """A table or filter would describe fewer than k respondents. ``message`` holds the
    Vietnamese and English text; ``str()`` is the Vietnamese one."""

    def __init__(self, base: int, k: int, what: str = ""):
        self.base, self.k = base, k
        where = f" ({what})" if what else ""
        self.message = Message(
            vi=f"Không thể hiển thị bảng{where}: chỉ có {base} người trả lời, ít hơn ngưỡng "
               f"bảo mật k = {k}. Hãy nới bộ lọc hoặc gộp nhóm.",
            en=f"Table refused{where}: only {base} respondents, fewer than the disclosure "
               f"threshold k = {k}. Widen the filter or merge groups.",
            code="refused")
        super().__init__(self.message.vi)


def check_base(base: float, k: int | None, what: str = "") -> None:
    """Raise :class:`DisclosureRefused` when 0 ≤ base < k (k None or 0: no control)."""
    if k and base < k:
        raise DisclosureRefused(int(base), k, what)


def suppression_mask(counts: np.ndarray, k: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Cells of an r × c table of unweighted counts to suppress, with reasons.

    Returns ``(mask, reasons)``: ``mask`` is an (r + 1) × (c + 1) boolean array for the table
    with margins (last column = row totals, last row = column bases, the grand total is never
    suppressed); ``reasons`` the same shape with "", "primary", "complementary" or "base".
    """
    counts = np.asarray(counts, dtype=float)
    r, c = counts.shape
    full = np.zeros((r + 1, c + 1))
    full[:r, :c] = counts
    full[:r, c] = counts.sum(axis=1)
    full[r, :c] = counts.sum(axis=0)
    full[r, c] = counts.sum()
    reasons = np.full(full.shape, "", dtype=object)
    mask = np.zeros(full.shape, dtype=bool)
    if not k:
        return mask, reasons
    bases = full[r, :c]
    for j in np.flatnonzero((bases > 0) & (bases < k)):
        mask[:, j] = True
        reasons[:, j] = "base"
    primary = (full > 0) & (full < k) & ~mask
    primary[r, c] = False
    mask |= primary
    reasons[primary] = "primary"

    def lines():
        for i in range(r + 1):
            yield [(i, j) for j in range(c + 1)]
        for j in range(c + 1):
            yield [(i, j) for i in range(r + 1)]

    changed = True
    while changed:
        changed = False
        for line in lines():
            hidden = [cell for cell in line if mask[cell]]
            if len(hidden) != 1:
                continue
            candidates = [cell for cell in line if not mask[cell] and cell != (r, c)]
            if not candidates:
                continue
            nonzero = [cell for cell in candidates if full[cell] > 0] or candidates
            # prefer body cells over margins, then the smallest
            choice = min(nonzero, key=lambda cell: (cell[0] == r or cell[1] == c, full[cell]))
            mask[choice] = True
            reasons[choice] = "complementary"
            changed = True
    return mask, reasons


def suppression_note(k: int, count: int) -> Message:
    return Message(
        vi=f"x: ô bị ẩn để bảo mật ({count} ô) — ô có dưới {k} người trả lời và các ô bổ sung "
           f"để không thể suy ra từ tổng.",
        en=f"x: suppressed for confidentiality ({count} cells) — cells with fewer than {k} "
           f"respondents and complementary cells so they cannot be derived from totals.",
        code="suppressed")


def cells_frame(reasons: np.ndarray, row_codes: list, column_codes: list) -> pd.DataFrame:
    """The suppressed cells as rows (``row``, ``column``, ``reason``); margins are ``"total"``."""
    rows = list(row_codes) + ["total"]
    cols = list(column_codes) + ["total"]
    records = [{"row": rows[i], "column": cols[j], "reason": reasons[i, j]}
               for i in range(reasons.shape[0]) for j in range(reasons.shape[1]) if reasons[i, j]]
    return pd.DataFrame(records, columns=["row", "column", "reason"])
