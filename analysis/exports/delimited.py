"""Row-level CSV: one row per response, one column per variable, written chunk by chunk.

UTF-8 with a byte-order mark, because Excel on Windows otherwise reads Vietnamese as mojibake.
Codes are written as integers, an unanswered item as an empty cell. A text that a spreadsheet
would read as a formula gets a leading apostrophe (:mod:`analysis.exports.cells`).
"""
from __future__ import annotations

import io
from typing import BinaryIO, Callable, Iterable, Iterator

import pandas as pd

from analysis.exports.cells import neutralise_frame
from analysis.exports.datafile import DataFile

__all__ = ["BOM", "iter_csv", "write_csv"]

BOM = "\ufeff".encode("utf-8")
FLOAT_FORMAT = "%.10g"


def _chunk_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, index=False, header=header, float_format=FLOAT_FORMAT,
                 lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8")


def iter_csv(frames: Iterable[pd.DataFrame], datafile: DataFile) -> Iterator[bytes]:
    """Bytes of the file, a chunk at a time (an HTTP response can stream this generator)."""
    yield BOM
    header = True
    for frame in frames:
        yield _chunk_bytes(frame, header)
        header = False
    if header:  # no response at all: still a header row
        yield _chunk_bytes(pd.DataFrame(columns=datafile.names), True)


def write_csv(frames: Iterable[pd.DataFrame], datafile: DataFile, out: BinaryIO,
              progress: Callable[[int], None] | None = None) -> int:
    """Write to a binary file object; returns the number of responses written.
    ``progress`` is called with the number of responses in each chunk written."""
    count = 0

    def counted() -> Iterator[pd.DataFrame]:
        nonlocal count
        for frame in frames:
            yield frame
            count += len(frame)
            if progress:
                progress(len(frame))

    for part in iter_csv(counted(), datafile):
        out.write(part)
    return count
