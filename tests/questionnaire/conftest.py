"""Every test starts with empty expression caches (parse, compile, references, conditions), so
each test exercises the parser and compiler itself — and so that a mutation run (mutmut forks
its workers after a warm-up) tests the code, not a closure compiled before the mutant was on."""
from __future__ import annotations

import pytest

from survey.questionnaire.expressions import dependencies, evaluation, parser


@pytest.fixture(autouse=True)
def _fresh_expression_caches():
    for cached in (parser._parse_cached, evaluation._compiled_text,
                   dependencies._referenced_in_text, evaluation.compiled_condition):
        cached.cache_clear()
    yield
