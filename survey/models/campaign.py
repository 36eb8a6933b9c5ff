"""Campaigns (fieldwork waves), their targets and one-time access codes."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, utcnow

if TYPE_CHECKING:
    from survey.models.questionnaire import QuestionnaireVersion


class AccessMode(str, enum.Enum):
    OPEN = "open"  # anyone with the link
    CODE = "code"  # one-time access codes


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"), index=True)
    access_mode: Mapped[AccessMode] = mapped_column(
        Enum(AccessMode, name="access_mode", native_enum=False, length=10,
             values_callable=lambda e: [m.value for m in e]),
        default=AccessMode.OPEN,
    )
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    # Stop accepting responses once this many are complete (None: no limit).
    max_responses: Mapped[int | None]
    # Smallest cell or base shown in any published output of this campaign.
    disclosure_threshold: Mapped[int] = mapped_column(default=5)
    # The respondent's page may keep the answers in progress on the device (encrypted, erased on
    # sending) and open offline; off for campaigns answered on shared PCs (issue 23).
    device_storage: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="campaigns")
    targets: Mapped[list[CampaignTarget]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )
    code_batches: Mapped[list[AccessCodeBatch]] = relationship(back_populates="campaign")


class CampaignTarget(Base):
    """Target number of completes for one category of one banner dimension (e.g. level = 2)."""

    __tablename__ = "campaign_target"
    __table_args__ = (
        UniqueConstraint("campaign_id", "dimension", "code", name="uq_campaign_target_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    dimension: Mapped[str] = mapped_column(String(64))
    code: Mapped[int]
    target: Mapped[int]

    campaign: Mapped[Campaign] = relationship(back_populates="targets")


class AccessCodeBatch(Base):
    """A batch of one-time codes, optionally labelled with coarse attributes of the units it
    went to (e.g. level and field). A batch is never smaller than the disclosure threshold."""

    __tablename__ = "access_code_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    attributes: Mapped[dict[str, Any] | None]
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="code_batches")


class AccessCode(Base):
    """One-time code. Only a keyed hash is stored, and ``used`` has no timestamp on purpose:
    a time of use could be matched against a response. The rows of a batch are inserted in a
    random order, unrelated to the order of the list handed out. ``spent_with`` is the hash of
    the spending draft's sealed secret: a retried submission from the same draft finds its own
    spend, and nothing readable ties the code to the draft or the response."""

    __tablename__ = "access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("access_code_batch.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(default=False)
    spent_with: Mapped[str | None] = mapped_column(String(64))
