"""Load test: complete flagship responses through the real HTTP flow against gunicorn.

Each simulated respondent does what a browser with JavaScript does (the page script keeps the
``_shown`` field current; static files are cached): GET the introduction, POST start (CSRF; the
answer is page 1), then for every page POST random valid answers (CSRF, ``_shown``; the answer is
the next page, then the review), and POST the submission (CSRF + one-time submission token; the
answer is the thank-you page): 11 requests for the 8-page flagship. Each respondent comes
from its own address (``X-Forwarded-For`` behind ``TRUSTED_PROXIES=1``, as behind nginx), so the
per-address rate limits apply as in production.

Usage::

    .venv/bin/python bench/load.py                       # both databases, 1/10/50 clients
    .venv/bin/python bench/load.py --db sqlite --clients 50 --completes 300 --duration 60

Prints, per database and client count: completes per second, requests per complete, and
p50/p95/p99 latency per request type, plus the CPU the load generator itself used — it runs on
the same machine as the server and competes with it for the cores.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import FLAGSHIP, Gunicorn, cpu_seconds, database, database_pids, prepare  # noqa: E402
from survey.questionnaire import load_file  # noqa: E402
from survey.respond import logic  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMIT_TOKEN = re.compile(r'name="st" value="([^"]+)"')
PAGE_PATH = re.compile(r"/s/[^/]+/p/(\d+)$")
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
DONE_URL = re.compile(r'<body data-url="/s/[^/"]+/done"')


class FlowError(Exception):
    """The server answered something a browser following the flow would not expect."""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    completes: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.requests += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


class Browser:
    """One respondent's browser: a cookie jar and one HTTP connection (reopened when the
    server closes it, as a sync gunicorn worker does after every response)."""

    def __init__(self, base: str, address: str, stats: Stats | None, timeout: float = 30):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.address, self.stats, self.timeout = address, stats, timeout
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def close(self) -> None:
        self.conn.close()

    def request(self, kind: str, method: str, path: str,
                form: dict[str, Any] | list[tuple[str, Any]] | None = None):
        headers = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "http",
                   "Accept-Language": "vi"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had already closed: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                if attempt == 2 or method == "POST":
                    raise
        elapsed = time.perf_counter() - started
        if self.stats is not None:
            self.stats.record(kind, elapsed)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "max-age=0" in value.lower() or "expires=thu, 01 jan 1970" in value.lower():
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        if response.will_close:
            self.conn.close()
        return response.status, response.getheader("Location"), data.decode("utf-8", "replace")


def page_form(page: dict[str, Any], answers: dict[str, Any], rng: random.Random) -> list[tuple[str, Any]]:
    """Random valid answers for one page, as the form fields the page would send, choosing
    items in order so that a later item sees the answers of earlier ones (skip logic, option
    filters). Updates ``answers``."""
    fields: list[tuple[str, Any]] = []
    if not logic.page_visible(page, answers):
        return fields
    for item in page.get("items") or []:
        # Each item's own condition against the answers so far (cheap: the load generator
        # shares the cores with the server it measures).
        if item.get("type") == "note" or not logic.is_true(item.get("relevant"), answers):
            continue
        if not item.get("required") and rng.random() < 0.1:
            continue  # some respondents skip optional questions
        iid, kind = item["id"], item["type"]
        options = [o for o in logic.visible_options(item, answers)
                   if not o.get("other") and not o.get("exclusive")] or \
            logic.visible_options(item, answers)
        if kind == "single":
            code = rng.choice(options)["code"]
            fields.append((iid, code))
            answers[iid] = code
        elif kind == "multiple":
            most = min(item.get("max_select") or len(options), len(options))
            least = max(item.get("min_select") or 1, 1)
            chosen = rng.sample(options, rng.randint(least, max(least, most)))
            fields += [(iid, o["code"]) for o in chosen]
            answers[iid] = [o["code"] for o in chosen]
        elif kind == "grid":
            grid = {}
            for row in item.get("rows") or []:
                code = rng.choice(options)["code"]
                fields.append((f"{iid}.{row['id']}", code))
                grid[str(row["id"])] = code
            answers[iid] = grid
        elif kind == "ranking":
            ranked = [o for o in options if not o.get("missing")]
            chosen = rng.sample(ranked, min(item.get("top") or len(ranked), len(ranked)))
            fields += [(f"{iid}.rank.{r}", o["code"]) for r, o in enumerate(chosen, 1)]
            answers[iid] = [o["code"] for o in chosen]
        elif kind == "numeric":
            low = item.get("min") if item.get("min") is not None else 0
            high = item.get("max") if item.get("max") is not None else low + 10
            value = rng.randint(int(low), int(high))
            fields.append((iid, value))
            answers[iid] = value
        elif kind == "text":
            text = rng.choice(["Cần quy định rõ trách nhiệm người đứng đầu.",
                               "Bảo vệ cán bộ dám nghĩ, dám làm.", ""])
            if text:
                fields.append((iid, text))
                answers[iid] = text
    return fields


def _next_form(html: str) -> str:
    """The action of the page's form: the step the server rendered (``/p/<n>`` or ``/submit``)."""
    match = FORM_ACTION.search(html)
    if match is None:
        raise FlowError("no form on the page: " + " ".join(re.findall(r"<h1>([^<]*)</h1>", html)))
    return match.group(1)


