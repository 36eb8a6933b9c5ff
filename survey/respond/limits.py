"""Rate limits for respondent POSTs, kept in process memory only: the client address is used
as a key while it is in memory and is never written to the database or a log.

A moving window per (scope, address): the times of the last hits, at most ``limit`` of them.
This replaces the ``limits`` package's memory storage, which started a ``threading.Timer``
thread for expiry on nearly every POST; here stale keys are swept inline, at most once per
window length, so a flood of addresses cannot grow memory without bound.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import deque

from flask import abort, current_app, request
from limits import parse


class MovingWindow:
    """At most ``limit`` hits per ``seconds`` per key, counted over a sliding window."""

    def __init__(self) -> None:
        self.hits: dict[tuple[str, int, float, str], deque[float]] = {}
        self.lock = threading.Lock()
        self.swept = time.monotonic()

    def hit(self, scope: str, key: str, limit: int, seconds: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        start = now - seconds
        with self.lock:
            if now - self.swept > seconds:
                self._sweep(start)
                self.swept = now
            slot = (scope, limit, seconds, key)
            window = self.hits.get(slot)
            if window is None:
                window = self.hits[slot] = deque(maxlen=limit)
            while window and window[0] <= start:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    def _sweep(self, start: float) -> None:
        stale = [k for k, window in self.hits.items() if not window or window[-1] <= start]
        for k in stale:
            del self.hits[k]


def _limiter() -> MovingWindow:
    limiter = current_app.extensions.get("respond_limiter")
    if limiter is None:
        limiter = current_app.extensions.setdefault("respond_limiter", MovingWindow())
    return limiter


@functools.lru_cache(maxsize=32)
def _rule(rule: str) -> tuple[int, float]:
    item = parse(rule)
    return item.amount, float(item.get_expiry())


def check_rate(scope: str, rule: str) -> None:
    """Abort with 429 (a Vietnamese error page) when the client exceeds ``rule`` in ``scope``."""
    if not rule:
        return
    limit, seconds = _rule(rule)
    if not _limiter().hit(scope, request.remote_addr or "-", limit, seconds):
        abort(429)
