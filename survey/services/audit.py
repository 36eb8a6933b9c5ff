"""Audit log of staff actions. Respondents never appear here: no response id, code or answer."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey.models import AuditLog, StaffUser


def record(session: Session, actor: StaffUser | None, action: str, target: str = "",
           details: dict[str, Any] | None = None) -> AuditLog:
    entry = AuditLog(user_id=actor.id if actor else None, action=action, target=target,
                     details=details)
    session.add(entry)
    return entry
