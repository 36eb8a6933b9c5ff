"""The respondent area: public pages, no login.

:mod:`.views` (thin: read → decide → act → answer), :mod:`.visit` (this request's campaign and
draft), :mod:`.steps` (where the respondent goes next, pure), :mod:`.screens` (rendering),
:mod:`.versions` (the bounded per-version cache), :mod:`.limits` (rate limits).
"""
import zlib
from urllib.parse import quote

from flask import Blueprint, current_app, g, request, url_for
from markupsafe import Markup

bp = Blueprint("respond", __name__)


@bp.app_context_processor
def _language_switch_target() -> dict[str, str | None]:
    """Where the language switch points, and the step URL the page script puts in the address
    bar (``page_url``): a POST that answers with the next step names that step's GET URL (see
    :mod:`survey.respond.views`); other pages answering a POST have no GET of their own."""
    if request.blueprint == "respond" and request.method == "POST" and request.view_args:
        url = g.get("respond_url")
        if url:
            return {"lang_url": url, "page_url": url}
        slug = request.view_args.get("slug")
        if slug and request.endpoint != "respond.page":
            return {"lang_url": url_for("respond.start", slug=slug), "page_url": None}
    return {"lang_url": None, "page_url": None}


@bp.app_context_processor
def _icon() -> dict[str, Markup]:
    """The tab icon written into the page (``data:``) rather than named by URL: a browser asks
    for a named icon on every page view (a revalidation with our no-cache static files), one
    request in the respondent page's budget of four; written in, it costs some 150 bytes of
    gzipped HTML. Read once per app from ``static/favicon.svg`` (also served at /favicon.ico)."""
    uri = current_app.extensions.get("respond_icon_uri")
    if uri is None:
        with open(f"{current_app.static_folder}/favicon.svg", encoding="utf-8") as handle:
            svg = handle.read().strip().replace('"', "'")
        uri = current_app.extensions["respond_icon_uri"] = Markup(  # no " < > left: safe
            "data:image/svg+xml," + quote(svg, safe=" /:=',.-"))
    return {"icon_uri": uri}


@bp.after_request
def _no_store(response):
    """Answers must not stay in a shared phone's or proxy's cache. (Referrer-Policy is the
    app-wide ``no-referrer``: the campaign link reaches no other site, and the CSRF check needs
    no Referer because ``WTF_CSRF_SSL_STRICT`` is off, see :mod:`survey.config`.)"""
    if request.method == "GET" and request.endpoint not in ("respond.qr",):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.after_request
def _compress(response):
    """Respondent pages travel gzipped when the browser accepts it: a phone on a weak
    connection gets a page in a third of the bytes (the whole questionnaire in one document,
    60 KB of HTML, in 11 KB). Level 1: the smallest CPU cost per page on the server, and most
    of the gain. Only our own HTML, which reflects nothing but the respondent's own answers
    (no attacker-chosen text beside the CSRF token, the condition for BREACH)."""
    if (not response.direct_passthrough and response.mimetype == "text/html" and "Content-Encoding" not in response.headers
            and "gzip" in request.headers.get("Accept-Encoding", "")):
        body = response.get_data()
        if len(body) >= 1024:
            packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # 31: gzip framing
            response.set_data(packer.compress(body) + packer.flush())
            response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


from survey.respond import views  # noqa: E402,F401  (views register themselves on bp)
