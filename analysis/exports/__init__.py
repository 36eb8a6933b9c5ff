"""Files an institute receives: row-level data (CSV, SPSS, Stata, codebook) and, built on the
analysis results, tables (XLSX banner book, tidy CSV) and the Word report.

Pure Python: no Flask. Row-level exports read the database through SQLAlchemy Core with an
engine or connection passed in, a chunk at a time (:func:`analysis.exports.source.iter_frames`),
so memory stays bounded however many responses a campaign has.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from analysis.exports.codebook import (Codebook, build_codebook, codebook_for,
                                       render_codebook_html, write_codebook_xlsx)
from analysis.exports.datafile import CASE_ID, WEIGHT, DataFile, Variable, data_file
from analysis.exports.delimited import BOM, iter_csv, write_csv
from analysis.exports.source import DEFAULT_CHUNK, count_responses, iter_frames
from analysis.exports.spss import write_sav
from analysis.exports.stata import write_dta
from analysis.filters import Filter

__all__ = [
    "BOM", "CASE_ID", "WEIGHT", "Codebook", "DataFile", "Variable", "ROW_FORMATS",
    "build_codebook", "codebook_for", "count_responses", "data_file", "export_rows",
    "iter_csv", "iter_frames", "render_codebook_html", "write_codebook_xlsx", "write_csv",
    "write_dta", "write_sav",
]

# Formats holding one row per response: analyst role only, audit-logged, text opt-in.
ROW_FORMATS = ("csv", "sav", "dta")
CODEBOOK_FORMATS = ("codebook", "codebook-html")


def cell_weight_lookup(datafile: DataFile, weights: Any) -> Callable[[pd.DataFrame], Any]:
    """A per-chunk weight function from cell weights (``variables`` + ``factors``)."""
    columns = {v.source: v.name for v in datafile if v.kind == "code" and v.source}
    names = [columns[variable] for variable in weights.variables]
    factors = weights.factors.rename(columns=dict(zip(weights.variables, names)))
    factors = factors[[*names, "weight"]].astype(float)

    def lookup(frame: pd.DataFrame):
        keys = frame[names].astype(float)
        merged = keys.merge(factors, how="left", on=names)
        return merged["weight"].fillna(0.0).to_numpy()

    return lookup


def export_rows(connectable: Engine | Connection, definition: Mapping[str, Any],
                flt: Filter, fmt: str, path: str | os.PathLike[str], *,
                include_text: bool = False, weights: Any = None,
                threshold: int = 5, chunk_size: int = DEFAULT_CHUNK,
                progress: Callable[[int], None] | None = None) -> int:
    """Write the responses ``flt`` selects as ``fmt`` (csv, sav, dta, codebook,
    codebook-html) to ``path``; returns the number of responses.

    ``weights``: a Series indexed by response id, a function of each chunk, or a
    :class:`analysis.tables.Weights` of cell weights (looked up by the banner codes of each
    row; a respondent whose cell has no weight gets 0). ``progress`` receives the number of
    responses of each chunk written (a progress bar's ``update``). Raises ``ValueError`` for an unknown format.
    """
    datafile = data_file(definition, include_text=include_text, weight=weights is not None,
                         status=not flt.complete_only)  # partials included: which is which
    if weights is not None and getattr(weights, "factors", None) is not None:
        weights = cell_weight_lookup(datafile, weights)
    if fmt in CODEBOOK_FORMATS:
        book = codebook_for(connectable, datafile, flt, threshold)
        if fmt == "codebook":
            write_codebook_xlsx(book, path)
        else:
            Path(path).write_text(render_codebook_html(book), encoding="utf-8")
        if progress:
            progress(book.responses)
        return book.responses
    if fmt not in ROW_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of "
                         f"{', '.join(ROW_FORMATS + CODEBOOK_FORMATS)}")
    frames = iter_frames(connectable, datafile, flt, chunk_size=chunk_size, weights=weights)
    if fmt == "csv":
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        try:
            with open(partial, "wb") as out:
                count = write_csv(frames, datafile, out, progress)
            os.replace(partial, target)
        finally:
            if partial.exists():
                partial.unlink()
        return count
    writer = write_sav if fmt == "sav" else write_dta
    return writer(frames, datafile, path, progress)
