"""Coding open answers: the coding frame of a campaign's text variable, the codes given to each
answer, and the answers an analyst approved for quoting.

Coded answers are analysis data about responses, so they follow the response table's rules:
random ids, no timestamps, no row ids on SQLite (the physical order of rows says nothing about
when an answer arrived or was coded), nothing that names the analyst per answer.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, random_id


class CodingCode(Base):
    """One code of the coding frame of ``variable`` (``E5``, or ``B3.other`` for the text of
    an "other — specify" option) in a campaign."""

    __tablename__ = "coding_code"
    __table_args__ = (
        UniqueConstraint("campaign_id", "variable", "label", name="uq_coding_code_label"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"),
                                             index=True)
    variable: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)


class CodingAssignment(Base):
    """A code given to one response's answer (an answer may carry several codes)."""

    __tablename__ = "coding_assignment"
    __table_args__ = (
        UniqueConstraint("code_id", "response_id", name="uq_coding_assignment_code_response"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    code_id: Mapped[int] = mapped_column(ForeignKey("coding_code.id", ondelete="CASCADE"),
                                         index=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"),
                                             index=True)


class CodingQuote(Base):
    """An answer the analyst approved for quoting in the report, as it will be quoted (the
    analyst may shorten it; the report checks it again for identifying details)."""

    __tablename__ = "coding_quote"
    __table_args__ = (
        UniqueConstraint("response_id", "variable", name="uq_coding_quote_response_variable"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    response_id: Mapped[str] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"),
                                             index=True)
    variable: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    approved: Mapped[bool] = mapped_column(default=False)
