"""Analysis benchmark: N synthetic flagship responses in SQLite and PostgreSQL, then one cross-tab,
the full banner book and peak memory (peak resident set size of the measuring process); pandas.crosstab on the data in memory as a ratio.

    .venv/bin/python bench/analysis.py                     # 1,000,000 responses, both engines
    .venv/bin/python bench/analysis.py -n 100000 --engines sqlite

Targets: one cross-tab (item by level) ≤ 0.5 s, the full banner book (every item by level, field
and rank) ≤ 60 s, peak memory ≤ 2 GB.

Phases, per engine:
1. load — synthetic responses (``analysis.synthetic``: Zipf-like banner shares, answers tilted by
   level) stored as the app stores them (``response`` + ``answer``, one row per value) with the
   bulk paths (COPY on PostgreSQL; executemany in large transactions on SQLite, secondary answer
   index dropped during the load and rebuilt after). Not part of the targets.
2. measure — in a fresh child process (so its peak RSS is the analysis's own): the first
   ``DatabaseSource`` builds the wide table (reported), a second one checks it is current,
   then the cross-tab, the EAV self-join it replaces (for comparison), the banner book and
   pandas.crosstab on the two columns loaded in memory.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FLAGSHIP = ROOT / "questionnaires" / "ne-tranh-trach-nhiem.yaml"
CHUNK = 50_000
ITEM, BANNER = "B1", "A2"            # how widespread the behaviour is × level
BOOK_BANNERS = ["A2", "A3", "A5"]    # level, field, rank


def _definition():
    from survey.questionnaire import load_file
    return load_file(FLAGSHIP)


def _schema(engine) -> tuple[int, int]:
    """Create the app schema and one questionnaire version + campaign; return their ids."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from survey.models import Base, Campaign, Questionnaire, QuestionnaireVersion
    from survey.questionnaire import content_hash

    Base.metadata.create_all(engine)
    definition = _definition()
    with Session(engine) as session:
        questionnaire = Questionnaire(slug="bench", title="bench", draft=definition)
        session.add(questionnaire)
        session.flush()
        version = QuestionnaireVersion(questionnaire_id=questionnaire.id, number=1,
                                       definition=definition,
                                       content_hash=content_hash(definition))
        session.add(version)
        session.flush()
        campaign = Campaign(slug="bench", title="bench", version_id=version.id)
        session.add(campaign)
        session.commit()
        ids = version.id, campaign.id
    with engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_answer_variable_response_code"))
    return ids


def load(url: str, size: int, mode: str = "eav") -> dict:
    import sqlalchemy as sa

    from analysis.layout import layout_for
    from analysis.synthetic import store, synthetic_wide

    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _fast(dbapi_connection, _record):  # the load only: a throwaway file
            dbapi_connection.execute("PRAGMA journal_mode=OFF")
            dbapi_connection.execute("PRAGMA synchronous=OFF")
            dbapi_connection.execute("PRAGMA cache_size=-400000")
    version_id, campaign_id = _schema(engine)
    definition = _definition()
    layout = layout_for(definition)
    started = time.perf_counter()
    rows = 0
    if mode == "wide":
        rows = _load_wide(engine, definition, size, version_id, campaign_id)
        engine.dispose()
        return {"responses": size, "mode": "wide", "answer_rows": 0,
                "load_s": round(time.perf_counter() - started, 1), "version_id": version_id}
    for number, start in enumerate(range(0, size, CHUNK)):
        wide = synthetic_wide(definition, min(CHUNK, size - start), seed=1000 + number,
                              campaign_id=campaign_id)
        rows += store(engine, layout, wide, version_id, campaign_id, chunk=CHUNK)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE INDEX ix_answer_variable_response_code "
                             "ON answer (variable, response_id, code)"))
        conn.execute(sa.text("ANALYZE"))
    indexed = time.perf_counter() - started
    engine.dispose()
    return {"responses": size, "mode": "eav", "answer_rows": rows, "load_s": round(loaded, 1),
            "index_s": round(indexed, 1), "version_id": version_id}


def _load_wide(engine, definition, size: int, version_id: int, campaign_id: int) -> int:
    """``--mode wide``: responses plus their wide table written directly from the generator,
    marked current, skipping the one-row-per-value answers. Loading 60+ million answer rows
    does not fit a shared 2-core machine's session; this mode measures the queries at full size,
    ``--mode eav`` (smaller sizes) measures the build from answers and the self-join."""
    from datetime import datetime

    import pandas as pd
    import sqlalchemy as sa

    from analysis import wide as wide_table
    from analysis.layout import layout_for
    from analysis.synthetic import _bulk, synthetic_wide

    layout = layout_for(definition)
    table = wide_table.table_for(version_id, layout, wide_table._banner_columns(layout))
    with engine.begin() as conn:
        wide_table.STATE.create(conn, checkfirst=True)
        table.create(conn)
    names = ["response_id", "campaign_id", "submitted_on", "complete",
             *(c.name for c in layout.columns)]
    for number, start in enumerate(range(0, size, CHUNK)):
        frame = synthetic_wide(definition, min(CHUNK, size - start), seed=1000 + number,
                               campaign_id=campaign_id)
        _bulk(engine, "response", pd.DataFrame({
            "id": frame["response_id"], "campaign_id": campaign_id, "version_id": version_id,
            "status": "complete", "submitted_on": frame["submitted_on"],
            "code_batch_id": None}))
        wide_table._write(engine, table, frame[names])
    with engine.begin() as conn:
        conn.execute(wide_table.STATE.insert().values(
            version_id=version_id, layout_hash=layout.hash, responses=size,
            refreshed_at=datetime.now()))
        conn.execute(sa.text("ANALYZE"))
    return 0