def complete_one(base: str, slug: str, definition: dict[str, Any], rng: random.Random,
                 address: str, stats: Stats | None, double_submit: bool = False,
                 state: dict[str, Any] | None = None) -> str:
    """Walk the whole flow once; return the submission token of the stored response.

    A POST that moves on answers with the next step rendered (see :mod:`survey.respond.routes`):
    start → page 1, each page → the next page or the review, submit → thank-you. So the walk is
    intro GET, start POST, one POST per page, submit POST: the step shown is read from the
    rendered form's action, CSRF and submission tokens from its hidden fields.

    ``state``, when given, is told the browser and, just before the submission is sent, the
    submission form (``state["submit"]``), so that a caller can retry it after a crash.

    Raises :class:`FlowError` on an unexpected answer from the server."""
    browser = Browser(base, address, stats)
    if state is not None:
        state["browser"] = browser
    pages = definition["pages"]
    answers: dict[str, Any] = {}
    submit_path = f"/s/{slug}/submit"
    try:
        status, _, html = browser.request("intro GET", "GET", f"/s/{slug}")
        if status != 200:
            raise FlowError(f"intro {status}")
        csrf = CSRF.search(html).group(1)
        status, location, html = browser.request("start POST", "POST", f"/s/{slug}/start",
                                                 {"csrf_token": csrf})
        if status != 200:
            raise FlowError(f"start {status} {location}")
        action = _next_form(html)
        for _hop in range(len(pages) + 1):
            match = PAGE_PATH.search(action)
            if match is None:
                break
            number = int(match.group(1))
            page = pages[number - 1]
            form = page_form(page, answers, rng)
            shown = " ".join(sorted(logic.offer_tokens(page, answers)))
            status, location, html = browser.request(
                "page POST", "POST", action,
                [("csrf_token", CSRF.search(html).group(1)), ("_shown", shown), ("action", "next")]
                + form)
            following = _next_form(html) if status == 200 else None
            if following is None or following == action:
                raise FlowError(f"page {number} POST {status} {location or ''}: "
                                + "; ".join(re.findall(r'<p class="err"[^>]*>([^<]+)', html))[:300])
            action = following
        if action != submit_path:
            raise FlowError(f"flow did not reach the review page ({action})")
        form = {"csrf_token": CSRF.search(html).group(1), "st": SUBMIT_TOKEN.search(html).group(1)}
        if state is not None:
            state["submit"] = form
        status, location, html = browser.request("submit POST", "POST", submit_path, form)
        if not thanked(status, html):
            raise FlowError(f"submit {status} {location}")
        if double_submit:  # a double tap: the same form again
            again, again_location, html = browser.request("submit POST", "POST", submit_path, form)
            if not thanked(again, html):
                raise FlowError(f"second submit {again} {again_location}")
        return form["st"]
    finally:
        browser.close()


