"""Campaigns: creation, editing, targets, closing, and the state a respondent sees.

A refusal is a :class:`~survey.services.errors.ServiceError` (Vietnamese source message and its
values), rendered by the staff page or ``flask campaign create``. The platform's limits (the
anonymity floor, the default threshold) come in as :class:`Limits`, read from the app's config by
the caller (:func:`limits_from`). Times are stored in UTC; converting to and from Vietnam time is
the caller's business (:func:`to_local`, :func:`from_local` help).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any, Collection, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from survey import clock
from survey.models import (AccessCodeBatch, AccessMode, Campaign, CampaignTarget, Questionnaire,
                           QuestionnaireVersion, Response, ResponseStatus, StaffUser)
from survey.questionnaire import banners, label_text
from survey.services.settings import anonymity_floor
from survey.services.audit import record
from survey.services.errors import N_, ServiceError
from survey.services.questionnaires import latest_version

FLAGSHIP_SLUG = "ne-tranh-trach-nhiem"
DEMO_CAMPAIGN_SLUG = "demo"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
LOCAL_TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_TITLE = 500
MAX_TARGET = 10_000_000


class CampaignState(str, enum.Enum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    FULL = "full"


@dataclass(frozen=True)
class CampaignSettings:
    """What a designer may set on a campaign (everything but the slug and the version)."""

    title: str
    access_mode: AccessMode = AccessMode.OPEN
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    max_responses: int | None = None
    disclosure_threshold: int | None = None
    device_storage: bool = True  # answers in progress kept on the respondent's device


@dataclass(frozen=True)
class TargetCell:
    """One banner category a target can be set for (from the version's banner items)."""

    dimension: str
    variable: str
    dimension_label: str
    code: int
    label: str


# ----------------------------------------------------------------------------- time helpers

def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)  # SQLite returns naive UTC datetimes
    return moment


def to_local(moment: datetime | None) -> datetime | None:
    """A stored (UTC) moment in Vietnam time, for display and for pre-filling forms."""
    moment = _aware(moment)
    return moment.astimezone(LOCAL_TIMEZONE) if moment is not None else None


def from_local(day: date | None, at: time | None) -> datetime | None:
    """A date and time typed in Vietnam time → an aware UTC datetime (``None`` without a date;
    a missing time means midnight)."""
    if day is None:
        return None
    local = datetime.combine(day, at or time(0, 0), tzinfo=LOCAL_TIMEZONE)
    return local.astimezone(timezone.utc)


@dataclass(frozen=True)
class Limits:
    """The platform's anonymity settings every campaign obeys: no threshold below ``floor``;
    ``default_threshold`` when the designer leaves it out."""

    floor: int
    default_threshold: int


def limits_from(config: Mapping[str, Any]) -> Limits:
    """:class:`Limits` from the app's config (``ANONYMITY_FLOOR``, ``DISCLOSURE_THRESHOLD``)."""
    return Limits(floor=anonymity_floor(config),
                  default_threshold=int(config.get("DISCLOSURE_THRESHOLD", 5)))


# ----------------------------------------------------------------------------- validation

def _check_settings(settings: CampaignSettings, limits: Limits) -> CampaignSettings:
    title = (settings.title or "").strip()
    if not title:
        raise ServiceError(N_("Tên đợt khảo sát không được để trống."))
    if len(title) > MAX_TITLE:
        raise ServiceError(N_("Tên đợt khảo sát tối đa %(n)s ký tự."), n=MAX_TITLE)
    try:
        mode = AccessMode(settings.access_mode)
    except ValueError:
        raise ServiceError(N_("Cách truy cập không hợp lệ.")) from None
    opens_at, closes_at = _aware(settings.opens_at), _aware(settings.closes_at)
    if opens_at and closes_at and closes_at <= opens_at:
        raise ServiceError(N_("Thời điểm kết thúc phải sau thời điểm bắt đầu."))
    if settings.max_responses is not None and settings.max_responses < 1:
        raise ServiceError(N_("Số phiếu tối đa phải từ 1 trở lên (để trống: không giới hạn)."))
    threshold = settings.disclosure_threshold
    if threshold is None:
        threshold = limits.default_threshold
    floor = limits.floor
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < floor:
        raise ServiceError(N_("Ngưỡng bảo mật phải là một số nguyên từ %(n)s trở lên (mức sàn "
                              "của nền tảng)."), n=floor)
    return CampaignSettings(title, mode, opens_at, closes_at, settings.max_responses, threshold,
                            bool(settings.device_storage))


