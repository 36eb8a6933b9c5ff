"""Respondent pages (public, no login): introduction → pages → review → thank-you.

Each view reads (:mod:`survey.respond.visit`), decides (:mod:`survey.respond.steps`, the page
rules of :mod:`survey.questionnaire.runtime.rules`), acts through the services (drafts,
responses: they choose durability and commit) and answers with a screen
(:mod:`survey.respond.screens`).

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
import re
from typing import Any

from flask import (Response, abort, current_app, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from survey.database import read_without_transaction
from survey.extensions import db
from survey.models import AccessMode, Campaign, ResponseStatus
from survey.questionnaire.runtime import rules
from survey.respond import bp, screens, steps
from survey.respond.limits import check_rate
from survey.respond.screens import lang
from survey.respond.visit import (COOKIE, Visit, campaign_row, clear_cookie, forget,
                                  open_campaign, set_cookie, submission, visit_of, with_draft)
from survey.services import drafts, responses
from survey.services.access_codes import check as check_code


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


def _scripted() -> bool:
    """The form comes from a page whose script runs (it sets ``js``), and the whole
    questionnaire may go to the browser in one document (``RESPOND_CLIENT_PAGING``, on by
    default): the script turns the pages, so a complete takes 3 requests instead of 11."""
    return request.form.get("js") == "1" and current_app.config.get("RESPOND_CLIENT_PAGING", True)


def _keep(visit: Visit, answers: dict[str, Any]) -> None:
    """The draft's new answers, in the request's language, pushed back from expiry."""
    visit.draft.answers = answers
    visit.draft.language = lang()
    drafts.touch(visit.draft, screens.retention())


def _saved(visit: Visit, answers: dict[str, Any], number: int, reach: list[int] | None = None
           ) -> Response:
    """Keep the answers and show a fresh resume code (durable: a code must not be lost once
    shown); resuming reopens page ``number``."""
    _keep(visit, answers)
    code = drafts.set_resume_code(visit.draft)
    drafts.save(db.session, visit.draft, durable=True, reach=reach or ())
    return screens.saved(visit, code, number)


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
    campaign = campaign_row(slug) if slug else None
    return render_template("respond/privacy.html", campaign=campaign,
                           retention=screens.retention())


@bp.route("/s/<slug>")
def start(slug: str):
    read_without_transaction(db.session)
    return screens.intro(open_campaign(slug, allow_full=False))


@bp.route("/s/<slug>/start", methods=["POST"])
def begin(slug: str):
    visit = open_campaign(slug, allow_full=False)
    pages = visit.version.page_count
    if visit.draft is not None:  # "Tiếp tục trả lời", a second tap or a reload: where they are
        if _scripted() and visit.draft.page <= pages:
            return screens.whole(visit, visit.answers())
        return redirect(screens.step_url(visit, max(visit.draft.page, 1)), 303)
    code, prefilled = None, {}
    if visit.campaign.access_mode == AccessMode.CODE:
        # Checked, not spent: the submission spends it, so the respondent may start again on
        # another device with the same code (survey.services.access_codes).
        result = check_code(db.session, visit.campaign, request.form.get("code", ""))
        if not result.accepted:
            db.session.rollback()
            return screens.intro(visit, screens.code_message(result.used),
                                 409 if result.used else 400)
        code = result.code_hash
        prefilled = rules.prefill_from_batch(visit.definition, result.attributes)
    step = steps.next_step(visit.definition, prefilled, -1)
    visit.draft, token = drafts.create_draft(db.session, visit.campaign, screens.retention(),
                                             lang(), page=step, code=code, answers=prefilled,
                                             reach=[0, step])
    if _scripted() and step <= pages:
        response = screens.whole(visit, prefilled)
    else:
        response = screens.step(visit, step, prefilled)
    return set_cookie(response, visit, token)


@bp.route("/s/<slug>/p/<int:number>", methods=["GET", "POST"])
def page(slug: str, number: int):
    visit = with_draft(slug)
    draft, definition = visit.draft, visit.definition
    index = number - 1
    if not 0 <= index < visit.version.page_count:
        abort(404)
    if number > draft.furthest_page:
        return redirect(screens.step_url(visit, draft.page), 303)
    answers = visit.answers()
    if index not in rules.visible_pages(definition, answers):
        return redirect(screens.step_url(visit, steps.next_step(definition, answers, index)), 303)
    if request.method == "GET":
        draft.advance(number)
        drafts.save(db.session, draft, durable=False)
        return screens.page(visit, index, answers)

    action = request.form.get("action", "next")
    page_input = rules.parse_page(visit.version.pages[index], request.form, answers)
    answers = rules.prune(definition, rules.merge(answers, page_input))
    if action == "save":
        return _saved(visit, answers, number)
    _keep(visit, answers)
    if action == "partial" and draft.furthest_page >= 2:
        drafts.save(db.session, draft, durable=False)
        return screens.partial(visit, answers)
    if action == "back":
        back = steps.previous_step(definition, answers, index)
        draft.advance(max(back, 1))
        drafts.save(db.session, draft, durable=False)
        return redirect(url_for("respond.start", slug=slug) if back == 0
                        else screens.step_url(visit, back), 303)
    outcome = steps.after_page(definition, index, answers, page_input,
                               set(request.form.get("_shown", "").split()), lang())
    if isinstance(outcome, steps.ShowPage):  # keep what was typed, even when shown again
        drafts.save(db.session, draft, durable=False)
        return screens.page(visit, index, answers, outcome, page_input)
    reached = draft.advance(outcome.step, [outcome.step])
    drafts.save(db.session, draft, durable=False, reach=reached)  # one commit per page
    return screens.step(visit, outcome.step, answers)


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
    action = request.form.get("action", "next")
    sending = request.method == "POST" and action == "send"
    visit, token = submission(slug) if sending else (with_draft(slug), None)
    draft, definition = visit.draft, visit.definition
    pages = visit.version.page_count
    if request.method == "GET":
        return screens.whole(visit, visit.answers())
    page_input = rules.parse_page(visit.version.whole_page(), request.form, visit.answers())
    answers = rules.prune(definition, rules.merge(visit.answers(), page_input))
    visible = rules.visible_pages(definition, answers)
    if action in ("save", "keep"):  # the page the respondent is on: where resuming reopens
        reached = _int_arg(request.form.get("p"), 1, pages)
        passed = draft.advance(reached, steps.steps_reached(draft.furthest_page, pages, visible,
                                                            reached))
        if action == "save":
            return _saved(visit, answers, reached, passed)
        _keep(visit, answers)
        drafts.save(db.session, draft, durable=False, reach=passed)
        return Response("", 204)
    if action == "partial":  # "Gửi phần đã trả lời": the confirmation, from the page reached
        reached = _int_arg(request.form.get("p"), 1, pages)
        passed = draft.advance(reached, steps.steps_reached(draft.furthest_page, pages, visible,
                                                            reached))
        _keep(visit, answers)
        drafts.save(db.session, draft, durable=False, reach=passed)
        if draft.furthest_page >= 2:
            return screens.partial(visit, answers)
        return screens.whole(visit, answers)
    _keep(visit, answers)
    if action == "back":
        draft.advance(1)
        drafts.save(db.session, draft, durable=False)
        return redirect(url_for("respond.start", slug=slug), 303)
    outcome = steps.after_document(definition, answers, page_input,
                                   set(request.form.get("_shown", "").split()), lang())
    passed = steps.steps_reached(draft.furthest_page, pages, visible, outcome.step
                                 if isinstance(outcome, steps.GoTo) else outcome.index + 1)
    if isinstance(outcome, steps.ShowPage):
        draft.advance(outcome.index + 1, passed)
        drafts.save(db.session, draft, durable=False, reach=passed)
        return screens.page(visit, outcome.index, answers, outcome, page_input)
    if token is not None:  # the reach counts go with the response, in its transaction
        return _after_submit(visit, responses.submit(db.session, draft, definition, answers,
                                                     token, reach=passed))
    draft.advance(outcome.step, passed)
    drafts.save(db.session, draft, durable=False, reach=passed)
    return screens.review(visit, answers)


def _int_arg(text: str | None, low: int, high: int) -> int:
    try:
        return min(max(int(text or low), low), high)
    except ValueError:
        return low


@bp.route("/s/<slug>/review")
def review(slug: str):
    visit = with_draft(slug)
    pages = visit.version.page_count
    if visit.draft.furthest_page <= pages:
        return redirect(screens.step_url(visit, visit.draft.page), 303)
    visit.draft.advance(pages + 1)
    drafts.save(db.session, visit.draft, durable=False)
    return screens.review(visit, rules.prune(visit.definition, visit.answers()))


@bp.route("/s/<slug>/submit", methods=["POST"])
def submit(slug: str):
    visit, token = submission(slug)
    definition = visit.definition
    if request.form.get("action") == "back":
        back = steps.previous_step(definition, visit.answers(), visit.version.page_count)
        return redirect(screens.step_url(visit, back), 303)
    answers = rules.prune(definition, visit.answers())
    problem = rules.validate_all(definition, answers, lang())
    if problem is not None:
        index, errors = problem
        visit.draft.advance(index + 1)
        drafts.save(db.session, visit.draft, durable=False)
        return screens.page(visit, index, answers, steps.ShowPage(index, errors))
    return _after_submit(visit, responses.submit(db.session, visit.draft, definition, answers,
                                                 token))


@bp.route("/s/<slug>/partial", methods=["POST"])
def partial(slug: str):
    """"Gửi phần đã trả lời", confirmed: the answers given so far are stored as a partial
    response, through exactly the path of a complete one (one-time token, receipt, access code
    spent, holding pool, release in batches). Offered once the respondent has passed the first
    page; ``action=back`` returns to the questionnaire where the respondent was."""
    if request.form.get("action") == "back":
        visit = with_draft(slug)
        if _scripted():
            return redirect(url_for("respond.whole", slug=slug), 303)
        return redirect(screens.step_url(visit, min(max(visit.draft.page, 1),
                                                    visit.version.page_count)), 303)
    visit, token = submission(slug)
    if visit.draft.furthest_page < 2:  # nothing answered past the first page: not offered
        return redirect(screens.step_url(visit, max(visit.draft.page, 1)), 303)
    answers = steps.partial_answers(visit.definition, visit.answers(), lang())
    return _after_submit(visit, responses.submit(db.session, visit.draft, visit.definition,
                                                 answers, token, status=ResponseStatus.PARTIAL))


def _after_submit(visit: Visit, outcome: responses.SubmitOutcome) -> Response:
    """The thank-you page (a new, repeated or raced submission alike), or the clear page for a
    draft whose access code another device used to send its answers first."""
    if outcome == responses.SubmitOutcome.CODE_USED:
        return clear_cookie(screens.code_used_elsewhere(visit), visit)
    return clear_cookie(screens.done(visit), visit)


@bp.route("/s/<slug>/done")
def done(slug: str):
    read_without_transaction(db.session)
    row = campaign_row(slug)
    if row is None:
        return screens.unavailable(None)
    return screens.done(visit_of(row))


@bp.route("/s/<slug>/resume", methods=["GET", "POST"])
def resume(slug: str):
    visit = open_campaign(slug)
    if request.method == "GET":
        return screens.resume_form(visit)
    found = drafts.resume(db.session, visit.campaign.id, request.form.get("code", ""), lang())
    if found is None:
        return screens.resume_form(visit, _(
            "Không tìm thấy phiếu đã lưu với mã này, hoặc phiếu đã hết hạn. Vui lòng kiểm tra "
            "lại mã (12 ký tự, ví dụ ABCD-EFGH-JKMN)."))
    visit.draft, token = found
    where = url_for("respond.whole", slug=slug) \
        if _scripted() and visit.draft.page <= visit.version.page_count \
        else screens.step_url(visit, max(visit.draft.page, 1))
    return set_cookie(redirect(where, 303), visit, token)


# --------------------------------------------------------------------------- this device

@bp.route("/s/<slug>/erase", methods=["POST"])
def erase(slug: str):
    """"Xoá câu trả lời trên máy này": the server draft of this browser's cookie is deleted and
    the cookies cleared, so on a shared office PC the next person cannot press "Tiếp tục trả
    lời" (works without the script; the script also erases what it kept on the device first).
    Answers with the introduction saying so, or the campaign's own page once it is closed."""
    row = campaign_row(slug)
    if row is None:
        return screens.unavailable(None)
    token = request.cookies.get(COOKIE)
    if token:
        drafts.discard(db.session, row.id, token)
    try:
        visit = open_campaign(slug, allow_full=False, row=row)
        visit.draft = None  # just deleted (the row was read before)
        response = screens.intro(visit, erased=True)
    except HTTPException as stop:  # closed meanwhile: its page, cookies cleared all the same
        response = stop.get_response()
    return forget(response, slug)


