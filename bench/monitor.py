"""Fieldwork monitor benchmark: the monitor's queries over N synthetic flagship responses, on
SQLite and PostgreSQL.

    .venv/bin/python bench/monitor.py                      # 1,000,000 responses, both engines
    .venv/bin/python bench/monitor.py -n 200000 --engines sqlite

Target: the whole monitor report of a campaign (responses per day, completes per category of all
nine banner variables against targets, page funnel) in ≤ 1 s at 1,000,000 responses, so the
page stays usable while fieldwork runs.

The responses are loaded by ``bench/analysis.py``'s loader (synthetic flagship answers stored as
the app stores them, one row per value); page-reach counters for 30 days and targets for every
banner category are added. Timings are the median of 3 runs, in a fresh process per engine.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _analysis_bench():
    """bench/analysis.py, loaded by path (its name would clash with the ``analysis`` package)."""
    spec = importlib.util.spec_from_file_location("bench_analysis", ROOT / "bench" / "analysis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _timed(function, repeat: int = 3):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3), result


def measure(url: str, size: int) -> dict:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from survey.models import Campaign, PageReach
    from survey.services.campaigns import set_targets, target_cells
    from survey.services.monitor import (banner_progress, monitor_report, page_funnel,
                                         responses_per_day, status_counts)

    engine = sa.create_engine(url)
    with Session(engine) as session:
        campaign = session.scalar(sa.select(Campaign))
        steps = len(campaign.version.definition["pages"]) + 2
        first = date(2026, 11, 1)
        for day in range(30):
            for step in range(steps):
                session.add(PageReach(campaign_id=campaign.id, page=step,
                                      day=first + timedelta(days=day),
                                      count=max(1, size // 30 - step * 50)))
        cells = target_cells(campaign.version)
        set_targets(session, campaign, {(c.dimension, c.code): 100 for c in cells})
        session.commit()
        out = {"banner_categories": len(cells)}
        out["status_counts_s"], counts = _timed(lambda: status_counts(session, [campaign.id]))
        out["complete"] = counts[campaign.id].complete
        out["per_day_s"], days = _timed(lambda: responses_per_day(session, campaign))
        out["days"] = len(days)
        out["banners_s"], dims = _timed(lambda: banner_progress(session, campaign))
        out["banners_suppressed_s"], _ = _timed(
            lambda: banner_progress(session, campaign, suppress_below=5))
        out["funnel_s"], _ = _timed(lambda: page_funnel(session, campaign))
        out["monitor_report_s"], report = _timed(lambda: monitor_report(session, campaign,
                                                                        suppress_below=5))
        total = sum(c.completes or 0 for c in dims[0].categories)
        out["first_banner_total_matches"] = total == counts[campaign.id].complete
    engine.dispose()
    return out


def run(engine_name: str, size: int, workdir: Path) -> dict:
    loader = _analysis_bench()
    if engine_name == "sqlite":
        url = f"sqlite:///{workdir / 'monitor.sqlite3'}"
        loaded = loader.load(url, size)
        return {"engine": "sqlite", "responses": size, "load_s": loaded["load_s"],
                **measure(url, size)}
    from tests.pg import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        return {"engine": "postgresql", "error": "PostgreSQL (initdb) not installed"}
    server = PostgresServer(bindir)
    server.start()
    try:
        with server.fresh_database() as url:
            loaded = loader.load(url, size)
            return {"engine": "postgresql", "responses": size, "load_s": loaded["load_s"],
                    **measure(url, size)}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--responses", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for engine_name in args.engines.split(","):
            print(json.dumps(run(engine_name.strip(), args.responses, Path(tmp))), flush=True)


if __name__ == "__main__":
    main()
