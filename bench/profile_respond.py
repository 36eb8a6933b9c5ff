"""Profile the respondent flow in-process: the Flask test client walks complete flagship
responses exactly as ``bench/load.py`` does over HTTP (same forms, CSRF, ``_shown``, submission
token), and this prints the server CPU per complete and per request type, then the top costs.

Usage::

    .venv/bin/python bench/profile_respond.py                  # SQLite, 30 completes
    .venv/bin/python bench/profile_respond.py --completes 50 --profile   # + pyinstrument tree

The database is a throwaway SQLite file with the production pragmas (WAL, synchronous=FULL),
so the fsync per commit is in the figures, as in production. CPU is process time
(``time.process_time``), so a busy shared machine inflates it less than wall time.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import FLAGSHIP, bench_config, database, prepare  # noqa: E402
from bench.load import plans_for, walk as http_walk  # noqa: E402
from survey.questionnaire import load_file  # noqa: E402

HEADERS = {"Accept-Language": "vi", "Accept-Encoding": "gzip"}  # as browsers send them


def walk(client, slug: str, plans: list, rng: random.Random, address: str,
         costs: dict[str, list[float]], script: bool = False) -> None:
    """One complete through the test client, the requests of ``bench/load.py``'s own walk
    (:func:`bench.load.walk`); ``costs`` gets CPU seconds per request type."""
    environ = {"REMOTE_ADDR": address}
    client._cookies.clear()  # a new browser
    steps = http_walk(slug, plans, rng, script=script)
    request = next(steps)
    while True:
        kind, method, path, body = request
        started = time.process_time()
        response = client.open(path, method=method, data=body, headers=HEADERS,
                               environ_base=environ,
                               content_type=None if body is None else
                               "application/x-www-form-urlencoded")
        costs.setdefault(kind, []).append(time.process_time() - started)
        data = response.get_data()
        if response.headers.get("Content-Encoding") == "gzip":
            data = zlib.decompress(data, 31)
        try:
            request = steps.send((response.status_code, response.headers.get("Location"), data))
        except StopIteration:
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--completes", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument tree")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--flow", choices=["script", "paged"], default="script",
                        help="as bench/load.py: the one-document flow, or one POST per page")
    parser.add_argument("--batches", type=int, default=1,
                        help="split the completes into batches and also print each request "
                             "type's lowest batch mean (steadier on a shared machine)")
    args = parser.parse_args(argv)

    from survey.app import create_app

    plans = plans_for(load_file(FLAGSHIP))
    script = args.flow == "script"
    with database(args.db) as url:
        slug = prepare(url)
        app = create_app(bench_config(url))
        client = app.test_client()
        rng = random.Random(7)
        for i in range(args.warmup):
            walk(client, slug, plans, rng, f"10.9.0.{i}", {}, script)
        costs: dict[str, list[float]] = {}
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        batch_means: dict[str, list[float]] = {}
        per_batch = max(1, args.completes // args.batches)
        for i in range(args.completes):
            batch: dict[str, list[float]] = {}
            walk(client, slug, plans, rng, f"10.8.{i >> 8}.{i & 255}", batch, script)
            for kind, values in batch.items():
                costs.setdefault(kind, []).extend(values)
            if (i + 1) % per_batch == 0:
                for kind, values in costs.items():
                    done = values[-len(values) * per_batch // (i + 1):]
                    batch_means.setdefault(kind, []).append(sum(done) / len(done))
        cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
        if profiler is not None:
            profiler.stop()
        requests = sum(len(v) for v in costs.values())
        print(f"{args.db}, {args.flow} flow: {args.completes} completes, {requests / args.completes:.1f} requests "
              f"per complete; CPU {1000 * cpu / args.completes:.1f} ms per complete "
              f"({1000 * cpu / requests:.2f} ms per request); wall {1000 * wall / args.completes:.1f} ms")
        print(f"   {'request':<12} {'n':>5} {'CPU ms mean':>12} {'CPU ms/complete':>16}")
        for kind, values in costs.items():
            print(f"   {kind:<12} {len(values):>5} {1000 * sum(values) / len(values):>12.2f} "
                  f"{1000 * sum(values) / args.completes:>16.1f}")
        if args.batches > 1:
            lowest = {kind: min(means) for kind, means in batch_means.items()}
            per_complete = sum(lowest[kind] * len(costs[kind]) / args.completes for kind in lowest)
            print(f"   lowest batch means ({args.batches} batches): " + ", ".join(
                f"{kind} {1000 * value:.2f}" for kind, value in lowest.items())
                + f" ms; per complete {1000 * per_complete:.1f} ms")
        if profiler is not None:
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
