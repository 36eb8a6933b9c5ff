"""Drafts: the answers of a respondent who has not submitted yet, kept server-side, sealed.

Why it is built this way:

* The browser holds only a random token in an HttpOnly cookie; the database holds its SHA-256.
  A copy of the database therefore cannot be used to take over someone's half-filled form.
* The answers, the access code the respondent entered and the secret that spends it are sealed
  with a key derived from that token (:mod:`survey.services.sealing`): no row, dead tuple, WAL
  frame or backup of this table shows what anyone answered, or which code a draft holds.
* Save-and-resume uses a second random code that the respondent writes down. Only a slow hash of
  it is stored, and it wraps the draft's key; resuming moves the draft to a fresh cookie token
  (re-sealed), so the first device loses access.
* Nothing here records an IP address, a user agent or a time of day: a draft carries an expiry
  *date* only, and drafts past it are deleted by :func:`purge_expired`.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from survey.database import relax_durability
from survey.models import Draft, SubmissionReceipt
from survey.models.base import today
from survey.services import sealing
from survey.services.access_codes import ALPHABET, normalize_code
from survey.services.reach import count_reach_steps

RESUME_CODE_LENGTH = 12  # 31**12 ≈ 7.9·10^17: not guessable even without the rate limit


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_resume_code() -> str:
    """``XXXX-XXXX-XXXX`` from the access-code alphabet (no 0/O, 1/I/L): copied by hand."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(RESUME_CODE_LENGTH))
    return "-".join(code[i:i + 4] for i in range(0, RESUME_CODE_LENGTH, 4))


def resume_hash(raw: str) -> str:
    """The stored lookup hash of a resume code: scrypt, so that the 59-bit codes cannot be tried
    offline at SHA-256 speed against a stolen table."""
    return hashlib.scrypt(("resume:" + normalize_code(raw)).encode("ascii"),
                          salt=b"resume-lookup-v1", n=2**14, r=8, p=1, dklen=32).hex()


def spend_mark(secret: str) -> str:
    """What a spent access code records: the hash of the spending draft's sealed secret."""
    return hashlib.sha256(("spend:" + secret).encode("ascii")).hexdigest()


def expiry(retention_days: int, on: date | None = None) -> date:
    return (on or today()) + timedelta(days=retention_days)


@dataclass(eq=False)
class LiveDraft:
    """A draft: the one representation of the ``draft`` table's rows (the ORM class only
    declares the table), plain values read and written with prebuilt Core statements, opened
    with the key of the request's cookie token.

    The respondent flow loads and saves a draft on nearly every request; through the ORM (identity
    map, unit of work, flush) that cost more than the SQL itself. :func:`save` writes only the
    columns that changed since the row was read, and re-seals only when the sealed content did.
    Assign a new ``answers`` dict to change the answers (the flow always does): a dict changed in
    place is not noticed.
    """

    token_hash: str
    resume_hash: str | None
    campaign_id: int
    version_id: int
    page: int
    furthest_page: int
    seed: int
    language: str
    expires_on: date
    resume_key: bytes | None
    sealed: bytes
    key: bytes = field(repr=False)
    answers: dict[str, Any] = field(default_factory=dict, repr=False)
    # The keyed hash of the access code the respondent entered (None on open campaigns), and
    # the secret whose hash marks the code as spent by this draft.
    code: str | None = field(default=None, repr=False)
    secret: str = field(default="", repr=False)
    stored: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_row(cls, row: Any, token: str, prefix: str = "") -> "LiveDraft | None":
        """From a row of the draft table (or of a join that labels its columns ``prefix + name``)
        and the cookie token that opens it; ``None`` if the token does not open it."""
        values = {name: getattr(row, prefix + name) for name in _COLUMNS}
        key = sealing.key_from_token(token)
        try:
            content = sealing.unseal(key, values["sealed"])
        except sealing.SealError:
            return None
        draft = cls(**values, key=key, answers=content["a"], code=content.get("c"),
                    secret=content["s"], stored=values)
        draft.stored["content"] = (draft.answers, draft.code, draft.secret)
        return draft

    def advance(self, step: int, reach: Iterable[int] = ()) -> list[int]:
        """Move to ``step``; return the steps in ``reach`` not reached before (to be counted
        once, see :mod:`survey.services.reach`), remembering the furthest."""
        self.page = step
        new = [each for each in reach if each > self.furthest_page]
        self.furthest_page = max(self.furthest_page, step, *new)
        return new

    def content(self) -> dict[str, Any]:
        return {"a": self.answers, "c": self.code, "s": self.secret}

    def changes(self) -> dict[str, Any]:
        """Columns whose value differs from the stored one; ``sealed`` when the answers (a new
        dict), the code or the secret changed."""
        changed = {}
        for name in _COLUMNS:
            if name != "sealed" and getattr(self, name) != self.stored[name]:
                changed[name] = getattr(self, name)
        answers, code, secret = self.stored["content"]
        if self.answers is not answers or self.code != code or self.secret != secret:
            self.sealed = sealing.seal(self.key, self.content())
            changed["sealed"] = self.sealed
        return changed


