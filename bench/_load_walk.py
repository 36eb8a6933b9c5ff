"""One respondent's walk through the respondent flow (:func:`walk`), as a generator that yields
requests and is sent the replies, so that one walk serves the blocking :class:`Browser`
(:func:`complete_one`, ``bench/crash.py``, the tests) and the non-blocking loop of
:mod:`bench._load_loop` alike.
"""
from __future__ import annotations

import random
import re
from typing import Any, Generator
from urllib.parse import quote_plus

from bench._load_answers import PagePlan, encoded_fields, quoted, plans_for
from bench._load_http import Browser, Reply, Request, Stats

# What a page is read for (str, for callers holding decoded pages; the walk uses the bytes twins).
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMIT_TOKEN = re.compile(r'name="st" value="([^"]+)"')
PAGE_PATH = re.compile(r"/s/[^/]+/p/(\d+)$")
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
DONE_URL = re.compile(r'<body data-url="/s/[^/"]+/done"')
_CSRF, _SUBMIT_TOKEN, _PAGE_PATH, _FORM_ACTION, _DONE_URL = (
    re.compile(pattern.pattern.encode()) for pattern in (CSRF, SUBMIT_TOKEN, PAGE_PATH, FORM_ACTION, DONE_URL))


class FlowError(Exception):
    """The server answered something a browser following the flow would not expect."""


def _hidden(page: bytes, pattern: re.Pattern[bytes], what: str) -> bytes:
    match = pattern.search(page)
    if match is None:
        raise FlowError(f"no {what} on the page")
    return match.group(1)


def _next_form(page: bytes) -> bytes:
    """The action of the page's form: the step the server rendered (``/p/<n>`` or ``/submit``)."""
    match = _FORM_ACTION.search(page)
    if match is None:
        titles = re.findall(r"<h1>([^<]*)</h1>", page.decode("utf-8", "replace"))
        raise FlowError("no form on the page: " + " ".join(titles))
    return match.group(1)


