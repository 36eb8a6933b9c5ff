"""Campaigns: creation and the state a respondent sees (open, closed, not yet open, full)."""
from __future__ import annotations

import enum
import re
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import (AccessMode, Campaign, Questionnaire, QuestionnaireVersion, Response,
                           ResponseStatus, StaffUser)
from survey.services.audit import record
from survey.services.questionnaires import latest_version

FLAGSHIP_SLUG = "ne-tranh-trach-nhiem"
DEMO_CAMPAIGN_SLUG = "demo"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")


class CampaignError(ValueError):
    """A campaign could not be created; the message says why."""


class CampaignState(str, enum.Enum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    FULL = "full"


def create_campaign(session: Session, version: QuestionnaireVersion, slug: str, title: str,
                    access_mode: AccessMode = AccessMode.OPEN, opens_at: datetime | None = None,
                    closes_at: datetime | None = None, max_responses: int | None = None,
                    disclosure_threshold: int = 5, actor: StaffUser | None = None) -> Campaign:
    if not SLUG_RE.match(slug):
        raise CampaignError("The link name may use lower-case letters, digits and dashes (3–64).")
    if session.scalar(select(Campaign).where(Campaign.slug == slug)):
        raise CampaignError(f"A campaign with link name {slug!r} exists already.")
    if opens_at and closes_at and closes_at <= opens_at:
        raise CampaignError("The closing date must come after the opening date.")
    if disclosure_threshold < 1:
        raise CampaignError("The disclosure threshold must be at least 1.")
    campaign = Campaign(version=version, slug=slug, title=title, access_mode=access_mode,
                        opens_at=opens_at, closes_at=closes_at, max_responses=max_responses,
                        disclosure_threshold=disclosure_threshold)
    session.add(campaign)
    session.flush()
    record(session, actor, "campaign.create", f"campaign:{campaign.id}", {"slug": slug})
    return campaign


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)  # SQLite returns naive UTC datetimes
    return moment


def campaign_state(session: Session, campaign: Campaign, now: datetime | None = None) -> CampaignState:
    now = now or datetime.now(timezone.utc)
    if campaign.opens_at and now < _aware(campaign.opens_at):
        return CampaignState.NOT_YET_OPEN
    if campaign.closes_at and now >= _aware(campaign.closes_at):
        return CampaignState.CLOSED
    if campaign.max_responses is not None:
        completes = session.scalar(
            select(func.count()).select_from(Response)
            .where(Response.campaign_id == campaign.id, Response.status == ResponseStatus.COMPLETE)
        )
        if completes >= campaign.max_responses:
            return CampaignState.FULL
    return CampaignState.OPEN


def ensure_demo_campaign(session: Session) -> Campaign | None:
    """Open link campaign ``demo`` on the latest version of the flagship questionnaire."""
    existing = session.scalar(select(Campaign).where(Campaign.slug == DEMO_CAMPAIGN_SLUG))
    if existing is not None:
        return existing
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.slug == FLAGSHIP_SLUG))
    version = latest_version(session, questionnaire) if questionnaire else None
    if version is None:
        return None
    return create_campaign(session, version, DEMO_CAMPAIGN_SLUG,
                           "Khảo sát thử nghiệm (demo) — " + questionnaire.title)
