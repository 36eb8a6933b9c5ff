"""Staff accounts: argon2 password hashes, creation and verification."""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Role, StaffUser
from survey.services.audit import record

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A staff account could not be created or changed; the message says why."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(session: Session, username: str, password: str, role: Role | str,
                actor: StaffUser | None = None) -> StaffUser:
    """Create an account. Raises :class:`AccountError` on a taken name or a short password."""
    username = username.strip()
    if not username:
        raise AccountError("Username is required.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise AccountError(f"User {username!r} already exists.")
    user = StaffUser(username=username, password_hash=hash_password(password), role=Role(role))
    session.add(user)
    session.flush()
    record(session, actor, "user.create", f"user:{user.id}", {"username": username, "role": user.role.value})
    return user


def verify_password(user: StaffUser, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(user: StaffUser) -> bool:
    return _hasher.check_needs_rehash(user.password_hash)


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """Return the active user whose password matches, else None (same cost either way)."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time, so a timing attack cannot list usernames
        return None
    if not verify_password(user, password):
        return None
    if needs_rehash(user):
        user.password_hash = hash_password(password)
    return user
