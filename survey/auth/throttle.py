"""Login throttling, shared by every worker through the database.

Failed sign-ins are counted per user name and per client address in a moving window. Once either
count reaches its limit, further attempts are refused without checking the password until the
oldest counted failure leaves the window; a successful sign-in clears the count of that user name.

Why the database and not each worker's memory: with *w* workers on *s* servers an in-memory
count lets a guesser try *w x s* times the limit. The rows (:class:`LoginFailure`) hold a keyed
hash of the name or address and a time, nothing else, and are deleted once they leave the
longest window. Limits are read from the app config (``LOGIN_LIMIT_PER_USER``,
``LOGIN_LIMIT_PER_ADDRESS``) in ``limits`` notation ("5 per 15 minutes").
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Flask
from limits import parse
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.models import LoginFailure
from survey.models.base import utcnow

DEFAULT_PER_USER = "5 per 15 minutes"
DEFAULT_PER_ADDRESS = "30 per 15 minutes"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the next attempt is accepted


@dataclass(frozen=True)
class Limit:
    amount: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> "Limit":
        item = parse(text)
        return cls(item.amount, timedelta(seconds=item.get_expiry()))


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class LoginThrottle:
    def __init__(self, session: Session, secret: str | bytes, per_user: str = DEFAULT_PER_USER,
                 per_address: str = DEFAULT_PER_ADDRESS):
        self._session = session
        self._secret = secret.encode() if isinstance(secret, str) else secret
        self._per_user = Limit.parse(per_user)
        self._per_address = Limit.parse(per_address)

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def _keys(self, username: str, address: str) -> list[tuple[Limit, str]]:
        return [(self._per_user, self._key("user", username.strip().lower())),
                (self._per_address, self._key("address", address or "-"))]

    def check(self, username: str, address: str) -> Verdict:
        """May this attempt go ahead? Does not count it."""
        now = utcnow()
        wait = 0.0
        for limit, key in self._keys(username, address):
            recent = self._session.scalars(
                select(LoginFailure.at)
                .where(LoginFailure.key == key, LoginFailure.at > now - limit.window)
                .order_by(LoginFailure.at.desc()).limit(limit.amount)).all()
            if len(recent) >= limit.amount:
                # Allowed again when the amount-th most recent failure leaves the window.
                frees_at = _aware(recent[-1]) + limit.window
                wait = max(wait, (frees_at - now).total_seconds())
        if wait > 0:
            return Verdict(False, max(1, math.ceil(wait)))
        return Verdict(True)

    def failed(self, username: str, address: str) -> bool:
        """Count a failed attempt; True when this failure used up the user name's allowance."""
        now = utcnow()
        longest = max(self._per_user.window, self._per_address.window)
        self._session.execute(delete(LoginFailure).where(LoginFailure.at <= now - longest))
        keys = self._keys(username, address)
        self._session.add_all(LoginFailure(key=key, at=now) for _limit, key in keys)
        self._session.commit()
        limit, key = keys[0]
        count = self._session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.key == key, LoginFailure.at > now - limit.window))
        return count >= limit.amount

    def succeeded(self, username: str) -> None:
        _limit, key = self._keys(username, "")[0]
        self._session.execute(delete(LoginFailure).where(LoginFailure.key == key))
        # The caller's commit (signing in) makes this permanent.


def throttle_for(app: Flask, session: Session) -> LoginThrottle:
    """The throttle with the app's current limits (read each time, so a changed setting applies
    at once) over ``session``."""
    return LoginThrottle(session, app.config["SECRET_KEY"],
                         app.config.get("LOGIN_LIMIT_PER_USER", DEFAULT_PER_USER),
                         app.config.get("LOGIN_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS))