CPU: dict[str, float] = {}  # CPU seconds per phase (this process + the PostgreSQL server's
                            # processes): the machine is shared, wall time includes waiting for
                            # a core


SERVER_PID: list[int] = []  # PostgreSQL postmaster, when measuring a local server


def _server_cpu() -> float:
    """CPU seconds used so far by the local PostgreSQL server's processes (0 for SQLite)."""
    if not SERVER_PID:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == SERVER_PID[0] or ppid == SERVER_PID[0]:
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return total


def _timed(function, repeat: int = 3, name: str = "") -> tuple[float, object]:
    times, cpu, result = [], [], None
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time() + _server_cpu()
        result = function()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() + _server_cpu() - cpu_started)
    if name:
        CPU[name] = round(statistics.median(cpu), 3)
    return statistics.median(times), result


def measure(url: str, version_id: int) -> dict:
    import pandas as pd
    import sqlalchemy as sa

    from analysis import DatabaseSource, banner_book, crosstab

    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            data = conn.execute(sa.text("SHOW data_directory")).scalar_one()
        try:
            SERVER_PID.append(int((Path(data) / "postmaster.pid").read_text().split()[0]))
        except OSError:
            pass
    definition = _definition()
    started = time.perf_counter()
    source = DatabaseSource(engine, version_id, definition)
    build = time.perf_counter() - started
    started = time.perf_counter()
    source = DatabaseSource(engine, version_id, definition)
    check = time.perf_counter() - started

    one, table = _timed(lambda: crosstab(source, ITEM, BANNER), name="crosstab_cpu_s")
    eav_sql = sa.text("SELECT i.code, b.code, count(*) FROM answer i JOIN answer b "
                      "ON b.response_id = i.response_id AND b.variable = :b "
                      "WHERE i.variable = :i GROUP BY i.code, b.code")

    def eav():
        with engine.connect() as conn:
            return conn.execute(eav_sql, {"i": ITEM, "b": BANNER}).all()
    eav_s, eav_rows = _timed(eav, repeat=1, name="eav_cpu_s")
    if not eav_rows:  # --mode wide: there are no answer rows to join
        eav_s = None

    books = {}
    for strategy in ("scan", "group"):
        books[strategy], book = _timed(lambda: banner_book(source, BOOK_BANNERS,
                                                           strategy=strategy),
                                       repeat=1, name=f"book_{strategy}_cpu_s")
    book_s = min(books.values())

    layout = source.layout
    columns = [layout.column(ITEM), layout.column(BANNER)]
    started = time.perf_counter()
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(*(source.table.c[c] for c in columns))
                            .where(source.table.c.complete == 1), conn)
    load_s = time.perf_counter() - started
    pandas_s, reference = _timed(lambda: pd.crosstab(frame[columns[0]], frame[columns[1]]),
                                 name="pandas_crosstab_cpu_s")
    kept = reference.loc[reference.index.isin(table.table["row"]),
                         reference.columns.isin(table.table["column"])]
    same = bool(kept.to_numpy().sum() == table.n)
    return {
        "wide_build_s": round(build, 1), "wide_check_s": round(check, 3),
        "crosstab_s": round(one, 3), "eav_self_join_s": None if eav_s is None else round(eav_s, 3),
        "book_s": round(book_s, 1), "book_scan_s": round(books["scan"], 1),
        "book_group_s": round(books["group"], 1), "book_tables": len(book.tables),
        "book_refused": len(book.errors),
        "pandas_load_two_columns_s": round(load_s, 2), "pandas_crosstab_s": round(pandas_s, 3),
        "ratio_db_to_pandas": round(one / pandas_s, 2) if pandas_s else None,
        "same_total_as_pandas": same,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **CPU, "load_average_1min": round(os.getloadavg()[0], 1),
    }


def _child_measure(url: str, version_id: int) -> dict:
    output = subprocess.run([sys.executable, __file__, "--measure", url, str(version_id)],
                            check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def run(engine_name: str, size: int, workdir: Path, mode: str) -> dict:
    if engine_name == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        loaded = load(url, size, mode)
        return {"engine": "sqlite", **loaded, **_child_measure(url, loaded["version_id"])}
    from tests.pg import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        return {"engine": "postgresql", "error": "PostgreSQL (initdb) not installed"}
    server = PostgresServer(bindir)
    server.start()
    try:
        with server.fresh_database() as url:
            loaded = load(url, size, mode)
            return {"engine": "postgresql", **loaded,
                    **_child_measure(url, loaded["version_id"])}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--size", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--mode", choices=["eav", "wide"], default="eav",
                        help="eav: store answers as the app does and build the wide table from "
                             "them (default); wide: write the wide table directly (full-size "
                             "query timings without loading 60M answer rows)")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "VERSION_ID"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        os.chmod(tmp, 0o755)
        for engine_name in args.engines:
            result = run(engine_name, args.size, Path(tmp), args.mode)
            print(json.dumps(result), flush=True)
            if "crosstab_s" in result:
                print(f"{engine_name}: {result['responses']:,} responses — cross-tab "
                      f"{result['crosstab_s']} s (target 0.5; EAV self-join "
                      f"{result['eav_self_join_s']} s), banner book {result['book_s']} s "
                      f"(target 60), peak RSS {result['peak_rss_mb']} MB (target 2048), "
                      f"pandas.crosstab {result['pandas_crosstab_s']} s → ratio "
                      f"{result['ratio_db_to_pandas']}; wide table built in "
                      f"{result['wide_build_s']} s, checked in {result['wide_check_s']} s",
                      flush=True)


if __name__ == "__main__":
    main()
