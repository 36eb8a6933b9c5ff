"""Rate limits for respondent POSTs, kept in process memory only (the ``limits`` package's
memory storage): the client address is used as a key while it is in memory and is never
written to the database or a log."""
from __future__ import annotations

from flask import abort, current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get("respond_limiter")
    if limiter is None:
        limiter = MovingWindowRateLimiter(MemoryStorage())
        current_app.extensions["respond_limiter"] = limiter
    return limiter


def check_rate(scope: str, rule: str) -> None:
    """Abort with 429 (a Vietnamese error page) when the client exceeds ``rule`` in ``scope``."""
    if not rule:
        return
    if not _limiter().hit(parse(rule), "respond", scope, request.remote_addr or "-"):
        abort(429)
