"""Printed links follow the address actually served (issue 25, point 2): with no
``PUBLIC_BASE_URL`` (the default) the respondent link, the code slips, the codes CSV and the QR
codes carry the host and port the staff page came from; ``PUBLIC_BASE_URL`` wins when set; the
command line, which has no request, prints ``http://127.0.0.1:$PORT``."""
from __future__ import annotations

import csv
import io

import pytest

from survey.config import command_line_base_url
from survey.extensions import db
from survey.models import Role
from survey.services.ownership import set_owner
from survey.services.qr import qr_svg
from tests.helpers import PASSWORD, csrf_from, make_campaign, make_user


def test_default_is_the_served_address():
    """Read in a fresh interpreter, without the variable: the default is empty."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PUBLIC_BASE_URL"}
    out = subprocess.run([sys.executable, "-c", "from survey.config import Config; "
                          "print(repr(Config.PUBLIC_BASE_URL))"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == "''"


def _owned_campaign(app, **kwargs) -> int:
    with app.app_context():
        lan = make_user("lan", Role.DESIGNER)
        campaign = make_campaign(**kwargs)
        set_owner(db.session, campaign, lan)
        db.session.commit()
        return campaign.id


def test_every_printed_link_uses_the_served_host_and_port(app):
    app.config["PUBLIC_BASE_URL"] = ""
    from survey.models import AccessMode
    campaign_id = _owned_campaign(app, access_mode=AccessMode.CODE)
    client = app.test_client()
    base = "http://127.0.0.1:5077"
    page = client.get(f"{base}/staff/login").get_data(as_text=True)
    client.post(f"{base}/staff/login", data={"username": "lan", "password": PASSWORD,
                                             "csrf_token": csrf_from(page)})
    link = f"{base}/s/thu"
    detail = client.get(f"{base}/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'id="campaign-link">{link}<' in detail or f">{link}</" in detail
    assert "127.0.0.1:5000" not in detail
    token = csrf_from(detail)
    slips = client.post(f"{base}/staff/campaigns/{campaign_id}/codes",
                        data={"csrf_token": token, "size": 5}).get_data(as_text=True)
    assert link in slips and "127.0.0.1:5000" not in slips
    codes = client.post(f"{base}/staff/campaigns/{campaign_id}/codes",
                        data={"csrf_token": token, "size": 5, "output": "csv"})
    rows = list(csv.reader(io.StringIO(codes.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row[1] for row in rows[1:]} == {link}
    svg = client.get(f"{base}/staff/campaigns/{campaign_id}/qr.svg")
    assert svg.get_data() == qr_svg(link)
    # The configured public address wins over the served one.
    app.config["PUBLIC_BASE_URL"] = "https://khaosat.example.vn"
    detail = client.get(f"{base}/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert "https://khaosat.example.vn/s/thu" in detail


def test_command_line_base(monkeypatch):
    monkeypatch.setenv("PORT", "5077")
    assert command_line_base_url("") == "http://127.0.0.1:5077"
    assert command_line_base_url(None) == "http://127.0.0.1:5077"
    assert command_line_base_url("https://khaosat.example.vn/") == "https://khaosat.example.vn"
    monkeypatch.delenv("PORT")
    assert command_line_base_url("") == "http://127.0.0.1:5000"


def test_urls_command_follows_port(app, runner, monkeypatch):
    app.config["PUBLIC_BASE_URL"] = ""
    monkeypatch.setenv("PORT", "5077")
    result = runner.invoke(args=["urls"])
    assert "http://127.0.0.1:5077/staff/login" in result.output


@pytest.mark.browser
def test_link_and_qr_in_the_browser_follow_the_served_port(app, live_server, browser):
    app.config["PUBLIC_BASE_URL"] = ""  # the default: nothing configured
    campaign_id = _owned_campaign(app)
    context = browser.new_context()
    page = context.new_page()
    login_page = f"{live_server.url}/staff/login"
    page.goto(login_page)
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/staff/campaigns/{campaign_id}")
    link = page.locator("#campaign-link").inner_text()
    assert link == f"{live_server.url}/s/thu"  # the live server's own random port
    svg = page.request.get(f"{live_server.url}/staff/campaigns/{campaign_id}/qr.svg").body()
    assert f"<title>{link}</title>".encode() in svg
    context.close()
