"""The respondent area: public pages, no login (see :mod:`survey.respond.routes`)."""
from flask import Blueprint, g, request, url_for

bp = Blueprint("respond", __name__)


@bp.app_context_processor
def _language_switch_target() -> dict[str, str | None]:
    """Where the language switch points, and the step URL the page script puts in the address
    bar (``page_url``): a POST that answers with the next step names that step's GET URL (see
    :mod:`survey.respond.routes`); other pages answering a POST have no GET of their own."""
    if request.blueprint == "respond" and request.method == "POST" and request.view_args:
        url = g.get("respond_url")
        if url:
            return {"lang_url": url, "page_url": url}
        slug = request.view_args.get("slug")
        if slug and request.endpoint != "respond.page":
            return {"lang_url": url_for("respond.start", slug=slug), "page_url": None}
    return {"lang_url": None, "page_url": None}


@bp.after_request
def _no_store(response):
    """Answers must not stay in a shared phone's or proxy's cache. (Referrer-Policy is the
    app-wide ``no-referrer``: the campaign link reaches no other site, and the CSRF check needs
    no Referer because ``WTF_CSRF_SSL_STRICT`` is off, see :mod:`survey.config`.)"""
    if request.method == "GET" and request.endpoint not in ("respond.qr",):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


from survey.respond import routes  # noqa: E402,F401  (routes register themselves on bp)
from survey.respond import commands  # noqa: E402,F401
