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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import FLAGSHIP, bench_config, database, prepare  # noqa: E402
from bench.load import CSRF, FORM_ACTION, PAGE_PATH, SUBMIT_TOKEN, page_form, thanked  # noqa: E402
from survey.questionnaire import load_file  # noqa: E402
from survey.respond import logic  # noqa: E402

HEADERS = {"Accept-Language": "vi"}


def walk(client, slug: str, definition: dict[str, Any], rng: random.Random, address: str,
         costs: dict[str, list[float]]) -> None:
    """One complete through the test client; ``costs`` gets CPU seconds per request type."""
    environ = {"REMOTE_ADDR": address}

    def call(kind: str, method: str, path: str, data=None):
        started = time.process_time()
        response = client.open(path, method=method, data=data, headers=HEADERS,
                               environ_base=environ)
        costs.setdefault(kind, []).append(time.process_time() - started)
        return response

    client._cookies.clear()  # a new browser
    r = call("intro GET", "GET", f"/s/{slug}")
    assert r.status_code == 200, r.status_code
    csrf = CSRF.search(r.get_data(as_text=True)).group(1)
    r = call("start POST", "POST", f"/s/{slug}/start", {"csrf_token": csrf})
    assert r.status_code == 200, r.status_code
    html = r.get_data(as_text=True)
    action = FORM_ACTION.search(html).group(1)
    answers: dict[str, Any] = {}
    pages = definition["pages"]
    while (match := PAGE_PATH.search(action)) is not None:
        page = pages[int(match.group(1)) - 1]
        form = page_form(page, answers, rng)
        shown = " ".join(sorted(logic.offer_tokens(page, answers)))
        data = [("csrf_token", CSRF.search(html).group(1)), ("_shown", shown),
                ("action", "next")] + form
        r = call("page POST", "POST", action, _multidict(data))
        html = r.get_data(as_text=True)
        following = FORM_ACTION.search(html).group(1)
        assert r.status_code == 200 and following != action, (action, r.status_code, html[:500])
        action = following
    assert action.endswith("/submit"), action
    form = {"csrf_token": CSRF.search(html).group(1), "st": SUBMIT_TOKEN.search(html).group(1)}
    r = call("submit POST", "POST", action, form)
    assert thanked(r.status_code, r.get_data(as_text=True)), r.status_code


def _multidict(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict([(k, str(v)) for k, v in pairs])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--completes", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument tree")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batches", type=int, default=1,
                        help="split the completes into batches and also print each request "
                             "type's lowest batch mean (steadier on a shared machine)")
    args = parser.parse_args(argv)

    from survey import create_app

    definition = load_file(FLAGSHIP)
    with database(args.db) as url:
        slug = prepare(url)
        app = create_app(bench_config(url))
        client = app.test_client()
        rng = random.Random(7)
        for i in range(args.warmup):
            walk(client, slug, definition, rng, f"10.9.0.{i}", {})
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
            walk(client, slug, definition, rng, f"10.8.{i >> 8}.{i & 255}", batch)
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
        print(f"{args.db}: {args.completes} completes, {requests / args.completes:.1f} requests "
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
