"""Fieldwork monitor: per-day counts, completes against targets per banner category (with
suppression below the disclosure threshold for non-admin roles), the page funnel from counters.
Figures are hand-computed from the rows inserted below; every query runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest

from survey.extensions import db
from survey.models import Answer, Campaign, PageReach, Response, ResponseStatus, Role
from survey.services.campaigns import set_targets
from survey.services.monitor import (banner_progress, monitor_report, page_funnel,
                                     rebuild_banner_tallies, responses_per_day, status_counts)
from tests.helpers import login, make_campaign, make_user

D1, D2, D3 = date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)


def add_response(campaign_id, version_id, day, status=ResponseStatus.COMPLETE, **codes):
    """A response stored directly (not through the submit flow, which also keeps the banner
    tallies): callers rebuild the tallies with :func:`rebuild_banner_tallies`."""
    response = Response(campaign_id=campaign_id, version_id=version_id, status=status,
                        submitted_on=day)
    db.session.add(response)
    db.session.flush()
    for variable, code in codes.items():
        db.session.add(Answer(response_id=response.id, variable=variable, code=code))


def fieldwork():
    """Campaign ``thu`` (small questionnaire: one page, banners level and gender):

    completes: 8 — level 1: 1, level 2: 6, level unanswered: 1; gender 1: 2, gender 2: 6;
    3 on D1 and 5 on D3; partials: 1 on D1 and 1 on D3 (both level 3, never counted as completes);
    page reach (step 0 start, 1 page P1, 2 review): D1 10/9/7, D3 5/5/4 → 15/14/11.
    A second campaign on the same version gets rows that must not leak into the first.
    """
    campaign = make_campaign("thu")
    other = make_campaign("khac")
    cid, vid = campaign.id, campaign.version_id
    plan = [  # (day, level, gender)
        (D1, 1, 1), (D1, 2, 1), (D1, 2, 2),
        (D3, 2, 2), (D3, 2, 2), (D3, 2, 2), (D3, 2, 2), (D3, None, 2),
    ]
    for day, level, gender in plan:
        codes = {"gender": gender}
        if level is not None:
            codes["level"] = level
        add_response(cid, vid, day, **codes)
    add_response(cid, vid, D1, ResponseStatus.PARTIAL, level=3)
    add_response(cid, vid, D3, ResponseStatus.PARTIAL, level=3)
    for _ in range(4):
        add_response(other.id, vid, D2, level=3, gender=1)
    for day, counts in ((D1, (10, 9, 7)), (D3, (5, 5, 4))):
        for step, n in enumerate(counts):
            db.session.add(PageReach(campaign_id=cid, page=step, day=day, count=n))
    db.session.add(PageReach(campaign_id=other.id, page=0, day=D2, count=50))
    set_targets(db.session, campaign, {("level", 1): 10, ("level", 2): 12})
    rebuild_banner_tallies(db.session, campaign)
    rebuild_banner_tallies(db.session, other)
    db.session.commit()
    return campaign, other


def test_status_counts_and_days(any_app):
    with any_app.app_context():
        campaign, other = fieldwork()
        counts = status_counts(db.session, [campaign.id, other.id, 999])
        assert (counts[campaign.id].complete, counts[campaign.id].partial) == (8, 2)
        assert (counts[other.id].complete, counts[other.id].partial) == (4, 0)
        assert counts[999].total == 0
        days = responses_per_day(db.session, campaign)
        assert [(d.day, d.complete, d.partial) for d in days] == [
            (D1, 3, 1), (D2, 0, 0), (D3, 5, 1)]  # the quiet day is filled in
        assert [d.day for d in responses_per_day(db.session, campaign, fill_gaps=False)] == [D1, D3]


def test_banner_progress_against_targets(any_app):
    with any_app.app_context():
        campaign, _other = fieldwork()
        level, gender = banner_progress(db.session, campaign)
        assert (level.dimension, level.variable, level.label) == ("level", "level", "Cấp công tác")
        assert [(c.code, c.label, c.completes, c.target) for c in level.categories] == [
            (1, "Trung ương", 1, 10), (2, "Tỉnh", 6, 12), (3, "Xã", 0, None),
            (None, "(không trả lời)", 1, None)]
        assert level.categories[1].share_of_target == pytest.approx(0.5)
        assert level.target_total == 22
        assert [(c.code, c.completes) for c in gender.categories] == [(1, 2), (2, 6), (9, 0)]


def test_banner_progress_suppresses_small_cells_and_their_complement(any_app):
    with any_app.app_context():
        campaign, _other = fieldwork()
        level, gender = banner_progress(db.session, campaign, suppress_below=5)
        # Two cells under 5 (level 1: 1, unanswered: 1) hide each other; 6 and 0 stay.
        assert [c.completes for c in level.categories] == [None, 6, 0, None]
        assert [c.suppressed for c in level.categories] == [True, False, False, True]
        # Gender: 2 is under 5; alone it would be 8 - 6, so 6 is hidden too. Zero stays.
        assert [c.completes for c in gender.categories] == [None, None, 0]
        assert level.categories[0].share_of_target is None
        # A threshold of 1 hides nothing.
        level1, _ = banner_progress(db.session, campaign, suppress_below=1)
        assert [c.completes for c in level1.categories] == [1, 6, 0, 1]


def test_a_lone_small_cell_is_not_left_derivable_from_zeros(any_app):
    with any_app.app_context():
        campaign = make_campaign("mot")
        add_response(campaign.id, campaign.version_id, D1, level=2)
        rebuild_banner_tallies(db.session, campaign)
        db.session.commit()
        level, gender = banner_progress(db.session, campaign, suppress_below=5)
        # Shown as "0, <5, 0" the single response would be 1 - 0 - 0 = level 2: a zero cell is
        # hidden with it (the first of the smallest), so it could be level 1 or level 2.
        assert [c.completes for c in level.categories] == [None, None, 0]
        # Gender unanswered: only the "(not answered)" row holds it; Nam is hidden with it.
        assert [(c.code, c.completes) for c in gender.categories] == [
            (1, None), (2, 0), (9, 0), (None, None)]


def test_page_funnel_and_completion_rate(any_app):
    with any_app.app_context():
        campaign, _other = fieldwork()
        funnel = page_funnel(db.session, campaign)
        assert [(s.step, s.title, s.reached) for s in funnel] == [
            (0, "1. Bắt đầu", 15), (1, "2. Trang 1", 14), (2, "3. Xem lại trước khi gửi", 11)]
        # Hand-computed: 1 - 14/15, 1 - 11/14, 1 - 8/11 (8 completes after the review page).
        assert [s.drop_off for s in funnel] == pytest.approx([1 / 15, 3 / 14, 3 / 11])
        assert [s.share_of_start for s in funnel] == pytest.approx([1, 14 / 15, 11 / 15])
        report = monitor_report(db.session, campaign)
        assert report.started == 15 and report.completion_rate == pytest.approx(8 / 15)


def test_empty_campaign(any_app):
    with any_app.app_context():
        campaign = make_campaign("rong")
        report = monitor_report(db.session, campaign, suppress_below=5)
        assert report.days == [] and report.started == 0 and report.completion_rate is None
        assert [s.reached for s in report.funnel] == [0, 0, 0]
        assert all(s.drop_off is None for s in report.funnel)
        assert [c.completes for c in report.dimensions[0].categories] == [0, 0, 0]


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
