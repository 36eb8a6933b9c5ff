"""Staff accounts and the audit log of staff actions (never anything about respondents)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow


class Role(str, enum.Enum):
    ADMIN = "admin"
    DESIGNER = "designer"
    ANALYST = "analyst"
    DATA_ENTRY = "data_entry"  # keys paper sheets (survey.entry); nothing else


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="staff_role", native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e])
    )
    active: Mapped[bool] = mapped_column(default=True)
    # The password was set by someone else (generated and printed, reset by an admin, typed by an
    # operator): every staff page sends the user to choose their own first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in staff browser. The cookie holds a random token; only its hash is stored here,
    so signing out, an idle timeout, a password change or disabling the account ends the session
    for real (a copied cookie stops working), which a signed cookie alone cannot do."""

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any] | None]

    user: Mapped[StaffUser | None] = relationship()


class LoginFailure(Base):
    """One failed sign-in, kept only while it counts for the throttle (see
    :mod:`survey.services.login_throttle`). Shared by every worker and app server through the database, so
    the limit is the same however many processes serve the sign-in page. ``key`` is a keyed hash
    of the typed user name or of the client address: neither is stored in the clear (people
    sometimes type their password into the name field)."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CampaignAccess(Base):
    """Who manages a campaign besides the admins: its owner (the designer who created it) and the
    designers it was shared with. A campaign without an owner (made from the command line) is
    managed by admins until one of them shares it. See :mod:`survey.services.ownership`."""

    __tablename__ = "campaign_access"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True, index=True)
    owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[StaffUser] = relationship()
