"""Responses and answers, plus the short-lived state of respondents still answering.

Anonymity is a property of these tables, not a promise:

* A submission does not become a ``Response`` row at once: it waits in the
  :class:`ResponsePool` and enters the response table in shuffled batches of at least the
  campaign's threshold (``survey.services.pool``), so no stored order, transaction or WAL frame
  of the response table follows the order of arrival.
* ``Response.id`` is random; the table is stored without a row id on SQLite, so even the
  physical order of rows within a batch does not follow the order of submission.
* The only time kept about a respondent is a calendar date: the day its batch entered the
  results, shared by every response of the batch.
* Nothing here refers to an access code, a code batch, a resume code, an IP address or a user
  agent. A draft's answers are sealed with a key only the respondent's browser holds.

Answers are stored one row per answered item (or per selected option / ranked option / grid row),
keyed by the questionnaire's variable name, so a cross-tabulation of any item by any banner is a
self-join and a GROUP BY inside the database.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import DDL, ForeignKey, LargeBinary, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey import schema
from survey.models.base import Base, random_id
from survey.schema import ResponseStatus

__all__ = ["Answer", "BannerTally", "Draft", "ImportKey", "PageReach", "Response",
           "ResponsePool", "ResponseStatus", "SubmissionReceipt"]


class Response(Base):
    """One response. The columns (and the indexes) are :data:`survey.schema.response`, which
    analysis reads without the ORM."""

    __table__ = schema.response

    id: Mapped[str]
    campaign_id: Mapped[int]
    version_id: Mapped[int]
    status: Mapped[ResponseStatus]
    submitted_on: Mapped[date]
    mode: Mapped[str]

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )


class Answer(Base):
    """One stored value.

    ``variable`` is the item id (``A1``), or ``item.row`` for a grid row (``B2.3``).
    A single choice stores ``code``; a multiple choice one row per selected ``code``
    (``position`` 1, 2, …); a ranking one row per ranked option with its rank in ``number``;
    a numeric item ``number``; a text item or an "other — specify" box ``text``.

    The columns are :data:`survey.schema.answer`.
    """

    __table__ = schema.answer

    response_id: Mapped[str]
    variable: Mapped[str]
    position: Mapped[int]
    code: Mapped[int | None]
    number: Mapped[float | None]
    text: Mapped[str | None]

    response: Mapped[Response] = relationship(back_populates="answers")


class Draft(Base):
    """Answers of a respondent who has not submitted yet.

    Identified by the hash of a random token held in the respondent's cookie (and, when they ask
    to save, by the hash of a resume code they write down). The answers, and the access code the
    respondent entered, are ``sealed``: encrypted with a key derived from that token, which the
    server never stores, so neither a live row nor a deleted one (a dead tuple, a WAL frame, a
    backup) can be read without the respondent's browser. ``resume_key`` holds the same key
    wrapped by the resume code. Deleted when the submission enters the pool; expired drafts are
    purged by date.
    """

    __tablename__ = "draft"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    resume_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    resume_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    page: Mapped[int] = mapped_column(default=0)
    furthest_page: Mapped[int] = mapped_column(default=0)
    # Seed for per-respondent option order randomisation, so Back shows the same order.
    seed: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    expires_on: Mapped[date] = mapped_column(index=True)


class ResponsePool(Base):
    """Submissions acknowledged but not yet in the results: the holding pool.

    A submission is stored here durably before "thank you" (nothing acknowledged is lost) and
    leaves in a shuffled batch of at least the campaign's threshold (``survey.services.pool``).
    A release empties the table (PostgreSQL: ``TRUNCATE``, a new file; SQLite: deleted with
    ``secure_delete`` and the WAL truncated) and puts back, with fresh ids in a fresh order, the
    few it holds back, so that no trace of the order of arrival outlives a release. ``payload``
    is the answer rows and banner categories as JSON, stored uncompressed on PostgreSQL
    (``STORAGE EXTERNAL``) so that the attack tests see what an attacker would.
    """

    __tablename__ = "response_pool"
    __table_args__ = ({"sqlite_with_rowid": False},)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    mode: Mapped[str] = mapped_column(String(10), default="web")
    payload: Mapped[dict[str, Any]]
    received_on: Mapped[date]


class ImportKey(Base):
    """A submission imported from a KoboToolbox/ODK export: the keyed hash of its submission id
    (:func:`survey.questionnaire.xlsform_data.row_key`), so that importing the same file again
    adds nothing (``survey.services.data_import.import_data``). The id itself is never stored,
    nor any time; the table has no row id on SQLite and an import inserts its keys in a random
    order, so nothing here pairs a key with a response or with a row of the source file."""

    __tablename__ = "import_key"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))


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


# PostgreSQL compresses large values; the pool's payload is kept as it is, so that what the
# attack tests read in the files is what an attacker would (survey.services.pool). Drafts are
# rewritten on every page: vacuum them promptly (their content is sealed either way).
event.listen(ResponsePool.__table__, "after_create", DDL(
    "ALTER TABLE response_pool ALTER COLUMN payload SET STORAGE EXTERNAL").execute_if(
    dialect="postgresql"))
event.listen(Draft.__table__, "after_create", DDL(
    "ALTER TABLE draft SET (autovacuum_vacuum_scale_factor = 0, "
    "autovacuum_vacuum_threshold = 200)").execute_if(dialect="postgresql"))
