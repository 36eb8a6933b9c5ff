"""How many respondents reached each step of a campaign today: counts only, nothing says who.

The monitor's funnel (started, each page, the review) is read from these counts. A draft counts a
step once, the first time it passes it; the count lands in the transaction that moves the draft
there (or stores the response), so a step is never counted without its draft moving.
"""
from __future__ import annotations

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import PageReach
from survey.models.base import today


def count_reach(session: Session, campaign_id: int, page: int) -> None:
    """Add one to today's count of respondents reaching ``page`` (0 = started, 1…N = pages,
    N+1 = review). The caller commits, so the count lands in the same transaction (one
    commit) as the draft's step.

    A prebuilt Core statement: it costs less than building the ORM UPDATE per request, and does
    not autoflush (the draft's pending changes are flushed at the commit, as before)."""
    key = {"b_campaign": campaign_id, "b_page": page, "b_day": today()}
    if session.execute(_REACH_UPDATE, key).rowcount:
        return
    try:
        with session.begin_nested():
            session.execute(_REACH_INSERT, key)
    except IntegrityError:  # another request inserted the row meanwhile
        session.execute(_REACH_UPDATE, key)


def count_reach_steps(session: Session, campaign_id: int, pages: list[int]) -> None:
    """:func:`count_reach` for several pages at once (the whole questionnaire in one document
    reports them together): one UPDATE when today's rows exist, as they do after the first
    respondent of the day."""
    if not pages:
        return
    if len(pages) == 1:  # a page POST: the prebuilt single-row UPDATE, no expanding IN to render
        count_reach(session, campaign_id, pages[0])
        return
    counted = set(session.scalars(_REACH_UPDATE_MANY, {
        "b_campaign": campaign_id, "b_pages": pages, "b_day": today()}))
    for page in pages:
        if page not in counted:  # the day's first: inserted one by one, as count_reach does
            count_reach(session, campaign_id, page)


_reach = PageReach.__table__.c
_REACH_UPDATE = (update(PageReach.__table__)
                 .where(_reach.campaign_id == bindparam("b_campaign"),
                        _reach.page == bindparam("b_page"), _reach.day == bindparam("b_day"))
                 .values(count=_reach.count + 1))
_REACH_UPDATE_MANY = (update(PageReach.__table__)
                      .where(_reach.campaign_id == bindparam("b_campaign"),
                             _reach.page.in_(bindparam("b_pages", expanding=True)),
                             _reach.day == bindparam("b_day"))
                      .values(count=_reach.count + 1)
                      .returning(_reach.page))
_REACH_INSERT = insert(PageReach.__table__).values(
    campaign_id=bindparam("b_campaign"), page=bindparam("b_page"), day=bindparam("b_day"), count=1)