def check_slug(session: Session, slug: str) -> str:
    """The slug if it is well formed and free; raises :class:`ServiceError` otherwise."""
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug):
        raise ServiceError(N_("Tên đường dẫn chỉ gồm chữ thường không dấu, chữ số và dấu gạch "
                              "ngang, dài từ 3 đến 64 ký tự, không bắt đầu hay kết thúc bằng "
                              "dấu gạch ngang."))
    if session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        raise ServiceError(N_("Đã có đợt khảo sát với tên đường dẫn «%(slug)s»."), slug=slug)
    return slug


# ----------------------------------------------------------------------------- create / edit

def create_campaign(session: Session, version: QuestionnaireVersion, slug: str, title: str,
                    access_mode: AccessMode = AccessMode.OPEN, opens_at: datetime | None = None,
                    closes_at: datetime | None = None, max_responses: int | None = None,
                    disclosure_threshold: int | None = None,
                    actor: StaffUser | None = None, *, limits: Limits,
                    device_storage: bool = True) -> Campaign:
    """Create a campaign on a published version. ``disclosure_threshold`` defaults to
    ``limits.default_threshold``. The caller commits.

    Raises :class:`ServiceError` (nothing added) for a malformed or taken slug, an empty title,
    a closing time not after the opening time, or a threshold below ``limits.floor``."""
    slug = check_slug(session, slug)
    settings = _check_settings(CampaignSettings(title, access_mode, opens_at, closes_at,
                                                max_responses, disclosure_threshold,
                                                device_storage), limits)
    campaign = Campaign(version=version, slug=slug, title=settings.title,
                        access_mode=settings.access_mode, opens_at=settings.opens_at,
                        closes_at=settings.closes_at, max_responses=settings.max_responses,
                        disclosure_threshold=settings.disclosure_threshold,
                        device_storage=settings.device_storage)
    session.add(campaign)
    session.flush()
    record(session, actor, "campaign.create", f"campaign:{campaign.id}",
           {"slug": slug, "version": version.id, "access_mode": settings.access_mode.value})
    from survey.services.ownership import set_owner

    set_owner(session, campaign, actor)  # a designer owns what they create
    return campaign


def update_campaign(session: Session, campaign: Campaign, settings: CampaignSettings,
                    actor: StaffUser | None = None, *, limits: Limits) -> list[str]:
    """Change a campaign's settings; the slug and version never change (links and QR codes are
    already out, and responses belong to one version). Returns the names of changed fields
    (also audit-logged). Raises :class:`ServiceError` with nothing changed."""
    settings = _check_settings(settings, limits)
    if settings.disclosure_threshold < campaign.disclosure_threshold and session.scalar(
            select(func.count()).select_from(AccessCodeBatch)
            .where(AccessCodeBatch.campaign_id == campaign.id)):
        raise ServiceError(N_("Không thể hạ ngưỡng bảo mật khi đợt khảo sát đã có mã truy cập: "
                              "các lô mã đã phát được chia theo ngưỡng %(n)s."),
                           n=campaign.disclosure_threshold)
    changed = []
    for name in ("title", "access_mode", "opens_at", "closes_at", "max_responses",
                 "disclosure_threshold", "device_storage"):
        new = getattr(settings, name)
        old = getattr(campaign, name)
        if name in ("opens_at", "closes_at"):
            old = _aware(old)
        if new != old:
            setattr(campaign, name, new)
            changed.append(name)
    if changed:
        record(session, actor, "campaign.update", f"campaign:{campaign.id}", {"fields": changed})
    return changed


def close_campaign(session: Session, campaign: Campaign, actor: StaffUser | None = None,
                   now: datetime | None = None) -> None:
    """Stop accepting responses now (the closing time becomes now)."""
    now = now or clock.now()
    campaign.closes_at = now
    if campaign.opens_at and _aware(campaign.opens_at) > now:
        campaign.opens_at = now
    record(session, actor, "campaign.close", f"campaign:{campaign.id}")


def reopen_campaign(session: Session, campaign: Campaign, actor: StaffUser | None = None,
                    now: datetime | None = None) -> None:
    """Accept responses again: the closing time is removed (set a new one by editing).
    A campaign that reached its maximum stays full."""
    now = now or clock.now()
    closes_at = _aware(campaign.closes_at)
    if closes_at is None or closes_at > now:
        raise ServiceError(N_("Đợt khảo sát này chưa đóng."))
    campaign.closes_at = None
    record(session, actor, "campaign.reopen", f"campaign:{campaign.id}")


# ----------------------------------------------------------------------------- targets

def target_cells(version: QuestionnaireVersion, language: str = "vi") -> list[TargetCell]:
    """Every category of every banner item of the version, in questionnaire order. Options
    marked ``missing`` ("prefer not to say") get no target."""
    cells = []
    for item in banners(version.definition):
        dimension = str(item.get("dimension") or item["id"])
        for option in item.get("options") or []:
            if option.get("missing"):
                continue
            cells.append(TargetCell(dimension, item["id"], label_text(item.get("label"), language),
                                    int(option["code"]), label_text(option.get("label"), language)))
    return cells