_draft = Draft.__table__
_receipt = SubmissionReceipt.__table__
_COLUMNS = tuple(column.name for column in _draft.c)
_INSERT = insert(_draft)
_UPDATES: dict[tuple[str, ...], Any] = {}  # prebuilt UPDATE per set of changed columns


def live(draft: LiveDraft | None) -> LiveDraft | None:
    """``draft`` unless it has expired. The respondent flow reads the draft of the request's
    cookie in the same query as its campaign (:mod:`survey.respond.visit`)."""
    return draft if draft is not None and draft.expires_on >= today() else None


def create_draft(session: Session, campaign: Any, retention_days: int,
                 language: str = "vi", page: int = 0, code: str | None = None,
                 answers: dict[str, Any] | None = None, reach: Iterable[int] = ()
                 ) -> tuple[LiveDraft, str]:
    """A new draft of ``campaign`` (anything with ``id`` and ``version_id``), already at step
    ``page``, and the plain cookie token for it (never stored). ``code``: the keyed hash of the
    access code the respondent entered (checked, not spent: it is spent with the submission,
    see :mod:`survey.services.responses`). ``reach``: steps to count as reached. Commits, without
    waiting for the disk: losing a new draft to a power cut loses nothing promised."""
    relax_durability(session)
    token = new_token()
    key = sealing.key_from_token(token)
    content = {"a": dict(answers or {}), "c": code, "s": secrets.token_hex(16)}
    values = dict(token_hash=token_hash(token), resume_hash=None, campaign_id=campaign.id,
                  version_id=campaign.version_id, page=page, furthest_page=page,
                  seed=secrets.randbelow(2**31), language=language,
                  expires_on=expiry(retention_days), resume_key=None,
                  sealed=sealing.seal(key, content))
    session.execute(_INSERT, values)
    draft = LiveDraft(**values, key=key, answers=content["a"], code=code,
                      secret=content["s"], stored=dict(values))
    draft.stored["content"] = (draft.answers, draft.code, draft.secret)
    count_reach_steps(session, campaign.id, list(reach))
    session.commit()
    return draft, token


def save(session: Session, draft: LiveDraft, *, durable: bool, reach: Iterable[int] = ()) -> None:
    """Write what changed in ``draft`` and count the steps in ``reach`` as reached, in one
    transaction, and commit (with whatever else the session holds).

    ``durable=False`` commits without waiting for the disk (see :mod:`survey.database`): a
    draft's answers and step can be lost to a power cut at no cost to a promise. A commit that
    shows a resume code, or anything acknowledged, must be durable.
    """
    if not durable:
        relax_durability(session)
    _write(session, draft)
    count_reach_steps(session, draft.campaign_id, list(reach))  # last: row locks until commit
    session.commit()


