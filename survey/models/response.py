"""Responses and answers, plus the short-lived state of respondents still answering.

Anonymity is a property of these tables, not a promise:

* ``Response.id`` is random; the table is stored without a row id on SQLite, so even the
  physical order of rows does not follow the order of submission.
* The only time kept about a respondent is the calendar date of submission.
* Nothing here refers to an access code, a resume code, an IP address or a user agent.
  A response refers to a code *batch* at most, and batches are never smaller than the
  disclosure threshold.

Answers are stored one row per answered item (or per selected option / ranked option / grid row),
keyed by the questionnaire's variable name, so a cross-tabulation of any item by any banner is a
self-join and a GROUP BY inside the database.
"""
from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, random_id


class ResponseStatus(str, enum.Enum):
    COMPLETE = "complete"
    PARTIAL = "partial"


class Response(Base):
    __tablename__ = "response"
    __table_args__ = (
        # Covering, in the order the monitor groups: completes/partials per campaign and per
        # day are read from the index alone, without sorting (see services.monitor).
        Index("ix_response_campaign_status_day", "campaign_id", "status", "submitted_on"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"), index=True)
    status: Mapped[ResponseStatus] = mapped_column(
        Enum(ResponseStatus, name="response_status", native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]),
        default=ResponseStatus.COMPLETE,
    )
    submitted_on: Mapped[date]
    # Respondents reached through a labelled code batch inherit its coarse attributes.
    code_batch_id: Mapped[int | None] = mapped_column(ForeignKey("access_code_batch.id"))

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """One stored value.

    ``variable`` is the item id (``A1``), or ``item.row`` for a grid row (``B2.3``).
    A single choice stores ``code``; a multiple choice one row per selected ``code``
    (``position`` 1, 2, …); a ranking one row per ranked option with its rank in ``number``;
    a numeric item ``number``; a text item or an "other — specify" box ``text``.
    """

    __tablename__ = "answer"
    __table_args__ = (
        # Covering index for cross-tabulations: all rows of one variable, with their codes.
        Index("ix_answer_variable_response_code", "variable", "response_id", "code"),
        {"sqlite_with_rowid": False},
    )

    response_id: Mapped[str] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    variable: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True, default=0)
    code: Mapped[int | None]
    number: Mapped[float | None]
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")


class Draft(Base):
    """Answers of a respondent who has not submitted yet.

    Identified by the hash of a random token held in the respondent's cookie (and, when they ask
    to save, by the hash of a resume code they write down). Deleted when the response is
    submitted, in the same transaction; expired drafts are purged by date.
    """

    __tablename__ = "draft"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    resume_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    code_batch_id: Mapped[int | None] = mapped_column(ForeignKey("access_code_batch.id"))
    answers: Mapped[dict[str, Any]]
    page: Mapped[int] = mapped_column(default=0)
    furthest_page: Mapped[int] = mapped_column(default=0)
    # Seed for per-respondent option order randomisation, so Back shows the same order.
    seed: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    expires_on: Mapped[date] = mapped_column(index=True)


class SubmissionReceipt(Base):
    """Hash of a used submission token: a retried or double-tapped submit finds it and shows the
    thank-you page instead of storing a second response. Holds no reference to the response."""

    __tablename__ = "submission_receipt"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_on: Mapped[date] = mapped_column(index=True)


class PageReach(Base):
    """How many respondents reached each page, per day: drop-off from counts, never traces."""

    __tablename__ = "page_reach"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    page: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class BannerTally(Base):
    """Complete responses per category of each banner variable of a campaign, kept up to date
    by the submit transaction so the fieldwork monitor reads a few dozen rows instead of
    grouping the whole answer table (``bench/monitor.py``).

    Safe for anonymity: an aggregate only, the same counts the monitor already computed from
    the answers (and shows to staff with small cells suppressed). It holds no response id, no
    code, no date or time and nothing per respondent; unlike ``PageReach`` there is not even a
    day, so a row cannot be matched with a submission moment. ``survey.services.monitor
    .rebuild_banner_tallies`` recomputes it from the answers at any time.
    """

    __tablename__ = "banner_tally"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    variable: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
