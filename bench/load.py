"""Load test: complete flagship responses through the real HTTP flow against gunicorn.

Each simulated respondent does what a browser with JavaScript does (the page script keeps the
``_shown`` field current; static files are cached): GET the introduction, POST start (CSRF; the
answer is page 1), then for every page POST random valid answers (CSRF, ``_shown``; the answer is
the next page, then the review), and POST the submission (CSRF + one-time submission token; the
answer is the thank-you page): 11 requests for the 8-page flagship. Each respondent comes
from its own address (``X-Forwarded-For`` behind ``TRUSTED_PROXIES=1``, as behind nginx), so the
per-address rate limits apply as in production, and its own kept-alive connection.

The load generator runs on the same cores as the server, so every millisecond it spends is one
the server does not get. Hence: all respondents are driven by one thread and one ``epoll``
loop (no GIL hand-offs between 50 threads); HTTP/1.1 is spoken over plain sockets (one ``send``
per request, the response headers the walk needs picked out by one regex); pages are searched
as bytes; and each page's answer generation is compiled once (:class:`PagePlan`): visibility,
option filters and ``_shown`` come from the questionnaire's own logic, computed once per
combination of the answers their conditions read. The walk itself (:func:`walk`) is one
generator shared by this loop and by the blocking :class:`Browser` that :func:`complete_one`,
``bench/crash.py`` and the tests use.

This module is the command line and the names other scripts and the tests import; the parts live
beside it: the answers (``_load_answers``), HTTP/1.1 (``_load_http``), the walk
(``_load_walk``) and the loop (``_load_loop``).

Usage::

    .venv/bin/python bench/load.py                       # both databases, 1/10/50 clients
    .venv/bin/python bench/load.py --db sqlite --clients 50 --completes 300 --duration 60
    .venv/bin/python bench/load.py --clients 50 --think 250 --flow script   # an offered load

Without ``--think`` every client sends its next request the moment the last is answered: the
server is saturated and latency is the queue (clients ÷ requests per second). With it, each
client first pauses (exponentially distributed, the given mean in ms), as people do between
pages; the clients then offer a load, and the latencies are those of that load.

Prints, per database and client count: completes per second, requests per complete, and
p50/p95/p99 latency per request type, plus the CPU the load generator itself used — it runs on
the same machine as the server and competes with it for the cores.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load_answers import PagePlan, page_form, plans_for  # noqa: E402
from bench._load_http import Browser, Stats  # noqa: E402
from bench._load_loop import ORDER, run_load  # noqa: E402
from bench._load_walk import (CSRF, DONE_URL, FORM_ACTION, PAGE_PATH, SUBMIT_TOKEN,  # noqa: E402
                              FlowError, complete_one, thanked, walk)
from bench._server import FLAGSHIP, Gunicorn, cpu_seconds, database, database_pids, prepare  # noqa: E402
from survey.questionnaire import load_file  # noqa: E402

__all__ = ["CSRF", "DONE_URL", "FORM_ACTION", "PAGE_PATH", "SUBMIT_TOKEN", "Browser", "FlowError",
           "PagePlan", "Stats", "complete_one", "main", "page_form", "plans_for", "run_load",
           "thanked", "walk"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def report(db: str, clients: int, stats: Stats, elapsed: float, server_cpu: float,
           client_cpu: float, database_cpu: float = 0.0, flow: str = "paged",
           think: float = 0.0) -> dict[str, Any]:
    rate = stats.completes / elapsed if elapsed else 0
    per = stats.requests / stats.completes if stats.completes else float("nan")
    everything = [x for values in stats.latencies.values() for x in values]
    pacing = f", thinking {1000 * think:.0f} ms on average before each request" if think else ""
    print(f"\n== {db}, {flow} flow, {clients} concurrent clients{pacing}: {stats.completes} completes in {elapsed:.1f} s "
          f"= {rate:.1f} completes/s; {stats.requests} requests ({stats.requests / elapsed:.0f}/s), "
          f"{per:.1f} requests per complete; errors {len(stats.errors)}")
    per_complete = server_cpu / stats.completes if stats.completes else float("nan")
    cores = os.cpu_count() or 1
    print(f"   CPU used: server (gunicorn + database) {server_cpu:.1f} s = "
          f"{1000 * per_complete:.0f} ms per complete"
          + (f" (app {1000 * (server_cpu - database_cpu) / max(stats.completes, 1):.0f} + database "
             f"{1000 * database_cpu / max(stats.completes, 1):.0f})" if database_cpu else "")
          + f", {1000 * server_cpu / max(stats.requests, 1):.1f} ms "
          f"per request -> at most {cores / per_complete:.1f} completes/s with all {cores} cores; "
          f"load generator {client_cpu:.1f} s ({100 * client_cpu / max(server_cpu + client_cpu, 1e-9):.0f}% "
          f"of the CPU this run consumed). Machine load average now: {os.getloadavg()[0]:.1f}")
    print(f"   {'request':<12} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in ORDER + ["all"]:
        values = everything if kind == "all" else stats.latencies.get(kind, [])
        if values:
            print(f"   {kind:<12} {len(values):>6} {1000 * percentile(values, 50):>8.1f} "
                  f"{1000 * percentile(values, 95):>8.1f} {1000 * percentile(values, 99):>8.1f}")
    for error in sorted(set(stats.errors))[:5]:
        print(f"   error: {error} (x{stats.errors.count(error)})")
    return {"db": db, "flow": flow, "clients": clients, "think": think, "completes": stats.completes,
            "seconds": elapsed,
            "rate": rate, "per_complete": per, "errors": len(stats.errors),
            "cpu_ms": 1000 * per_complete, "capacity": cores / per_complete,
            "p50": percentile(everything, 50), "p95": percentile(everything, 95),
            "p99": percentile(everything, 99)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--completes", type=int, default=300, help="per run (upper bound)")
    parser.add_argument("--duration", type=float, default=60, help="seconds per run (upper bound)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker")
    parser.add_argument("--warmup", type=int, default=10, help="completes before measuring")
    parser.add_argument("--think", type=float, nargs="+", default=[0.0], metavar="MS",
                        help="mean think time before each request, in ms (exponentially "
                             "distributed; 0, the default: none). With think time the clients "
                             "offer a load instead of saturating the server, and the latencies "
                             "are those of that load rather than of the queue. Several values: "
                             "one run each")
    parser.add_argument("--flow", choices=["script", "paged", "both"], default="both",
                        help="script: browsers running the page script (the whole questionnaire in "
                             "one document); paged: without it, one POST per page")
    args = parser.parse_args(argv)
    definition = load_file(FLAGSHIP)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"bench/load.py: flagship '{definition['id']}', {len(definition['pages'])} pages; "
          f"cores: {os.cpu_count()}; load generator and server share this machine")
    summary = []
    flows = ["script", "paged"] if args.flow == "both" else [args.flow]
    for kind, flow, clients, think_ms in [(k, f, c, t) for k in kinds for f in flows
                                          for c in args.clients for t in args.think]:
        script, think = flow == "script", think_ms / 1000
        with database(kind) as url:
            slug = prepare(url)
            with Gunicorn(url, workers=args.workers, threads=args.threads) as server:
                run_load(server.base, slug, definition, min(clients, 10), args.warmup, 60, seed=99,
                         script=script)
                pids, db_pids = server.pids(), database_pids(url)
                server_before, client_before = cpu_seconds(pids + db_pids), sum(os.times()[:2])
                db_before = cpu_seconds(db_pids)
                stats, elapsed = run_load(server.base, slug, definition, clients,
                                          args.completes, args.duration, script=script, think=think)
                server_cpu = cpu_seconds(pids + db_pids) - server_before
                database_cpu = cpu_seconds(db_pids) - db_before
                client_cpu = sum(os.times()[:2]) - client_before
                summary.append(report(kind, clients, stats, elapsed, server_cpu, client_cpu,
                                      database_cpu, flow, think))
    print("\nSummary (request latencies over all request types)")
    print(f"{'database':<11} {'flow':<7} {'clients':>7} {'think ms':>8} {'completes/s':>12} {'req/complete':>13} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7} {'CPU ms/complete':>16} "
          f"{'max/s on idle box':>18}")
    for row in summary:
        print(f"{row['db']:<11} {row['flow']:<7} {row['clients']:>7} {1000 * row['think']:>8.0f} "
              f"{row['rate']:>12.1f} {row['per_complete']:>13.1f} "
              f"{1000 * row['p50']:>7.1f} {1000 * row['p95']:>7.1f} {1000 * row['p99']:>7.1f} "
              f"{row['errors']:>7} {row['cpu_ms']:>16.0f} {row['capacity']:>18.1f}")
    print("Targets: >= 50 completes/s at 50 clients, request p95 <= 150 ms (load generator on the "
          "same 2 cores).")
    return 0 if all(row["errors"] == 0 for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
