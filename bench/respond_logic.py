"""Micro-benchmark of the respondent page logic (``survey/questionnaire/runtime/rules.py``) on the flagship,
without Flask's request machinery: what one complete costs in skip logic, option filters,
pruning and validation.

For each of ``--completes`` random complete answer sets (``bench/load.py``'s ``page_form``,
fixed seed), every page is "posted" the way the page POST route does it: ``visible_pages``,
``prune``, ``validate_page``, ``offer_tokens``, then ``visible_pages`` again to find the next
page; at the end ``prune`` + ``validate_all`` as the submit does. Prints CPU ms per complete
(minimum and median of ``--repeat`` runs: the shared machine is noisy) and per function.

Usage::

    .venv/bin/python bench/respond_logic.py --completes 40 --repeat 5
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import page_form  # noqa: E402
from survey.app import create_app  # noqa: E402
from survey.questionnaire import load_file  # noqa: E402
from survey.questionnaire.runtime import rules as logic  # noqa: E402

FLAGSHIP = Path(__file__).resolve().parent.parent / "questionnaires" / "ne-tranh-trach-nhiem.yaml"


def scenarios(definition: dict[str, Any], completes: int, seed: int) -> list[list[dict[str, Any]]]:
    """Per complete, the answers dict after each page (what the server holds after each POST)."""
    rng = random.Random(seed)
    result = []
    for _ in range(completes):
        answers: dict[str, Any] = {}
        states = []
        for page in definition["pages"]:
            page_form(page, answers, rng)
            states.append(dict(answers))
        result.append(states)
    return result


def run(definition: dict[str, Any], states_per_complete: list[list[dict[str, Any]]],
        costs: dict[str, float]) -> float:
    pages = definition["pages"]
    clock = time.process_time
    started = clock()
    for states in states_per_complete:
        for index, answers in enumerate(states):
            t0 = clock()
            shown = logic.visible_pages(definition, answers)
            t1 = clock()
            pruned = logic.prune(definition, answers)
            t2 = clock()
            if index in shown:
                logic.validate_page(pages[index], pruned)
            t3 = clock()
            logic.offer_tokens(pages[index], pruned)
            t4 = clock()
            logic.visible_pages(definition, pruned)
            t5 = clock()
            costs["visible_pages"] += (t1 - t0) + (t5 - t4)
            costs["prune"] += t2 - t1
            costs["validate_page"] += t3 - t2
            costs["offer_tokens"] += t4 - t3
        t0 = clock()
        final = logic.prune(definition, states[-1])
        t1 = clock()
        logic.validate_all(definition, final)
        t2 = clock()
        costs["prune"] += t1 - t0
        costs["validate_all"] += t2 - t1
    return clock() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--completes", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench"})
    definition = load_file(FLAGSHIP)
    states = scenarios(definition, args.completes, args.seed)
    totals: list[float] = []
    per_function: list[dict[str, float]] = []
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        for _ in range(args.repeat):
            costs = {k: 0.0 for k in ("visible_pages", "prune", "validate_page", "offer_tokens",
                                      "validate_all")}
            totals.append(run(definition, states, costs))
            per_function.append(costs)
    n = args.completes
    print(f"{n} flagship completes x {len(definition['pages'])} pages, {args.repeat} runs")
    print(f"logic CPU per complete: min {min(totals) / n * 1000:.2f} ms, "
          f"median {statistics.median(totals) / n * 1000:.2f} ms")
    best = per_function[totals.index(min(totals))]
    for name, seconds in best.items():
        print(f"  {name:<14} {seconds / n * 1000:7.2f} ms per complete")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
