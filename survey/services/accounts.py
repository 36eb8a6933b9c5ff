"""Staff accounts: argon2 password hashes, account management and server-side sign-in sessions.

Every change to an account is written to the audit log in the same transaction; no password,
hash or session token ever goes into the log.

Sessions: the browser's (signed) cookie holds a random token; the database keeps only its
SHA-256 in :class:`~survey.models.StaffSession`. Ending a session deletes that row, so a copied
cookie stops working at once — after sign-out, an idle timeout, a password change or when an
admin disables the account.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey.models import Role, StaffSession, StaffUser
from survey.models.base import utcnow
from survey.services.audit import record
from survey.services.errors import N_, ServiceError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
USERNAME_MAX_LENGTH = 80


# --- passwords -------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    """A random password of 16 URL-safe characters (96 bits), to be shown exactly once."""
    return secrets.token_urlsafe(12)


#: Words a guesser tries first against this platform, added to zxcvbn's own lists (which are
#: English): "mật khẩu", the platform's and its users' words, in the unaccented forms people type.
SITE_WORDS = ("matkhau", "mat khau", "mật khẩu", "khaosat", "khao sat", "khảo sát", "quantri",
              "quan tri", "quản trị", "admin", "thietke", "phantich", "canbo", "congchuc",
              "vienchuc", "vietnam", "hanoi", "saigon")
#: zxcvbn's score: 3 is "safely unguessable" (more than 10^8 guesses), the least it accepts.
MIN_PASSWORD_SCORE = 3
#: zxcvbn refuses longer input; a password that long is judged by its start.
_ZXCVBN_MAX = 72


def _repeated(password: str) -> bool:
    """A password that is one short piece over and over ("1111111111", "abcabcabcabc") or that
    uses hardly any different characters."""
    folded = password.lower()
    if len(set(folded)) < 4:
        return True
    return any(len(folded) % size == 0 and folded == folded[:size] * (len(folded) // size)
               for size in range(1, len(folded) // 2 + 1))


def password_is_guessable(password: str, username: str = "") -> bool:
    """Whether ``password`` is common, repeated or otherwise easy to guess: zxcvbn (Dropbox's
    estimator, pinned in requirements.txt: common-password, word and name lists, keyboard
    patterns, sequences, dates, repeats) scores it below :data:`MIN_PASSWORD_SCORE` with the
    user name and :data:`SITE_WORDS` as extra dictionary words, or it is a repeated piece."""
    from zxcvbn import zxcvbn

    if _repeated(password):
        return True
    inputs = [*SITE_WORDS, *([username.strip()] if username.strip() else [])]
    return zxcvbn(password[:_ZXCVBN_MAX], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE


def check_password_rules(password: str, username: str = "") -> None:
    """Raise :class:`ServiceError` unless ``password`` is acceptable for ``username``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(N_("Mật khẩu phải có ít nhất %(length)s ký tự."), field="password",
                           length=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(N_("Mật khẩu không được dài quá %(length)s ký tự."),
                           field="password", length=MAX_PASSWORD_LENGTH)
    if username and password.strip().lower() == username.strip().lower():
        raise ServiceError(N_("Mật khẩu không được trùng với tên đăng nhập."), field="password")
    if password_is_guessable(password, username):
        raise ServiceError(N_("Mật khẩu này quá dễ đoán: đó là mật khẩu phổ biến, một dãy "
                              "ký tự lặp lại hoặc liền nhau, hay chứa tên đăng nhập. Hãy dùng "
                              "một câu dài dễ nhớ."), field="password")


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


# --- accounts --------------------------------------------------------------------------------

def get_user(session: Session, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def create_user(session: Session, username: str, password: str, role: Role | str,
                actor: StaffUser | None = None, must_change: bool = False) -> StaffUser:
    """Create an account. Raises :class:`ServiceError` on a taken name or a weak password.

    ``must_change``: the password was set by someone else (generated and printed, or typed by
    an operator), so the user must choose their own at the first sign-in."""
    username = username.strip()
    if not username:
        raise ServiceError(N_("Cần nhập tên đăng nhập."), field="username")
    if len(username) > USERNAME_MAX_LENGTH:
        raise ServiceError(N_("Tên đăng nhập không được dài quá %(length)s ký tự."),
                           field="username", length=USERNAME_MAX_LENGTH)
    check_password_rules(password, username)
    if session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise ServiceError(N_("Tài khoản %(username)s đã tồn tại."), field="username",
                           username=username)
    user = StaffUser(username=username, password_hash=hash_password(password), role=Role(role),
                     must_change_password=must_change)
    session.add(user)
    session.flush()
    record(session, actor, "user.create", f"user:{user.id}",
           {"username": username, "role": user.role.value})
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffUser)
                          .where(StaffUser.role == Role.ADMIN, StaffUser.active.is_(True))) or 0


