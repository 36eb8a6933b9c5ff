"""Data for the analyst's tests: a rich campaign's responses spread so that tables publish."""
from __future__ import annotations

import random
from datetime import date

from survey.extensions import db
from tests.analysis.exports.data import store


def populate(campaign, n: int = 60, seed: int = 5) -> None:
    """``n`` responses with enough spread that tables publish, and one level-3 respondent
    so that level 3 is suppressed."""
    rng = random.Random(seed)
    for i in range(n):
        level = 3 if i == 0 else rng.choice([1, 2])
        store(campaign, {"level": level, "gender": rng.choice([1, 2]), "q1": rng.choice([1, 2, 3]),
                         "m": rng.sample([1, 2, 9], rng.randint(1, 2)), "m.other": "khác",
                         "g": {"1": rng.choice([1, 2]), "2": rng.choice([1, 2, 8])},
                         "r": rng.sample([1, 2, 3], 2), "age": rng.randint(1, 30),
                         "y": "Ý kiến riêng"},
              on=date(2026, 3, 1 + i % 20))
    db.session.commit()
