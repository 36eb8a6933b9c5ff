"""Declarative base shared by every model.

The naming convention gives every constraint a stable name, so Alembic's autogenerate and
SQLite batch migrations produce the same diff on every machine.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from survey import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            dict[str, Any]: JSON,
            list[Any]: JSON,
            datetime: DateTime(timezone=True),
            date: Date,
        },
    )


def utcnow() -> datetime:
    return clock.now()


def today() -> date:
    """The calendar date in UTC: the only time information kept about respondents."""
    return clock.today()


def random_id() -> str:
    """A 128-bit random identifier: reveals nothing about order or time of creation."""
    return secrets.token_hex(16)
