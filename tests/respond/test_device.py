"""The server's part of keeping answers on the respondent's device (issue 23), with the test
client: the erase view (the server draft and the cookies go; CSRF required), the offline copy of
the questionnaire, the campaign's service worker script, the campaign setting, and the
acknowledgement clearing the device key. The browser's part is in ``test_offline.py``."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from survey import clock
from survey.extensions import db
from survey.models import Campaign, Draft, Role
from tests.helpers import csrf_from, login, make_campaign, make_user
from tests.respond.support import Respondent


def _drafts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Draft))


def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _deleted(header: str, path: str = "/s/thu") -> bool:
    return "Expires=Thu, 01 Jan 1970" in header and f"Path={path}" in header


def _body(html: str) -> str:
    return re.search(r"<body[^>]*>", html).group(0)


@pytest.fixture
def started(any_app):
    """A respondent with a draft on campaign "thu"."""
    with any_app.app_context():
        make_campaign("thu")
    client = any_app.test_client()
    assert Respondent(client, "thu").start().status_code == 200
    assert _drafts(any_app) == 1
    return any_app, client


def test_erase_deletes_the_server_draft_and_clears_the_cookies(started):
    app, client = started
    intro = client.get("/s/thu").get_data(as_text=True)
    assert "Tiếp tục trả lời" in intro and 'action="/s/thu/erase"' in intro
    client.set_cookie("dk", "a-device-key", path="/s/thu")
    erased = client.post("/s/thu/erase", data={"csrf_token": csrf_from(intro)})
    assert erased.status_code == 200
    html = erased.get_data(as_text=True)
    assert "Đã xoá câu trả lời trên máy này." in html and "Bắt đầu trả lời" in html
    assert "data-keep" not in _body(html)  # the script erases; registers nothing again
    cookies = _set_cookies(erased)
    assert _deleted(cookies["rt"]) and _deleted(cookies["dk"])
    assert _drafts(app) == 0
    assert "Tiếp tục trả lời" not in client.get("/s/thu").get_data(as_text=True)


def test_erase_needs_the_csrf_token(started):
    app, client = started
    refused = client.post("/s/thu/erase")
    assert refused.status_code == 400 and "Set-Cookie" not in refused.headers
    assert _drafts(app) == 1


def test_erase_after_the_campaign_closed(started):
    """The draft and the cookies go all the same; the campaign's own page answers."""
    app, client = started
    token = csrf_from(client.get("/s/thu").get_data(as_text=True))
    with app.app_context():
        from survey.services.campaigns import close_campaign

        close_campaign(db.session, db.session.scalar(select(Campaign)))
        db.session.commit()
    erased = client.post("/s/thu/erase", data={"csrf_token": token})
    assert erased.status_code == 410 and "đã kết thúc" in erased.get_data(as_text=True)
    assert _deleted(_set_cookies(erased)["rt"]) and _drafts(app) == 0


def test_erase_of_an_unknown_campaign(started):
    _app, client = started
    token = csrf_from(client.get("/s/thu").get_data(as_text=True))
    assert client.post("/s/none/erase", data={"csrf_token": token}).status_code == 404


def test_offline_copy_of_the_questionnaire(any_app):
    with any_app.app_context():
        make_campaign("thu")
    client = any_app.test_client()
    first = client.get("/s/thu/offline")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    html = first.get_data(as_text=True)
    body = _body(html)
    assert 'data-url="/s/thu/all"' in body and 'data-keep="14"' in body
    assert 'data-sw="/s/thu/sw.js?v=' in body
    assert re.search(r'<form method="post" action="/s/thu/all" id="form"[^>]* data-offline>', html)
    assert csrf_from(html) and " checked" not in html and 'id="f-level-1"' in html
    token = re.search(r'name="st" value="([^"]+)"', html).group(1)
    again = client.get("/s/thu/offline").get_data(as_text=True)
    assert re.search(r'name="st" value="([^"]+)"', again).group(1) != token
    assert _drafts(any_app) == 0  # a copy for later, no draft


def test_service_worker_script(any_app):
    with any_app.app_context():
        version = make_campaign("thu").version_id
    client = any_app.test_client()
    script = client.get(f"/s/thu/sw.js?v={version}.vi")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert script.headers["Service-Worker-Allowed"] == "/s/thu"  # the scope: the link itself
    assert "max-age=86400" in script.headers["Cache-Control"]
    assert "Cookie" not in script.headers.get("Vary", "")  # the day in the cache holds
    text = script.get_data(as_text=True)
    assert 'var HOME = "/s/thu", OFFLINE = "/s/thu/offline"' in text
    assert f'CACHE = "s:/s/thu:{version}.vi"' in text
    assert '["/static/respond.css", "/static/respond.js", "/static/pages.js"]' in text
    odd = client.get('/s/thu/sw.js?v=";alert(1)//').get_data(as_text=True)
    assert f'CACHE = "s:/s/thu:{version}"' in odd and "alert" not in odd  # never reflected
    assert client.get("/s/none/sw.js").status_code == 404


