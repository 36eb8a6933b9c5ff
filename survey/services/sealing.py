"""Sealing a draft: its content encrypted with a key that only the respondent's browser holds.

Why: a draft holds the answers being typed and, on a campaign with access codes, the code the
respondent entered. Stored in the clear, every save would leave the answers in the database's
history (PostgreSQL dead tuples until vacuumed, and their bytes after; WAL frames; backups),
next to the moment they were typed, and the last save before a submission would tie the code to
the answers. Sealed, none of that can be read without the cookie token (or the resume code),
which the server never stores: the table holds only their SHA-256.

AES-256-GCM (``cryptography``) with a random nonce per seal; the key is derived from the 256-bit
cookie token with HMAC-SHA256 (a slow KDF adds nothing to a random 256-bit secret). The resume
code, typed by hand, is shorter: it wraps the draft's key (``resume_key``) under a key derived
with scrypt, so a stolen database does not let anyone try resume codes offline cheaply.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12


class SealError(ValueError):
    """The sealed value does not open with this key (wrong token, or tampered)."""


def key_from_token(token: str) -> bytes:
    """The draft key of a cookie token."""
    return hmac.new(b"draft-seal-v1", token.encode("utf-8"), hashlib.sha256).digest()


def key_from_resume_code(normalised_code: str) -> bytes:
    """The key that wraps a draft key under a (normalised) resume code."""
    return hashlib.scrypt(normalised_code.encode("ascii"), salt=b"resume-wrap-v1",
                          n=2**14, r=8, p=1, dklen=32)


def seal(key: bytes, value: Any) -> bytes:
    """``value`` (JSON-serialisable) encrypted and authenticated under ``key``."""
    nonce = os.urandom(_NONCE)
    data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def unseal(key: bytes, sealed: bytes) -> Any:
    """The value sealed under ``key``. Raises :class:`SealError` if it does not open."""
    try:
        data = AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], None)
    except (InvalidTag, ValueError) as error:
        raise SealError("the sealed value does not open with this key") from error
    return json.loads(data)


def wrap(wrapping_key: bytes, key: bytes) -> bytes:
    """``key`` encrypted under ``wrapping_key`` (for the resume code)."""
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(wrapping_key).encrypt(nonce, key, b"draft-key")


def unwrap(wrapping_key: bytes, wrapped: bytes) -> bytes:
    try:
        return AESGCM(wrapping_key).decrypt(wrapped[:_NONCE], wrapped[_NONCE:], b"draft-key")
    except (InvalidTag, ValueError) as error:
        raise SealError("the wrapped key does not open with this code") from error
