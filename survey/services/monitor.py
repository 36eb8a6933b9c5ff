"""Fieldwork monitor: how a campaign is doing, from counts computed inside the database.

What it may look at, and why:

* responses per calendar day (``Response.submitted_on`` is the only time kept about a respondent);
* completes per category of each banner variable, set against the campaign's targets, read from
  the ``BannerTally`` counters the submit transaction keeps (a few dozen rows whatever the size
  of the campaign; :func:`rebuild_banner_tallies` recomputes them from the answers);
* how many respondents reached each page (``PageReach`` day counters): completion rate and
  drop-off come from these counts. No individual path through the questionnaire is ever stored,
  so none can be shown.

Disclosure: per-category counts can be suppressed below a threshold (``suppress_below``); the
caller decides for whom (the staff monitor suppresses for every role but admin). When exactly one
cell of a dimension would be hidden, the next smallest non-zero cell (or, if there is none, a zero
cell) is hidden too, so the hidden one cannot be recovered by subtracting the others from the
total. Otherwise zero is shown: it says nobody answered, which points at no one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from sqlalchemy import delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from survey.models import (Answer, BannerTally, Campaign, CampaignTarget, PageReach, Response,
                           ResponseStatus)
from survey.questionnaire import banners, iter_pages, label_text
from survey.services.pool import waiting

SYNTHETIC = "synthetic"  # Response.mode of sample data (analysis.synthetic.MODE)

__all__ = [
    "CategoryProgress", "DayCount", "DimensionProgress", "MonitorReport", "PageStep",
    "StatusCounts", "banner_progress", "monitor_report", "page_funnel",
    "rebuild_banner_tallies", "responses_per_day", "status_counts",
]


@dataclass(frozen=True)
class StatusCounts:
    """Complete and partial responses of one campaign in the results, and submissions still
    ``waiting`` in the holding pool for their batch (survey.services.pool), of which
    ``waiting_partial`` partial. Synthetic
    responses (a pilot's sample data, ``survey.services.synthetic``) are not fieldwork: they are
    never in ``complete`` or ``partial``, only in ``synthetic``."""

    complete: int = 0
    partial: int = 0
    waiting: int = 0
    synthetic: int = 0
    waiting_partial: int = 0  # of ``waiting``: partial responses (sent unfinished)

    @property
    def waiting_complete(self) -> int:
        return self.waiting - self.waiting_partial

    @property
    def total(self) -> int:
        return self.complete + self.partial


@dataclass(frozen=True)
class DayCount:
    day: date
    complete: int
    partial: int


@dataclass(frozen=True)
class CategoryProgress:
    """Completes of one banner category against its target.

    ``completes`` is ``None`` when suppressed (fewer than the threshold, or hidden so that
    another suppressed cell cannot be derived)."""

    code: int | None  # None: the banner item was not answered
    label: str
    completes: int | None
    target: int | None
    suppressed: bool = False

    @property
    def share_of_target(self) -> float | None:
        """Completes / target, ``None`` without a target or when suppressed."""
        if self.completes is None or not self.target:
            return None
        return self.completes / self.target


@dataclass(frozen=True)
class DimensionProgress:
    """One banner variable (e.g. ``level``, stored under item ``A2``) and its categories."""

    dimension: str
    variable: str
    label: str
    categories: list[CategoryProgress]

    @property
    def target_total(self) -> int | None:
        targets = [c.target for c in self.categories if c.target is not None]
        return sum(targets) if targets else None


@dataclass(frozen=True)
class PageStep:
    """Respondents who reached one step of the flow, and the share lost before the next step.

    ``step`` follows the respondent flow's counters: 0 = started (passed the introduction or the
    access code), 1…N = questionnaire pages, N+1 = the review page; after the last step comes a
    complete response. ``drop_off`` is ``1 - next / reached`` (never below 0): with skip logic a
    page some respondents skip shows a dip that is routing, not loss."""

    step: int
    title: str
    reached: int
    share_of_start: float | None
    drop_off: float | None


@dataclass(frozen=True)
class MonitorReport:
    counts: StatusCounts
    started: int
    days: list[DayCount]
    dimensions: list[DimensionProgress]
    funnel: list[PageStep]
    suppress_below: int | None = None

    @property
    def completion_rate(self) -> float | None:
        """Completes / respondents who reached the first page; ``None`` before anyone started."""
        if not self.started:
            return None
        return min(1.0, (self.counts.complete + self.counts.waiting_complete) / self.started)


def status_counts(session: Session, campaign_ids: Iterable[int]) -> dict[int, StatusCounts]:
    """Complete/partial counts for several campaigns in one query (campaign list page)."""
    ids = list(campaign_ids)
    result = {campaign_id: StatusCounts() for campaign_id in ids}
    if not ids:
        return result
    is_synthetic = Response.mode == SYNTHETIC
    rows = session.execute(
        select(Response.campaign_id, Response.status, is_synthetic, func.count())
        .where(Response.campaign_id.in_(ids))
        .group_by(Response.campaign_id, Response.status, is_synthetic)
    ).all()
    raw: dict[int, dict[ResponseStatus, int]] = {}
    synthetic: dict[int, int] = {}
    for campaign_id, status, fake, n in rows:
        if fake:
            synthetic[campaign_id] = synthetic.get(campaign_id, 0) + int(n)
        else:
            raw.setdefault(campaign_id, {})[ResponseStatus(status)] = int(n)
    held = waiting(session, ids)
    held_partial = waiting(session, ids, ResponseStatus.PARTIAL)
    for campaign_id in ids:
        by_status = raw.get(campaign_id, {})
        result[campaign_id] = StatusCounts(complete=by_status.get(ResponseStatus.COMPLETE, 0),
                                           partial=by_status.get(ResponseStatus.PARTIAL, 0),
                                           waiting=held[campaign_id],
                                           waiting_partial=held_partial[campaign_id],
                                           synthetic=synthetic.get(campaign_id, 0))
    return result


def responses_per_day(session: Session, campaign: Campaign, fill_gaps: bool = True) -> list[DayCount]:
    """Completes and partials per submission day, oldest first. With ``fill_gaps`` every day
    between the first and the last appears (zeros included), so a chart shows quiet days."""
    rows = session.execute(
        select(Response.submitted_on, Response.status, func.count())
        .where(Response.campaign_id == campaign.id, Response.mode != SYNTHETIC)
        .group_by(Response.status, Response.submitted_on)  # the index's order: no sort
    ).all()
    per_day: dict[date, dict[ResponseStatus, int]] = {}
    for day, status, n in rows:
        per_day.setdefault(day, {})[ResponseStatus(status)] = int(n)
    if not per_day:
        return []
    days = sorted(per_day)
    if fill_gaps:
        first, last = days[0], days[-1]
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [DayCount(day, per_day.get(day, {}).get(ResponseStatus.COMPLETE, 0),
                     per_day.get(day, {}).get(ResponseStatus.PARTIAL, 0)) for day in days]


def _dimension_key(item: dict[str, Any]) -> str:
    return str(item.get("dimension") or item["id"])


def _suppress(cells: list[CategoryProgress], threshold: int) -> list[CategoryProgress]:
    hidden = {i for i, c in enumerate(cells) if c.completes and c.completes < threshold}
    if len(hidden) == 1:
        # Secondary suppression: one hidden cell would be total minus the others. Hide the
        # smallest non-zero other cell, or, when every other cell is zero, a zero cell (the
        # hidden pair then sums to the total without saying which one holds it).
        others = [(c.completes or 0, i) for i, c in enumerate(cells) if i not in hidden]
        nonzero = [pair for pair in others if pair[0]]
        if nonzero or others:
            hidden.add(min(nonzero or others)[1])
    return [CategoryProgress(c.code, c.label, None, c.target, True) if i in hidden else c
            for i, c in enumerate(cells)]


def banner_progress(session: Session, campaign: Campaign, language: str = "vi",
                    suppress_below: int | None = None,
                    unanswered_label: str = "(không trả lời)") -> list[DimensionProgress]:
    """Completes per category of every banner variable of the campaign's questionnaire version,
    with the campaign's targets. Categories are listed in the questionnaire's option order;
    complete responses without an answer to the banner item form a last ``code=None`` row
    (only when there are any).

    Read from the campaign's ``BannerTally`` rows (one query, whatever the campaign's size), not
    counted over the answers: that GROUP BY took seconds at 100,000 responses.
    """
    definition = campaign.version.definition
    targets: dict[tuple[str, int], int] = {
        (t.dimension, t.code): t.target
        for t in session.scalars(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id))
    }
    complete_total = session.scalar(
        select(func.count()).select_from(Response)
        .where(Response.campaign_id == campaign.id, Response.status == ResponseStatus.COMPLETE,
               Response.mode != SYNTHETIC)
    ) or 0
    tallies: dict[str, dict[int, int]] = {}
    for variable, code, n in session.execute(
            select(BannerTally.variable, BannerTally.code, BannerTally.count)
            .where(BannerTally.campaign_id == campaign.id)):
        tallies.setdefault(variable, {})[int(code)] = int(n)
    result = []
    for item in banners(definition):
        dimension = _dimension_key(item)
        counts = {code: n for code, n in tallies.get(item["id"], {}).items() if n}
        cells = [CategoryProgress(option["code"], label_text(option.get("label"), language),
                                  counts.pop(option["code"], 0),
                                  targets.get((dimension, option["code"])))
                 for option in item.get("options") or []]
        # Codes no longer in the option list (should not happen for one version): keep them.
        cells += [CategoryProgress(code, str(code), n, targets.get((dimension, code)))
                  for code, n in sorted(counts.items())]
        answered = sum(c.completes or 0 for c in cells)
        if complete_total > answered:
            cells.append(CategoryProgress(None, unanswered_label, complete_total - answered, None))
        if suppress_below and suppress_below > 1:
            cells = _suppress(cells, suppress_below)
        result.append(DimensionProgress(dimension, item["id"],
                                        label_text(item.get("label"), language), cells))
    return result


def rebuild_banner_tallies(session: Session, campaign: Campaign) -> int:
    """Recompute the campaign's banner tallies from its stored answers (data stored before the
    tallies existed, or after a repair); return the number of tally rows. The caller commits.

    Exact even while respondents submit: on PostgreSQL the tally table is locked against writers
    first (a submit's upsert waits, and a submit that already upserted commits before the lock is
    granted, so its answers are counted once, either here or by its increment after us); on
    SQLite the DELETE takes the database's single write lock before the counting SELECT reads.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE banner_tally IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(delete(BannerTally).where(BannerTally.campaign_id == campaign.id)
                    .execution_options(synchronize_session=False))
    # One INSERT … SELECT per banner variable: each walks one slice of the (variable, …) answer
    # index; a single IN (…) over all of them made SQLite sort every banner row instead.
    for item in banners(campaign.version.definition):
        counted = (
            select(literal(campaign.id), literal(item["id"]), Answer.code, func.count())
            .join(Response, Response.id == Answer.response_id)
            .where(Response.campaign_id == campaign.id,
                   Response.status == ResponseStatus.COMPLETE, Response.mode != SYNTHETIC,
                   Answer.variable == item["id"], Answer.code.is_not(None))
            .group_by(Answer.code)
        )
        session.execute(insert(BannerTally).from_select(
            ["campaign_id", "variable", "code", "count"], counted))
    return session.scalar(select(func.count()).select_from(BannerTally)
                          .where(BannerTally.campaign_id == campaign.id)) or 0


