"""Audit log of staff actions. Respondents never appear here: no response id, code or answer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from survey.models import AuditLog, StaffUser

AUDIT_PAGE_SIZE = 50


def record(session: Session, actor: StaffUser | None, action: str, target: str = "",
           details: dict[str, Any] | None = None) -> AuditLog:
    entry = AuditLog(user_id=actor.id if actor else None, action=action, target=target,
                     details=details)
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What the audit viewer narrows the log to; every field is optional.

    ``action`` matches an exact action or, ending in ``.``, a family (``user.`` = every account
    change). ``since`` and ``until`` are inclusive calendar days in UTC.
    """

    user_id: int | None = None
    action: str | None = None
    target: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditLog]
    total: int
    page: int
    pages: int


def _filtered(statement: Select, flt: AuditFilter) -> Select:
    if flt.user_id is not None:
        statement = statement.where(AuditLog.user_id == flt.user_id)
    if flt.action:
        if flt.action.endswith("."):
            statement = statement.where(AuditLog.action.startswith(flt.action, autoescape=True))
        else:
            statement = statement.where(AuditLog.action == flt.action)
    if flt.target:
        statement = statement.where(AuditLog.target == flt.target)
    if flt.since is not None:
        statement = statement.where(
            AuditLog.at >= datetime.combine(flt.since, time.min, tzinfo=timezone.utc))
    if flt.until is not None:
        statement = statement.where(
            AuditLog.at < datetime.combine(flt.until + timedelta(days=1), time.min,
                                           tzinfo=timezone.utc))
    return statement


def search(session: Session, flt: AuditFilter, page: int = 1,
           per_page: int = AUDIT_PAGE_SIZE) -> AuditPage:
    """One page of matching entries, newest first."""
    total = session.scalar(_filtered(select(func.count()).select_from(AuditLog), flt)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = list(session.scalars(
        _filtered(select(AuditLog), flt)
        .options(selectinload(AuditLog.user))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return AuditPage(entries=entries, total=total, page=page, pages=pages)


def known_actions(session: Session) -> list[str]:
    """Every action name present in the log, for the viewer's filter list."""
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
