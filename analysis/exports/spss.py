"""SPSS ``.sav`` written chunk by chunk, with labels, user-missing codes and a weight.

pyreadstat writes a whole DataFrame at once and cannot append, and a million responses of a
long questionnaire do not fit in memory as one DataFrame. So the file is assembled here:

1. pyreadstat writes the *dictionary* (variable and value labels, missing codes, formats) from a
   one-row template whose strings have the full declared width; the header is cut from it.
2. Each chunk is written by pyreadstat uncompressed to a scratch file (same template row
   appended, so every chunk has exactly the same layout), and its case data is taken back.
3. The case data is bytecode-compressed here with numpy (the SPSS "compressed" format: blocks
   of eight command bytes, small integers stored in one byte) and appended.
4. The case count, the compression flag and the weight variable are patched into the header.

Memory is bounded by the chunk size; the result reads back with pyreadstat and SPSS.
References: the PSPP documentation of the system file format ("System File Format",
sections *File Header Record*, *Variable Record*, *Data Record*).
"""
from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import pyreadstat

from analysis.exports.datafile import CASE_ID, WEIGHT, DataFile, Variable

__all__ = ["write_sav", "compress_cases", "pyreadstat_options", "prepare_frame"]

HEADER_SIZE = 176
OFFSET_CASE_SIZE, OFFSET_COMPRESSION, OFFSET_WEIGHT, OFFSET_NCASES = 68, 72, 76, 80
BIAS = 100
SYSMIS = np.frombuffer(struct.pack("<d", -np.finfo(np.float64).max), dtype="<u8")[0]
SPACES = np.frombuffer(b" " * 8, dtype="<u8")[0]
CODE_RAW, CODE_SPACES, CODE_SYSMIS = 253, 254, 255


def _missing_spec(codes: tuple[int, ...]) -> list[Any]:
    """SPSS allows three discrete user-missing values, or one range plus one value."""
    codes = tuple(sorted(codes))
    if len(codes) <= 3:
        return [float(c) for c in codes]
    return [{"lo": float(codes[0]), "hi": float(codes[-2])}, float(codes[-1])]


def _format(v: Variable) -> str:
    if v.is_text:
        return f"A{v.width}"
    if v.name == WEIGHT:
        return "F10.4"
    if v.kind == "number" and v.name != CASE_ID:
        return "F10.2"
    return "F8.0"


def pyreadstat_options(datafile: DataFile, spss: bool = True) -> dict[str, Any]:
    """Labels and codes of the file's variables in pyreadstat's keyword arguments.

    Variable labels are cut to what the format holds, on a character boundary: SPSS 255 bytes
    (readstat would cut inside a Vietnamese letter), Stata 80 characters (a longer label makes
    readstat refuse the whole file). The codebook keeps the full text."""
    options: dict[str, Any] = {
        "column_labels": {v.name: _fit(v.label, 255) if spss else v.label[:80] for v in datafile},
        "variable_value_labels": {v.name: {float(k): t for k, t in v.value_labels.items()}
                                  for v in datafile if v.value_labels},
    }
    if spss:
        options["missing_ranges"] = {v.name: _missing_spec(v.missing) for v in datafile
                                     if v.missing}
        options["variable_measure"] = {v.name: v.measure for v in datafile}
        options["variable_format"] = {v.name: _format(v) for v in datafile}
    return options


def _fit(value: Any, width: int) -> str:
    """Text cut to ``width`` UTF-8 bytes without splitting a character."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    data = str(value).encode("utf-8")
    if len(data) <= width:
        return str(value)
    return data[:width].decode("utf-8", errors="ignore")


def prepare_frame(frame: pd.DataFrame, datafile: DataFile, template: bool = True,
                  max_width: int | None = None) -> pd.DataFrame:
    """Fixed dtypes (float64, str) and, with ``template``, a last row that carries every
    string's full width, so each chunk written has the same layout."""
    data: dict[str, Any] = {}
    for v in datafile:
        width = min(v.width, max_width) if max_width else v.width
        column = frame[v.name]
        if v.is_text:
            values = [_fit(x, width) for x in column.tolist()]
            if template:
                values.append("x" * width)
            data[v.name] = pd.Series(values, dtype=object)
        else:
            values = column.to_numpy(dtype=float)
            if template:
                values = np.append(values, np.nan)
            data[v.name] = values
    return pd.DataFrame(data, columns=datafile.names)


