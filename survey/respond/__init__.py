"""The respondent area: public pages, no login (see :mod:`survey.respond.routes`)."""
from flask import Blueprint, request, url_for

bp = Blueprint("respond", __name__)


@bp.app_context_processor
def _language_switch_target() -> dict[str, str | None]:
    """Where the language switch points: pages answering a POST have no GET of their own."""
    if request.blueprint == "respond" and request.method == "POST" and request.view_args:
        slug = request.view_args.get("slug")
        if slug and request.endpoint != "respond.page":
            return {"lang_url": url_for("respond.start", slug=slug)}
    return {"lang_url": None}


# Pages that carry a form posting back to us (the intro, the pages, the review, resume).
FORM_ENDPOINTS = frozenset({"respond.start", "respond.begin", "respond.page", "respond.review",
                            "respond.submit", "respond.resume"})


@bp.after_request
def _same_origin_referrer(response):
    """Send the Referer to our own server only. ``no-referrer`` would leak nothing more, but
    Flask-WTF's CSRF check refuses https POSTs that carry no Referer, so every answer sent over
    https would be refused; ``same-origin`` still sends nothing to any other site."""
    if request.endpoint in FORM_ENDPOINTS:
        response.headers["Referrer-Policy"] = "same-origin"
    if request.method == "GET" and request.endpoint not in ("respond.qr",):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


from survey.respond import routes  # noqa: E402,F401  (routes register themselves on bp)
from survey.respond import commands  # noqa: E402,F401
