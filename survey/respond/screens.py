"""The respondent's screens, rendered: introduction, page, whole questionnaire, review,
thank-you, saved, and the clear page of a campaign that takes no answers.

The pages most requested are put together from cached frames (see :meth:`Version.frame`): each
screen names every value its template reads in one ``context`` dict, which is also the frame's
key, and the per-request HTML (CSRF token, submission token, shown list, questions) in ``holes``.
"""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from flask import current_app, g, make_response, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from survey.i18n import current_locale
from survey.questionnaire import label_text
from survey.questionnaire.runtime import rules
from survey.questionnaire.runtime.render import render_all, render_page
from survey.respond import steps
from survey.services.campaigns import CampaignState

if TYPE_CHECKING:
    from flask import Response

    from survey.respond.visit import Visit


def retention() -> int:
    return int(current_app.config.get("DRAFT_RETENTION_DAYS", 14))


def lang() -> str:
    """The request's language, looked up once per request (labels ask for it per option)."""
    found = g.get("respond_lang")
    if found is None:
        found = g.respond_lang = current_locale()
    return found


def text(value: Any) -> str:
    return label_text(value, lang())


def no_store(html: str, status: int = 200) -> Response:
    """A screen holding a one-time token or a code: never kept by the browser."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _mark_url(url: str) -> None:
    """The GET URL of the step being rendered, when it differs from the request's (a POST that
    answers with the next step): the language switch points there, and the page script moves the
    address bar there (``data-url``, see :mod:`survey.respond.views`)."""
    if request.method == "POST":
        g.respond_url = url


def _frame(visit: Visit, template: str, holes: dict[str, str], cacheable: bool = True,
           derived: dict[str, Any] | None = None, **context: Any) -> str:
    """``template`` with ``context`` and the ``holes`` (``csrf`` and ``token`` reach the template
    as ``csrf_token()`` and ``token()``). The frame's key is ``context`` plus what the base
    template reads of the request (language, path, method, endpoint, marked URL); the frame
    cache belongs to the version, so the definition is in the key by construction, and so is
    anything in ``derived`` (values the version and ``context`` determine, such as a page)."""
    key = dict(context, _campaign=visit.view, _lang=lang(), _path=request.path,
               _method=request.method, _endpoint=request.endpoint, _url=g.get("respond_url"))

    def render(filled: dict[str, Markup]) -> str:
        values = dict(context, **(derived or {}))
        for name, value in filled.items():
            if name in ("csrf", "token"):
                values["csrf_token" if name == "csrf" else "token"] = _constant(value)
            else:
                values[name] = value
        return render_template(template, campaign=visit.view, definition=visit.definition,
                               text=text, **values)
    return visit.version.frame(template, render, holes, key, cacheable)


def _constant(value: Any) -> Any:
    return lambda: value


def unavailable(campaign: Any, state: CampaignState | None = None) -> Response:
    """The clear page for a campaign that cannot take answers, with a fitting status."""
    if campaign is None:
        title = _("Không tìm thấy đợt khảo sát")
        message = _("Đường dẫn này không đúng hoặc đợt khảo sát đã bị gỡ bỏ. "
                    "Vui lòng kiểm tra lại đường dẫn cơ quan anh/chị đã gửi.")
        status = 404
    elif state == CampaignState.NOT_YET_OPEN:
        title = _("Đợt khảo sát chưa mở")
        message = _("Đợt khảo sát sẽ mở từ ngày %(date)s. Vui lòng quay lại sau.",
                    date=format_date(campaign.opens_at, "dd/MM/yyyy"))
        status = 403
    elif state == CampaignState.FULL:
        title = _("Đợt khảo sát đã đủ số phiếu")
        message = _("Đợt khảo sát đã nhận đủ số phiếu cần thiết. Cảm ơn anh/chị đã quan tâm.")
        status = 410
    else:
        title = _("Đợt khảo sát đã kết thúc")
        message = _("Đợt khảo sát này đã đóng, không nhận thêm câu trả lời. Cảm ơn anh/chị đã quan tâm.")
        status = 410
    return make_response(render_template("respond/unavailable.html", campaign=campaign,
                                         title=title, message=message), status)


def code_used_elsewhere(visit: Visit) -> Response:
    """A draft whose access code another device used to send its answers first."""
    return make_response(render_template(
        "respond/unavailable.html", campaign=visit.view, title=_("Mã đã được dùng để gửi phiếu"),
        message=_("Mã truy cập của anh/chị đã được dùng để gửi một phiếu trên thiết bị khác. Mỗi "
                  "mã chỉ gửi được một phiếu, nên các câu trả lời trên máy này không được "
                  "gửi. Nếu anh/chị chưa gửi phiếu nào, vui lòng liên hệ đơn vị đã phát mã.")), 409)


def device(visit: Visit, service_worker: bool = False, erased: bool = False) -> Markup:
    """The ``<body>`` attributes that tell the page script (``static/pages.js``) what it may
    keep on this device: the campaign's path (``data-home``: the device key cookie, the storage
    entry and the service worker are scoped to it), and only when the campaign allows device
    storage, the days to keep answers (``data-keep``) and the service worker to register
    (``data-sw``, its URL changes with the version and language so the cached questionnaire
    follows them). Without ``data-keep`` the script erases whatever this campaign left on the
    device (the setting was switched off, or the respondent just erased it)."""
    slug = visit.campaign.slug
    attributes = f' data-home="{escape(url_for("respond.start", slug=slug))}"'
    if visit.campaign.device_storage and not erased:
        attributes += f' data-keep="{retention()}"'
        if service_worker:
            worker = url_for("respond.service_worker", slug=slug, v=f"{visit.version.id}.{lang()}")
            attributes += f' data-sw="{escape(worker)}"'
    return Markup(attributes)


def intro(visit: Visit, code_error: str | None = None, status: int = 200,
          erased: bool = False) -> Response:
    """The introduction: the same for everyone without a draft (the frame is cached then).
    ``erased``: in reply to "Xoá câu trả lời trên máy này" (says so; registers nothing)."""
    csrf = str(escape(generate_csrf()))
    holes = {"csrf": csrf}
    if visit.campaign.device_storage or visit.draft is not None:  # the erase button shows
        holes["erase_csrf"] = csrf  # a hole prints once: the erase form has its own
    html = _frame(visit, "respond/intro.html", holes,
                  cacheable=visit.draft is None and code_error is None,
                  draft=visit.draft is not None, code_error=code_error,
                  pages=visit.version.page_count, erased=erased, retention=retention(),
                  device=device(visit, service_worker=True, erased=erased))
    return make_response(html, status)


def code_message(used: bool) -> str:
    if used:
        return _("Mã này đã được sử dụng để gửi phiếu. Mỗi mã chỉ gửi được một phiếu. Nếu anh/chị "
                 "chưa gửi phiếu, vui lòng liên hệ đơn vị đã phát mã cho anh/chị.")
    return _("Mã không đúng. Vui lòng kiểm tra lại mã (10 ký tự, ví dụ ABCDE-FGHJK) và nhập lại.")


def page(visit: Visit, index: int, answers: dict[str, Any], shown_again: steps.ShowPage | None = None,
         page_input: rules.PageInput | None = None) -> Response:
    """Page ``index`` (0-based), fresh or shown again with its errors or notice."""
    definition = visit.definition
    page_def = visit.version.pages[index]
    errors = shown_again.errors if shown_again else {}
    notice = _("Câu trả lời của anh/chị làm xuất hiện thêm câu hỏi hoặc lựa chọn mới. Vui lòng xem "
               "lại rồi bấm “Tiếp tục”.") if shown_again and shown_again.revealed else None
    items_html = render_page(definition, index, answers, errors, lang(), seed=visit.draft.seed,
                             raw=page_input.raw if page_input else None,
                             ranks=page_input.ranks if page_input else None,
                             cache=visit.version.fragments, version=visit.version.id)
    shown = " ".join(sorted(rules.offer_tokens(page_def, answers)))
    position, total = steps.progress(definition, answers, index)
    _mark_url(url_for("respond.page", slug=visit.campaign.slug, number=index + 1))
    html = _frame(visit, "respond/page.html",
                  {"csrf": str(escape(generate_csrf())), "shown": str(escape(shown)),
                   "items_html": str(items_html)},
                  cacheable=not errors and not notice,  # rare: rendered in full
                  derived={"page": page_def}, number=index + 1, position=position, total=total, index=index,
                  first=steps.previous_step(definition, answers, index) == 0,
                  errors=tuple(errors.items()), notice=notice)
    return make_response(html, shown_again.status if shown_again else 200)


def step(visit: Visit, step_number: int, answers: dict[str, Any]) -> Response:
    """Step ``step_number`` (1…N a page, N+1 the review), in reply to a POST that has already
    moved the draft there."""
    if step_number > visit.version.page_count:
        return review(visit, rules.prune(visit.definition, answers))
    return page(visit, step_number - 1, answers)


def step_url(visit: Visit, step_number: int) -> str:
    """URL of step ``step_number``: 1…N are pages, N+1 the review."""
    if step_number > visit.version.page_count:
        return url_for("respond.review", slug=visit.campaign.slug)
    return url_for("respond.page", slug=visit.campaign.slug, number=max(step_number, 1))


def whole(visit: Visit, answers: dict[str, Any], offline: bool = False) -> Response:
    """The whole questionnaire in one document, opening at the draft's page.

    ``offline``: the copy the campaign's service worker keeps for opening without a
    connection: no draft, no answers (the script restores those kept on the device), the
    options in an order of its own (a fresh seed per copy), and the document's own URL named
    for the address bar (``/all``), since it is shown in reply to a navigation elsewhere."""
    definition = visit.definition
    pages = visit.version.pages
    visible = rules.visible_pages(definition, answers)
    shown = set().union(*(rules.offer_tokens(pages[index], answers) for index in visible))
    if offline:
        seed, opening = secrets.randbelow(2**31), 1
    else:  # back from the review: its last page
        seed, opening = visit.draft.seed, min(max(visit.draft.page, 1), len(pages))
    items_html = render_all(definition, answers, lang(), seed=seed,
                            cache=visit.version.fragments, version=visit.version.id)
    url = url_for("respond.whole", slug=visit.campaign.slug)
    _mark_url(url)
    csrf = str(escape(generate_csrf()))
    html = _frame(visit, "respond/whole.html",
                  {"csrf": csrf, "erase_csrf": csrf,
                   "shown": str(escape(" ".join(sorted(shown)))),
                   "items_html": str(items_html), "token": secrets.token_urlsafe(24)},
                  total=max(len(visible), 1), opening=opening, offline=offline,
                  device=device(visit, service_worker=True),
                  **({"page_url": url} if offline else {}))
    return no_store(html)  # a one-time submission token


def review(visit: Visit, answers: dict[str, Any]) -> Response:
    """The review page with a fresh one-time submission token."""
    _mark_url(url_for("respond.review", slug=visit.campaign.slug))
    sections = render_template("respond/_review_sections.html", campaign=visit.view,
                               sections=_review_rows(visit, answers))
    html = _frame(visit, "respond/review.html",
                  {"csrf": str(escape(generate_csrf())), "token": secrets.token_urlsafe(24),
                   "sections_html": sections}, device=device(visit))
    return no_store(html)


def partial(visit: Visit, answers: dict[str, Any]) -> Response:
    """"Gửi phần đã trả lời": what will be sent (the pages reached, each answer as the review
    shows it, the missing ones empty) and the confirmation, with a fresh one-time token."""
    answers = steps.partial_answers(visit.definition, answers, lang())
    rows = [section for section in _review_rows(visit, answers)
            if section["number"] <= visit.draft.furthest_page]
    sections = render_template("respond/_review_sections.html", campaign=visit.view,
                               sections=rows)
    html = render_template("respond/partial.html", campaign=visit.view,
                           definition=visit.definition, text=text, sections_html=sections,
                           token=secrets.token_urlsafe(24), device=device(visit))
    return no_store(html)


def done(visit: Visit) -> Response:
    """The thank-you page: the same for everyone of a version and language. In reply to a
    submission it is the acknowledgement (``data-done``): the page script then erases what it
    kept on the device; a later GET of ``/done`` erases nothing."""
    _mark_url(url_for("respond.done", slug=visit.campaign.slug))
    return no_store(_frame(visit, "respond/done.html", {}, device=device(visit),
                           acknowledged=request.method == "POST"))


def saved(visit: Visit, code: str, number: int) -> Response:
    return no_store(render_template(
        "respond/saved.html", campaign=visit.view, definition=visit.definition, code=code,
        number=number, retention=retention(), text=text))


def resume_form(visit: Visit, error: str | None = None) -> Response:
    return make_response(render_template(
        "respond/resume.html", campaign=visit.view, definition=visit.definition, text=text,
        error=error), 400 if error else 200)


def _review_rows(visit: Visit, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """What the respondent answered, page by page, as text (for the review page)."""
    sections = []
    for index in rules.visible_pages(visit.definition, answers):
        page_def = visit.version.pages[index]
        lines = []
        for item in rules.visible_items(page_def, answers):
            if item.get("type") == "note":
                continue
            labels = visit.version.option_labels(item, lang())
            lines.append((item["id"], text(item.get("label")), answer_text(item, answers, labels)))
        sections.append({"number": index + 1, "title": text(page_def.get("title")) or
                         _("Trang %(n)s", n=index + 1), "lines": lines})
    return sections


def answer_text(item: dict[str, Any], answers: dict[str, Any], labels: dict[Any, str]) -> str:
    """One answer as the review shows it."""
    value = answers.get(item["id"])
    if value is None or value == [] or value == {} or value == "":
        return _("(chưa trả lời)")
    other = answers.get(f"{item['id']}.other")

    def with_other(code: int) -> str:
        label = labels.get(code, str(code))
        return f"{label}: {other}" if other and any(o.get("other") and o["code"] == code
                                                    for o in item.get("options") or []) else label
    kind = item.get("type")
    if kind == "single":
        return with_other(value)
    if kind == "multiple":
        return "; ".join(with_other(code) for code in value)
    if kind == "ranking":
        ranks = "; ".join(f"{rank}. {labels.get(code, code)}" for rank, code in enumerate(value, 1))
        if item.get("top"):  # only the first few are ranked: say so, not "the whole order"
            return _("Chỉ xếp hạng %(n)s phương án đầu: %(ranks)s", n=item["top"], ranks=ranks)
        return ranks
    if kind == "grid":
        rows = {str(r["id"]): text(r["label"]) for r in item.get("rows") or []}
        return "; ".join(f"{rows.get(row, row)}: {labels.get(code, code)}"
                         for row, code in value.items())
    if kind == "numeric":
        return format_decimal(value)
    return str(value)
