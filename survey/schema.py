"""The stored tables analysis reads, as SQLAlchemy Core definitions: the pure layer between the
app and :mod:`analysis`.

Why Core and why here: :mod:`analysis` counts, exports and codes responses with an engine passed
in and must not import the app (its ORM needs the Flask-SQLAlchemy session and relationships it
never uses). Each table is defined once, here; the ORM classes of :mod:`survey.models` map onto
these same ``Table`` objects (``__table__ = schema.response``), and the ORM's declarative base
uses :data:`metadata`, so Alembic's autogenerate and the migration test see one definition.

:data:`cache` is a second ``MetaData`` on purpose: the bookkeeping of analysis's own cache tables
(the wide tables of :mod:`analysis.wide`, their covering indexes) is created at run time, may be
dropped at any moment and is not part of the application schema or its migrations
(``migrations/env.py`` leaves ``analysis_wide*`` out), so it must stay out of :data:`metadata`.
"""
from __future__ import annotations

import enum
import secrets

import sqlalchemy as sa

__all__ = ["NAMING_CONVENTION", "metadata", "cache", "ResponseStatus", "random_id", "response",
           "answer", "coding_code", "coding_assignment", "coding_quote", "wide_meta",
           "wide_index"]

# Every constraint gets a stable name, so autogenerate and SQLite batch migrations give the same
# diff on every machine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
cache = sa.MetaData()


class ResponseStatus(str, enum.Enum):
    COMPLETE = "complete"
    PARTIAL = "partial"


def random_id() -> str:
    """A 128-bit random identifier: reveals nothing about order or time of creation."""
    return secrets.token_hex(16)


def _enum(python_enum: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum: a VARCHAR holding the member values (no native type to migrate)."""
    return sa.Enum(python_enum, name=name, native_enum=False, length=10,
                   values_callable=lambda e: [m.value for m in e])


# Responses and answers: see survey.models.response for what keeps them anonymous (random ids,
# no row ids on SQLite, a calendar date only).
response = sa.Table(
    "response", metadata,
    sa.Column("id", sa.String(32), primary_key=True, default=random_id),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("questionnaire_version.id"),
              nullable=False, index=True),
    sa.Column("status", _enum(ResponseStatus, "response_status"), nullable=False,
              default=ResponseStatus.COMPLETE),
    # The day the response's batch entered the results (see survey.services.pool).
    sa.Column("submitted_on", sa.Date, nullable=False),
    # How the answers were collected: a coarse variable analysts may cross by.
    sa.Column("mode", sa.String(10), nullable=False, default="web"),
    # Covering, in the order the monitor groups: completes/partials per campaign and per day
    # are read from the index alone, without sorting (see services.monitor).
    sa.Index("ix_response_campaign_status_day", "campaign_id", "status", "submitted_on"),
    sqlite_with_rowid=False,
)

answer = sa.Table(
    "answer", metadata,
    sa.Column("response_id", sa.String(32), sa.ForeignKey("response.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("variable", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True, default=0),
    sa.Column("code", sa.Integer),
    sa.Column("number", sa.Float),
    sa.Column("text", sa.Text),
    # Covering index for cross-tabulations: all rows of one variable, with their codes.
    sa.Index("ix_answer_variable_response_code", "variable", "response_id", "code"),
    sqlite_with_rowid=False,
)

# Coding open answers: analysis data about responses, under the response table's rules (random
# ids, no timestamps, no row ids on SQLite, nothing naming the analyst per answer).
coding_code = sa.Table(
    "coding_code", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("variable", sa.String(64), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("position", sa.Integer, nullable=False, default=0),
    sa.UniqueConstraint("campaign_id", "variable", "label", name="uq_coding_code_label"),
)

coding_assignment = sa.Table(
    "coding_assignment", metadata,
    sa.Column("id", sa.String(32), primary_key=True, default=random_id),
    sa.Column("code_id", sa.Integer, sa.ForeignKey("coding_code.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("response_id", sa.String(32), sa.ForeignKey("response.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.UniqueConstraint("code_id", "response_id", name="uq_coding_assignment_code_response"),
    sqlite_with_rowid=False,
)

coding_quote = sa.Table(
    "coding_quote", metadata,
    sa.Column("id", sa.String(32), primary_key=True, default=random_id),
    sa.Column("response_id", sa.String(32), sa.ForeignKey("response.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("variable", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("approved", sa.Boolean, nullable=False, default=False),
    sa.UniqueConstraint("response_id", "variable", name="uq_coding_quote_response_variable"),
    sqlite_with_rowid=False,
)

# Analysis's cache bookkeeping (on :data:`cache`, see the module docstring). The wide tables'
# state keeps no time: a refresh follows a release of the holding pool, so its moment would date a
# batch. An index's creation time only orders evictions (the oldest goes first).
wide_meta = sa.Table(
    "analysis_wide_meta", cache,
    sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("layout_hash", sa.String(32), nullable=False),
    sa.Column("responses", sa.Integer, nullable=False),
)

wide_index = sa.Table(
    "analysis_wide_index", cache,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("version_id", sa.Integer, nullable=False),
    sa.Column("columns", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
