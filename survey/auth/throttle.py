"""Login throttling, kept in memory only.

Failed sign-ins are counted per user name and per client address in a moving window (the
``limits`` library). Once either count reaches its limit, further attempts are refused without
checking the password until the window has moved on; a successful sign-in clears the count of
that user name. Nothing is written to disk or to the database, so a restart forgets it — the
throttle slows down password guessing, it is not a record. Limits are read from the app config
(``LOGIN_LIMIT_PER_USER``, ``LOGIN_LIMIT_PER_ADDRESS``) in ``limits`` notation.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from flask import Flask
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

DEFAULT_PER_USER = "5 per 15 minutes"
DEFAULT_PER_ADDRESS = "30 per 15 minutes"
_creation_lock = threading.Lock()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the next attempt is accepted


class LoginThrottle:
    def __init__(self, per_user: str = DEFAULT_PER_USER, per_address: str = DEFAULT_PER_ADDRESS):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_user: RateLimitItem = parse(per_user)
        self._per_address: RateLimitItem = parse(per_address)

    def _keys(self, username: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(self._per_user, "user", username.strip().lower()),
                (self._per_address, "address", address or "-")]

    def check(self, username: str, address: str) -> Verdict:
        """May this attempt go ahead? Does not count it."""
        wait = 0.0
        for item, kind, key in self._keys(username, address):
            if not self._limiter.test(item, kind, key):
                reset = self._limiter.get_window_stats(item, kind, key).reset_time
                wait = max(wait, reset - time.time())
        if wait > 0:
            return Verdict(False, max(1, math.ceil(wait)))
        return Verdict(True)

    def failed(self, username: str, address: str) -> bool:
        """Count a failed attempt; True when this failure used up the user name's allowance."""
        for item, kind, key in self._keys(username, address):
            self._limiter.hit(item, kind, key)
        item, kind, key = self._keys(username, address)[0]
        return not self._limiter.test(item, kind, key)

    def succeeded(self, username: str) -> None:
        item, kind, key = self._keys(username, "")[0]
        self._limiter.clear(item, kind, key)


def throttle_for(app: Flask) -> LoginThrottle:
    """The app's throttle, created on first use (one per app, so tests never share counts)."""
    with _creation_lock:
        throttle = app.extensions.get("login_throttle")
        if throttle is None:
            throttle = LoginThrottle(
                app.config.get("LOGIN_LIMIT_PER_USER", DEFAULT_PER_USER),
                app.config.get("LOGIN_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS))
            app.extensions["login_throttle"] = throttle
        return throttle
