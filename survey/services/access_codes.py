"""One-time access codes: generated in batches, stored only as keyed hashes, burned atomically.

Why it is built this way:

* Only ``HMAC-SHA256(SECRET_KEY, normalised code)`` is stored. A stolen database does not give
  usable codes, and without the key the 49-bit code space cannot be searched offline.
* A batch is never smaller than the campaign's disclosure threshold: a response carries the id of
  the batch its code came from (for the batch's coarse attributes), so a batch of one would name
  the respondent.
* A code is burned at the respondent's *entry*, with one conditional ``UPDATE … WHERE used =
  false``: of any number of concurrent requests with the same code exactly one wins, on SQLite and
  PostgreSQL alike. The code row keeps no time of use, and the code never needs to appear again in
  a page, a hidden field or a URL.

Plain codes are returned once by :func:`generate_batch` and never stored.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from survey.models import AccessCode, AccessCodeBatch, AccessMode, Campaign, StaffUser
from survey.services.audit import record

# No 0/O, 1/I/L: codes are copied from paper by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10 ≈ 8·10^14 codes (49.5 bits)
GROUP = 5  # shown as XXXXX-XXXXX
MAX_BATCH_SIZE = 50_000
_NOT_CODE_CHARS = re.compile(r"[^0-9A-Z]")


def _(message: str, **variables: Any) -> str:
    """Translate for the request's language; Vietnamese (the source) outside a request (CLI)."""
    if has_request_context():
        return gettext(message, **variables)
    return message % variables if variables else message


class AccessCodeError(ValueError):
    """A batch of codes could not be generated; the message (Vietnamese) says why."""


@dataclass(frozen=True)
class BurnResult:
    """Outcome of :func:`burn`: ``accepted`` with the code's batch, else ``used`` or unknown."""

    accepted: bool
    batch_id: int | None = None
    used: bool = False


def normalize_code(raw: str) -> str:
    """Upper-case, without spaces, dashes or other separators, so ``abcde-fghjk`` matches.

    The letters I, L and O never occur in a code; typed by mistake for 1 and 0 they are mapped to
    nothing special: the code is then simply not found.
    """
    return _NOT_CODE_CHARS.sub("", (raw or "").upper())


def format_code(code: str) -> str:
    """``ABCDEFGHJK`` → ``ABCDE-FGHJK`` (easier to read aloud and copy)."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(raw: str, secret: str | bytes | None = None) -> str:
    """Keyed hash of a normalised code (hex). ``secret`` defaults to the app's SECRET_KEY."""
    key = secret if secret is not None else current_app.config["SECRET_KEY"]
    if isinstance(key, str):
        key = key.encode("utf-8")
    return hmac.new(key, normalize_code(raw).encode("ascii"), hashlib.sha256).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _check_attributes(attributes: dict[str, Any] | None) -> dict[str, Any] | None:
    if attributes is None:
        return None
    if not isinstance(attributes, dict):
        raise AccessCodeError(_("Thuộc tính của lô mã phải là các cặp tên – giá trị."))
    clean: dict[str, Any] = {}
    for key, value in attributes.items():
        if not isinstance(key, str) or not key.strip():
            raise AccessCodeError(_("Tên thuộc tính của lô mã không được để trống."))
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise AccessCodeError(
                _("Thuộc tính «%(name)s» phải là một mã số hoặc một chuỗi ngắn.", name=key))
        if isinstance(value, str) and len(value) > 100:
            raise AccessCodeError(_("Giá trị thuộc tính «%(name)s» quá dài.", name=key))
        clean[key.strip()] = value
    return clean or None


