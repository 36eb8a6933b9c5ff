"""Analysis benchmark: N synthetic flagship responses in SQLite and PostgreSQL; one cross-tab (cold
and warm), a filtered cross-tab, the full banner book, peak memory, and pandas.crosstab on the
data in memory as a ratio.

    .venv/bin/python bench/analysis.py -n 200000                    # build from answers (eav)
    .venv/bin/python bench/analysis.py -n 1000000 --mode wide      # query timings at full size
    .venv/bin/python bench/analysis.py -n 100000 --engines sqlite --book-strategies scan group

Targets: one cross-tab (item B1 by level A2) ≤ 0.5 s, the full banner book (every item by level
A2, field A3 and rank A5) ≤ 60 s, peak memory ≤ 2 GB.

Phases, per engine:
1. load — synthetic responses (``analysis.synthetic``: Zipf-like banner shares, answers tilted by
   level). ``--mode eav`` (default) stores them as the app does (``response`` + ``answer``, one
   row per value; COPY on PostgreSQL, executemany on SQLite, the secondary answer index dropped
   during the load and rebuilt after). ``--mode wide`` writes ``response`` and the wide table
   directly (marked current, vacuumed on PostgreSQL as a refresh would), skipping the ~63
   answer rows per response: full-size query timings without a load that does not fit a shared
   2-core machine. Not part of the targets.
2. measure — in a fresh child process (its peak RSS, VmHWM, is the analysis's own): the first
   ``DatabaseSource`` builds the wide table from the answers (eav mode; reported with the rate
   per 1,000 responses and a *linear extrapolation* to 1,000,000), a second one checks it is
   current; then the cross-tab *cold* (the first of its shape: includes building its covering
   index, :mod:`analysis.covering`) and *warm* (median of 3), the same with a filter on gender
   (A8 = 1), the EAV self-join it replaces (eav mode), the banner book (default strategy, or
   those of ``--book-strategies``) and pandas.crosstab on the two columns loaded in memory.
   CPU seconds are printed beside wall times (this process plus the PostgreSQL server's
   processes): the machine is shared, wall time includes waiting for a core. The load average
   (``os.getloadavg``) is printed with each result.
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
            "mode": "web"}))
        wide_table._write(engine, table, frame[names])
    with engine.begin() as conn:
        conn.execute(wide_table.STATE.insert().values(  # the hash ensure() compares with
            version_id=version_id, layout_hash=wide_table.layout_hash(layout), responses=size))
        conn.execute(sa.text("ANALYZE"))
    if engine.dialect.name == "postgresql":  # as analysis.wide.ensure does after a refresh
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"VACUUM (ANALYZE) {table.name}"))
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


def _peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM). Not ``ru_maxrss``: Linux carries the
    parent's peak across fork + exec, so the child would report the loader's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _plan(engine, source, flt) -> str:
    """How the database runs the cross-tab's query (the access path, one line)."""
    import sqlalchemy as sa

    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, *rest):
        if "GROUP BY" in statement:
            statements.append((statement, parameters))
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        from analysis import crosstab
        crosstab(source, ITEM, BANNER, flt=flt)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = statements[-1]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return " | ".join(row[3] for row in rows)
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return " | ".join(row[0].strip() for row in rows if "->" in row[0] or not
                          row[0].startswith(" "))[:300]


