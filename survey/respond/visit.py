"""One respondent request's campaign, draft and language: read once, or the answer to give
instead (``abort(response)``: the campaign's own page when it takes no answers, the introduction
when there is no draft).

The campaign is read afresh on every request, so closing or reopening a campaign takes effect at
once in every worker. One prebuilt Core statement reads the campaign, the draft of the request's
cookie (if it belongs to this campaign) and whether a submission token was stored before: one
query instead of three on a submission, and one snapshot, so a draft missing because its twin
submission just committed comes with that twin's receipt.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, NamedTuple

from flask import Response, abort, current_app, redirect, request, url_for
from sqlalchemy import and_, bindparam, select

from survey.extensions import db
from survey.models import AccessMode, Campaign, Draft, QuestionnaireVersion, SubmissionReceipt
from survey.questionnaire.runtime import rules
from survey.respond import screens
from survey.respond.screens import retention
from survey.respond.versions import EXTENSION, Version, VersionCache
from survey.services import drafts
from survey.services.campaigns import CampaignState, campaign_state
from survey.services.drafts import LiveDraft
from survey.services.responses import receipt_key

COOKIE = "rt"
# The key that encrypts the answers the page script keeps on the device (``static/pages.js``):
# set by the script, scoped to the campaign's path; the server never reads it, only deletes it
# when the answers are acknowledged or erased, so whatever is left on the device is unreadable.
DEVICE_KEY_COOKIE = "dk"

_campaigns, _drafts, _receipts = Campaign.__table__, Draft.__table__, SubmissionReceipt.__table__
_CAMPAIGN_BY_SLUG = select(_campaigns, *[c.label("draft_" + c.name) for c in _drafts.c],
                           _receipts.c.token_hash.label("receipt_token_hash")).select_from(
    _campaigns.outerjoin(_drafts, and_(_drafts.c.token_hash == bindparam("draft_key"),
                                       _drafts.c.campaign_id == _campaigns.c.id))
    .outerjoin(_receipts, _receipts.c.token_hash == bindparam("receipt_key"))
).where(_campaigns.c.slug == bindparam("slug"))


class CampaignView(NamedTuple):
    """What respondent templates read of a campaign: plain values, so a rendered frame can be
    keyed by them (see :meth:`Version.frame`)."""

    slug: str
    title: str
    access_mode: AccessMode
    device_storage: bool


@dataclass
class Visit:
    """This request's campaign (the row: every column by name, as the ORM object has them),
    its questionnaire version, and the respondent's draft if any."""

    campaign: Any
    version: Version
    draft: LiveDraft | None = None

    @property
    def view(self) -> CampaignView:
        return CampaignView(self.campaign.slug, self.campaign.title, self.campaign.access_mode,
                            bool(self.campaign.device_storage))

    @property
    def definition(self) -> dict[str, Any]:
        return self.version.definition

    def answers(self) -> dict[str, Any]:
        """A copy of the draft's answers: the flow assigns a new dict to change them."""
        return dict(self.draft.answers or {}) if self.draft else {}


def versions() -> VersionCache:
    cache = current_app.extensions.get(EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(EXTENSION, VersionCache(
            _load_definition, rendered=current_app.config.get("RESPOND_RENDER_CACHE", True)))
    return cache


def visit_of(row: Any) -> Visit:
    """The visit of a campaign row, whatever its state (the thank-you is shown even after the
    campaign closed)."""
    return Visit(row, versions().get(row.version_id))


def _load_definition(version_id: int) -> dict[str, Any]:
    return db.session.scalar(select(QuestionnaireVersion.definition).where(
        QuestionnaireVersion.id == version_id))


def campaign_row(slug: str, submission_token: str | None = None) -> Any:
    """The campaign row for ``slug`` with the cookie's draft columns (``draft_*``) and the
    receipt of ``submission_token`` (``receipt_token_hash``), or ``None``."""
    token = request.cookies.get(COOKIE)
    return db.session.execute(_CAMPAIGN_BY_SLUG, {
        "slug": slug, "draft_key": drafts.token_hash(token) if token else None,
        "receipt_key": receipt_key(submission_token) if submission_token else None,
    }).first()


def open_campaign(slug: str, allow_full: bool = True, row: Any = None) -> Visit:
    """The visit of a campaign that takes answers (a full one too when ``allow_full``: a
    respondent may still finish), with the cookie's draft; aborts with the campaign's own
    page otherwise."""
    campaign = row if row is not None else campaign_row(slug)
    if campaign is None:
        abort(screens.unavailable(None))
    state = campaign_state(db.session, campaign)
    if not (state == CampaignState.OPEN or (allow_full and state == CampaignState.FULL)):
        abort(screens.unavailable(campaign, state))
    visit = Visit(campaign, versions().get(campaign.version_id))
    visit.draft = _draft(visit)
    return visit


def with_draft(slug: str) -> Visit:
    """The visit of a respondent who has a draft; the introduction otherwise."""
    visit = open_campaign(slug)
    if visit.draft is None:
        abort(redirect(url_for("respond.start", slug=slug), 303))
    return visit


def submission(slug: str) -> tuple[Visit, str]:
    """What every submission (a POST with its one-time token ``st``) checks first: the visit
    and the token to store. A token already stored gets the thank-you again (a double tap, a
    retry after a crash, even once the campaign has closed)."""
    token = request.form.get("st", "")
    well_formed = 16 <= len(token) <= 64
    row = campaign_row(slug, token if well_formed else None)
    if row is None:
        abort(screens.unavailable(None))
    if row.receipt_token_hash is not None:
        abort(screens.done(visit_of(row)))
    visit = open_campaign(slug, allow_full=False, row=row)
    if not well_formed:
        abort(400)
    if visit.draft is None:
        abort(redirect(url_for("respond.start", slug=slug), 303))
    return visit, token


def _draft(visit: Visit) -> LiveDraft | None:
    """The respondent's live draft. If the campaign moved to a newer questionnaire version
    meanwhile, the draft follows it: pages are shown, and answers pruned and validated, by the
    campaign's current definition, and the response records that version."""
    campaign = visit.campaign
    token = request.cookies.get(COOKIE)
    if campaign.draft_token_hash is None or not token:
        return None
    draft = drafts.live(LiveDraft.from_row(campaign, token, prefix="draft_"))
    if draft is not None and draft.version_id != campaign.version_id:
        draft.version_id = campaign.version_id
        draft.answers = rules.prune(visit.definition, dict(draft.answers or {}))
        draft.page = min(draft.page, 1)
        draft.furthest_page = min(draft.furthest_page, 1)
    return draft


def set_cookie(response: Response, visit: Visit, token: str) -> Response:
    """The draft's cookie, until midnight UTC after the draft's expiry date: an expiry of "now +
    N days" would keep the time of day the respondent started in the browser's cookie store."""
    ends = datetime.combine(drafts.expiry(retention()) + timedelta(days=1), time(),
                            tzinfo=timezone.utc)
    response.set_cookie(COOKIE, token, expires=ends, path=f"/s/{visit.campaign.slug}",
                        httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def clear_cookie(response: Response, visit: Visit) -> Response:
    """The draft's cookie and the device key cookie cleared: the answers were acknowledged
    (or erased), so what the page kept on the device can no longer be decrypted."""
    return forget(response, visit.campaign.slug)


def forget(response: Response, slug: str) -> Response:
    path = f"/s/{slug}"
    response.delete_cookie(COOKIE, path=path, httponly=True, samesite="Lax",
                           secure=request.is_secure)
    response.delete_cookie(DEVICE_KEY_COOKIE, path=path, samesite="Strict",
                           secure=request.is_secure)
    return response