@bp.route("/s/<slug>/offline")
def offline(slug: str):
    """The questionnaire the service worker keeps for opening without a connection (see
    :func:`survey.respond.screens.whole`); only for campaigns that allow device storage."""
    read_without_transaction(db.session)
    visit = open_campaign(slug, allow_full=False)
    if not visit.campaign.device_storage:
        abort(404)
    return screens.whole(visit, {}, offline=True)


_TAG = re.compile(r"[0-9]{1,10}\.[a-z]{2,3}")


@bp.route("/s/<slug>/sw.js")
def service_worker(slug: str):
    """The campaign's service worker (``templates/respond/sw.js``). Its scope is the campaign's
    link itself, ``/s/<slug>`` (so the link opens offline), one level above the script, hence
    ``Service-Worker-Allowed``; since a scope matches by prefix (``/s/<slug>-2`` too), the worker
    answers only for this campaign's own paths. The ``v`` query (version and language) renames
    the script when the questionnaire changes, so browsers install it afresh, and names its
    cache."""
    read_without_transaction(db.session)
    row = campaign_row(slug)
    if row is None or not row.device_storage:
        abort(404)
    home = url_for("respond.start", slug=slug)
    tag = request.args.get("v", "")
    # Rendered without the context processors: they read the session (language). The script
    # depends on no cookie, so the session read by the app's own hooks is not declared either
    # (no Vary: Cookie): the browser's cached copy must serve the next check (see below).
    session.accessed = False
    script = current_app.jinja_env.get_template("respond/sw.js").render(
        home=home, offline=url_for("respond.offline", slug=slug),
        cache=f"s:{home}:{tag if _TAG.fullmatch(tag) else row.version_id}",
        files=[url_for("static", filename=name) for name in ("respond.css", "respond.js",
                                                             "pages.js")])
    response = Response(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = home
    # Chromium checks the script ~2 s after every navigation in scope: from the HTTP cache for a
    # day (registered with updateViaCache "all"), not one more request per page for the server.
    response.cache_control.max_age = 86400
    response.cache_control.private = True
    return response


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
