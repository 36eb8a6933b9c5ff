"""One-time access codes: generated in batches, stored only as keyed hashes, burned atomically.

Why it is built this way:

* Only ``HMAC-SHA256(SECRET_KEY, normalised code)`` is stored. A stolen database does not give
  usable codes, and without the key the 49-bit code space cannot be searched offline.
* A response never refers to its code or its batch. A batch's coarse attributes (e.g. level)
  become the respondent's prefilled banner answers, which many people share; even so a batch is
  never smaller than the campaign's threshold, nor than the platform's floor.
* The codes of a batch are stored in a random order, and handed back (CSV, slips) in another
  fresh random order: neither the table nor the list follows the other, so "row 3 of the batch is
  used" says nothing about the third person on the list.
* A code is *checked* at the respondent's entry (nothing written: the respondent may enter it
  again on another device) and *spent* by the submission, in a transaction of its own before the
  one that stores the answers, with one conditional ``UPDATE … WHERE used = false``: of any number
  of concurrent submissions with the same code exactly one spends it, on SQLite and PostgreSQL
  alike. The code row keeps no time of use; ``spent_with`` lets the same draft's retry after a
  crash find its own spend, and is unreadable without the draft's sealed secret.

Plain codes are returned once by :func:`generate_batch` and never stored.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from survey.models import AccessCode, AccessCodeBatch, AccessMode, Campaign, StaffUser
from survey.services.audit import record
from survey.services.errors import N_, ServiceError
from survey.services.settings import anonymity_floor, secret_key

# No 0/O, 1/I/L: codes are copied from paper by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10 ≈ 8·10^14 codes (49.5 bits)
GROUP = 5  # shown as XXXXX-XXXXX
MAX_BATCH_SIZE = 50_000
_NOT_CODE_CHARS = re.compile(r"[^0-9A-Z]")


@dataclass(frozen=True)
class CodeCheck:
    """Outcome of :func:`check`: ``accepted`` with the code's keyed hash and its batch's
    attributes, else ``used`` or unknown."""

    accepted: bool
    code_hash: str | None = None
    attributes: dict[str, Any] | None = None
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
    key = secret if secret is not None else secret_key()
    if isinstance(key, str):
        key = key.encode("utf-8")
    return hmac.new(key, normalize_code(raw).encode("ascii"), hashlib.sha256).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _check_attributes(attributes: dict[str, Any] | None) -> dict[str, Any] | None:
    if attributes is None:
        return None
    if not isinstance(attributes, dict):
        raise ServiceError(N_("Thuộc tính của lô mã phải là các cặp tên – giá trị."))
    clean: dict[str, Any] = {}
    for key, value in attributes.items():
        if not isinstance(key, str) or not key.strip():
            raise ServiceError(N_("Tên thuộc tính của lô mã không được để trống."))
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ServiceError(
                N_("Thuộc tính «%(name)s» phải là một mã số hoặc một chuỗi ngắn."), name=key)
        if isinstance(value, str) and len(value) > 100:
            raise ServiceError(N_("Giá trị thuộc tính «%(name)s» quá dài."), name=key)
        clean[key.strip()] = value
    return clean or None


def generate_batch(session: Session, campaign: Campaign, size: int, label: str = "",
                   attributes: dict[str, Any] | None = None,
                   actor: StaffUser | None = None, *, secret: str | bytes | None = None,
                   floor: int | None = None) -> tuple[AccessCodeBatch, list[str]]:
    """Create a batch of ``size`` one-time codes for ``campaign``, hashed with ``secret`` and no
    smaller than ``floor`` (views and commands pass the app's ``SECRET_KEY`` and
    :func:`anonymity_floor`; left out, they are read from the current app).

    Returns the batch and the plain codes, formatted ``XXXXX-XXXXX``; they are shown once and
    never stored (only their keyed hashes are). The caller commits.

    Raises :class:`ServiceError` when the campaign does not use codes, when ``size`` is not a
    whole number between the campaign's disclosure threshold and :data:`MAX_BATCH_SIZE`, or when
    the label or attributes are malformed.
    """
    if campaign.access_mode != AccessMode.CODE:
        raise ServiceError(N_("Đợt khảo sát này dùng đường dẫn mở, không dùng mã truy cập."))
    if isinstance(size, bool) or not isinstance(size, int):
        raise ServiceError(N_("Số lượng mã phải là một số nguyên."))
    threshold = max(anonymity_floor() if floor is None else floor,
                    campaign.disclosure_threshold or 1)
    if size < threshold:
        raise ServiceError(N_(
            "Mỗi lô phải có ít nhất %(n)s mã (ngưỡng bảo mật của đợt khảo sát): một lô nhỏ hơn "
            "có thể làm lộ người trả lời."), n=threshold)
    if size > MAX_BATCH_SIZE:
        raise ServiceError(N_("Mỗi lô có tối đa %(n)s mã."), n=MAX_BATCH_SIZE)
    label = (label or "").strip()
    if len(label) > 200:
        raise ServiceError(N_("Nhãn của lô mã tối đa 200 ký tự."))
    attributes = _check_attributes(attributes)

    if secret is None:
        secret = secret_key()
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
    shuffle = secrets.SystemRandom().shuffle
    stored = list(codes)
    shuffle(stored)  # the table's order ...
    session.execute(AccessCode.__table__.insert(),
                    [{"batch_id": batch.id, "code_hash": digest, "used": False} for digest in stored])
    handed_out = list(codes.values())
    shuffle(handed_out)  # ... and the list's: two independent permutations
    record(session, actor, "codes.generate", f"campaign:{campaign.id}",
           {"batch": batch.id, "size": size, "label": label})
    return batch, [format_code(code) for code in handed_out]


def check(session: Session, campaign: Campaign, raw_code: str,
          secret: str | bytes | None = None) -> CodeCheck:
    """Whether ``raw_code`` is an unused code of ``campaign`` (hashed with ``secret``, default
    the app's ``SECRET_KEY``). Writes nothing: the code is spent by the submission
    (:func:`spend`), so a respondent may start again on another device."""
    if len(normalize_code(raw_code)) != CODE_LENGTH:
        return CodeCheck(accepted=False)
    digest = code_hash(raw_code, secret)
    row = session.execute(
        select(AccessCode.used, AccessCodeBatch.attributes)
        .join(AccessCodeBatch, AccessCodeBatch.id == AccessCode.batch_id)
        .where(AccessCode.code_hash == digest, AccessCodeBatch.campaign_id == campaign.id)
    ).first()
    if row is None:
        return CodeCheck(accepted=False)
    if row.used:
        return CodeCheck(accepted=False, used=True)
    return CodeCheck(accepted=True, code_hash=digest, attributes=row.attributes)


def spend(session: Session, digest: str, mark: str) -> bool:
    """Spend the code whose keyed hash is ``digest`` for the draft whose spend mark is ``mark``
    (:func:`survey.services.drafts.spend_mark`): one conditional UPDATE that succeeds if the code
    is unused, or was spent by this same draft before (a retried submission). ``False``: another
    draft spent it. The caller commits, before storing the answers in a transaction of its own.
    """
    result = session.execute(
        update(AccessCode)
        .where(AccessCode.code_hash == digest,
               or_(AccessCode.used.is_(False), AccessCode.spent_with == mark))
        .values(used=True, spent_with=mark)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def batch_usage(session: Session, batch: AccessCodeBatch, threshold: int) -> tuple[int | None, int]:
    """(used, total) codes of a batch, for the staff page: counts, never which; ``used`` is
    ``None`` when the used or the unused count is between 1 and ``threshold - 1`` (a count of 1
    would say who answered, or who did not); zero points at no one and is shown."""
    from sqlalchemy import func

    used = int(session.scalar(select(func.count()).select_from(AccessCode)
                              .where(AccessCode.batch_id == batch.id,
                                     AccessCode.used.is_(True))) or 0)
    if 0 < used < threshold or 0 < batch.size - used < threshold:
        return None, batch.size
    return used, batch.size
