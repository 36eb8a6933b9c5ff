"""Drafts: the answers of a respondent who has not submitted yet, kept server-side.

Why it is built this way:

* The browser holds only a random token in an HttpOnly cookie; the database holds its SHA-256.
  A copy of the database therefore cannot be used to take over someone's half-filled form.
* Save-and-resume uses a second random code that the respondent writes down. Only its hash is
  stored; resuming moves the draft to a fresh cookie token, so the first device loses access.
* Nothing here records an IP address, a user agent or a time of day: a draft carries an expiry
  *date* only, and drafts past it are deleted by :func:`purge_expired`.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from survey.models import Campaign, Draft, SubmissionReceipt
from survey.models.base import today
from survey.services.access_codes import ALPHABET, normalize_code

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
    return hashlib.sha256(("resume:" + normalize_code(raw)).encode("ascii")).hexdigest()


def expiry(retention_days: int, on: date | None = None) -> date:
    return (on or today()) + timedelta(days=retention_days)


@dataclass(eq=False)
class LiveDraft:
    """A draft as plain values, read and written with prebuilt Core statements.

    The respondent flow loads and saves a draft on nearly every request; through the ORM (identity
    map, unit of work, flush) that cost more than the SQL itself. :func:`save` writes only the
    columns that changed since the row was read. Assign a new ``answers`` dict to change the
    answers (the flow always does): a dict changed in place is not noticed.
    """

    token_hash: str
    resume_hash: str | None
    campaign_id: int
    version_id: int
    code_batch_id: int | None
    answers: dict[str, Any]
    page: int
    furthest_page: int
    seed: int
    language: str
    expires_on: date
    stored: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_row(cls, row: Any, prefix: str = "") -> "LiveDraft":
        """From a row of the draft table, or of a join that labels its columns ``prefix + name``."""
        values = {name: getattr(row, prefix + name) for name in _COLUMNS}
        return cls(**values, stored=values)

    def changes(self) -> dict[str, Any]:
        """Columns whose value differs from the stored one (``answers``: a new dict)."""
        changed = {}
        for name in _COLUMNS:
            value, before = getattr(self, name), self.stored[name]
            if (value is not before) if name == "answers" else (value != before):
                changed[name] = value
        return changed


_draft = Draft.__table__
_COLUMNS = tuple(column.name for column in _draft.c)
_INSERT = insert(_draft)
_UPDATES: dict[tuple[str, ...], Any] = {}  # prebuilt UPDATE per set of changed columns


def live(draft: LiveDraft | None) -> LiveDraft | None:
    """``draft`` unless it has expired. The respondent flow reads the draft of the request's
    cookie in the same query as its campaign (``survey.respond.routes._campaign``)."""
    return draft if draft is not None and draft.expires_on >= today() else None


def create_draft(session: Session, campaign: Campaign, retention_days: int,
                 code_batch_id: int | None = None, language: str = "vi",
                 page: int = 0) -> tuple[LiveDraft, str]:
    """A new draft, already at step ``page``, and the plain cookie token for it (never
    stored). The caller commits."""
    token = new_token()
    values = dict(token_hash=token_hash(token), resume_hash=None, campaign_id=campaign.id,
                  version_id=campaign.version_id, code_batch_id=code_batch_id, answers={},
                  page=page, furthest_page=page, seed=secrets.randbelow(2**31), language=language,
                  expires_on=expiry(retention_days))
    session.execute(_INSERT, values)
    return LiveDraft(**values, stored=dict(values)), token


def save(session: Session, draft: LiveDraft) -> None:
    """Write what changed in ``draft`` since it was read or last saved. The caller commits."""
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


def touch(draft: LiveDraft, retention_days: int) -> None:
    """Push the expiry date forward: a draft expires ``retention_days`` after its last change."""
    draft.expires_on = expiry(retention_days)


def set_resume_code(draft: LiveDraft) -> str:
    """Give the draft a fresh resume code (replacing any earlier one) and return it once."""
    code = new_resume_code()
    draft.resume_hash = resume_hash(code)
    return code


def resume(session: Session, campaign: Campaign, raw_code: str) -> tuple[Draft, str] | None:
    """Move the draft saved under ``raw_code`` to a new cookie token; ``None`` if not found.

    The resume code stays valid (the respondent may switch device again) until submission or
    expiry. The caller commits.
    """
    if len(normalize_code(raw_code)) != RESUME_CODE_LENGTH:
        return None
    draft = session.scalar(select(Draft).where(Draft.resume_hash == resume_hash(raw_code),
                                               Draft.campaign_id == campaign.id))
    if draft is None or draft.expires_on < today():
        return None
    token = new_token()
    draft.token_hash = token_hash(token)
    session.flush()
    return draft, token


def purge_expired(session: Session, on: date | None = None, receipt_days: int = 30) -> tuple[int, int]:
    """Delete drafts past their expiry date and submission receipts older than ``receipt_days``.

    Returns (drafts, receipts) deleted. The caller commits.
    """
    day = on or today()
    drafts = session.execute(delete(Draft).where(Draft.expires_on < day)).rowcount
    receipts = session.execute(delete(SubmissionReceipt).where(
        SubmissionReceipt.used_on < day - timedelta(days=receipt_days))).rowcount
    return int(drafts or 0), int(receipts or 0)


__all__ = ["LiveDraft", "create_draft", "live", "save", "touch", "set_resume_code", "resume", "purge_expired",
           "token_hash", "resume_hash", "new_resume_code"]