def measure(url: str, version_id: int, strategies: list[str]) -> dict:
    import pandas as pd
    import sqlalchemy as sa

    from analysis import DatabaseSource, Filter, banner_book, covering, crosstab, wide

    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            data = conn.execute(sa.text("SHOW data_directory")).scalar_one()
        try:
            SERVER_PID.append(int((Path(data) / "postmaster.pid").read_text().split()[0]))
        except OSError:
            pass
    definition = _definition()
    built = wide.held(engine, version_id) == 0
    build, source = _timed(lambda: DatabaseSource(engine, version_id, definition), repeat=1,
                           name="wide_build_cpu_s")
    check, source = _timed(lambda: DatabaseSource(engine, version_id, definition),
                           name="wide_check_cpu_s")
    responses = source.rows

    gender = Filter(values={"A8": (1,)})
    cold, table = _timed(lambda: crosstab(source, ITEM, BANNER), repeat=1,
                         name="crosstab_cold_cpu_s")
    warm, table = _timed(lambda: crosstab(source, ITEM, BANNER), name="crosstab_warm_cpu_s")
    filtered_cold, _ = _timed(lambda: crosstab(source, ITEM, BANNER, flt=gender), repeat=1,
                              name="filtered_cold_cpu_s")
    filtered_warm, filtered = _timed(lambda: crosstab(source, ITEM, BANNER, flt=gender),
                                     name="filtered_warm_cpu_s")
    plan = _plan(engine, source, Filter())
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
    for strategy in strategies:
        books[strategy], book = _timed(lambda strategy=strategy: banner_book(source, BOOK_BANNERS,
                                                                             strategy=strategy or None),
                                       repeat=1, name=f"book_{strategy or 'default'}_cpu_s")

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
    result = {
        "responses_in_wide_table": responses,
        "wide_built_here": built, "wide_build_s": round(build, 2),
        "wide_check_s": round(check, 3),
        "crosstab_cold_s": round(cold, 3), "crosstab_warm_s": round(warm, 3),
        "filtered_cold_s": round(filtered_cold, 3), "filtered_warm_s": round(filtered_warm, 3),
        "filtered_n": filtered.n, "crosstab_plan": plan,
        "covering_index_built": responses >= covering.MIN_ROWS,
        "eav_self_join_s": None if eav_s is None else round(eav_s, 3),
        **{f"book_{k or 'default'}_s": round(v, 1) for k, v in books.items()},
        "book_s": round(min(books.values()), 1) if books else None,
        "book_tables": len(book.tables) if books else 0,
        "book_refused": len(book.errors) if books else 0,
        "pandas_load_two_columns_s": round(load_s, 2), "pandas_crosstab_s": round(pandas_s, 3),
        "ratio_db_warm_to_pandas": round(warm / pandas_s, 2) if pandas_s else None,
        "same_total_as_pandas": same,
        "peak_rss_mb": _peak_rss_mb(),
        **CPU, "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    if built and responses:
        rate = build / responses * 1000
        cpu_rate = CPU["wide_build_cpu_s"] / responses * 1000
        result["wide_build_s_per_1000"] = round(rate, 3)
        result["wide_build_1m_extrapolated_s"] = round(rate * 1000, 0)
        result["wide_build_cpu_s_per_1000"] = round(cpu_rate, 3)
        result["wide_build_cpu_1m_extrapolated_s"] = round(cpu_rate * 1000, 0)
    return result


def _child_measure(url: str, version_id: int, strategies: list[str]) -> dict:
    output = subprocess.run([sys.executable, __file__, "--measure", url, str(version_id),
                             "--book-strategies", *strategies],
                            check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def run(engine_name: str, size: int, workdir: Path, mode: str, strategies: list[str]) -> dict:
    if engine_name == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        loaded = load(url, size, mode)
        return {"engine": "sqlite", **loaded,
                **_child_measure(url, loaded["version_id"], strategies)}
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
                    **_child_measure(url, loaded["version_id"], strategies)}
    finally:
        server.stop()


def _summary(engine_name: str, r: dict) -> str:
    cpu = {k: r.get(k) for k in ("crosstab_cold_cpu_s", "crosstab_warm_cpu_s",
                                 "filtered_warm_cpu_s")}
    lines = [
        f"{engine_name}: {r['responses']:,} responses ({r['mode']} mode), load average "
        f"{' / '.join(map(str, r['load_average']))} (1/5/15 min)",
        f"  cross-tab {ITEM} × {BANNER}: cold {r['crosstab_cold_s']} s ("
        + ("incl. building its covering index" if r["covering_index_built"] else
           "no covering index under analysis.covering.MIN_ROWS")
        + f"), warm {r['crosstab_warm_s']} s (target 0.5); CPU cold "
        f"{cpu['crosstab_cold_cpu_s']} s, warm {cpu['crosstab_warm_cpu_s']} s",
        f"  filtered (A8 = 1, n = {r['filtered_n']:,}): cold {r['filtered_cold_s']} s, warm "
        f"{r['filtered_warm_s']} s (CPU {cpu['filtered_warm_cpu_s']} s)",
        f"  plan: {r['crosstab_plan']}",
        "  banner book: " + ", ".join(f"{k[5:-2]} {v} s (CPU {r.get(k[:-2] + '_cpu_s')} s)"
                                       for k, v in r.items()
                                       if k.startswith("book_") and k.endswith("_s")
                                       and not k.endswith("_cpu_s") and k != "book_s")
        + f" (target 60; {r['book_tables']} tables)",
        f"  peak RSS {r['peak_rss_mb']} MB (target 2048); pandas.crosstab in memory "
        f"{r['pandas_crosstab_s']} s → warm cross-tab / pandas = {r['ratio_db_warm_to_pandas']}",
    ]
    if r.get("eav_self_join_s") is not None:
        lines.append(f"  EAV self-join it replaces: {r['eav_self_join_s']} s")
    if r.get("wide_build_s_per_1000") is not None:
        lines.append(
            f"  wide table built from the answers: {r['wide_build_s']} s for "
            f"{r['responses_in_wide_table']:,} responses = {r['wide_build_s_per_1000']} s per "
            f"1,000 → linear extrapolation to 1,000,000: {r['wide_build_1m_extrapolated_s']} s; "
            f"CPU {r.get('wide_build_cpu_s')} s = {r['wide_build_cpu_s_per_1000']} s per 1,000 → "
            f"{r['wide_build_cpu_1m_extrapolated_s']} s of CPU at 1,000,000 (extrapolated)")
    else:
        lines.append("  wide table: written directly by the bench (--mode wide), not built from "
                     "answers; see --mode eav for the build")
    lines.append(f"  current-check of the wide table: {r['wide_check_s']} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--size", type=int, default=1_000_000)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--mode", choices=["eav", "wide"], default="eav",
                        help="eav: store answers as the app does and build the wide table from "
                             "them (default); wide: write the wide table directly (full-size "
                             "query timings without loading 60M answer rows)")
    parser.add_argument("--book-strategies", nargs="*", default=[""],
                        choices=["", "scan", "group"],
                        help="banner book strategies to time (default: the library's default)")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "VERSION_ID"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]), args.book_strategies)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        os.chmod(tmp, 0o755)
        for engine_name in args.engines:
            result = run(engine_name, args.size, Path(tmp), args.mode, args.book_strategies)
            print(json.dumps(result), flush=True)
            if "crosstab_warm_s" in result:
                print(_summary(engine_name, result), flush=True)


if __name__ == "__main__":
    main()
