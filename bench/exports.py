"""Row-level export benchmark: N synthetic responses to the flagship questionnaire in SQLite,
exported to CSV and SPSS .sav (and optionally Stata .dta); prints time and peak memory.

    .venv/bin/python bench/exports.py                 # 1,000,000 responses, csv and sav
    .venv/bin/python bench/exports.py -n 100000 --formats csv sav dta

Target: peak memory ≤ 1 GB per export. Each export runs in a fresh child process so its peak
resident memory (``ru_maxrss``) is its own, not the data generator's. The load drops the
secondary answer index (exports read answers by response id, the primary key) and uses
``synchronous=OFF``: this measures the export, not the load.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FLAGSHIP = ROOT / "questionnaires" / "ne-tranh-trach-nhiem.yaml"
CHUNK = 20_000


def _definition():
    from survey.questionnaire import load_file
    return load_file(FLAGSHIP)


def _create_schema(url: str) -> None:
    import sqlalchemy as sa

    from survey.models import Base

    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_answer_variable_response_code")
        conn.exec_driver_sql(
            "INSERT INTO questionnaire (id, slug, title, created_at, updated_at) "
            "VALUES (1, 'bench', 'bench', '2026-01-01', '2026-01-01')")
        conn.exec_driver_sql(
            "INSERT INTO questionnaire_version (id, questionnaire_id, number, definition, "
            "content_hash, published_at) VALUES (1, 1, 1, '{}', '', '2026-01-01')")
        conn.exec_driver_sql(
            "INSERT INTO campaign (id, slug, title, version_id, access_mode, "
            "disclosure_threshold, created_at) VALUES (1, 'bench', 'bench', 1, 'open', 5, "
            "'2026-01-01')")
    engine.dispose()


def _skewed(rng, k: int, n: int) -> np.ndarray:
    """Option indexes with a realistic skew (a few options take most answers)."""
    p = rng.dirichlet(np.full(k, 0.8))
    return rng.choice(k, size=n, p=p)


def _chunk_rows(definition, rng, ids: list[str]):
    """Answer rows for one chunk of responses, in primary-key order, as tuples."""
    n = len(ids)
    cols: dict[str, list] = {"r": [], "v": [], "p": [], "c": [], "x": []}

    def add(resp, variable, position, code, number):
        cols["r"].append(resp)
        cols["v"].append(np.full(len(resp), variable, dtype=object))
        cols["p"].append(np.broadcast_to(position, len(resp)).astype(np.int64))
        cols["c"].append(code)
        cols["x"].append(number)

    everyone = np.arange(n)
    for page in definition["pages"]:
        for item in page["items"]:
            kind = item["type"]
            who = everyone if not item.get("relevant") else everyone[rng.random(n) < 0.5]
            m = len(who)
            codes = np.array([o["code"] for o in item.get("options") or []])
            if kind == "single":
                add(who, item["id"], 0, codes[_skewed(rng, len(codes), m)].astype(float),
                    np.full(m, np.nan))
            elif kind == "grid":
                for row in item["rows"]:
                    add(who, f"{item['id']}.{row['id']}", 0,
                        codes[_skewed(rng, len(codes), m)].astype(float), np.full(m, np.nan))
            elif kind in ("multiple", "ranking"):
                picks = int(item.get("top") or item.get("max_select") or 3)
                picks = min(picks, len(codes), 3)
                order = np.argsort(rng.random((m, len(codes))) *
                                   rng.dirichlet(np.full(len(codes), 0.8)), axis=1)[:, ::-1]
                taken = 1 + (rng.random(m) * picks).astype(int) if kind == "multiple" \
                    else np.full(m, picks)
                for position in range(picks):
                    sel = taken > position
                    rank = np.full(sel.sum(), position + 1, dtype=float)
                    add(who[sel], item["id"], position + 1,
                        codes[order[sel, position]].astype(float),
                        rank if kind == "ranking" else np.full(sel.sum(), np.nan))
            elif kind == "numeric":
                add(who, item["id"], 0, np.full(m, np.nan), rng.integers(0, 40, m).astype(float))
    resp = np.concatenate(cols["r"])
    var = np.concatenate(cols["v"])
    pos = np.concatenate(cols["p"])
    order = np.lexsort((pos, var, resp))
    id_array = np.array(ids, dtype=object)
    code = np.concatenate(cols["c"])[order]
    number = np.concatenate(cols["x"])[order]
    return list(zip(id_array[resp[order]].tolist(), var[order].tolist(), pos[order].tolist(),
                    [None if np.isnan(c) else int(c) for c in code],
                    [None if np.isnan(x) else float(x) for x in number]))


def build(path: Path, count: int, seed: int = 7) -> float:
    """Create the database with ``count`` complete responses; returns seconds."""
    started = time.perf_counter()
    _create_schema(f"sqlite:///{path}")
    definition = _definition()
    rng = np.random.default_rng(seed)
    ids = sorted(os.urandom(16).hex() for _ in range(count))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=OFF")
    day = date(2026, 3, 1).isoformat()
    for start in range(0, count, CHUNK):
        chunk = ids[start:start + CHUNK]
        conn.executemany(
            "INSERT INTO response (id, campaign_id, version_id, status, submitted_on, mode) "
            "VALUES (?, 1, 1, 'complete', ?, 'web')", [(i, day) for i in chunk])
        conn.executemany(
            "INSERT INTO answer (response_id, variable, position, code, number) "
            "VALUES (?, ?, ?, ?, ?)", _chunk_rows(definition, rng, chunk))
        conn.commit()
        print(f"\r  loaded {start + len(chunk):,} / {count:,}", end="", file=sys.stderr,
              flush=True)
    print(file=sys.stderr)
    conn.close()
    return time.perf_counter() - started


def export(path: Path, fmt: str, out: Path) -> dict:
    """Run in a child process: one export, its time and its own peak memory."""
    import sqlalchemy as sa

    from analysis import Filter
    from analysis.exports import export_rows

    engine = sa.create_engine(f"sqlite:///{path}")
    started = time.perf_counter()
    rows = export_rows(engine, _definition(), Filter(campaign_ids=(1,)), fmt, out)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": fmt, "rows": rows, "seconds": round(seconds, 1),
            "peak_mb": round(peak_mb), "file_mb": round(out.stat().st_size / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--responses", type=int, default=1_000_000)
    parser.add_argument("--formats", nargs="+", default=["csv", "sav"],
                        choices=["csv", "sav", "dta"])
    parser.add_argument("--db", type=Path, help="reuse (or create) this SQLite file")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(export(args.db, args.child[0], Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as scratch:
        db = args.db or Path(scratch) / "bench.sqlite3"
        if not db.exists():
            print(f"building {args.responses:,} responses in {db} …", file=sys.stderr)
            seconds = build(db, args.responses)
            print(f"load: {seconds:.0f} s", file=sys.stderr)
        answers = sqlite3.connect(db).execute("select count(*) from answer").fetchone()[0]
        print(f"responses: {args.responses:,}; answer rows: {answers:,}; flagship "
              f"questionnaire ({FLAGSHIP.name})")
        for fmt in args.formats:
            out = Path(scratch) / f"export.{fmt}"
            child = subprocess.run(
                [sys.executable, __file__, "--db", str(db), "--child", fmt, str(out)],
                check=True, capture_output=True, text=True)
            result = json.loads(child.stdout.strip().splitlines()[-1])
            out.unlink()
            print(f"{fmt:>4}: {result['rows']:,} rows in {result['seconds']} s, "
                  f"peak memory {result['peak_mb']} MB (target ≤ 1024 MB), "
                  f"file {result['file_mb']} MB")


if __name__ == "__main__":
    main()
