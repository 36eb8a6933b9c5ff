"""Stata ``.dta`` (format 119) written chunk by chunk, with variable and value labels.

As for SPSS (see :mod:`analysis.exports.spss`), pyreadstat cannot append, so each chunk is
written by pyreadstat to a scratch file with a template row that fixes every string's width,
its fixed-width observations are cut out and appended, and the header's observation count and
section map are patched at the end (the map holds byte offsets of the sections after the data).

Stata has no user-missing codes like SPSS: missing-value codes stay as their codes, with their
value labels (the codebook lists them). Strings are ``str#`` of at most 2000 bytes (longer
free text is cut there, on a character boundary): readstat writes wider strings as ``strL``,
whose separate section cannot be assembled chunk by chunk.
"""
from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import pyreadstat

from analysis.exports.datafile import DataFile
from analysis.exports.spss import prepare_frame, pyreadstat_options

__all__ = ["write_dta", "STATA_MAX_STR"]

STATA_MAX_STR = 2000  # readstat switches to strL from 2045 bytes; strL cannot be appended
MAP_ENTRIES = 14
FIRST_SHIFTED = 10  # strls, value_labels, </stata_dta>, end of file come after the data


def _write(frame: pd.DataFrame, path: Path, datafile: DataFile) -> bytes:
    options = pyreadstat_options(datafile, spss=False)
    pyreadstat.write_dta(frame, str(path), file_label=datafile.title[:80], **options)
    return path.read_bytes()


def write_dta(frames: Iterable[pd.DataFrame], datafile: DataFile, path: str | os.PathLike[str],
              progress: Callable[[int], None] | None = None) -> int:
    """Write ``frames`` to ``path`` (appears only when complete); returns the observations."""
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    empty = pd.DataFrame({name: [] for name in datafile.names})
    count = 0
    try:
        with tempfile.TemporaryDirectory(prefix="dta-") as scratch:
            scratch_file = Path(scratch) / "chunk.dta"
            template = _write(prepare_frame(empty, datafile, max_width=STATA_MAX_STR),
                              scratch_file, datafile)
            start = template.index(b"<data>") + len(b"<data>")
            end = template.index(b"</data>", start)
            row_width = end - start
            head, tail = bytearray(template[:start]), template[end:]
            with open(partial, "wb") as out:
                out.write(head)
                for frame in frames:
                    if not len(frame):
                        continue
                    data = _write(prepare_frame(frame, datafile, max_width=STATA_MAX_STR),
                                  scratch_file, datafile)
                    stop = start + (len(frame) + 1) * row_width
                    if data.find(b"<data>") + len(b"<data>") != start or \
                            data[stop:stop + len(b"</data>")] != b"</data>":
                        raise RuntimeError("DTA chunk layout differs from the template")
                    out.write(data[start:start + len(frame) * row_width])
                    count += len(frame)
                    if progress:
                        progress(len(frame))
                out.write(tail)
                _patch_header(out, head, count, count * row_width - row_width)
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return count


def _patch_header(out, head: bytearray, count: int, shift: int) -> None:
    n_at = head.index(b"<N>") + len(b"<N>")
    out.seek(n_at)
    out.write(struct.pack("<Q", count))
    map_at = head.index(b"<map>") + len(b"<map>")
    offsets = list(struct.unpack_from(f"<{MAP_ENTRIES}Q", head, map_at))
    for i in range(FIRST_SHIFTED, MAP_ENTRIES):
        offsets[i] += shift
    out.seek(map_at)
    out.write(struct.pack(f"<{MAP_ENTRIES}Q", *offsets))
