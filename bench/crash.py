"""Crash test: kill -9 gunicorn (master and workers) in the middle of a load run, restart it, and
count what the database holds.

Respondents complete flagship responses through the real HTTP flow (see ``bench/load.py``),
half of them as browsers running the page script (the whole questionnaire in one document),
half page by page.
At random moments the whole server process group gets SIGKILL — as far as the app can tell, a
power cut. Respondents whose submission was in flight when the server died do what a person does
with a spinning page: once the server is back they press "Gửi" again (the same form, the same
one-time submission token). Other interrupted respondents give up; their drafts stay behind.

Afterwards, per database, it prints and checks:

* acknowledged submissions (the server answered "thank you") — each must be stored;
* interrupted submissions retried after the restart — each must be stored exactly once;
* stored complete responses — must equal acknowledged + retried: nothing lost, nothing doubled;
* receipts of every acknowledged or retried token — present (the receipt commits in the same
  transaction as the response, so a receipt proves that very submission is stored);
* complete responses whose answers are not a full, valid questionnaire — must be 0.

Usage::

    .venv/bin/python bench/crash.py --db both --clients 10 --kills 3 --duration 40
"""
from __future__ import annotations

import argparse
import http.client
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import FLAGSHIP, Gunicorn, bench_config, database, prepare  # noqa: E402
from bench.load import FlowError, complete_one, thanked  # noqa: E402
from survey.questionnaire import load_file  # noqa: E402


class SubmitWatch(dict):
    """A flow ``state`` that tells the killer when a submission is about to be sent, so that
    kills land where they hurt: just before, during or just after the submission commits."""

    armed = threading.Event()

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if key == "submit":
            SubmitWatch.armed.set()


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: list[str] = []      # tokens answered with "thank you"
        self.in_flight: list[dict[str, Any]] = []  # submit forms cut off by a kill
        self.abandoned = 0                     # respondents cut off before submitting
        self.unexpected: list[str] = []