def walk(slug: str, plans: list[PagePlan], rng: random.Random,
         state: dict[str, Any] | None = None, double_submit: bool = False,
         script: bool = False) -> Generator[Request, Reply, str]:
    """One respondent's walk through the flow, as a generator: it yields each request and is
    sent the reply; it returns the submission token of the stored response. The transport is
    the caller's (one blocking :class:`Browser`, or the loop of
    :func:`bench._load_loop.run_load`).

    A POST that moves on answers with the next step rendered (see :mod:`survey.respond.views`):
    start → page 1, each page → the next page or the review, submit → thank-you. So the walk is
    intro GET, start POST, one POST per page, submit POST: the step shown is read from the
    rendered form's action, CSRF and submission tokens from its hidden fields.

    ``script=True`` walks as a browser whose page script runs (``js=1``): the start POST
    answers with the whole questionnaire in one document, the script turns its pages, and
    "Gửi" on the last sends the form once with every answer (``_shown`` as the script keeps
    it: what the visible pages offer) and the document's one-time submission token; the
    answer is the thank-you page: intro GET, start POST, send POST.

    ``state``, when given, is told the submission just before it goes: ``state["submit"]``
    (its fields, ``st`` the token) and ``state["request"]`` (path and body, to send again).

    Raises :class:`FlowError` on an unexpected answer from the server."""
    answers: dict[str, Any] = {}
    submit_path = f"/s/{slug}/submit"
    status, _, page = yield "intro GET", "GET", f"/s/{slug}", None
    if status != 200:
        raise FlowError(f"intro {status}")
    csrf = _hidden(page, _CSRF, "CSRF token")
    status, location, page = yield "start POST", "POST", f"/s/{slug}/start", \
        b"csrf_token=" + quoted(csrf) + (b"&js=1" if script else b"")
    if status != 200:
        raise FlowError(f"start {status} {location}")
    action = _next_form(page)
    if script:
        if action != f"/s/{slug}/all".encode():
            raise FlowError(f"start did not answer with the whole questionnaire ({action.decode()})")
        form = []
        for plan in plans:  # page by page, as the respondent turns them (hidden pages send nothing)
            form += plan.form(answers, rng)
        offered = set().union(*(plan.tokens(answers) for plan in plans if plan.visible(answers)))
        csrf, token = _hidden(page, _CSRF, "CSRF token"), _hidden(page, _SUBMIT_TOKEN, "submission token")
        body = (b"csrf_token=" + quoted(csrf) + b"&js=1&action=send&st=" + quoted(token)
                + b"&_shown=" + quote_plus(" ".join(sorted(offered))).encode() + encoded_fields(form))
        if state is not None:
            state["submit"] = {"csrf_token": csrf.decode(), "st": token.decode()}
            state["request"] = (action.decode(), body)
        for _tap in range(2 if double_submit else 1):  # a double tap: the same form again
            status, location, page = yield "send POST", "POST", action.decode(), body
            if not (status == 200 and _DONE_URL.search(page)):
                errors = re.findall(r'<p class="err"[^>]*>([^<]+)', page.decode("utf-8", "replace"))
                raise FlowError(f"send POST {status} {location or ''}: " + "; ".join(errors)[:300])
        return token.decode()
    for _hop in range(len(plans) + 1):
        match = _PAGE_PATH.search(action)
        if match is None:
            break
        number = int(match.group(1))
        plan = plans[number - 1]
        form = plan.form(answers, rng)
        body = (b"csrf_token=" + quoted(_hidden(page, _CSRF, "CSRF token")) + plan.shown_field(answers)
                + b"&action=next" + encoded_fields(form))
        status, location, page = yield "page POST", "POST", action.decode(), body
        following = _next_form(page) if status == 200 else None
        if following is None or following == action:
            errors = re.findall(r'<p class="err"[^>]*>([^<]+)', page.decode("utf-8", "replace"))
            raise FlowError(f"page {number} POST {status} {location or ''}: " + "; ".join(errors)[:300])
        action = following
    if action != submit_path.encode():
        raise FlowError(f"flow did not reach the review page ({action.decode()})")
    csrf, token = _hidden(page, _CSRF, "CSRF token"), _hidden(page, _SUBMIT_TOKEN, "submission token")
    form = {"csrf_token": csrf.decode(), "st": token.decode()}
    body = b"csrf_token=" + quoted(csrf) + b"&st=" + quoted(token)
    if state is not None:
        state["submit"] = form
        state["request"] = (submit_path, body)
    status, location, page = yield "submit POST", "POST", submit_path, body
    if not (status == 200 and _DONE_URL.search(page)):
        raise FlowError(f"submit {status} {location}")
    if double_submit:  # a double tap: the same form again
        status, location, page = yield "submit POST", "POST", submit_path, body
        if not (status == 200 and _DONE_URL.search(page)):
            raise FlowError(f"second submit {status} {location}")
    return form["st"]


def thanked(status: int, html: str) -> bool:
    """The submission's answer is the thank-you page (rendered in reply to the POST)."""
    return status == 200 and DONE_URL.search(html) is not None


def complete_one(base: str, slug: str, definition: dict[str, Any], rng: random.Random,
                 address: str, stats: Stats | None, double_submit: bool = False,
                 state: dict[str, Any] | None = None, script: bool = False) -> str:
    """Walk the whole flow once with a blocking :class:`Browser` (see :func:`walk`); return the
    submission token of the stored response.

    ``state``, when given, is told the browser and, just before the submission is sent, the
    submission form (``state["submit"]``), so that a caller can retry it after a crash.

    Raises :class:`FlowError` on an unexpected answer from the server, ``OSError`` or
    ``http.client.HTTPException`` when the connection fails."""
    browser = Browser(base, address, stats)
    if state is not None:
        state["browser"] = browser
    steps = walk(slug, plans_for(definition), rng, state, double_submit, script)
    try:
        request = next(steps)
        while True:
            reply = browser.fetch(*request)
            try:
                request = steps.send(reply)
            except StopIteration as done:
                return done.value
    finally:
        steps.close()
        browser.close()
