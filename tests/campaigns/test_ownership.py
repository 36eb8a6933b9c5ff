"""Campaign ownership (issue 25, point 13): the creator owns a campaign, may share it with other
designers (who then manage it but cannot share it further) and stop sharing; admins manage and
share every campaign; every change is audited and needs a form token."""
from __future__ import annotations

from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditLog, Campaign, Role, StaffUser
from survey.models.staff import CampaignAccess
from tests.helpers import csrf_from, login, make_user, small_definition
from survey.services.questionnaires import publish, save_draft

BASE = "/staff/campaigns"


def _ids(app, *names):
    with app.app_context():
        return [db.session.scalar(select(StaffUser.id).where(StaffUser.username == n))
                for n in names]


def _create_as(client, version_id: int, slug: str) -> int:
    page = client.get(f"{BASE}/new").get_data(as_text=True)
    response = client.post(f"{BASE}/new", data={
        "csrf_token": csrf_from(page), "version": version_id, "slug": slug, "title": "Đợt " + slug,
        "access_mode": "open", "disclosure_threshold": 5})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _setup(app):
    with app.app_context():
        for name in ("chu", "ban", "nguoila"):
            make_user(name, Role.DESIGNER)
        make_user("root", Role.ADMIN)
        version = publish(db.session, save_draft(db.session, small_definition()))
        db.session.commit()
        return version.id


def test_creator_owns_shares_and_unshares(app, client):
    version_id = _setup(app)
    login(client, "chu")
    campaign_id = _create_as(client, version_id, "cua-chu")
    chu, ban, nguoila = _ids(app, "chu", "ban", "nguoila")
    with app.app_context():
        row = db.session.get(CampaignAccess, (campaign_id, chu))
        assert row is not None and row.owner

    other = app.test_client()
    login(other, "ban")
    assert other.get(f"{BASE}/{campaign_id}").status_code == 403
    assert "thuộc về một người thiết kế khác" in \
        other.get(f"{BASE}/{campaign_id}").get_data(as_text=True)

    detail = client.get(f"{BASE}/{campaign_id}").get_data(as_text=True)
    assert 'id="sharing"' in detail and "chu — người tạo" in detail
    # Without the form token nothing is shared.
    assert client.post(f"{BASE}/{campaign_id}/share", data={"user_id": ban}).status_code == 400
    response = client.post(f"{BASE}/{campaign_id}/share",
                           data={"csrf_token": csrf_from(detail), "user_id": ban})
    assert response.status_code == 302
    assert other.get(f"{BASE}/{campaign_id}").status_code == 200
    assert "/s/cua-chu" in other.get(f"{BASE}/").get_data(as_text=True)
    # A designer it was shared with manages it but cannot share it further.
    token = csrf_from(other.get(f"{BASE}/{campaign_id}").get_data(as_text=True))
    assert other.post(f"{BASE}/{campaign_id}/share",
                      data={"csrf_token": token, "user_id": nguoila}).status_code == 403
    # The owner's access cannot be removed; a shared one can.
    token = csrf_from(client.get(f"{BASE}/{campaign_id}").get_data(as_text=True))
    client.post(f"{BASE}/{campaign_id}/share/{chu}/remove", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(CampaignAccess, (campaign_id, chu)) is not None
    client.post(f"{BASE}/{campaign_id}/share/{ban}/remove", data={"csrf_token": token})
    assert other.get(f"{BASE}/{campaign_id}").status_code == 403
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action).where(
            AuditLog.target == f"campaign:{campaign_id}").order_by(AuditLog.id)).all()
    assert actions == ["campaign.create", "campaign.share", "campaign.unshare"]


def test_admin_manages_and_shares_every_campaign(app, client):
    version_id = _setup(app)
    login(client, "chu")
    campaign_id = _create_as(client, version_id, "cua-chu")
    _, ban, _ = _ids(app, "chu", "ban", "nguoila")
    admin = app.test_client()
    login(admin, "root")
    page = admin.get(f"{BASE}/{campaign_id}")
    assert page.status_code == 200
    admin.post(f"{BASE}/{campaign_id}/share",
               data={"csrf_token": csrf_from(page.get_data(as_text=True)), "user_id": ban})
    other = app.test_client()
    login(other, "ban")
    assert other.get(f"{BASE}/{campaign_id}/edit").status_code == 200


def test_campaign_made_by_an_admin_or_the_command_line_has_no_owner(app, client):
    version_id = _setup(app)
    login(client, "root")
    campaign_id = _create_as(client, version_id, "cua-admin")
    with app.app_context():
        assert db.session.scalars(select(CampaignAccess).where(
            CampaignAccess.campaign_id == campaign_id)).all() == []
        assert db.session.get(Campaign, campaign_id) is not None
    designer = app.test_client()
    login(designer, "chu")
    assert designer.get(f"{BASE}/{campaign_id}").status_code == 403
    assert "cua-admin" not in designer.get(f"{BASE}/").get_data(as_text=True)


def test_only_designers_can_be_shared_with(app, client):
    version_id = _setup(app)
    login(client, "chu")
    campaign_id = _create_as(client, version_id, "cua-chu")
    (root,) = _ids(app, "root")
    token = csrf_from(client.get(f"{BASE}/{campaign_id}").get_data(as_text=True))
    response = client.post(f"{BASE}/{campaign_id}/share",
                           data={"csrf_token": token, "user_id": root}, follow_redirects=True)
    assert "Chỉ chia sẻ được với tài khoản thiết kế" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CampaignAccess, (campaign_id, root)) is None