def respondent_loop(base: str, slug: str, definition: dict, up: threading.Event,
                    stop: threading.Event, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    n = 0
    while not stop.is_set():
        up.wait()
        n += 1
        state: dict[str, Any] = SubmitWatch()
        address = f"10.{seed % 250}.{(n >> 8) & 255}.{n & 255}"
        try:
            # Half the respondents have the page script (the whole questionnaire in one
            # document, 4 requests), half walk page by page (11).
            token = complete_one(base, slug, definition, rng, address, None, state=state,
                                 script=n % 2 == 0)
            with tally.lock:
                tally.acknowledged.append(token)
        except FlowError as exc:
            with tally.lock:
                tally.unexpected.append(str(exc))
        except (OSError, http.client.HTTPException):  # refused, reset or cut short: killed under us
            with tally.lock:
                if "submit" in state:
                    tally.in_flight.append(state)
                else:
                    tally.abandoned += 1
            time.sleep(0.2)


def retry_submissions(tally: Tally) -> tuple[int, list[str]]:
    """Press "Gửi" again for every interrupted submission; return (retried, problems)."""
    problems = []
    for state in tally.in_flight:
        browser = state["browser"]
        for _attempt in range(50):
            try:
                status, location, page = browser.fetch("retry", "POST", *state["request"])
                html = page.decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        else:
            problems.append("retry never reached the server")
            continue
        browser.close()
        if not thanked(status, html):
            problems.append(f"retry answered {status} {location}")
    return len(tally.in_flight), problems


def audit(url: str, definition: dict, tokens: list[str]) -> dict[str, int]:
    """What the database holds, after the last restart."""
    from sqlalchemy import func, select

    from survey.app import create_app
    from survey.extensions import db
    from survey.models import (Answer, Draft, Response, ResponsePool, ResponseStatus,
                               SubmissionReceipt)
    from survey.services.pool import release_due
    from survey.questionnaire.storage import answers_from_rows
    from survey.questionnaire.runtime import rules as logic
    from survey.services.responses import receipt_key

    app = create_app(bench_config(url))
    with app.app_context(), app.test_request_context():
        # Acknowledged submissions wait in the holding pool until their batch is released:
        # count them there, then let them all in and count them again in the results.
        waiting = db.session.scalar(select(func.count()).select_from(ResponsePool))
        release_due(db.session, everything=True)
        complete = db.session.scalar(select(func.count()).select_from(Response).where(
            Response.status == ResponseStatus.COMPLETE))
        receipts = db.session.scalar(select(func.count()).select_from(SubmissionReceipt))
        hashes = {receipt_key(t) for t in tokens}
        found = set(db.session.scalars(select(SubmissionReceipt.token_hash).where(
            SubmissionReceipt.token_hash.in_(hashes)))) if hashes else set()
        invalid = 0
        rows_by_response: dict[str, list] = {}
        for row in db.session.scalars(select(Answer)):
            rows_by_response.setdefault(row.response_id, []).append(row)
        for response in db.session.scalars(select(Response)):
            answers = answers_from_rows(definition, rows_by_response.get(response.id, []))
            if not rows_by_response.get(response.id) or \
                    logic.validate_all(definition, answers, "vi") is not None:
                invalid += 1
        drafts = db.session.scalar(select(func.count()).select_from(Draft))
        db.session.remove()
        db.engine.dispose()
    return {"complete": complete, "receipts": receipts, "tokens_with_receipt": len(found),
            "tokens": len(hashes), "invalid_complete": invalid, "drafts_left": drafts,
            "waiting": waiting}


def run(kind: str, clients: int, kills: int, duration: float, seed: int) -> bool:
    definition = load_file(FLAGSHIP)
    rng = random.Random(seed)
    with database(kind) as url:
        slug = prepare(url)
        server = Gunicorn(url).start()
        up, stop, tally = threading.Event(), threading.Event(), Tally()
        up.set()
        threads = [threading.Thread(target=respondent_loop,
                                    args=(server.base, slug, definition, up, stop, tally, i))
                   for i in range(clients)]
        for t in threads:
            t.start()
        killed_pids = 0
        try:
            for _ in range(kills):
                time.sleep(rng.uniform(0.4, 1.0) * duration / kills)
                SubmitWatch.armed.clear()
                SubmitWatch.armed.wait(timeout=30)
                time.sleep(rng.uniform(0, 0.03))
                up.clear()
                killed_pids += len(server.kill9())
                time.sleep(0.5)
                server = Gunicorn(url, port=server.port, log_dir=server.log_dir).start()
                retried_now = len(tally.in_flight)
                up.set()
                print(f"   kill -9 of gunicorn ({killed_pids} processes so far); restarted; "
                      f"{retried_now} submissions in flight so far")
            time.sleep(duration / kills / 2)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        flight_tokens = [state["submit"]["st"] for state in tally.in_flight]
        committed_before_retry = audit(url, definition, flight_tokens)["tokens_with_receipt"]
        retried, problems = retry_submissions(tally)
        server.stop()
        tokens = tally.acknowledged + [s["submit"]["st"] for s in tally.in_flight]
        counts = audit(url, definition, tokens)
    acknowledged = len(tally.acknowledged)
    expected = acknowledged + retried
    ok = (counts["complete"] == expected and counts["tokens_with_receipt"] == counts["tokens"]
          == expected and counts["receipts"] == expected and counts["invalid_complete"] == 0
          and not problems and not tally.unexpected)
    print(f"== {kind}: {kills} x kill -9 during load with {clients} clients")
    print(f"   acknowledged submissions (thank-you received): {acknowledged}")
    print(f"   submissions cut off in flight, retried after restart: {retried}"
          f" (retry problems: {len(problems)}); of these, already stored by the killed server "
          f"before the retry: {committed_before_retry}")
    print(f"   respondents cut off before submitting (drafts left): {tally.abandoned}"
          f" ({counts['drafts_left']} drafts in the database)")
    print(f"   waiting in the holding pool when the run ended: {counts['waiting']}")
    print(f"   stored complete responses: {counts['complete']} (expected {expected}: "
          f"{'exactly once' if counts['complete'] == expected else 'MISMATCH'})")
    print(f"   receipts found for acknowledged+retried tokens: {counts['tokens_with_receipt']}"
          f"/{counts['tokens']}; receipts in total: {counts['receipts']}")
    print(f"   complete responses with missing or invalid answers: {counts['invalid_complete']}")
    for line in sorted(set(problems + tally.unexpected))[:5]:
        print(f"   problem: {line}")
    print(f"   {'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--duration", type=float, default=40, help="seconds of load in total")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = [run(kind, args.clients, args.kills, args.duration, args.seed) for kind in kinds]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
