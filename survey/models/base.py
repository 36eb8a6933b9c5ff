"""Declarative base shared by every model.

Its metadata is :data:`survey.schema.metadata`, where the tables analysis reads are defined in
SQLAlchemy Core (the models of those tables map onto them): one ``MetaData``, with the naming
convention that gives every constraint a stable name, so Alembic's autogenerate and SQLite batch
migrations see every table and produce the same diff on every machine.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime
from sqlalchemy.orm import DeclarativeBase, registry

from survey import clock, schema
from survey.schema import NAMING_CONVENTION, random_id

__all__ = ["Base", "NAMING_CONVENTION", "random_id", "today", "utcnow"]


class Base(DeclarativeBase):
    registry = registry(
        metadata=schema.metadata,
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