def page_funnel(session: Session, campaign: Campaign, complete: int | None = None,
                language: str = "vi", start_label: str = "Bắt đầu",
                review_label: str = "Xem lại trước khi gửi") -> list[PageStep]:
    """Respondents reaching each step (``PageReach`` summed over days) and the drop-off after it.

    Every step of the questionnaire is listed, with 0 when nobody reached it, so the table always
    shows the whole flow. Titles are numbered ("2. Trang B") so chart categories stay distinct."""
    rows = session.execute(
        select(PageReach.page, func.sum(PageReach.count))
        .where(PageReach.campaign_id == campaign.id)
        .group_by(PageReach.page)
    ).all()
    reached = {int(page): int(n or 0) for page, n in rows}
    pages = list(iter_pages(campaign.version.definition))
    steps_known = set(range(len(pages) + 2))
    indexes = sorted(steps_known | set(reached))
    if complete is None:
        complete = status_counts(session, [campaign.id])[campaign.id].complete
    start = reached.get(0, 0)

    def title(step: int) -> str:
        if step == 0:
            return start_label
        if step == len(pages) + 1:
            return review_label
        if 1 <= step <= len(pages):
            page = pages[step - 1]
            return label_text(page.get("title"), language) or str(page.get("id", ""))
        return ""

    steps = []
    for position, index in enumerate(indexes):
        n = reached.get(index, 0)
        following = (reached.get(indexes[position + 1], 0) if position + 1 < len(indexes)
                     else complete)
        steps.append(PageStep(
            step=index, title=f"{position + 1}. {title(index)}".rstrip(". "), reached=n,
            share_of_start=(n / start) if start else None,
            drop_off=(max(0.0, 1 - following / n)) if n else None,
        ))
    return steps


def monitor_report(session: Session, campaign: Campaign, language: str = "vi",
                   suppress_below: int | None = None,
                   unanswered_label: str = "(không trả lời)",
                   start_label: str = "Bắt đầu",
                   review_label: str = "Xem lại trước khi gửi") -> MonitorReport:
    """Everything the monitor page shows, for one campaign. Labels are passed in so the caller
    can translate them (this module stays free of request state)."""
    counts = status_counts(session, [campaign.id])[campaign.id]
    funnel = page_funnel(session, campaign, complete=counts.complete, language=language,
                         start_label=start_label, review_label=review_label)
    return MonitorReport(
        counts=counts,
        started=funnel[0].reached if funnel and funnel[0].step == 0 else 0,
        days=responses_per_day(session, campaign),
        dimensions=banner_progress(session, campaign, language, suppress_below,
                                   unanswered_label),
        funnel=funnel,
        suppress_below=suppress_below,
    )