def set_targets(session: Session, campaign: Campaign, targets: Mapping[tuple[str, int], int | None],
                actor: StaffUser | None = None) -> int:
    """Replace the campaign's targets. ``targets`` maps (dimension, code) to a number of
    completes; ``None`` or 0 removes the target. Returns how many targets are set.

    Raises :class:`ServiceError` (nothing changed) for a category that is not a banner
    category of the campaign's version, or a negative or absurd number."""
    allowed = {(cell.dimension, cell.code) for cell in target_cells(campaign.version)}
    clean: dict[tuple[str, int], int] = {}
    for (dimension, code), value in targets.items():
        if (dimension, code) not in allowed:
            raise ServiceError(N_("Không có nhóm «%(dimension)s = %(code)s» trong phiếu hỏi."),
                               dimension=dimension, code=code)
        if value is None or value == 0:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_TARGET:
            raise ServiceError(N_("Chỉ tiêu phải là số nguyên từ 0 đến %(n)s."), n=MAX_TARGET)
        clean[(dimension, code)] = value
    session.execute(delete(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id))
    session.add_all(CampaignTarget(campaign_id=campaign.id, dimension=dimension, code=code,
                                   target=value) for (dimension, code), value in clean.items())
    session.flush()
    session.expire(campaign, ["targets"])
    record(session, actor, "campaign.targets", f"campaign:{campaign.id}", {"cells": len(clean)})
    return len(clean)


def current_targets(session: Session, campaign: Campaign) -> dict[tuple[str, int], int]:
    return {(t.dimension, t.code): t.target for t in session.scalars(
        select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id))}


# ----------------------------------------------------------------------------- reading

def list_campaigns(session: Session, only: Collection[int] | None = None) -> list[Campaign]:
    """Campaigns newest first: every one, or those whose id is in ``only`` (the campaigns a
    designer manages)."""
    statement = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if only is not None:
        statement = statement.where(Campaign.id.in_(list(only)))
    return list(session.scalars(statement))


def find_campaign(session: Session, key: str | int) -> Campaign | None:
    """A campaign by id or slug (the command line accepts either)."""
    if isinstance(key, int) or str(key).isdigit():
        found = session.get(Campaign, int(key))
        if found is not None:
            return found
    return session.scalar(select(Campaign).where(Campaign.slug == str(key)))


def campaign_state(session: Session, campaign: Campaign, now: datetime | None = None) -> CampaignState:
    now = now or clock.now()
    if campaign.opens_at and now < _aware(campaign.opens_at):
        return CampaignState.NOT_YET_OPEN
    if campaign.closes_at and now >= _aware(campaign.closes_at):
        return CampaignState.CLOSED
    if campaign.max_responses is not None:
        from survey.services.pool import waiting

        completes = session.scalar(
            select(func.count()).select_from(Response)
            .where(Response.campaign_id == campaign.id, Response.status == ResponseStatus.COMPLETE,
                   Response.mode != "synthetic")  # sample data is not fieldwork
        ) + waiting(session, [campaign.id])[campaign.id]
        if completes >= campaign.max_responses:
            return CampaignState.FULL
    return CampaignState.OPEN


def published_versions(session: Session) -> list[QuestionnaireVersion]:
    """Every published version, newest questionnaire version first (for the campaign form)."""
    return list(session.scalars(
        select(QuestionnaireVersion).join(Questionnaire)
        .order_by(Questionnaire.title, QuestionnaireVersion.number.desc())
    ))


def campaign_path(campaign: Campaign) -> str:
    """The respondent link's path (``/s/<slug>``), independent of any request."""
    return f"/s/{campaign.slug}"


def campaign_link(campaign: Campaign, base_url: str) -> str:
    """The full respondent link on ``base_url`` (``PUBLIC_BASE_URL`` or the request's host)."""
    return base_url.rstrip("/") + campaign_path(campaign)


def ensure_demo_campaign(session: Session, limits: Limits) -> Campaign | None:
    """Open link campaign ``demo`` on the latest version of the flagship questionnaire."""
    existing = session.scalar(select(Campaign).where(Campaign.slug == DEMO_CAMPAIGN_SLUG))
    if existing is not None:
        return existing
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.slug == FLAGSHIP_SLUG))
    version = latest_version(session, questionnaire) if questionnaire else None
    if version is None:
        return None
    return create_campaign(session, version, DEMO_CAMPAIGN_SLUG,
                           "Khảo sát thử nghiệm (demo) — " + questionnaire.title, limits=limits)
