"""Sheet ids printed on paper questionnaires: random, with a check character.

Why this shape: a keyer copies the id from paper by hand, so the alphabet has no 0/O, 1/I/L
(the access codes' alphabet) and the last character is a Luhn mod 31 check, which catches
every single wrong character and every swap of two neighbours: a mistyped id is refused
before it can be confused with another sheet. Six random characters give 31^6 ≈ 8.9·10^8
ids, plenty for the sheets of one campaign.

An id is random and is not stored when printed, so it says nothing about who received the
sheet, where or when; it only lets a keyed record be checked against its paper while the sheet
is in entry (``survey.services.paper_entry`` erases it when the record is agreed).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BODY_LENGTH = 6
_BASE = len(ALPHABET)
_SEPARATORS = re.compile(r"[\s\-_.·]")

__all__ = ["new_sheet_id", "check_character", "normalize", "is_valid", "format_sheet_id",
           "sheet_key"]


def check_character(body: str) -> str:
    """The Luhn mod N check character of ``body`` (characters of :data:`ALPHABET`)."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // _BASE + addend % _BASE
    return ALPHABET[(_BASE - total % _BASE) % _BASE]


def new_sheet_id() -> str:
    """A fresh random id, check character included (``ABCDEF`` + check), unformatted."""
    body = "".join(secrets.choice(ALPHABET) for _i in range(BODY_LENGTH))
    return body + check_character(body)


def normalize(raw: str) -> str:
    """Upper-case, separators removed: ``abcd-efg`` → ``ABCDEFG``."""
    return _SEPARATORS.sub("", (raw or "").upper())


def is_valid(raw: str) -> bool:
    """``raw`` (formatted or not) is a well-formed id whose check character matches."""
    text = normalize(raw)
    if len(text) != BODY_LENGTH + 1 or any(char not in ALPHABET for char in text):
        return False
    return check_character(text[:-1]) == text[-1]


def format_sheet_id(raw: str) -> str:
    """``ABCDEFG`` → ``ABCD-EFG`` (two groups, easy to read aloud)."""
    text = normalize(raw)
    return f"{text[:4]}-{text[4:]}"


def sheet_key(secret: str | bytes, campaign_id: int, reference: str) -> str:
    """Keyed hash of an agreed sheet's reference within a campaign (hex): keying the same paper
    twice is refused, and without the key the hash cannot be matched with a printed id."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = f"paper-sheet-v1:{campaign_id}:{reference}".encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
