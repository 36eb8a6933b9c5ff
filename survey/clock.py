"""The one place the app reads the time.

Everything that decides by the calendar (a campaign opening or closing, a draft expiring,
the day a response is stamped with, a sign-in throttle window) asks :func:`now` or
:func:`today`, so that a test can set the clock with :func:`frozen` instead of depending on
the day it happens to run.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timezone

_fixed: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return _fixed if _fixed is not None else datetime.now(timezone.utc)


def today() -> date:
    """The calendar date in UTC: the only time information kept about respondents."""
    return now().date()


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Hold the clock at ``at`` (a timezone-aware instant) for the block."""
    global _fixed
    if at.tzinfo is None:
        raise ValueError("frozen() needs a timezone-aware datetime")
    previous, _fixed = _fixed, at.astimezone(timezone.utc)
    try:
        yield _fixed
    finally:
        _fixed = previous
