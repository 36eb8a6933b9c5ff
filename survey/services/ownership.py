"""Who may manage a campaign: its owner, the designers it is shared with, and every admin.

The model (issue 25, point 13): the designer who creates a campaign owns it; the owner (or an
admin) may share it with other designers, who may then manage it too (edit, targets, close,
codes, QR) but not share it further. Admins manage every campaign. A campaign without an owner
(made from the command line, e.g. the demo campaign) is managed by admins until one of them
shares it. Analysts never manage campaigns; they read every campaign's monitor and analysis.

The check runs in ``before_request`` for the whole ``campaigns.manage`` blueprint, so no route
with a ``campaign_id`` can forget it; ``tests/test_access.py`` sweeps the URL map to prove it.
"""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from survey.models import Campaign, Role, StaffUser
from survey.models.staff import CampaignAccess
from survey.services.audit import record
from survey.services.errors import N_, ServiceError


def _row(session: Session, campaign_id: int, user_id: int) -> CampaignAccess | None:
    return session.get(CampaignAccess, (campaign_id, user_id))


def can_manage(session: Session, user: StaffUser | None, campaign_id: int) -> bool:
    if user is None:
        return False
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.DESIGNER and _row(session, campaign_id, user.id) is not None


def can_share(session: Session, user: StaffUser | None, campaign_id: int) -> bool:
    if user is None:
        return False
    if user.role is Role.ADMIN:
        return True
    row = _row(session, campaign_id, user.id)
    return user.role is Role.DESIGNER and row is not None and row.owner


def managed_campaign_ids(session: Session, user: StaffUser) -> set[int] | None:
    """The ids of the campaigns ``user`` manages; None for an admin (every campaign)."""
    if user.role is Role.ADMIN:
        return None
    if user.role is not Role.DESIGNER:
        return set()
    return set(session.scalars(select(CampaignAccess.campaign_id)
                               .where(CampaignAccess.user_id == user.id)))


def set_owner(session: Session, campaign: Campaign, user: StaffUser | None) -> None:
    """Record ``user`` as the owner of a new campaign (nothing for an admin or no user: admins
    manage every campaign anyway, and an admin-made campaign is shared explicitly)."""
    if user is None or user.role is not Role.DESIGNER:
        return
    session.add(CampaignAccess(campaign_id=campaign.id, user_id=user.id, owner=True))


def members(session: Session, campaign: Campaign) -> list[CampaignAccess]:
    """The owner first, then the designers it is shared with, by name."""
    rows = session.scalars(select(CampaignAccess).join(StaffUser)
                           .where(CampaignAccess.campaign_id == campaign.id)
                           .order_by(CampaignAccess.owner.desc(), StaffUser.username)).all()
    return list(rows)


def shareable_designers(session: Session, campaign: Campaign) -> list[StaffUser]:
    """Active designers the campaign is not yet shared with."""
    taken = select(CampaignAccess.user_id).where(CampaignAccess.campaign_id == campaign.id)
    return list(session.scalars(select(StaffUser).where(
        StaffUser.role == Role.DESIGNER, StaffUser.active.is_(True),
        StaffUser.id.not_in(taken)).order_by(StaffUser.username)))


def share(session: Session, campaign: Campaign, user: StaffUser, actor: StaffUser) -> None:
    """Let designer ``user`` manage ``campaign``. Raises :class:`ServiceError` for anyone but an
    active designer, or when it is shared with them already."""
    if user.role is not Role.DESIGNER or not user.active:
        raise ServiceError(N_("Chỉ chia sẻ được với tài khoản thiết kế đang hoạt động."))
    if _row(session, campaign.id, user.id) is not None:
        raise ServiceError(N_("Đợt khảo sát đã được chia sẻ với %(username)s."),
                           username=user.username)
    session.add(CampaignAccess(campaign_id=campaign.id, user_id=user.id, owner=False))
    record(session, actor, "campaign.share", f"campaign:{campaign.id}",
           {"user": user.username})


def unshare(session: Session, campaign: Campaign, user: StaffUser, actor: StaffUser) -> None:
    """Take the campaign back from ``user``. Raises :class:`ServiceError` when it was not shared
    with them, or when they own it."""
    row = _row(session, campaign.id, user.id)
    if row is None:
        raise ServiceError(N_("Đợt khảo sát chưa được chia sẻ với %(username)s."),
                           username=user.username)
    if row.owner:
        raise ServiceError(N_("Không thể bỏ quyền của người tạo đợt khảo sát."))
    session.execute(delete(CampaignAccess).where(CampaignAccess.campaign_id == campaign.id,
                                                 CampaignAccess.user_id == user.id))
    record(session, actor, "campaign.unshare", f"campaign:{campaign.id}",
           {"user": user.username})
