"""What the paper-entry screens tell a new user who is stuck: a supervisor who sees no
campaign (it was not shared with them), a clerk with nothing open yet, and the supervisor who
finishes entry (where the agreed sheets went and when the analysis tables show them)."""
from __future__ import annotations

from sqlalchemy import func, select

from survey.extensions import db
from survey.models import ResponsePool, Role
from survey.services import paper_release
from survey.services import paper_entry as pe
from survey.services.sheet_ids import format_sheet_id, new_sheet_id
from tests.entry.support import keyers, paper_campaign
from tests.helpers import csrf_from, login, make_campaign, make_user, small_definition

SECRET = "test-secret-key-not-for-production"


def test_a_designer_without_a_shared_campaign_is_told_how_to_get_one(app, client):
    with app.app_context():
        make_campaign("khac")  # created by nobody in particular: not shared with the designer
        make_user("giamsat", Role.DESIGNER)
    login(client, "giamsat")
    page = client.get("/staff/entry/").get_data(as_text=True)
    assert "Chưa có đợt khảo sát nào mở nhập phiếu giấy." in page
    assert 'id="no-campaign-hint"' in page and "chia sẻ với bạn" in page


def test_a_clerk_with_nothing_open_is_told_who_opens_entry(app, client):
    with app.app_context():
        make_user("lan", Role.DATA_ENTRY)
    login(client, "lan")
    page = client.get("/staff/entry/").get_data(as_text=True)
    assert "Khi người giám sát mở nhập phiếu giấy" in page
    english = client.get("/staff/entry/?lang=en").get_data(as_text=True)
    assert "When a supervisor opens paper entry for a campaign" in english


def test_finishing_entry_says_where_the_agreed_sheets_went(app, client):
    with app.test_request_context():
        campaign, batch = paper_campaign(small_definition(), slug="nho")
        users = keyers("lan", "minh")
        plan = pe.plan_of(campaign)
        reference = format_sheet_id(new_sheet_id())
        for user in users:
            keying = pe.open_sheet(db.session, campaign, batch, reference, user, SECRET)
            for name, text in (("level", "2"), ("gender", "1"), ("q1", "")):
                pe.save_field(db.session, keying, plan, name, text, user)
            pe.finish(db.session, keying, plan, user, SECRET)
            db.session.commit()
        paper_release.scrub(db.session)
        campaign_id = campaign.id
    with app.app_context():
        make_user("boss", Role.ADMIN)
    login(client, "boss")
    settings = client.get(f"/staff/entry/{campaign_id}/settings").get_data(as_text=True)
    done = client.post(f"/staff/entry/{campaign_id}/settings", follow_redirects=True,
                       data={"csrf_token": csrf_from(settings), "verify_percent": "100",
                             "finished": "y"})
    page = done.get_data(as_text=True)
    assert "1 phiếu đã thống nhất được chuyển vào kết quả" in page
    assert "Đã nhận, chờ vào kết quả" in page and "lô trộn" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResponsePool)) == 1
