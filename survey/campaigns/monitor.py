"""The fieldwork monitor (read-only; admin, designer, analyst).

Disclosure rule: the monitor is internal, but it is the one staff page that shows counts by
respondent profile while fieldwork runs, when cells are smallest. Admins see exact counts
(they answer for the fieldwork and may need to chase a unit). Designers and analysts see a
category with fewer completes than the campaign's disclosure threshold as "< k", with secondary
suppression so it cannot be derived from the total (see :mod:`survey.services.monitor`).
Responses per day and the page funnel carry no profile and are shown to all three roles.

Load: the banner counts come from ``BannerTally`` (kept at submission), but responses per day
still scan the campaign's responses (``bench/monitor.py``). A report is therefore kept per app
for ``MONITOR_CACHE_SECONDS`` (default 30) per campaign, role view and language, so staff
refreshing the page cannot take the server's two cores away from respondents; the page says when
its figures were computed.
"""
from __future__ import annotations

import time
from datetime import datetime

from flask import current_app, render_template
from flask_babel import gettext as _

from survey import clock
from survey.auth.access import current_user
from survey.campaigns import monitor_bp as bp
from survey.campaigns.routes import get_campaign, state_labels
from survey.extensions import db
from survey.i18n import current_locale
from survey.models import Campaign, Role
from survey.services.campaigns import campaign_state, list_campaigns
from survey.services.monitor import MonitorReport, monitor_report, status_counts


def suppression_for(campaign: Campaign) -> int | None:
    """The threshold below which per-category counts are hidden for the signed-in user."""
    user = current_user()
    if user is not None and user.role == Role.ADMIN:
        return None
    return max(1, campaign.disclosure_threshold)


CACHE_KEY = "campaigns.monitor_cache"
DEFAULT_CACHE_SECONDS = 30


def cached_report(campaign: Campaign, suppress: int | None,
                  language: str) -> tuple[MonitorReport, datetime]:
    """The campaign's report and when it was computed, from the app's short-lived cache."""
    ttl = float(current_app.config.get("MONITOR_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))
    cache: dict = current_app.extensions.setdefault(CACHE_KEY, {})
    key = (campaign.id, suppress, language)
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1], hit[2]
    report = monitor_report(db.session, campaign, language=language, suppress_below=suppress,
                            unanswered_label=_("(không trả lời)"),
                            start_label=_("Đã bắt đầu trả lời"),
                            review_label=_("Xem lại trước khi gửi"))
    computed = clock.now()
    cache[key] = (time.monotonic(), report, computed)
    return report, computed


def chart_data(report: MonitorReport) -> dict:
    """What ``monitor.js`` draws: plain lists, no HTML; suppressed cells are ``null``."""
    return {
        "days": {
            "x": [d.day.isoformat() for d in report.days],
            "complete": [d.complete for d in report.days],
            "partial": [d.partial for d in report.days],
            "names": {"complete": _("Hoàn thành"), "partial": _("Chưa hoàn thành")},
        },
        "dimensions": [{
            "title": dim.label,
            "x": [c.label for c in dim.categories],
            "completes": [c.completes for c in dim.categories],
            "targets": [c.target for c in dim.categories],
            "names": {"completes": _("Phiếu hoàn thành"), "targets": _("Chỉ tiêu")},
        } for dim in report.dimensions],
        "funnel": {
            "x": [step.title for step in report.funnel],
            "reached": [step.reached for step in report.funnel],
            "name": _("Số người đến trang"),
        },
    }


@bp.route("/monitor/")
def index():
    """Campaign list for every role that may watch fieldwork (analysts have no manage list)."""
    campaigns = list_campaigns(db.session)
    counts = status_counts(db.session, [c.id for c in campaigns])
    rows = [(c, campaign_state(db.session, c), counts[c.id]) for c in campaigns]
    return render_template("campaigns/monitor_index.html", rows=rows,
                           state_labels=state_labels())


@bp.route("/<int:campaign_id>/monitor")
def view(campaign_id: int):
    campaign = get_campaign(campaign_id)
    suppress = suppression_for(campaign)
    report, computed = cached_report(campaign, suppress, current_locale())
    return render_template("campaigns/monitor.html", campaign=campaign, report=report,
                           computed=computed,
                           cache_seconds=int(current_app.config.get("MONITOR_CACHE_SECONDS",
                                                                    DEFAULT_CACHE_SECONDS)),
                           state=campaign_state(db.session, campaign),
                           state_labels=state_labels(), suppress=suppress,
                           data=chart_data(report))
