"""Coding open answers: the coding frame of a campaign's text variable, the codes given to each
answer, and the answers an analyst approved for quoting.

Coded answers are analysis data about responses, so they follow the response table's rules:
random ids, no timestamps, no row ids on SQLite (the physical order of rows says nothing about
when an answer arrived or was coded), nothing that names the analyst per answer.
"""
from __future__ import annotations

from sqlalchemy.orm import Mapped

from survey import schema
from survey.models.base import Base

__all__ = ["CodingAssignment", "CodingCode", "CodingQuote"]


class CodingCode(Base):
    """One code of the coding frame of ``variable`` (``E5``, or ``B3.other`` for the text of
    an "other — specify" option) in a campaign. Columns: :data:`survey.schema.coding_code`."""

    __table__ = schema.coding_code

    id: Mapped[int]
    campaign_id: Mapped[int]
    variable: Mapped[str]
    label: Mapped[str]
    position: Mapped[int]


class CodingAssignment(Base):
    """A code given to one response's answer (an answer may carry several codes). Columns:
    :data:`survey.schema.coding_assignment`."""

    __table__ = schema.coding_assignment

    id: Mapped[str]
    code_id: Mapped[int]
    response_id: Mapped[str]


class CodingQuote(Base):
    """An answer the analyst approved for quoting in the report, as it will be quoted (the
    analyst may shorten it; the report checks it again for identifying details). Columns:
    :data:`survey.schema.coding_quote`."""

    __table__ = schema.coding_quote

    id: Mapped[str]
    response_id: Mapped[str]
    variable: Mapped[str]
    text: Mapped[str]
    approved: Mapped[bool]