def _slot_kinds(header: bytes) -> np.ndarray:
    """True for each 8-byte case slot that holds string data, from the variable records."""
    kinds: list[bool] = []
    offset = HEADER_SIZE
    while struct.unpack_from("<i", header, offset)[0] == 2:
        _, vtype, has_label, n_missing = struct.unpack_from("<iiii", header, offset)
        kinds.append(vtype != 0)
        offset += 32
        if has_label:
            (length,) = struct.unpack_from("<i", header, offset)
            offset += 4 + ((length + 3) // 4) * 4
        offset += abs(n_missing) * 8
    return np.array(kinds, dtype=bool)


def compress_cases(cases: np.ndarray, is_string: np.ndarray) -> bytes:
    """Bytecode-compress uncompressed case data, one case per row of ``cases`` (uint64 slots).

    Each case starts a new block of eight command bytes, padded with code 0, as pyreadstat does:
    1–251 a number equal to ``code - 100``; 253 eight raw bytes follow the block; 254 eight
    spaces; 255 system-missing.
    """
    n, slots = cases.shape
    width = -(-slots // 8) * 8
    codes = np.zeros((n, width), dtype=np.uint8)
    raw = np.zeros((n, width), dtype=bool)
    values = cases.view("<f8")
    numeric = ~is_string
    num = values[:, numeric]
    with np.errstate(invalid="ignore"):
        small = np.isfinite(num) & (num == np.round(num)) & (num >= 1 - BIAS) & (num <= 251 - BIAS)
    sysmis = (cases[:, numeric] == SYSMIS) | np.isnan(num)
    num_codes = np.full(num.shape, CODE_RAW, dtype=np.uint8)
    num_codes[small] = (num[small] + BIAS).astype(np.uint8)
    num_codes[sysmis] = CODE_SYSMIS
    str_codes = np.where(cases[:, is_string] == SPACES, CODE_SPACES, CODE_RAW).astype(np.uint8)
    codes[:, :slots][:, numeric] = num_codes
    codes[:, :slots][:, is_string] = str_codes
    raw[:, :slots] = codes[:, :slots] == CODE_RAW
    blocks = codes.reshape(-1, 8)
    raw_blocks = raw.reshape(-1, 8)
    sizes = 8 + 8 * raw_blocks.sum(axis=1)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    out = np.zeros(int(sizes.sum()) // 8, dtype="<u8")
    out[starts // 8] = blocks.copy().view("<u8").ravel()
    rank = np.cumsum(raw_blocks, axis=1) - 1
    block_index, position = np.nonzero(raw_blocks)
    padded = np.zeros((n, width), dtype="<u8")
    padded[:, :slots] = cases
    out[starts[block_index] // 8 + 1 + rank[block_index, position]] = \
        padded.reshape(-1, 8)[block_index, position]
    return out.tobytes()


def _write_uncompressed(frame: pd.DataFrame, path: Path, datafile: DataFile,
                        options: dict[str, Any]) -> bytes:
    pyreadstat.write_sav(frame, str(path), file_label=datafile.title.encode("utf-8")[:64]
                         .decode("utf-8", errors="ignore"), **options)
    return path.read_bytes()


def write_sav(frames: Iterable[pd.DataFrame], datafile: DataFile, path: str | os.PathLike[str],
              progress: Callable[[int], None] | None = None) -> int:
    """Write ``frames`` (from :func:`analysis.exports.source.iter_frames`) to ``path``.

    The file appears only when complete (written beside it, then renamed). Returns the number
    of cases. The weight column, when the file has one, is declared as the file's weight.
    """
    path = Path(path)
    options = pyreadstat_options(datafile)
    empty = pd.DataFrame({name: [] for name in datafile.names})
    partial = path.with_name(path.name + ".part")
    count = 0
    try:
        with tempfile.TemporaryDirectory(prefix="sav-") as scratch:
            scratch_file = Path(scratch) / "chunk.sav"
            template = _write_uncompressed(prepare_frame(empty, datafile), scratch_file, datafile,
                                           options)
            slots = struct.unpack_from("<i", template, OFFSET_CASE_SIZE)[0]
            case_bytes = slots * 8
            header = bytearray(template[: len(template) - case_bytes])
            is_string = _slot_kinds(bytes(header))
            if len(is_string) != slots:
                raise RuntimeError(f"SAV layout: {len(is_string)} variable records for "
                                   f"{slots} case slots")
            struct.pack_into("<i", header, OFFSET_COMPRESSION, 1)
            if datafile.has_weight:
                slot = _slot_of(header, datafile.names.index(WEIGHT))
                struct.pack_into("<i", header, OFFSET_WEIGHT, slot + 1)
            with open(partial, "wb") as out:
                out.write(header)
                for frame in frames:
                    if not len(frame):
                        continue
                    data = _write_uncompressed(prepare_frame(frame, datafile), scratch_file,
                                               datafile, options)
                    if len(data) != len(header) + (len(frame) + 1) * case_bytes:
                        raise RuntimeError("SAV chunk layout differs from the dictionary")
                    body = np.frombuffer(data, dtype="<u8",
                                         offset=len(header), count=len(frame) * slots)
                    out.write(compress_cases(body.reshape(len(frame), slots), is_string))
                    count += len(frame)
                    if progress:
                        progress(len(frame))
                out.seek(OFFSET_NCASES)
                out.write(struct.pack("<i", count))
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return count


def _slot_of(header: bytes, variable_index: int) -> int:
    """0-based case slot of the ``variable_index``-th variable (continuation records skipped)."""
    offset, slot, seen = HEADER_SIZE, 0, -1
    while struct.unpack_from("<i", header, offset)[0] == 2:
        _, vtype, has_label, n_missing = struct.unpack_from("<iiii", header, offset)
        if vtype != -1:
            seen += 1
            if seen == variable_index:
                return slot
        slot += 1
        offset += 32
        if has_label:
            (length,) = struct.unpack_from("<i", header, offset)
            offset += 4 + ((length + 3) // 4) * 4
        offset += abs(n_missing) * 8
    raise ValueError(f"no variable number {variable_index} in the SAV dictionary")
