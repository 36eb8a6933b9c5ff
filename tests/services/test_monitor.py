"""The fieldwork monitor's report: per-day counts, completes against targets per banner category
(with suppression below the disclosure threshold), the page funnel from counters. Figures are
hand-computed from :func:`tests.services.support.fieldwork`; every query runs on SQLite and
PostgreSQL.
"""
from __future__ import annotations

import pytest

from survey.extensions import db
from survey.services.monitor import (banner_progress, monitor_report, page_funnel,
                                     rebuild_banner_tallies, responses_per_day, status_counts)
from tests.helpers import make_campaign
from tests.services.support import D1, D2, D3, add_response, fieldwork


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