def _refuse_losing_last_admin(session: Session, user: StaffUser) -> None:
    if user.role is Role.ADMIN and user.active and _active_admins(session) <= 1:
        raise ServiceError(N_("Không thể thực hiện: %(username)s là quản trị viên duy nhất "
                              "đang hoạt động."), username=user.username)


def set_role(session: Session, user: StaffUser, role: Role | str,
             actor: StaffUser | None = None) -> None:
    """Change an account's role. Refuses to leave the platform without an active admin."""
    role = Role(role)
    if role is user.role:
        return
    if actor is not None and actor.id == user.id:
        raise ServiceError(N_("Bạn không thể tự đổi vai trò của chính mình."))
    if role is not Role.ADMIN:
        _refuse_losing_last_admin(session, user)
    old = user.role
    user.role = role
    record(session, actor, "user.role", f"user:{user.id}",
           {"username": user.username, "from": old.value, "to": role.value})


def set_active(session: Session, user: StaffUser, active: bool,
               actor: StaffUser | None = None) -> None:
    """Disable or re-enable an account; disabling ends all its sessions at once."""
    if user.active == active:
        return
    if not active:
        if actor is not None and actor.id == user.id:
            raise ServiceError(N_("Bạn không thể tự khoá tài khoản của chính mình."))
        _refuse_losing_last_admin(session, user)
    user.active = active
    if not active:
        end_all_sessions(session, user)
    record(session, actor, "user.enable" if active else "user.disable", f"user:{user.id}",
           {"username": user.username})


def reset_password(session: Session, user: StaffUser, actor: StaffUser | None = None) -> str:
    """Give ``user`` a new generated password and return it (to be shown once, never stored
    in clear). Every session of the user ends, and the user must choose a password of their own
    at the next sign-in."""
    password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_all_sessions(session, user)
    record(session, actor, "user.password_reset", f"user:{user.id}", {"username": user.username})
    return password


def change_own_password(session: Session, user: StaffUser, current: str, new: str,
                        keep_token: str | None = None) -> None:
    """Change ``user``'s password after checking the current one.

    Every other session of the user ends; the one holding ``keep_token`` (the browser making
    the change) stays signed in. Raises :class:`ServiceError` with the reason.
    """
    if not verify_password(user, current):
        raise ServiceError(N_("Mật khẩu hiện tại không đúng."), field="current")
    check_password_rules(new, user.username)
    if new == current:
        raise ServiceError(N_("Mật khẩu mới phải khác mật khẩu hiện tại."), field="new")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_all_sessions(session, user, keep_token=keep_token)
    record(session, user, "user.password_change", f"user:{user.id}", {"username": user.username})


# --- sessions --------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def start_session(session: Session, user: StaffUser) -> str:
    """Record a new signed-in session for ``user``; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id,
                             created_at=now, last_seen_at=now))
    return token


def session_user(session: Session, token: str, idle: timedelta, lifetime: timedelta,
                 now: datetime | None = None, touch_after: timedelta = timedelta(minutes=1),
                 ) -> StaffUser | None:
    """The active user signed in with ``token``, or None.

    A session idle for longer than ``idle``, older than ``lifetime``, or whose account was
    disabled is deleted. Activity is recorded at most every ``touch_after`` so that each page
    view does not cost a write. The caller commits.
    """
    now = now or utcnow()
    record_ = session.get(StaffSession, _token_hash(token))
    if record_ is None:
        return None
    user = session.get(StaffUser, record_.user_id)
    last_seen = _aware(record_.last_seen_at)
    if (user is None or not user.active or now - last_seen > idle
            or now - _aware(record_.created_at) > lifetime):
        session.delete(record_)
        return None
    if now - last_seen > touch_after:
        record_.last_seen_at = now
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def end_all_sessions(session: Session, user: StaffUser, keep_token: str | None = None) -> int:
    """End every session of ``user`` except the one holding ``keep_token``; return how many."""
    statement = delete(StaffSession).where(StaffSession.user_id == user.id)
    if keep_token is not None:
        statement = statement.where(StaffSession.token_hash != _token_hash(keep_token))
    return session.execute(statement).rowcount or 0


def count_sessions(session: Session, user: StaffUser) -> int:
    return session.scalar(select(func.count()).select_from(StaffSession)
                          .where(StaffSession.user_id == user.id)) or 0
