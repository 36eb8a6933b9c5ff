"""Respondent pages (public, no login): introduction → pages → review → thank-you.

Views stay thin: campaign state from :mod:`survey.services.campaigns`, drafts from
:mod:`survey.services.drafts`, storage from :mod:`survey.services.responses`, page rules from
:mod:`survey.questionnaire.runtime.rules` and rendering from :mod:`survey.questionnaire.runtime.render`.

Every state change is a POST (CSRF-protected). A POST that moves the respondent on answers with
the next step rendered directly (start → first page, page → next page or the review, submit →
thank-you) instead of a redirect and a GET: a complete takes 11 requests instead of 21, which is
most of the server's work per respondent. Every step keeps its own GET URL (``/s/<slug>/p/<n>``,
``/review``, ``/done``), every rendered form posts to its own step's URL, and the page tells the
script that URL (``data-url`` on ``<body>``): ``respond.js`` puts it in the address bar with
``history.replaceState``, so a reload or Back lands on a plain GET, never on a POST result. With
JavaScript off a reload re-sends the POST that produced the page (the browser asks first): the
same answers are saved again, the same step is shown, and a repeated submission finds its receipt
and shows the thank-you once more — harmless by construction, as in LimeSurvey. Back, the language
switch, resume and the rare redirects (a page not reached yet, a skipped page) stay 303s.

A browser whose page script runs says so (``js=1``) and gets the whole questionnaire in one
document instead (``/s/<slug>/all``, see :func:`whole`): the script turns its pages, and "Gửi" on
the last sends the form once with every answer: 3 requests per complete. The server applies the
same rules to it, page by page, stores it as the review's submission is stored, and hands any
page with a problem to the page-by-page flow.
"""
from __future__ import annotations

import io
import secrets
from typing import Any