def thanked(status: int, html: str) -> bool:
    """The submission's answer is the thank-you page (rendered in reply to the POST)."""
    return status == 200 and DONE_URL.search(html) is not None


def run_load(base: str, slug: str, definition: dict[str, Any], clients: int, completes: int,
             duration: float, seed: int = 1) -> tuple[Stats, float]:
    """``clients`` threads complete responses until ``completes`` are done or ``duration`` s."""
    stats = Stats()
    counter = iter(range(10 ** 9))
    counter_lock = threading.Lock()
    deadline = time.monotonic() + duration

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while time.monotonic() < deadline:
            with counter_lock:
                i = next(counter)
                if i >= completes:
                    return
            address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            try:
                complete_one(base, slug, definition, rng, address, stats)
                with stats.lock:
                    stats.completes += 1
            except Exception as exc:  # report, keep going: one failure must not end the run
                with stats.lock:
                    stats.errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.perf_counter() - started


ORDER = ["intro GET", "start POST", "page POST", "submit POST"]


def report(db: str, clients: int, stats: Stats, elapsed: float, server_cpu: float,
           client_cpu: float) -> dict[str, Any]:
    rate = stats.completes / elapsed if elapsed else 0
    per = stats.requests / stats.completes if stats.completes else float("nan")
    everything = [x for values in stats.latencies.values() for x in values]
    print(f"\n== {db}, {clients} concurrent clients: {stats.completes} completes in {elapsed:.1f} s "
          f"= {rate:.1f} completes/s; {stats.requests} requests ({stats.requests / elapsed:.0f}/s), "
          f"{per:.1f} requests per complete; errors {len(stats.errors)}")
    per_complete = server_cpu / stats.completes if stats.completes else float("nan")
    cores = os.cpu_count() or 1
    print(f"   CPU used: server (gunicorn + database) {server_cpu:.1f} s = "
          f"{1000 * per_complete:.0f} ms per complete, {1000 * server_cpu / max(stats.requests, 1):.1f} ms "
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
    return {"db": db, "clients": clients, "completes": stats.completes, "seconds": elapsed,
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
    args = parser.parse_args(argv)
    definition = load_file(FLAGSHIP)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"bench/load.py: flagship '{definition['id']}', {len(definition['pages'])} pages; "
          f"cores: {os.cpu_count()}; load generator and server share this machine")
    summary = []
    for kind in kinds:
        for clients in args.clients:
            with database(kind) as url:
                slug = prepare(url)
                with Gunicorn(url, workers=args.workers, threads=args.threads) as server:
                    run_load(server.base, slug, definition, min(clients, 10), args.warmup, 60, seed=99)
                    pids = server.pids() + database_pids(url)
                    server_before, client_before = cpu_seconds(pids), sum(os.times()[:2])
                    stats, elapsed = run_load(server.base, slug, definition, clients,
                                              args.completes, args.duration)
                    server_cpu = cpu_seconds(pids) - server_before
                    client_cpu = sum(os.times()[:2]) - client_before
                    summary.append(report(kind, clients, stats, elapsed, server_cpu, client_cpu))
    print("\nSummary (request latencies over all request types)")
    print(f"{'database':<11} {'clients':>7} {'completes/s':>12} {'req/complete':>13} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7} {'CPU ms/complete':>16} "
          f"{'max/s on idle box':>18}")
    for row in summary:
        print(f"{row['db']:<11} {row['clients']:>7} {row['rate']:>12.1f} {row['per_complete']:>13.1f} "
              f"{1000 * row['p50']:>7.1f} {1000 * row['p95']:>7.1f} {1000 * row['p99']:>7.1f} "
              f"{row['errors']:>7} {row['cpu_ms']:>16.0f} {row['capacity']:>18.1f}")
    print("Targets: >= 50 completes/s at 50 clients, request p95 <= 150 ms (load generator on the "
          "same 2 cores).")
    return 0 if all(row["errors"] == 0 for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