def generate_batch(session: Session, campaign: Campaign, size: int, label: str = "",
                   attributes: dict[str, Any] | None = None,
                   actor: StaffUser | None = None) -> tuple[AccessCodeBatch, list[str]]:
    """Create a batch of ``size`` one-time codes for ``campaign``.

    Returns the batch and the plain codes, formatted ``XXXXX-XXXXX``; they are shown once and
    never stored (only their keyed hashes are). The caller commits.

    Raises :class:`AccessCodeError` when the campaign does not use codes, when ``size`` is not a
    whole number between the campaign's disclosure threshold and :data:`MAX_BATCH_SIZE`, or when
    the label or attributes are malformed.
    """
    if campaign.access_mode != AccessMode.CODE:
        raise AccessCodeError(_("Đợt khảo sát này dùng đường dẫn mở, không dùng mã truy cập."))
    if isinstance(size, bool) or not isinstance(size, int):
        raise AccessCodeError(_("Số lượng mã phải là một số nguyên."))
    threshold = max(1, campaign.disclosure_threshold or 1)
    if size < threshold:
        raise AccessCodeError(_(
            "Mỗi lô phải có ít nhất %(n)s mã (ngưỡng bảo mật của đợt khảo sát): một lô nhỏ hơn "
            "có thể làm lộ người trả lời.", n=threshold))
    if size > MAX_BATCH_SIZE:
        raise AccessCodeError(_("Mỗi lô có tối đa %(n)s mã.", n=MAX_BATCH_SIZE))
    label = (label or "").strip()
    if len(label) > 200:
        raise AccessCodeError(_("Nhãn của lô mã tối đa 200 ký tự."))
    attributes = _check_attributes(attributes)

    secret = current_app.config["SECRET_KEY"]
    codes: dict[str, str] = {}
    while len(codes) < size:
        for code in (new_code() for _i in range(size - len(codes))):
            codes.setdefault(code_hash(code, secret), code)
        # A collision with an existing code is astronomically unlikely; check anyway.
        hashes = list(codes)
        for start in range(0, len(hashes), 500):
            taken = session.scalars(
                select(AccessCode.code_hash).where(AccessCode.code_hash.in_(hashes[start:start + 500]))
            ).all()
            for digest in taken:
                del codes[digest]

    batch = AccessCodeBatch(campaign_id=campaign.id, label=label, attributes=attributes,
                            size=size, created_by_id=actor.id if actor else None)
    session.add(batch)
    session.flush()
    session.execute(AccessCode.__table__.insert(),
                    [{"batch_id": batch.id, "code_hash": digest, "used": False} for digest in codes])
    record(session, actor, "codes.generate", f"campaign:{campaign.id}",
           {"batch": batch.id, "size": size, "label": label})
    return batch, [format_code(code) for code in codes.values()]


def burn(session: Session, campaign: Campaign, raw_code: str) -> BurnResult:
    """Mark the code used if it belongs to ``campaign`` and is unused: one conditional UPDATE.

    Of concurrent calls with the same code exactly one gets ``accepted``. The caller commits, in
    the same transaction as whatever the code unlocks (the respondent's draft). Nothing is written
    when the code is unknown or used.
    """
    if len(normalize_code(raw_code)) != CODE_LENGTH:
        return BurnResult(accepted=False)
    digest = code_hash(raw_code)
    batches = select(AccessCodeBatch.id).where(AccessCodeBatch.campaign_id == campaign.id)
    result = session.execute(
        update(AccessCode)
        .where(AccessCode.code_hash == digest, AccessCode.used.is_(False),
               AccessCode.batch_id.in_(batches))
        .values(used=True)
        .returning(AccessCode.batch_id)
        .execution_options(synchronize_session=False)
    )
    batch_id = result.scalar_one_or_none()
    if batch_id is not None:
        return BurnResult(accepted=True, batch_id=batch_id)
    used = session.scalar(
        select(AccessCode.used).where(AccessCode.code_hash == digest, AccessCode.batch_id.in_(batches))
    )
    return BurnResult(accepted=False, used=bool(used))


def batch_usage(session: Session, batch: AccessCodeBatch) -> tuple[int, int]:
    """(used, total) codes of a batch: what the staff page may show (counts, never which)."""
    from sqlalchemy import func

    used = session.scalar(select(func.count()).select_from(AccessCode)
                          .where(AccessCode.batch_id == batch.id, AccessCode.used.is_(True)))
    return int(used or 0), batch.size