def _write(session: Session, draft: LiveDraft) -> None:
    changes = draft.changes()
    if not changes:
        return
    names = tuple(sorted(changes))
    statement = _UPDATES.get(names)
    if statement is None:  # a handful of column sets ever occur
        statement = _UPDATES[names] = update(_draft).where(
            _draft.c.token_hash == bindparam("key")).values(
            {name: bindparam("v_" + name) for name in names})
    session.execute(statement, {"key": draft.stored["token_hash"],
                                **{"v_" + name: value for name, value in changes.items()}})
    draft.stored.update(changes)
    draft.stored["content"] = (draft.answers, draft.code, draft.secret)


def touch(draft: LiveDraft, retention_days: int) -> None:
    """Push the expiry date forward: a draft expires ``retention_days`` after its last change."""
    draft.expires_on = expiry(retention_days)


def set_resume_code(draft: LiveDraft) -> str:
    """Give the draft a fresh resume code (replacing any earlier one) and return it once: its
    slow hash is the lookup key and it wraps the draft's key."""
    code = new_resume_code()
    draft.resume_hash = resume_hash(code)
    draft.resume_key = sealing.wrap(sealing.key_from_resume_code(normalize_code(code)), draft.key)
    return code


def resume(session: Session, campaign_id: int, raw_code: str, language: str
           ) -> tuple[LiveDraft, str] | None:
    """Move the draft saved under ``raw_code`` to a new cookie token, re-sealed under the new
    token's key, in ``language``; ``None`` if not found or expired. Commits (durably: the old
    token stops working).

    The resume code stays valid (the respondent may switch device again) until submission or
    expiry.
    """
    normalised = normalize_code(raw_code)
    if len(normalised) != RESUME_CODE_LENGTH:
        return None
    row = session.execute(select(_draft).where(_draft.c.resume_hash == resume_hash(raw_code),
                                               _draft.c.campaign_id == campaign_id)).first()
    if row is None or row.expires_on < today() or row.resume_key is None:
        session.rollback()
        return None
    wrapping = sealing.key_from_resume_code(normalised)
    try:
        old_key = sealing.unwrap(wrapping, row.resume_key)
        content = sealing.unseal(old_key, row.sealed)
    except sealing.SealError:
        session.rollback()
        return None
    token = new_token()
    key = sealing.key_from_token(token)
    values = {name: getattr(row, name) for name in _COLUMNS}
    draft = LiveDraft(**values, key=key, answers=content["a"], code=content.get("c"),
                      secret=content["s"], stored=dict(values))
    draft.token_hash = token_hash(token)
    draft.resume_key = sealing.wrap(wrapping, key)
    draft.stored["content"] = (None, None, None)  # re-seal under the new key
    draft.language = language
    save(session, draft, durable=True)
    return draft, token


def discard(session: Session, campaign_id: int, token: str) -> bool:
    """Delete the draft of cookie ``token`` in campaign ``campaign_id`` (the respondent erased
    the answers on a shared device: the next person must not be able to continue them).
    Commits; ``True`` if there was one."""
    deleted = session.execute(delete(_draft).where(_draft.c.token_hash == token_hash(token),
                                                   _draft.c.campaign_id == campaign_id)).rowcount
    session.commit()
    return bool(deleted)


def purge_expired(session: Session, on: date | None = None, receipt_days: int = 30) -> tuple[int, int]:
    """Delete drafts past their expiry date and submission receipts older than ``receipt_days``.

    Returns (drafts, receipts) deleted. The caller commits.
    """
    day = on or today()
    drafts = session.execute(delete(_draft).where(_draft.c.expires_on < day)).rowcount
    receipts = session.execute(delete(_receipt).where(
        _receipt.c.used_on < day - timedelta(days=receipt_days))).rowcount
    return int(drafts or 0), int(receipts or 0)


__all__ = ["LiveDraft", "create_draft", "live", "save", "touch", "set_resume_code", "resume",
           "discard", "purge_expired", "token_hash", "resume_hash", "new_resume_code", "spend_mark"]