from flask import (Response, abort, current_app, g, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, select

from survey.database import relax_durability
from survey.extensions import db
from survey.i18n import current_locale
from survey.models import AccessMode, Campaign, Draft, QuestionnaireVersion, SubmissionReceipt
from survey.questionnaire import iter_pages, label_text
from survey.questionnaire.runtime import rules as logic
from survey.respond import bp
from survey.respond.limits import check_rate
from survey.questionnaire.runtime.render import FragmentCache, FrameCache, render_all, render_page
from survey.services import drafts, responses
from survey.services.access_codes import check as check_code
from survey.services.drafts import LiveDraft
from survey.services.campaigns import CampaignState, campaign_state

COOKIE = "rt"


# --------------------------------------------------------------------------- helpers

def _retention() -> int:
    return int(current_app.config.get("DRAFT_RETENTION_DAYS", 14))


def _definition(campaign: Campaign) -> dict[str, Any]:
    """The campaign's questionnaire, parsed once per process and version.

    A published version is immutable (its content hash guards that), so the parsed definition
    is kept per ``version_id`` for the app's lifetime instead of being reloaded and JSON-decoded
    from the database several times per request (every commit used to expire it). The cache
    lives on the app, so a test's fresh app (and database) never sees another's versions.
    Callers must treat the returned dict as read-only.
    """
    cache = current_app.extensions.setdefault("respond_definitions", {})
    definition = cache.get(campaign.version_id)
    if definition is None:
        definition = db.session.scalar(select(QuestionnaireVersion.definition).where(
            QuestionnaireVersion.id == campaign.version_id))
        cache[campaign.version_id] = definition
    return definition


def _fragments() -> FragmentCache | None:
    """Rendered page fragments per published version, kept on the app like the definitions.
    ``RESPOND_RENDER_CACHE = False`` renders every page in full (a test compares the two)."""
    if not current_app.config.get("RESPOND_RENDER_CACHE", True):
        return None
    cache = current_app.extensions.get("respond_fragments")
    return cache if cache is not None else current_app.extensions.setdefault(
        "respond_fragments", FragmentCache())


def _frames() -> FrameCache | None:
    """Rendered page frames per published version (see :class:`FrameCache`), kept on the app."""
    if not current_app.config.get("RESPOND_RENDER_CACHE", True):
        return None
    cache = current_app.extensions.get("respond_frames")
    return cache if cache is not None else current_app.extensions.setdefault(
        "respond_frames", FrameCache())


def _lang() -> str:
    """The request's language, looked up once per request (labels ask for it per option)."""
    lang = g.get("respond_lang")
    if lang is None:
        lang = g.respond_lang = current_locale()
    return lang


def _text(value: Any) -> str:
    return label_text(value, _lang())


def _unavailable(campaign: Campaign | None, state: CampaignState | None = None):
    """The clear page for a campaign that cannot take answers, with a fitting status."""
    if campaign is None:
        return render_template("respond/unavailable.html", campaign=None,
                               title=_("Không tìm thấy đợt khảo sát"),
                               message=_("Đường dẫn này không đúng hoặc đợt khảo sát đã bị gỡ bỏ. "
                                         "Vui lòng kiểm tra lại đường dẫn cơ quan bạn đã gửi.")), 404
    if state == CampaignState.NOT_YET_OPEN:
        return render_template(
            "respond/unavailable.html", campaign=campaign, title=_("Đợt khảo sát chưa mở"),
            message=_("Đợt khảo sát sẽ mở từ ngày %(date)s. Vui lòng quay lại sau.",
                      date=format_date(campaign.opens_at, "dd/MM/yyyy"))), 403
    if state == CampaignState.FULL:
        return render_template(
            "respond/unavailable.html", campaign=campaign, title=_("Đợt khảo sát đã đủ số phiếu"),
            message=_("Đợt khảo sát đã nhận đủ số phiếu cần thiết. Cảm ơn bạn đã quan tâm.")), 410
    return render_template(
        "respond/unavailable.html", campaign=campaign, title=_("Đợt khảo sát đã kết thúc"),
        message=_("Đợt khảo sát này đã đóng, không nhận thêm câu trả lời. Cảm ơn bạn đã quan tâm.")), 410


_campaigns, _drafts, _receipts = Campaign.__table__, Draft.__table__, SubmissionReceipt.__table__
_CAMPAIGN_BY_SLUG = select(_campaigns, *[c.label("draft_" + c.name) for c in _drafts.c],
                           _receipts.c.token_hash.label("receipt_token_hash")).select_from(
    _campaigns.outerjoin(_drafts, and_(_drafts.c.token_hash == bindparam("draft_key"),
                                       _drafts.c.campaign_id == _campaigns.c.id))
    .outerjoin(_receipts, _receipts.c.token_hash == bindparam("receipt_key"))
).where(_campaigns.c.slug == bindparam("slug"))


def _campaign(slug: str, submission_token: str | None = None):
    """The campaign row for ``slug`` (read-only, every column by name, as the ORM object has
    them), or ``None``. Read afresh on every request, so closing or reopening a campaign takes
    effect at once in every worker; a prebuilt Core statement without ORM instances costs a
    fraction of ``select(Campaign)``. The same statement reads the draft of the request's cookie,
    if it belongs to this campaign (columns ``draft_*``, see :func:`_draft`), and whether
    ``submission_token`` was stored before (``receipt_token_hash``): one query instead of three
    on a submission. One statement sees one snapshot, so a draft missing because its twin
    submission just committed comes with that twin's receipt."""
    token = request.cookies.get(COOKIE)
    return db.session.execute(_CAMPAIGN_BY_SLUG, {
        "slug": slug, "draft_key": drafts.token_hash(token) if token else None,
        "receipt_key": responses.receipt_key(submission_token) if submission_token else None,
    }).first()


def _load(slug: str, allow_full: bool = True):
    """(campaign, None) when the campaign takes answers, else (None, error response)."""
    campaign = _campaign(slug)
    if campaign is None:
        return None, _unavailable(None)
    return _taking_answers(campaign, allow_full)


def _taking_answers(campaign, allow_full: bool):
    state = campaign_state(db.session, campaign)
    if state == CampaignState.OPEN or (allow_full and state == CampaignState.FULL):
        return campaign, None
    return None, _unavailable(campaign, state)


def _load_draft(slug: str) -> tuple[Campaign, LiveDraft] | Any:
    """The campaign and the respondent's draft, or the answer to give instead: the campaign's
    own page when it takes no answers, the introduction when there is no draft."""
    campaign, error = _load(slug)
    if error:
        return error
    draft = _draft(campaign)
    if draft is None:
        return redirect(url_for("respond.start", slug=slug), 303)
    return campaign, draft


def _cookie_path(campaign: Campaign) -> str:
    return f"/s/{campaign.slug}"


def _set_cookie(response: Response, campaign: Campaign, token: str) -> Response:
    response.set_cookie(COOKIE, token, max_age=_retention() * 86400, path=_cookie_path(campaign),
                        httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def _clear_cookie(response: Response, campaign: Campaign) -> Response:
    response.delete_cookie(COOKIE, path=_cookie_path(campaign), httponly=True, samesite="Lax",
                           secure=request.is_secure)
    return response


def _draft(campaign: Campaign) -> LiveDraft | None:
    """The respondent's live draft. If the campaign moved to a newer questionnaire version
    meanwhile, the draft follows it: pages are shown, and answers pruned and validated, by the
    campaign's current definition, and the response records that version."""
    token = request.cookies.get(COOKIE)
    draft = drafts.live(drafts.LiveDraft.from_row(campaign, token, prefix="draft_")) \
        if campaign.draft_token_hash is not None and token else None
    if draft is not None and draft.version_id != campaign.version_id:
        draft.version_id = campaign.version_id
        draft.answers = logic.prune(_definition(campaign), dict(draft.answers or {}))
        draft.page = min(draft.page, 1)
        draft.furthest_page = min(draft.furthest_page, 1)
    return draft


def _pages(campaign: Campaign) -> list[dict[str, Any]]:
    return _definition(campaign).get("pages") or []


def _step_url(campaign: Campaign, step: int) -> str:
    """URL of step ``step``: 1…N are pages, N+1 the review."""
    if step > len(_pages(campaign)):
        return url_for("respond.review", slug=campaign.slug)
    return url_for("respond.page", slug=campaign.slug, number=max(step, 1))


def _next_step(definition: dict[str, Any], answers: dict[str, Any], after: int) -> int:
    """1-based step of the first visible page after 0-based page ``after`` (N+1 = review)."""
    pages = list(iter_pages(definition))
    for index in logic.visible_pages(definition, answers):
        if index > after:
            return index + 1
    return len(pages) + 1


def _previous_step(definition: dict[str, Any], answers: dict[str, Any], before: int) -> int:
    """1-based step of the last visible page before 0-based page ``before`` (0 = intro)."""
    earlier = [i for i in logic.visible_pages(definition, answers) if i < before]
    return earlier[-1] + 1 if earlier else 0


def _commit(draft: LiveDraft) -> None:
    """Write the draft's changes and commit (with what else the request wrote)."""
    drafts.save(db.session, draft)
    db.session.commit()


def _advance(draft: LiveDraft, step: int) -> None:
    draft.page = step
    if step > draft.furthest_page:
        draft.furthest_page = step
        responses.count_reach(db.session, draft.campaign_id, step)


def _save(draft: LiveDraft, answers: dict[str, Any]) -> None:
    draft.answers = answers
    draft.language = _lang()
    drafts.touch(draft, _retention())


def _progress(definition: dict[str, Any], answers: dict[str, Any], index: int) -> tuple[int, int]:
    shown = logic.visible_pages(definition, answers)
    position = sum(1 for i in shown if i <= index) if index in shown else len(shown)
    return position, max(len(shown), 1)


def _render_step(campaign: Campaign, draft: LiveDraft, index: int, answers: dict[str, Any],
                 errors: dict[str, str] | None = None, page_input: logic.PageInput | None = None,
                 notice: str | None = None, status: int = 200):
    definition = _definition(campaign)
    page = _pages(campaign)[index]
    errors = errors or {}
    items_html = render_page(definition, index, answers, errors, _lang(), seed=draft.seed,
                             raw=page_input.raw if page_input else None,
                             ranks=page_input.ranks if page_input else None,
                             cache=_fragments(), version=campaign.version_id)
    shown = " ".join(sorted(logic.offer_tokens(page, answers)))
    position, total = _progress(definition, answers, index)
    _mark_url(url_for("respond.page", slug=campaign.slug, number=index + 1))

    def render(holes: dict[str, Any]) -> str:
        return render_template("respond/page.html", campaign=campaign, definition=definition,
                               page=page, number=index + 1, items_html=holes["items"],
                               errors=errors, shown=holes["shown"],
                               position=position, total=total, notice=notice, text=_text,
                               csrf_token=lambda: holes["csrf"])
    values = {"csrf": str(escape(generate_csrf())), "shown": str(escape(shown)),
              "items": str(items_html)}
    key = None if errors or notice else (  # errors and notices are rare: rendered in full
        "page", campaign.version_id, campaign.slug, index, _lang(), request.method, position, total)
    return _framed(key, render, values), status


def _framed(key: Any, render: Any, values: dict[str, str]) -> str:
    """The page ``render`` makes, from the frame cache under ``key`` (see :class:`FrameCache`),
    or rendered in full when ``key`` is ``None`` or the cache is off. ``values``: the request's
    HTML for each hole."""
    frames = _frames()
    if key is None or frames is None:
        return render({name: Markup(value) for name, value in values.items()})
    return frames.render(key, render, values)


def _mark_url(url: str) -> None:
    """The GET URL of the step being rendered, when it differs from the request's (a POST that
    answers with the next step): the language switch points there, and the page script moves the
    address bar there (``data-url``, see the module docstring)."""
    if request.method == "POST":
        g.respond_url = url


def _render_review(campaign: Campaign, answers: dict[str, Any]) -> Response:
    """The review page with a fresh one-time submission token (``no-store``: never kept by the
    browser; the frame around the answers is rendered once per version and language)."""
    definition = _definition(campaign)
    _mark_url(url_for("respond.review", slug=campaign.slug))

    def render(holes: dict[str, Any]) -> str:
        return render_template("respond/review.html", campaign=campaign, definition=definition,
                               sections_html=holes["sections"], token=lambda: holes["token"],
                               text=_text, csrf_token=lambda: holes["csrf"])
    values = {"csrf": str(escape(generate_csrf())), "token": secrets.token_urlsafe(24),
              "sections": render_template("respond/_review_sections.html", campaign=campaign,
                                          sections=_review_rows(campaign, answers))}
    response = make_response(_framed(("review", campaign.version_id, campaign.slug, _lang(),
                                      request.method), render, values))
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_done(campaign: Campaign) -> Response:
    _mark_url(url_for("respond.done", slug=campaign.slug))
    response = make_response(_done_html(campaign))
    response.headers["Cache-Control"] = "no-store"
    return response


def _done_html(campaign) -> str:
    """The thank-you page: the same for everyone of a version, language and method."""
    def render(holes: dict[str, Any]) -> str:
        return render_template("respond/done.html", campaign=campaign,
                               definition=_definition(campaign), text=_text)
    return _framed(("done", campaign.version_id, campaign.slug, _lang(), request.method),
                   render, {})


def _show_step(campaign: Campaign, draft: LiveDraft, step: int, answers: dict[str, Any]):
    """Render step ``step`` (1…N a page, N+1 the review) in reply to a POST that has already
    moved the draft there and committed."""
    if step > len(_pages(campaign)):
        return _render_review(campaign, logic.prune(_definition(campaign), answers))
    return _render_step(campaign, draft, step - 1, answers)


# --------------------------------------------------------------------------- rate limits

@bp.before_request
def _limit_posts():
    if request.method == "POST":
        check_rate("post", current_app.config["RESPOND_RATE_LIMIT"])
        if request.endpoint in ("respond.begin", "respond.resume"):  # codes are tried here
            check_rate("code", current_app.config["RESPOND_CODE_RATE_LIMIT"])


@bp.after_request
def _end_reads(response: Response) -> Response:
    """End a GET's read transaction with COMMIT rather than the ROLLBACK of the request's
    teardown: psycopg forgets every prepared statement of its connection at a ROLLBACK, so
    each introduction page served used to cost the worker its prepared respondent statements
    (re-prepared only after five more runs each). A GET here never leaves writes half done:
    those that write commit them themselves."""
    if request.method == "GET" and db.session().in_transaction():
        db.session.commit()
    return response


# --------------------------------------------------------------------------- pages

@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: the same small icon, not a 404
    (a few hundred bytes, read once per process)."""
    icon = current_app.extensions.get("respond_favicon")
    if icon is None:
        with open(f"{current_app.static_folder}/favicon.svg", "rb") as handle:
            icon = current_app.extensions["respond_favicon"] = handle.read()
    response = Response(icon, mimetype="image/svg+xml")
    response.cache_control.max_age = 86400
    return response


@bp.route("/")
def home():
    return render_template("respond/home.html")


@bp.route("/privacy")
@bp.route("/s/<slug>/privacy")
def privacy(slug: str | None = None):
    campaign = _campaign(slug) if slug else None
    return render_template("respond/privacy.html", campaign=campaign,
                           retention=_retention())


def _outside_transaction() -> None:
    """Run this request's reads without a transaction: on PostgreSQL each statement then
    stands alone, with no BEGIN and COMMIT round trips around it (two of the three the
    introduction cost). Only for views that write nothing."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


@bp.route("/s/<slug>")
def start(slug: str):
    _outside_transaction()
    campaign, error = _load(slug, allow_full=False)
    if error:
        return error
    draft = _draft(campaign)
    definition = _definition(campaign)

    def render(holes: dict[str, Any]) -> str:
        return render_template("respond/intro.html", campaign=campaign, definition=definition,
                               draft=draft, text=_text, code_error=None,
                               pages=len(_pages(campaign)), csrf_token=lambda: holes["csrf"])
    key = None if draft is not None else (
        "intro", campaign.version_id, campaign.slug, campaign.access_mode, _lang())
    return _framed(key, render, {"csrf": str(escape(generate_csrf()))})


@bp.route("/s/<slug>/start", methods=["POST"])
def begin(slug: str):
    campaign, error = _load(slug, allow_full=False)
    if error:
        return error
    draft = _draft(campaign)
    if draft is not None:  # "Tiếp tục trả lời", a second tap or a reload: where they already are
        if _scripted() and draft.page <= len(_pages(campaign)):
            return _render_whole(campaign, draft, dict(draft.answers or {}))
        return redirect(_step_url(campaign, max(draft.page, 1)), 303)
    code, prefilled = None, {}
    if campaign.access_mode == AccessMode.CODE:
        # Checked, not spent: the submission spends it, so the respondent may start again on
        # another device with the same code (survey.services.access_codes).
        result = check_code(db.session, campaign, request.form.get("code", ""))
        if not result.accepted:
            db.session.rollback()
            return render_template("respond/intro.html", campaign=campaign,
                                   definition=_definition(campaign), draft=None, text=_text,
                                   code_error=_code_message(result.used),
                                   pages=len(_pages(campaign))), 409 if result.used else 400
        code = result.code_hash
        prefilled = logic.prefill_from_batch(_definition(campaign), result.attributes)
    # A new draft is no acknowledgement: losing it to a power cut loses nothing promised.
    relax_durability(db.session)
    step = _next_step(_definition(campaign), prefilled, -1)
    draft, token = drafts.create_draft(db.session, campaign, _retention(), _lang(), page=step,
                                       code=code, answers=prefilled)
    responses.count_reach_steps(db.session, campaign.id, [0, step])
    _commit(draft)
    if _scripted() and step <= len(_pages(campaign)):
        response = make_response(_render_whole(campaign, draft, prefilled))
    else:
        response = make_response(_show_step(campaign, draft, step, prefilled))
    return _set_cookie(response, campaign, token)


def _code_message(used: bool) -> str:
    if used:
        return _("Mã này đã được sử dụng để gửi phiếu. Mỗi mã chỉ gửi được một phiếu. Nếu bạn "
                 "chưa gửi phiếu, vui lòng liên hệ đơn vị đã phát mã cho bạn.")
    return _("Mã không đúng. Vui lòng kiểm tra lại mã (10 ký tự, ví dụ ABCDE-FGHJK) và nhập lại.")


@bp.route("/s/<slug>/p/<int:number>", methods=["GET", "POST"])
def page(slug: str, number: int):
    found = _load_draft(slug)
    if not isinstance(found, tuple):
        return found
    campaign, draft = found
    definition = _definition(campaign)
    pages = _pages(campaign)
    index = number - 1
    if not 0 <= index < len(pages):
        abort(404)
    if number > draft.furthest_page:
        return redirect(_step_url(campaign, draft.page), 303)
    answers = dict(draft.answers or {})
    if index not in logic.visible_pages(definition, answers):
        return redirect(_step_url(campaign, _next_step(definition, answers, index)), 303)

    if request.method == "GET":
        relax_durability(db.session)  # a draft's step only (see survey.database)
        draft.page = number
        _commit(draft)
        return _render_step(campaign, draft, index, answers)

    action = request.form.get("action", "next")
    if action != "save":  # a resume code must not be lost once shown: that commit stays durable
        relax_durability(db.session)
    page_def = pages[index]
    page_input = logic.parse_page(page_def, request.form, answers)
    answers = logic.prune(definition, logic.merge(answers, page_input))
    if action == "back":
        _save(draft, answers)
        step = _previous_step(definition, answers, index)
        draft.page = max(step, 1)
        _commit(draft)
        return redirect(url_for("respond.start", slug=slug) if step == 0
                        else _step_url(campaign, step), 303)
    if action == "save":
        return _saved(campaign, draft, answers, number)

    errors = logic.validate_page(page_def, answers, page_input, _lang())
    unseen = logic.offer_tokens(page_def, answers) - set(request.form.get("_shown", "").split())
    _save(draft, answers)
    if unseen or errors:
        _commit(draft)  # keep what was typed, even when the page is shown again
        return _shown_again(campaign, draft, index, answers, errors, unseen, page_input)
    step = _next_step(definition, answers, index)
    _advance(draft, step)
    _commit(draft)  # answers and the step in one transaction: one fsync per page
    return _show_step(campaign, draft, step, answers)


def _shown_again(campaign: Campaign, draft: LiveDraft, index: int, answers: dict[str, Any],
                 errors: dict[str, str], unseen: set[str], page_input: logic.PageInput):
    """Page ``index`` once more instead of moving on: with a notice when the answers revealed
    questions or options the respondent has not seen (their errors wait until then), else
    with its errors (422)."""
    if unseen:
        new_items = {token.split(":")[0] for token in unseen}
        errors = {key: value for key, value in errors.items() if key not in new_items}
        return _render_step(campaign, draft, index, answers, errors, page_input,
                            notice=_("Câu trả lời của bạn làm xuất hiện thêm câu hỏi hoặc lựa "
                                     "chọn mới. Vui lòng xem lại rồi bấm “Tiếp tục”."))
    return _render_step(campaign, draft, index, answers, errors, page_input, status=422)


def _saved(campaign: Campaign, draft: LiveDraft, answers: dict[str, Any], number: int) -> Response:
    """Keep the answers and show a fresh resume code (that commit stays durable: a code must
    not be lost once shown)."""
    _save(draft, answers)
    code = drafts.set_resume_code(draft)
    _commit(draft)
    response = make_response(render_template(
        "respond/saved.html", campaign=campaign, definition=_definition(campaign), code=code,
        number=number, retention=_retention(), text=_text))
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- one document

def _scripted() -> bool:
    """The form comes from a page whose script runs (it sets ``js``), and the whole
    questionnaire may go to the browser in one document (``RESPOND_CLIENT_PAGING``, on by
    default): the script turns the pages, so a complete takes 3 requests instead of 11."""
    return request.form.get("js") == "1" and current_app.config.get("RESPOND_CLIENT_PAGING", True)


def _whole_page(campaign: Campaign) -> dict[str, Any]:
    """Every item of the questionnaire as one page, to read the whole document's form with
    :func:`logic.parse_page` (kept per published version, like the definitions)."""
    cache = current_app.extensions.setdefault("respond_whole_pages", {})
    page = cache.get(campaign.version_id)
    if page is None:
        page = cache[campaign.version_id] = {
            "items": [item for each in _pages(campaign) for item in each.get("items") or []]}
    return page


def _render_whole(campaign: Campaign, draft: LiveDraft, answers: dict[str, Any]) -> Response:
    """The whole questionnaire in one document, opening at the draft's page."""
    definition = _definition(campaign)
    pages = _pages(campaign)
    visible = logic.visible_pages(definition, answers)
    shown = set().union(*(logic.offer_tokens(pages[index], answers) for index in visible))
    opening = min(max(draft.page, 1), len(pages))  # back from the review: its last page
    items_html = render_all(definition, answers, _lang(), seed=draft.seed, cache=_fragments(),
                            version=campaign.version_id)
    _mark_url(url_for("respond.whole", slug=campaign.slug))

    def render(holes: dict[str, Any]) -> str:
        return render_template("respond/whole.html", campaign=campaign, definition=definition,
                               items_html=holes["items"], shown=holes["shown"],
                               total=max(len(visible), 1), opening=opening, text=_text,
                               csrf_token=lambda: holes["csrf"], token=lambda: holes["token"])
    values = {"csrf": str(escape(generate_csrf())), "shown": str(escape(" ".join(sorted(shown)))),
              "items": str(items_html), "token": secrets.token_urlsafe(24)}
    response = make_response(_framed(("whole", campaign.version_id, campaign.slug, _lang(),
                                      request.method, len(visible), opening), render, values))
    response.headers["Cache-Control"] = "no-store"  # a one-time submission token
    return response


@bp.route("/s/<slug>/all", methods=["GET", "POST"])
def whole(slug: str):
    """The whole questionnaire in one document (see :func:`_scripted`). Its form comes back
    with every answer: they are read, pruned and validated page by page exactly as page
    POSTs would be; the first page with an error, or with a question the answers revealed
    that the respondent has not seen, is shown on its own (the page-by-page flow takes over
    from there). A clean form is stored at once (``action=send``, the document's "Gửi" with its
    one-time token, checked as the review's submission is) or moves on to the review
    (``action=next``). ``action=keep`` (sent by the script when the respondent leaves the tab)
    only keeps the answers and the page reached."""
    token = None
    if request.method == "POST" and request.form.get("action") == "send":
        found = _submission(slug)
        if not isinstance(found, tuple):
            return found
        campaign, draft, token = found
    else:
        found = _load_draft(slug)
        if not isinstance(found, tuple):
            return found
        campaign, draft = found
    definition = _definition(campaign)
    pages = _pages(campaign)
    answers = dict(draft.answers or {})
    if request.method == "GET":
        return _render_whole(campaign, draft, answers)
    action = request.form.get("action", "next")
    if action not in ("save", "send"):  # a stored response and a resume code stay durable
        relax_durability(db.session)
    page_input = logic.parse_page(_whole_page(campaign), request.form, answers)
    answers = logic.prune(definition, logic.merge(answers, page_input))
    if action == "save":
        return _saved(campaign, draft, answers, max(draft.page, 1))
    visible = logic.visible_pages(definition, answers)
    if action in ("back", "keep"):
        _save(draft, answers)
        reached = _int_arg(request.form.get("p"), 1, len(pages))
        if action == "keep":
            _reach(draft, len(pages), visible, reached)
            draft.page = reached
            _commit(draft)
            return "", 204
        draft.page = 1
        _commit(draft)
        return redirect(url_for("respond.start", slug=slug), 303)
    shown = set(request.form.get("_shown", "").split())
    _save(draft, answers)
    for index in visible:
        page_def = pages[index]
        errors = logic.validate_page(page_def, answers, page_input, _lang())
        unseen = logic.offer_tokens(page_def, answers) - shown
        if not errors and not unseen:
            continue
        _reach(draft, len(pages), visible, index + 1)
        draft.page = index + 1
        _commit(draft)
        return _shown_again(campaign, draft, index, answers, errors, unseen, page_input)
    if token is not None:  # the reach counts go with the response, in its transaction
        outcome = responses.submit(db.session, draft, definition, answers, token,
                                   reach=_steps_reached(draft, len(pages), visible, len(pages) + 1))
        return _after_submit(campaign, outcome)
    _reach(draft, len(pages), visible, len(pages) + 1)
    draft.page = len(pages) + 1
    _commit(draft)
    return _render_review(campaign, answers)


def _reach(draft: LiveDraft, pages: int, visible: list[int], step: int) -> None:
    """Count the steps up to ``step`` that this draft has not reached before (the visible
    pages, and the review N+1), as page POSTs would have one by one, and remember ``step``."""
    responses.count_reach_steps(db.session, draft.campaign_id,
                                _steps_reached(draft, pages, visible, step))
    draft.furthest_page = max(draft.furthest_page, step)


def _steps_reached(draft: LiveDraft, pages: int, visible: list[int], step: int) -> list[int]:
    return [each for each in range(draft.furthest_page + 1, step + 1)
            if each > pages or each - 1 in visible]


def _int_arg(text: str | None, low: int, high: int) -> int:
    try:
        return min(max(int(text or low), low), high)
    except ValueError:
        return low


def _review_rows(campaign: Campaign, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """What the respondent answered, page by page, as text (for the review page)."""
    definition = _definition(campaign)
    sections = []
    for index in logic.visible_pages(definition, answers):
        page_def = _pages(campaign)[index]
        lines = []
        for item in logic.visible_items(page_def, answers):
            if item.get("type") == "note":
                continue
            lines.append((item["id"], _text(item.get("label")),
                          _answer_text(item, answers, _option_labels(campaign.version_id, item))))
        sections.append({"number": index + 1, "title": _text(page_def.get("title")) or
                         _("Trang %(n)s", n=index + 1), "lines": lines})
    return sections


def _option_labels(version_id: int, item: dict[str, Any]) -> dict[Any, str]:
    """An item's option texts by code in the request's language, kept per published version,
    item and language (the review lists every answer; a published version never changes)."""
    cache = current_app.extensions.setdefault("respond_option_labels", {})
    key = (version_id, item["id"], _lang())
    labels = cache.get(key)
    if labels is None:
        labels = cache[key] = {o["code"]: _text(o["label"]) for o in item.get("options") or []}
    return labels


def _answer_text(item: dict[str, Any], answers: dict[str, Any], labels: dict[Any, str]) -> str:
    from flask_babel import format_decimal

    value = answers.get(item["id"])
    if value is None or value == [] or value == {} or value == "":
        return _("(chưa trả lời)")
    other = answers.get(f"{item['id']}.other")

    def with_other(code: int) -> str:
        text = labels.get(code, str(code))
        return f"{text}: {other}" if other and any(o.get("other") and o["code"] == code
                                                    for o in item.get("options") or []) else text
    kind = item.get("type")
    if kind == "single":
        return with_other(value)
    if kind == "multiple":
        return "; ".join(with_other(code) for code in value)
    if kind == "ranking":
        return "; ".join(f"{rank}. {labels.get(code, code)}" for rank, code in enumerate(value, 1))
    if kind == "grid":
        rows = {str(r["id"]): _text(r["label"]) for r in item.get("rows") or []}
        return "; ".join(f"{rows.get(row, row)}: {labels.get(code, code)}"
                         for row, code in value.items())
    if kind == "numeric":
        return format_decimal(value)
    return str(value)


@bp.route("/s/<slug>/review")
def review(slug: str):
    found = _load_draft(slug)
    if not isinstance(found, tuple):
        return found
    campaign, draft = found
    pages = _pages(campaign)
    if draft.furthest_page <= len(pages):
        return redirect(_step_url(campaign, draft.page), 303)
    answers = logic.prune(_definition(campaign), dict(draft.answers or {}))
    draft.page = len(pages) + 1
    _commit(draft)
    return _render_review(campaign, answers)


def _submission(slug: str) -> tuple[Campaign, LiveDraft, str] | Any:
    """What every submission (a POST with its one-time token ``st``) checks first: the
    campaign, draft and token to store, or the answer to give instead: the thank-you again for
    a token already stored (a double tap, a retry after a crash, even once the campaign has
    closed), the campaign's own page when it takes no answers, or the introduction when there
    is no draft."""
    token = request.form.get("st", "")
    well_formed = 16 <= len(token) <= 64
    campaign = _campaign(slug, token if well_formed else None)
    if campaign is None:
        return _unavailable(None)
    if campaign.receipt_token_hash is not None:  # a repeated submission: thank-you again
        return _render_done(campaign)
    campaign, error = _taking_answers(campaign, allow_full=False)
    if error:
        return error
    if not well_formed:
        abort(400)
    draft = _draft(campaign)
    if draft is None:
        return redirect(url_for("respond.start", slug=slug), 303)
    return campaign, draft, token


@bp.route("/s/<slug>/submit", methods=["POST"])
def submit(slug: str):
    found = _submission(slug)
    if not isinstance(found, tuple):
        return found
    campaign, draft, token = found
    definition = _definition(campaign)
    if request.form.get("action") == "back":
        step = _previous_step(definition, draft.answers or {}, len(_pages(campaign)))
        return redirect(_step_url(campaign, step), 303)
    answers = logic.prune(definition, dict(draft.answers or {}))
    problem = logic.validate_all(definition, answers, _lang())
    if problem is not None:
        index, errors = problem
        draft.page = index + 1
        _commit(draft)
        return _render_step(campaign, draft, index, answers, errors, status=422)
    return _after_submit(campaign, responses.submit(db.session, draft, definition, answers, token))


def _after_submit(campaign: Campaign, outcome: responses.SubmitOutcome) -> Response:
    """The thank-you page (a new, repeated or raced submission alike), or the clear page for a
    draft whose access code another device used to send its answers first."""
    if outcome == responses.SubmitOutcome.CODE_USED:
        response = make_response(render_template(
            "respond/unavailable.html", campaign=campaign, title=_("Mã đã được dùng để gửi phiếu"),
            message=_("Mã truy cập của bạn đã được dùng để gửi một phiếu trên thiết bị khác. Mỗi "
                      "mã chỉ gửi được một phiếu, nên các câu trả lời trên máy này không được "
                      "gửi. Nếu bạn chưa gửi phiếu nào, vui lòng liên hệ đơn vị đã phát mã.")), 409)
        return _clear_cookie(response, campaign)
    return _clear_cookie(_render_done(campaign), campaign)


@bp.route("/s/<slug>/done")
def done(slug: str):
    _outside_transaction()
    campaign = _campaign(slug)
    if campaign is None:
        return _unavailable(None)
    return _done_html(campaign)


@bp.route("/s/<slug>/resume", methods=["GET", "POST"])
def resume(slug: str):
    campaign, error = _load(slug)
    if error:
        return error
    message = None
    if request.method == "POST":
        found = drafts.resume(db.session, campaign, request.form.get("code", ""))
        if found is not None:
            draft, token = found
            draft.language = _lang()
            _commit(draft)
            where = url_for("respond.whole", slug=slug) \
                if _scripted() and draft.page <= len(_pages(campaign)) \
                else _step_url(campaign, max(draft.page, 1))
            return _set_cookie(redirect(where, 303), campaign, token)
        db.session.rollback()
        message = _("Không tìm thấy phiếu đã lưu với mã này, hoặc phiếu đã hết hạn. Vui lòng "
                    "kiểm tra lại mã (12 ký tự, ví dụ ABCD-EFGH-JKMN).")
    return render_template("respond/resume.html", campaign=campaign,
                           definition=_definition(campaign), text=_text, error=message), \
        (400 if message else 200)


@bp.route("/s/<slug>/qr.<any(svg, png):kind>")
def qr(slug: str, kind: str):
    """QR code of the campaign link, for printed notices (SVG or PNG)."""
    import segno

    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        abort(404)
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/") or request.host_url.rstrip("/")
    code = segno.make(f"{base}/s/{campaign.slug}", error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind=kind, scale=10 if kind == "png" else 4, border=4)
    mimetype = "image/svg+xml" if kind == "svg" else "image/png"
    return Response(buffer.getvalue(), mimetype=mimetype)
