"""Fieldwork monitor benchmark: the monitor's queries over N synthetic flagship responses, on
SQLite and PostgreSQL, one line of JSON per engine and size.

    .venv/bin/python bench/monitor.py                      # 100,000 and 1,000,000, both engines
    .venv/bin/python bench/monitor.py -n 100000 --engines sqlite

Target: the whole monitor report of a campaign (responses per day, completes per category of all
nine banner variables against targets, page funnel) well under 1 s at 1,000,000 responses, so the
page stays usable while fieldwork runs.

Completes per banner category are read from ``banner_tally`` (kept by the submit transaction);
the GROUP BY over ``answer`` joined to ``response`` that it replaces is timed next to it
(``old_join_banners_s``), as is ``flask campaign rebuild-tallies`` (``rebuild_tallies_s``), and
the tallies are checked against that GROUP BY. The cost the tallies add to a submit is measured
as ``upsert_ms_per_submit``: the UPSERT statement of one simulated submit (all nine banners),
timed without its commit (which the submit pays anyway), one transaction each.

Data: ``--mode eav`` stores the responses as the app stores them, one ``answer`` row per value
(``bench/analysis.py``'s loader). 60+ million answer rows at 1,000,000 responses do not fit a
shared 2-core machine's session, so ``--mode auto`` (the default) switches to ``wide`` above
200,000: responses plus the analysis wide table, no answer rows, the tallies filled by a GROUP BY
over the wide table's banner columns (so the old join and the rebuild are not timed there; the
monitor's reads do not depend on how the tallies were filled). Page-reach counters for 30 days
and targets for every banner category are added. Timings are the median of 3 runs (the old join
and the rebuild: one run); load average and CPU count are printed, the machine being shared.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
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


def _old_join_banners(session, campaign) -> dict[tuple[str, int], int]:
    """The monitor's former query: completes per banner category by a GROUP BY over the answers
    joined to their responses (one query per banner variable)."""
    import sqlalchemy as sa

    from survey.models import Answer, Response, ResponseStatus
    from survey.questionnaire import banners

    counts = {}
    for item in banners(campaign.version.definition):
        rows = session.execute(
            sa.select(Answer.code, sa.func.count())
            .join(Response, Response.id == Answer.response_id)
            .where(Response.campaign_id == campaign.id,
                   Response.status == ResponseStatus.COMPLETE,
                   Answer.variable == item["id"], Answer.code.is_not(None))
            .group_by(Answer.code)).all()
        counts.update({(item["id"], int(code)): int(n) for code, n in rows})
    return counts


def _tallies(session, campaign) -> dict[tuple[str, int], int]:
    import sqlalchemy as sa

    from survey.models import BannerTally

    return {(v, int(c)): int(n) for v, c, n in session.execute(
        sa.select(BannerTally.variable, BannerTally.code, BannerTally.count)
        .where(BannerTally.campaign_id == campaign.id)) if n}


def _tallies_from_wide(session, campaign) -> None:
    """``--mode wide``: fill the tallies by a GROUP BY over the wide table's banner columns."""
    import sqlalchemy as sa

    from analysis import wide as wide_table
    from analysis.layout import layout_for
    from survey.questionnaire import banners

    definition = campaign.version.definition
    layout = layout_for(definition)
    table = wide_table.table_name(campaign.version_id)
    for item in banners(definition):
        column = layout.column(item["id"])
        session.execute(sa.text(
            f"INSERT INTO banner_tally (campaign_id, variable, code, count) "
            f"SELECT :campaign, :variable, {column}, count(*) FROM {table} "
            f"WHERE campaign_id = :campaign AND complete = 1 AND {column} IS NOT NULL "
            f"GROUP BY {column}"), {"campaign": campaign.id, "variable": item["id"]})
    session.commit()


def _upsert_cost(session, campaign, submits: int = 300) -> float:
    """Milliseconds per simulated submission for the tally UPSERT alone, one commit each (the
    holding pool's release adds a whole batch at once; one submission is its smallest case)."""
    from survey.questionnaire import banners
    from survey.questionnaire.storage import AnswerRow
    from survey.services.responses import add_to_tallies, banner_cells

    definition = campaign.version.definition
    items = banners(definition)
    chooser = random.Random(7)
    spent = 0.0
    for _ in range(submits):
        rows = [AnswerRow(item["id"], 0, chooser.choice(item["options"])["code"])
                for item in items]
        started = time.perf_counter()
        add_to_tallies(session, {(campaign.id, variable, code): 1
                                 for variable, code in banner_cells(definition, rows)})
        spent += time.perf_counter() - started
        session.commit()  # not timed: the submit commits anyway
    return round(spent / submits * 1000, 2)


def measure(url: str, size: int, mode: str) -> dict:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from survey.models import Campaign, PageReach
    from survey.services.campaigns import set_targets, target_cells
    from survey.services.monitor import (banner_progress, monitor_report, page_funnel,
                                         rebuild_banner_tallies, responses_per_day,
                                         status_counts)

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
        if mode == "eav":
            out["old_join_banners_s"], joined = _timed(
                lambda: _old_join_banners(session, campaign), repeat=1)

            def rebuild():
                rebuild_banner_tallies(session, campaign)
                session.commit()
            out["rebuild_tallies_s"], _ = _timed(rebuild, repeat=1)
            out["tallies_match_answers"] = _tallies(session, campaign) == joined
        else:
            out["tallies_from_wide_s"], _ = _timed(lambda: _tallies_from_wide(session, campaign),
                                                   repeat=1)
        out["tally_rows"] = len(_tallies(session, campaign))
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
        out["upsert_ms_per_submit"] = _upsert_cost(session, campaign)  # last: skews tallies
    engine.dispose()
    return out


def _machine() -> dict:
    return {"load_avg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}


def run(engine_name: str, size: int, workdir: Path, mode: str) -> dict:
    loader = _analysis_bench()
    if mode == "auto":
        mode = "eav" if size <= 200_000 else "wide"
    before = _machine()
    if engine_name == "sqlite":
        url = f"sqlite:///{workdir / f'monitor-{size}.sqlite3'}"
        loaded = loader.load(url, size, mode)
        result = {"engine": "sqlite", "responses": size, "mode": mode,
                  "load_s": loaded["load_s"], **measure(url, size, mode)}
        Path(workdir / f"monitor-{size}.sqlite3").unlink(missing_ok=True)
        return {**result, "machine_before": before, "machine_after": _machine()}
    from tests.pg import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        return {"engine": "postgresql", "error": "PostgreSQL (initdb) not installed"}
    server = PostgresServer(bindir)
    server.start()
    try:
        with server.fresh_database() as url:
            loaded = loader.load(url, size, mode)
            result = {"engine": "postgresql", "responses": size, "mode": mode,
                      "load_s": loaded["load_s"], **measure(url, size, mode)}
            return {**result, "machine_before": before, "machine_after": _machine()}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--responses", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="campaign sizes to measure (default: 100000 1000000)")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--mode", choices=["auto", "eav", "wide"], default="auto",
                        help="eav: answer rows as the app stores them; wide: no answer rows "
                             "(auto: eav up to 200,000 responses)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.responses:
            for engine_name in args.engines.split(","):
                print(json.dumps(run(engine_name.strip(), size, Path(tmp), args.mode)),
                      flush=True)


if __name__ == "__main__":
    main()