def test_storage_switched_off_for_the_campaign(any_app):
    """No device storage, no service worker, no offline copy: the pages say so to the script
    (no data-keep) and the introduction says nothing about keeping answers on the device."""
    with any_app.app_context():
        make_campaign("thu", device_storage=False)
    client = any_app.test_client()
    intro = client.get("/s/thu").get_data(as_text=True)
    assert _body(intro) == '<body data-home="/s/thu">'
    assert "giữ trên máy này" not in intro and "/erase" not in intro  # nothing to erase yet
    assert client.get("/s/thu/sw.js").status_code == 404
    assert client.get("/s/thu/offline").status_code == 404
    whole = client.post("/s/thu/start", data={"csrf_token": csrf_from(intro), "js": "1"})
    html = whole.get_data(as_text=True)
    assert 'id="form"' in html and "data-keep" not in _body(html) and "data-sw" not in html
    assert "/erase" in html  # the server draft can still be erased (a shared PC)
    again = client.get("/s/thu").get_data(as_text=True)
    assert "Tiếp tục trả lời" in again and "/erase" in again


def test_storage_on_by_default(any_app):
    with any_app.app_context():
        make_campaign("thu")
    intro = any_app.test_client().get("/s/thu").get_data(as_text=True)
    assert 'data-home="/s/thu" data-keep="14" data-sw="/s/thu/sw.js?v=' in _body(intro)
    assert "được giữ trên máy này (đã mã hoá) cho đến khi gửi đi" in intro
    assert "Xoá câu trả lời trên máy này" in intro


def test_acknowledgement_clears_the_device_key(started):
    app, client = started
    form_html = client.get("/s/thu/all").get_data(as_text=True)
    token = re.search(r'name="st" value="([^"]+)"', form_html).group(1)
    data = {"csrf_token": csrf_from(form_html), "st": token, "action": "send", "js": "1",
            "_shown": re.search(r'name="_shown" value="([^"]*)"', form_html).group(1),
            "level": "2"}
    done = client.post("/s/thu/all", data=data)
    html = done.get_data(as_text=True)
    assert "Cảm ơn anh/chị" in html and " data-done" in _body(html)
    assert _deleted(_set_cookies(done)["dk"]) and _deleted(_set_cookies(done)["rt"])
    repeated = client.post("/s/thu/all", data=data)  # the same token: the thank-you again
    assert " data-done" in _body(repeated.get_data(as_text=True))
    later = client.get("/s/thu/done").get_data(as_text=True)
    assert "data-done" not in _body(later)  # not an acknowledgement: erases nothing


def test_respondent_pages_name_the_icon_inline(started):
    """Four requests per page: the document, the stylesheet and two scripts; the icon is
    written in (no request of its own)."""
    _app, client = started
    html = client.get("/s/thu/all").get_data(as_text=True)
    assert re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/[^"]+)"', html) == [
        "/static/respond.css", "/static/respond.js", "/static/pages.js"]
    assert '<link rel="icon" href="data:image/svg+xml,' in html


def test_campaign_form_switches_device_storage_off(app, client):
    with app.app_context():
        make_user("lan", Role.ADMIN)
        version = make_campaign("tam").version_id
    login(client, "lan")
    form = client.get("/staff/campaigns/new").get_data(as_text=True)
    assert 'name="device_storage"' in form and "checked" in re.search(
        r'<input[^>]*name="device_storage"[^>]*>', form).group(0)  # on unless unticked
    response = client.post("/staff/campaigns/new", data={
        "csrf_token": csrf_from(form), "version": version, "slug": "chung-may",
        "title": "Máy dùng chung", "access_mode": "open", "disclosure_threshold": "5"})
    assert response.status_code == 302
    with app.app_context():
        shared = db.session.scalar(select(Campaign).where(Campaign.slug == "chung-may"))
        assert shared.device_storage is False


def test_no_cookie_tells_the_time_of_day(any_app):
    """The draft's cookie expires at midnight UTC after the draft's expiry date, whatever the
    time the respondent started (the device key cookie does the same, see test_offline.py)."""
    with any_app.app_context():
        make_campaign("thu")
    client = any_app.test_client()
    with clock.frozen(datetime(2026, 12, 5, 15, 47, 12, tzinfo=timezone.utc)):
        started = Respondent(client, "thu").start()
    header = _set_cookies(started)["rt"]
    assert "Expires=Sun, 20 Dec 2026 00:00:00 GMT" in header and "Max-Age" not in header
