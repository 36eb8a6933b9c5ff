"""The fieldwork monitor's page: exact counts for admins, small cells hidden from the other roles
(below the disclosure threshold, with secondary suppression), English, a short per-app cache.
The figures are those of :func:`tests.services.support.fieldwork`; every query runs on SQLite and
PostgreSQL (the report itself: tests/services/test_monitor.py).
"""
from __future__ import annotations

import html
import json
import re

import pytest

from survey.extensions import db
from survey.models import Campaign, Role
from survey.services.monitor import rebuild_banner_tallies
from tests.helpers import login, make_user
from tests.services.support import D3, add_response, fieldwork



def _table(page: str, dimension: str) -> list[tuple[str, str]]:
    table = re.search(rf'data-dimension="{dimension}">(.*?)</table>', page, re.S).group(1)
    return [(label, html.unescape(re.sub(r"<[^>]+>", "", value)).strip()) for label, value in re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num">(.*?)</td>', table, re.S)]


def test_monitor_page_admin_sees_exact_counts(any_app):
    client = any_app.test_client()
    with any_app.app_context():
        campaign_id = fieldwork()[0].id
        make_user("root", Role.ADMIN)
    login(client, "root")
    page = client.get(f"/staff/campaigns/{campaign_id}/monitor").get_data(as_text=True)
    assert _table(page, "level") == [("Trung ương", "1"), ("Tỉnh", "6"), ("Xã", "0"),
                                     ("(không trả lời)", "1")]
    assert 'id="m-rate">53.3 %' in page and 'id="m-started">15' in page
    assert 'id="suppression-note"' not in page
    data = json.loads(re.search(r'<script type="application/json" id="monitor-data">(.*?)</script>',
                                page, re.S).group(1))
    assert data["days"]["complete"] == [3, 0, 5]
    assert data["dimensions"][0]["completes"] == [1, 6, 0, 1]
    assert data["dimensions"][0]["targets"] == [10, 12, None, None]
    assert data["funnel"]["reached"] == [15, 14, 11]
    assert 'src="/static/vendor/plotly.min.js"' in page and 'src="/static/monitor.js"' in page
    assert "<script>" not in page  # no inline script: the CSP forbids it


@pytest.mark.parametrize("role", [Role.ANALYST, Role.DESIGNER])
def test_monitor_page_hides_small_cells_from_other_roles(any_app, role):
    client = any_app.test_client()
    with any_app.app_context():
        campaign_id = fieldwork()[0].id
        make_user("u", role)
    login(client, "u")
    page = client.get(f"/staff/campaigns/{campaign_id}/monitor").get_data(as_text=True)
    assert _table(page, "level") == [("Trung ương", "< 5"), ("Tỉnh", "6"), ("Xã", "0"),
                                     ("(không trả lời)", "< 5")]
    assert _table(page, "gender") == [("Nam", "< 5"), ("Nữ", "< 5"),
                                      ("Không muốn trả lời", "0")]
    assert 'id="suppression-note"' in page
    data = json.loads(re.search(r'id="monitor-data">(.*?)</script>', page, re.S).group(1))
    assert data["dimensions"][0]["completes"] == [None, 6, 0, None]
    assert data["dimensions"][1]["completes"] == [None, None, 0]
    # Counts with no profile are the same for every role.
    assert data["days"]["complete"] == [3, 0, 5] and data["funnel"]["reached"] == [15, 14, 11]


def test_monitor_page_in_english(any_app):
    client = any_app.test_client()
    with any_app.app_context():
        campaign_id = fieldwork()[0].id
        make_user("root", Role.ADMIN)
    login(client, "root")
    page = client.get(f"/staff/campaigns/{campaign_id}/monitor?lang=en").get_data(as_text=True)
    assert "Responses per day" in page and "Completion rate" in page
    assert "1. Started answering" in page and "(not answered)" in page


def test_monitor_report_is_cached_briefly_per_app(any_app):
    client = any_app.test_client()
    with any_app.app_context():
        campaign = fieldwork()[0]
        campaign_id, version_id = campaign.id, campaign.version_id
        make_user("root", Role.ADMIN)
    login(client, "root")
    url = f"/staff/campaigns/{campaign_id}/monitor"
    assert 'id="m-complete">8<' in client.get(url).get_data(as_text=True)
    with any_app.app_context():
        add_response(campaign_id, version_id, D3, level=1, gender=1)
        rebuild_banner_tallies(db.session, db.session.get(Campaign, campaign_id))
        db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert 'id="m-complete">8<' in page  # within MONITOR_CACHE_SECONDS: the same figures
    assert 'id="computed-at"' in page
    any_app.config["MONITOR_CACHE_SECONDS"] = 0
    assert 'id="m-complete">9<' in client.get(url).get_data(as_text=True)
