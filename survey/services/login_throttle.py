"""Login throttling, shared by every worker and app server through the database.

What it must do (issue 25, point 11): slow down password guessing without letting a stranger
lock an account's owner out, and count every attempt before its password is checked, so that
parallel attempts cannot slip past the limit.

Each attempt is counted under several keys, each with its limit in a moving window:

* ``pair`` — this user name from this client address (``LOGIN_LIMIT_PER_USER``, default
  5 per 15 minutes). A stranger guessing the admin's password locks only himself out of that
  account; the admin, from any other address, still signs in.
* ``address`` — every user name from this address (``LOGIN_LIMIT_PER_ADDRESS``, 30 per
  15 minutes): one client cannot try many accounts.
* ``account`` — this user name from anywhere (``LOGIN_LIMIT_PER_ACCOUNT``, 100 per hour): a
  guesser with many addresses still gets a bounded number of tries.
* ``device`` — a browser that signed in to this account before carries a signed *device
  cookie* (OWASP's "device cookie" defence). Its attempts are counted per device only
  (``LOGIN_LIMIT_PER_USER``), not per address or account, so neither a guesser sharing the
  owner's office address nor a distributed guesser exhausting the account's budget keeps the
  owner out of a browser they have used before.

Atomic: an attempt first writes its rows and commits, then counts the rows in each window
(its own included). If any count is over its limit the attempt is refused without a password
check and its rows are deleted again (a refusal is not a check). Whatever the interleaving of
parallel attempts, the last of those let through saw every earlier one, so no more than the
limit are ever checked: no lock is needed, on SQLite or PostgreSQL. A successful sign-in deletes
its own rows and the failures of its pair and device; the account's budget is kept.

Rows (:class:`LoginFailure`) hold a keyed hash of the key and a time, nothing else (people type
their password into the name field), and are deleted once they leave the longest window. Limits
are in ``limits`` notation ("5 per 15 minutes") and read from the app config each time.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.models import LoginFailure
from survey.models.base import utcnow

DEFAULT_PER_USER = "5 per 15 minutes"
DEFAULT_PER_ADDRESS = "30 per 15 minutes"
DEFAULT_PER_ACCOUNT = "100 per hour"
DEVICE_COOKIE = "staff_device"
DEVICE_MAX_AGE = 180 * 24 * 3600


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the next attempt is accepted
    ids: tuple[int, ...] = field(default=(), compare=False)  # this attempt's rows


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
                 per_address: str = DEFAULT_PER_ADDRESS,
                 per_account: str = DEFAULT_PER_ACCOUNT):
        self._session = session
        self._secret = secret.encode() if isinstance(secret, str) else secret
        self._per_user = Limit.parse(per_user)
        self._per_address = Limit.parse(per_address)
        self._per_account = Limit.parse(per_account)

    # -- keys ------------------------------------------------------------------------------

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _name(username: str) -> str:
        return username.strip().lower()

    def _keys(self, username: str, address: str, device: str | None
              ) -> list[tuple[Limit, str]]:
        name = self._name(username)
        if device:
            return [(self._per_user, self._key("device", f"{name}\n{device}"))]
        return [(self._per_user, self._key("pair", f"{name}\n{address or '-'}")),
                (self._per_address, self._key("address", address or "-")),
                (self._per_account, self._key("account", name))]

    # -- device cookies --------------------------------------------------------------------

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt="staff-device")

    def device_token(self, username: str, previous: str | None = None) -> str:
        """A device cookie value for ``username`` (the browser keeps its device id when it
        already had one for this account)."""
        nonce = self.device(username, previous) or secrets.token_urlsafe(16)
        return self._serializer().dumps({"u": self._key("user", self._name(username)),
                                         "n": nonce})

    def device(self, username: str, token: str | None) -> str | None:
        """The device id in a valid device cookie issued for ``username``, else None."""
        if not token:
            return None
        try:
            data = self._serializer().loads(token, max_age=DEVICE_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or \
                data.get("u") != self._key("user", self._name(username)):
            return None
        nonce = data.get("n")
        return nonce if isinstance(nonce, str) else None

    # -- attempts --------------------------------------------------------------------------

    def attempt(self, username: str, address: str, device: str | None = None) -> Verdict:
        """Count this attempt, then decide whether its password may be checked."""
        now = utcnow()
        longest = max(self._per_user.window, self._per_address.window,
                      self._per_account.window)
        self._session.execute(delete(LoginFailure).where(LoginFailure.at <= now - longest))
        keys = self._keys(username, address, device)
        rows = [LoginFailure(key=key, at=now) for _limit, key in keys]
        self._session.add_all(rows)
        self._session.commit()
        ids = tuple(row.id for row in rows)
        wait = 0.0
        for limit, key in keys:
            recent = self._session.scalars(
                select(LoginFailure.at)
                .where(LoginFailure.key == key, LoginFailure.at > now - limit.window)
                .order_by(LoginFailure.at.desc()).limit(limit.amount + 1)).all()
            if len(recent) > limit.amount:
                # Allowed again when the amount-th most recent attempt leaves the window.
                frees_at = _aware(recent[limit.amount - 1]) + limit.window
                wait = max(wait, (frees_at - now).total_seconds(), 1.0)
        if wait > 0:
            self._forget(ids)
            return Verdict(False, max(1, math.ceil(wait)))
        return Verdict(True, ids=ids)

    def _forget(self, ids: tuple[int, ...]) -> None:
        self._session.execute(delete(LoginFailure).where(LoginFailure.id.in_(ids)))
        self._session.commit()

    def used_up(self, username: str, address: str, device: str | None = None) -> bool:
        """Whether the failures of this user name from this client now fill its allowance
        (the moment to audit a lockout)."""
        limit, key = self._keys(username, address, device)[0]
        count = self._session.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.key == key, LoginFailure.at > utcnow() - limit.window))
        return (count or 0) >= limit.amount

    def succeeded(self, verdict: Verdict, username: str, address: str,
                  device: str | None = None) -> None:
        """A right password: this attempt was no failure, and the failures of this user name
        from this client (pair or device) are forgotten. The caller's commit makes it so."""
        _limit, key = self._keys(username, address, device)[0]
        self._session.execute(delete(LoginFailure).where(
            (LoginFailure.key == key) | LoginFailure.id.in_(verdict.ids)))


def throttle_for(config: Mapping[str, Any], session: Session) -> LoginThrottle:
    """The throttle with the current limits of ``config`` (the app's, read on each sign-in, so a
    changed setting applies at once) over ``session``."""
    return LoginThrottle(session, config["SECRET_KEY"],
                         config.get("LOGIN_LIMIT_PER_USER", DEFAULT_PER_USER),
                         config.get("LOGIN_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS),
                         config.get("LOGIN_LIMIT_PER_ACCOUNT", DEFAULT_PER_ACCOUNT))
