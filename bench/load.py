"""Load test: complete flagship responses through the real HTTP flow against gunicorn.

Each simulated respondent does what a browser with JavaScript does (the page script keeps the
``_shown`` field current; static files are cached): GET the introduction, POST start (CSRF; the
answer is page 1), then for every page POST random valid answers (CSRF, ``_shown``; the answer is
the next page, then the review), and POST the submission (CSRF + one-time submission token; the
answer is the thank-you page): 11 requests for the 8-page flagship. Each respondent comes
from its own address (``X-Forwarded-For`` behind ``TRUSTED_PROXIES=1``, as behind nginx), so the
per-address rate limits apply as in production, and its own kept-alive connection.

The load generator runs on the same cores as the server, so every millisecond it spends is one
the server does not get. Hence: all respondents are driven by one thread and one ``epoll``
loop (no GIL hand-offs between 50 threads); HTTP/1.1 is spoken over plain sockets (one ``send``
per request, the response headers the walk needs picked out by one regex); pages are searched
as bytes; and each page's answer generation is compiled once (:class:`PagePlan`): visibility,
option filters and ``_shown`` come from the questionnaire's own logic, computed once per
combination of the answers their conditions read. The walk itself (:func:`_walk`) is one
generator shared by this loop and by the blocking :class:`Browser` that :func:`complete_one`,
``bench/crash.py`` and the tests use.

Usage::

    .venv/bin/python bench/load.py                       # both databases, 1/10/50 clients
    .venv/bin/python bench/load.py --db sqlite --clients 50 --completes 300 --duration 60
    .venv/bin/python bench/load.py --clients 50 --think 250 --flow script   # an offered load

Without ``--think`` every client sends its next request the moment the last is answered: the
server is saturated and latency is the queue (clients ÷ requests per second). With it, each
client first pauses (exponentially distributed, the given mean in ms), as people do between
pages; the clients then offer a load, and the latencies are those of that load.

Prints, per database and client count: completes per second, requests per complete, and
p50/p95/p99 latency per request type, plus the CPU the load generator itself used — it runs on
the same machine as the server and competes with it for the cores.
"""
from __future__ import annotations

import argparse
import errno
import heapq
import http.client
import os
import random
import re
import select
import socket
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generator
from urllib.parse import quote_plus, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import FLAGSHIP, Gunicorn, cpu_seconds, database, database_pids, prepare  # noqa: E402
from survey.questionnaire import load_file  # noqa: E402
from survey.questionnaire.expressions import referenced_items  # noqa: E402
from survey.questionnaire.runtime import rules as logic  # noqa: E402

# What a page is read for (str, for callers holding decoded pages; the walk uses the bytes twins).
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMIT_TOKEN = re.compile(r'name="st" value="([^"]+)"')
PAGE_PATH = re.compile(r"/s/[^/]+/p/(\d+)$")
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
DONE_URL = re.compile(r'<body data-url="/s/[^/"]+/done"')
_CSRF, _SUBMIT_TOKEN, _PAGE_PATH, _FORM_ACTION, _DONE_URL = (
    re.compile(pattern.pattern.encode()) for pattern in (CSRF, SUBMIT_TOKEN, PAGE_PATH, FORM_ACTION, DONE_URL))
_URL_SAFE = re.compile(rb"[A-Za-z0-9_.~-]*")  # what quote_plus leaves as it is
# The only response headers the walk reads (each header line follows a CRLF).
_HEADERS = re.compile(rb"\r\n(content-length|transfer-encoding|connection|location|set-cookie|"
                      rb"content-encoding)[ \t]*:"
                      rb"[ \t]*([^\r\n]*)", re.IGNORECASE)

TEXTS = ["Cần quy định rõ trách nhiệm người đứng đầu.", "Bảo vệ cán bộ dám nghĩ, dám làm.", ""]
TIMEOUT = 30.0


class FlowError(Exception):
    """The server answered something a browser following the flow would not expect."""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    completes: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.requests += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


# --------------------------------------------------------------------------- answers

def _offered(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The options a respondent picks among: not "other" (it needs a text) nor exclusive ones
    ("none of these"), unless nothing else is offered."""
    return [o for o in options if not o.get("other") and not o.get("exclusive")] or list(options)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


class _Memo:
    """A function of the answers that reads only the items its conditions reference
    (expressions are pure functions of the items they name): computed once per combination of
    those items' answers, so the questionnaire's own logic runs once per case, not per page
    sent. With no conditions at all it is computed once."""

    __slots__ = ("refs", "compute", "cache", "value")
    _UNSET = object()

    def __init__(self, conditions: list[Any], compute):
        self.refs = sorted(set().union(*(referenced_items(c) for c in conditions if c)))
        self.compute, self.cache, self.value = compute, {}, self._UNSET

    def __call__(self, answers: dict[str, Any]) -> Any:
        if not self.refs:
            if self.value is self._UNSET:
                self.value = self.compute(answers)
            return self.value
        key = tuple([_hashable(answers.get(ref)) for ref in self.refs])
        value = self.cache.get(key, self._UNSET)
        if value is self._UNSET:
            value = self.compute(answers)
            if len(self.cache) < 10_000:
                self.cache[key] = value
        return value


class _ItemPlan:
    """One question, with what depends on the answers behind memos."""

    __slots__ = ("item", "id", "kind", "shown", "optional", "options", "rows", "low", "high")

    def __init__(self, item: dict[str, Any]):
        self.item, self.id, self.kind = item, item["id"], item["type"]
        self.shown = _Memo([item.get("relevant")], lambda answers: logic.is_true(item.get("relevant"), answers))
        self.optional = not item.get("required")
        self.options = _Memo([o.get("relevant") for o in item.get("options") or []],
                             lambda answers: _offered(logic.visible_options(item, answers)))
        self.rows = [(f"{self.id}.{row['id']}", str(row["id"])) for row in item.get("rows") or []]
        self.low = item.get("min") if item.get("min") is not None else 0
        self.high = item.get("max") if item.get("max") is not None else self.low + 10


class PagePlan:
    """A page compiled once for the load generator: the walk asks it for random valid answers
    (:meth:`form`) and for the ``_shown`` field. The questionnaire's own logic
    (:mod:`survey.questionnaire.runtime.rules`) decides visibility, option filters and ``_shown``, once per
    combination of the answers its conditions read (:class:`_Memo`)."""

    def __init__(self, page: dict[str, Any]):
        self.page = page
        items = page.get("items") or []
        self.items = [_ItemPlan(item) for item in items if item.get("type") != "note"]
        conditions = [item.get("relevant") for item in items]
        options = [o.get("relevant") for item in items for o in item.get("options") or []]
        self.visible = _Memo([page.get("relevant")] + conditions,
                             lambda answers: logic.page_visible(page, answers))
        self.tokens = _Memo(conditions + options, lambda answers: logic.offer_tokens(page, answers))
        self._shown = _Memo(conditions + options, lambda answers: b"&_shown=" + quote_plus(
            " ".join(sorted(self.tokens(answers)))).encode())

    def shown_field(self, answers: dict[str, Any]) -> bytes:
        """``&_shown=…``, url-encoded: the field the page script sends, what the page offers
        for these answers (:func:`survey.questionnaire.runtime.rules.offer_tokens`)."""
        return self._shown(answers)

    def form(self, answers: dict[str, Any], rng: random.Random) -> list[tuple[str, Any]]:
        """Random valid answers for the page, as the form fields it would send, choosing items
        in order so that a later item sees the answers of earlier ones (skip logic, option
        filters). Updates ``answers``."""
        fields: list[tuple[str, Any]] = []
        if not self.visible(answers):
            return fields
        for plan in self.items:
            if not plan.shown(answers):
                continue
            if plan.optional and rng.random() < 0.1:
                continue  # some respondents skip optional questions
            iid, kind = plan.id, plan.kind
            options = plan.options(answers)
            if kind == "single":
                code = rng.choice(options)["code"]
                fields.append((iid, code))
                answers[iid] = code
            elif kind == "multiple":
                item = plan.item
                most = min(item.get("max_select") or len(options), len(options))
                least = max(item.get("min_select") or 1, 1)
                chosen = rng.sample(options, rng.randint(least, max(least, most)))
                codes = [o["code"] for o in chosen]
                fields += [(iid, code) for code in codes]
                answers[iid] = codes
            elif kind == "grid":
                grid = {}
                for name, row in plan.rows:
                    code = rng.choice(options)["code"]
                    fields.append((name, code))
                    grid[row] = code
                answers[iid] = grid
            elif kind == "ranking":
                ranked = [o for o in options if not o.get("missing")]
                chosen = rng.sample(ranked, min(plan.item.get("top") or len(ranked), len(ranked)))
                fields += [(f"{iid}.rank.{r}", o["code"]) for r, o in enumerate(chosen, 1)]
                answers[iid] = [o["code"] for o in chosen]
            elif kind == "numeric":
                value = rng.randint(int(plan.low), int(plan.high))
                fields.append((iid, value))
                answers[iid] = value
            elif kind == "text":
                text = rng.choice(TEXTS)
                if text:
                    fields.append((iid, text))
                    answers[iid] = text
        return fields


def page_form(page: dict[str, Any], answers: dict[str, Any], rng: random.Random) -> list[tuple[str, Any]]:
    """Random valid answers for one page, as the form fields the page would send (see
    :meth:`PagePlan.form`). Updates ``answers``."""
    return PagePlan(page).form(answers, rng)


_FRAGMENTS: dict[tuple[str, Any], bytes] = {}


def _encoded(fields: list[tuple[str, Any]]) -> bytes:
    """``&name=value…`` as ``urlencode`` writes it; the fragments are few (codes, row ids, the
    sample texts), so each is encoded once."""
    out = []
    for pair in fields:
        fragment = _FRAGMENTS.get(pair)
        if fragment is None:
            fragment = _FRAGMENTS[pair] = f"&{quote_plus(str(pair[0]))}={quote_plus(str(pair[1]))}".encode()
        out.append(fragment)
    return b"".join(out)


def _quoted(value: bytes) -> bytes:
    return value if _URL_SAFE.fullmatch(value) else quote_plus(value).encode()


# --------------------------------------------------------------------------- the walk

Request = tuple[str, str, str, "bytes | None"]  # kind, method, path, url-encoded form
Reply = tuple[int, "str | None", bytes]  # status, Location, body


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


def _walk(slug: str, plans: list[PagePlan], rng: random.Random,
          state: dict[str, Any] | None = None, double_submit: bool = False,
          script: bool = False) -> Generator[Request, Reply, str]:
    """One respondent's walk through the flow, as a generator: it yields each request and is
    sent the reply; it returns the submission token of the stored response. The transport is
    the caller's (one blocking :class:`Browser`, or the loop of :func:`run_load`).

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
        b"csrf_token=" + _quoted(csrf) + (b"&js=1" if script else b"")
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
        body = (b"csrf_token=" + _quoted(csrf) + b"&js=1&action=send&st=" + _quoted(token)
                + b"&_shown=" + quote_plus(" ".join(sorted(offered))).encode() + _encoded(form))
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
        body = (b"csrf_token=" + _quoted(_hidden(page, _CSRF, "CSRF token")) + plan.shown_field(answers)
                + b"&action=next" + _encoded(form))
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
    body = b"csrf_token=" + _quoted(csrf) + b"&st=" + _quoted(token)
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


# --------------------------------------------------------------------------- HTTP/1.1

class _Reply:
    """One HTTP/1.1 response read off a connection, fed as bytes arrive. Only what the walk
    needs is read from the headers: status, length or chunking, ``Connection``,
    ``Location`` and ``Set-Cookie``."""

    __slots__ = ("data", "start", "status", "length", "chunked", "will_close", "location",
                 "cookies", "body", "gzip")

    def __init__(self) -> None:
        self.data = b""
        self.start = -1  # where the body starts, once the headers are in
        self.body: bytes | None = None

    def feed(self, data: bytes) -> bool:
        """Take bytes; True once the response is complete (then ``body`` is set)."""
        self.data += data
        if self.start < 0:
            end = self.data.find(b"\r\n\r\n")
            if end < 0:
                return False
            self._headers(self.data[:end + 2])
            self.start = end + 4
        if self.length is not None:
            if len(self.data) - self.start < self.length:
                return False
            self.body = self.data[self.start:self.start + self.length]
        elif self.chunked:
            self.body = _dechunked(self.data, self.start)
        if self.body is not None and self.gzip:
            self.body = zlib.decompress(self.body, 31)
            self.gzip = False
        return self.body is not None

    def eof(self) -> None:
        """The server closed the connection: the end of a body without a length, or an error."""
        if not self.data:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        if self.start >= 0 and self.length is None and not self.chunked:
            self.body = self.data[self.start:]
            if self.gzip:
                self.body = zlib.decompress(self.body, 31)
            return
        raise http.client.IncompleteRead(self.data)

    def _headers(self, head: bytes) -> None:
        status_line = head[:head.find(b"\r\n")]
        version, _, rest = status_line.partition(b" ")
        try:
            self.status = int(rest[:3])
        except ValueError:
            raise http.client.BadStatusLine(status_line.decode("latin-1")) from None
        length, self.location, self.chunked, connection, self.cookies = None, None, False, b"", []
        self.gzip = False
        for name, value in _HEADERS.findall(head):
            name, value = name.lower(), value.rstrip()
            if name == b"content-length":
                length = int(value)
            elif name == b"set-cookie":
                self.cookies.append(value.decode("latin-1"))
            elif name == b"connection":
                connection = value.lower()
            elif name == b"location":
                self.location = value.decode("latin-1")
            elif name == b"content-encoding":
                self.gzip = value.lower() == b"gzip"
            else:
                self.chunked = b"chunked" in value.lower()
        self.length = None if self.chunked else length
        if self.status in (204, 304) or 100 <= self.status < 200:
            self.length = 0
        self.will_close = connection == b"close" or (version == b"HTTP/1.0" and connection != b"keep-alive") \
            or (self.length is None and not self.chunked)


def _dechunked(data: bytes, at: int) -> bytes | None:
    """The body of a chunked response starting at ``at``, or None while incomplete."""
    parts = []
    while True:
        eol = data.find(b"\r\n", at)
        if eol < 0:
            return None
        size = int(data[at:eol].split(b";", 1)[0], 16)
        if size == 0:  # trailers, if any, then an empty line
            if data[eol + 2:eol + 4] == b"\r\n" or data.find(b"\r\n\r\n", eol) >= 0:
                return b"".join(parts)
            return None
        if len(data) < eol + 2 + size + 2:
            return None
        parts.append(data[eol + 2:eol + 2 + size])
        at = eol + 2 + size + 2


class Browser:
    """One respondent's browser: a cookie jar and one kept-alive HTTP/1.1 connection (reopened
    when the server closes it). :meth:`request` is blocking; the loop of :func:`run_load` uses
    :meth:`message` and :meth:`absorb` with its own non-blocking sockets."""

    def __init__(self, base: str, address: str, stats: Stats | None, timeout: float = TIMEOUT):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.address, self.stats, self.timeout = address, stats, timeout
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        # The headers every request carries, in the order http.client sends them.
        # gzip, as browsers ask: respondent pages then come compressed (the server's cost).
        self._host = f"Host: {self.host}:{self.port}\r\nAccept-Encoding: gzip\r\n".encode("latin-1")
        self._fixed = (f"X-Forwarded-For: {address}\r\nX-Forwarded-Proto: http\r\n"
                       f"Accept-Language: vi\r\n").encode("latin-1")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def message(self, method: str, path: str, body: bytes | None) -> bytes:
        """The request, headers and body, to go out in one ``send``."""
        head = f"{method} {path} HTTP/1.1\r\n".encode("ascii") + self._host
        if body is not None:
            head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        head += self._fixed
        if self.cookies:
            head += ("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items())
                     + "\r\n").encode("latin-1")
        if body is None:
            return head + b"\r\n"
        return head + b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + body

    def absorb(self, reply: _Reply) -> None:
        """Cookies set or cleared by a response."""
        for value in reply.cookies:
            name, _, rest = value.partition("=")
            low = value.lower()
            if "max-age=0" in low or "expires=thu, 01 jan 1970" in low:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = rest.split(";", 1)[0]

    def fetch(self, kind: str, method: str, path: str, body: bytes | None = None) -> Reply:
        """One request, blocking; ``body`` is the url-encoded form."""
        message = self.message(method, path, body)
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection((self.host, self.port), self.timeout)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.sendall(message)
                reply = _Reply()
                while True:
                    data = self.sock.recv(262144)
                    if not data:
                        reply.eof()
                        break
                    if reply.feed(data):
                        break
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had already closed: reconnect once.
                self.close()
                if attempt == 2 or method == "POST":
                    raise
            except BaseException:
                self.close()
                raise
        elapsed = time.perf_counter() - started
        if self.stats is not None:
            self.stats.record(kind, elapsed)
        self.absorb(reply)
        if reply.will_close:
            self.close()
        return reply.status, reply.location, reply.body

    def request(self, kind: str, method: str, path: str,
                form: dict[str, Any] | list[tuple[str, Any]] | None = None) -> tuple[int, str | None, str]:
        """One request with a form (a dict or a list of pairs), blocking; the page as text."""
        body = None if form is None else urlencode(form, doseq=True).encode()
        status, location, page = self.fetch(kind, method, path, body)
        return status, location, page.decode("utf-8", "replace")


def plans_for(definition: dict[str, Any]) -> list[PagePlan]:
    return [PagePlan(page) for page in definition["pages"]]


def complete_one(base: str, slug: str, definition: dict[str, Any], rng: random.Random,
                 address: str, stats: Stats | None, double_submit: bool = False,
                 state: dict[str, Any] | None = None, script: bool = False) -> str:
    """Walk the whole flow once with a blocking :class:`Browser` (see :func:`_walk`); return the
    submission token of the stored response.

    ``state``, when given, is told the browser and, just before the submission is sent, the
    submission form (``state["submit"]``), so that a caller can retry it after a crash.

    Raises :class:`FlowError` on an unexpected answer from the server, ``OSError`` or
    ``http.client.HTTPException`` when the connection fails."""
    browser = Browser(base, address, stats)
    if state is not None:
        state["browser"] = browser
    walk = _walk(slug, plans_for(definition), rng, state, double_submit, script)
    try:
        request = next(walk)
        while True:
            reply = browser.fetch(*request)
            try:
                request = walk.send(reply)
            except StopIteration as done:
                return done.value
    finally:
        walk.close()
        browser.close()


# --------------------------------------------------------------------------- the loop

_IN, _OUT, _TROUBLE = select.EPOLLIN, select.EPOLLOUT, select.EPOLLERR | select.EPOLLHUP


class _Respondent:
    """One of the ``clients`` concurrent respondents of :func:`run_load`, driven by the loop:
    a non-blocking socket, the request in flight and the walk waiting for its reply. When a
    walk ends (completed or failed) the same slot starts the next respondent."""

    def __init__(self, load: "_Load", n: int):
        self.load, self.rng = load, random.Random(load.seed * 1000 + n)
        self.browser: Browser | None = None
        self.walk: Generator[Request, Reply, str] | None = None
        self.request: Request = ("", "", "", None)
        self.pending = b""  # bytes of the request the socket has not taken yet
        self.waiting = False  # for the socket to take them (EPOLLOUT)
        self.retried = False
        self.reply = _Reply()
        self.started = self.due = 0.0

    def next(self) -> bool:
        """Start the next respondent; False when the run is over for this slot."""
        i = self.load.take()
        if i is None:
            return False
        address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        self.browser = Browser(self.load.base, address, None)
        self.walk = _walk(self.load.slug, self.load.plans, self.rng, script=self.load.script)
        self.load.after_thinking(self, next(self.walk))
        return True

    def send(self, request: Request) -> None:
        self.request, self.retried = request, False
        self.started = time.perf_counter()
        self.due = self.started + TIMEOUT
        self._transmit()

    def _transmit(self) -> None:
        _, method, path, body = self.request
        self.pending = self.browser.message(method, path, body)
        self.reply = _Reply()
        sock = self.browser.sock
        if sock is None:
            sock = self.browser.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            code = sock.connect_ex(self.load.address)
            if code not in (0, errno.EINPROGRESS):
                raise ConnectionRefusedError(code, os.strerror(code))
            self.load.attach(sock, self)
            # On loopback the handshake is over when connect returns: send at once (a socket
            # still connecting refuses the bytes, and the loop waits until it is writable).
        self._write()

    def _write(self) -> None:
        try:
            sent = self.browser.sock.send(self.pending)
        except BlockingIOError:
            sent = 0
        self.pending = self.pending[sent:]
        if bool(self.pending) != self.waiting:  # wait for room in the socket, or stop waiting
            self.waiting = bool(self.pending)
            self.load.epoll.modify(self.browser.sock, _IN | _OUT if self.waiting else _IN)

    def on_event(self, events: int) -> None:
        try:
            if events & _OUT and self.pending:
                self._write()
            if events & (_IN | _TROUBLE):
                self._readable()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            # A kept-alive connection the server had already closed: a GET is sent again once.
            self._drop()
            if self.request[1] == "POST" or self.retried:
                self.fail(exc)
            else:
                self.retried = True
                try:
                    self._transmit()
                except Exception as again:
                    self.fail(again)
        except Exception as exc:  # report, keep going: one failure must not end the run
            self.fail(exc)

    def _readable(self) -> None:
        try:
            data = self.browser.sock.recv(262144)
        except BlockingIOError:
            return
        reply = self.reply
        if data:
            if not reply.feed(data):
                return
        else:
            reply.eof()
        stats = self.load.stats
        kind = self.request[0]
        done = self.load.now if self.load.now > self.started else time.perf_counter()
        stats.latencies[kind].append(done - self.started)
        stats.requests += 1
        self.browser.absorb(reply)
        if reply.will_close:
            self._drop()
        try:
            request = self.walk.send((reply.status, reply.location, reply.body))
        except StopIteration:
            stats.completes += 1
            self._finish()
            return
        self.load.after_thinking(self, request)

    def _drop(self) -> None:
        if self.browser.sock is not None:
            self.load.detach(self.browser.sock)
            self.browser.close()

    def fail(self, exc: BaseException) -> None:
        self.load.stats.errors.append(f"{type(exc).__name__}: {exc}")
        self._finish()

    def _finish(self) -> None:
        if self.browser is not None:
            self._drop()
        if self.walk is not None:
            self.walk.close()
        self.walk = self.browser = None
        self.load.ready.append(self)


class _Load:
    """The loop of :func:`run_load`: ``clients`` respondents on one thread and one epoll."""

    def __init__(self, base: str, slug: str, definition: dict[str, Any], clients: int,
                 completes: int, duration: float, seed: int, script: bool = False,
                 think: float = 0.0):
        parts = urlsplit(base)
        self.base, self.slug, self.seed, self.script = base, slug, seed, script
        self.address = (parts.hostname, parts.port or 80)
        self.plans = plans_for(definition)
        self.stats = Stats(latencies={kind: [] for kind in ORDER})
        self.completes, self.deadline = completes, time.monotonic() + duration
        self.counter = 0
        self.now = 0.0  # when the last poll returned
        self.epoll = select.epoll()
        self.sockets: dict[int, _Respondent] = {}  # by file descriptor
        self.ready = [_Respondent(self, n) for n in range(clients)]  # slots to (re)start
        self.think = think  # mean seconds a respondent waits before each request
        self.thinking: list[tuple[float, int, _Respondent, Request]] = []  # a heap, by when
        self.rng = random.Random(seed)

    def after_thinking(self, respondent: _Respondent, request: Request) -> None:
        """Send ``request`` now, or after an exponentially distributed think time."""
        if not self.think:
            respondent.send(request)
            return
        when = time.perf_counter() + self.rng.expovariate(1 / self.think)
        respondent.due = float("inf")  # no request out: nothing to time out while thinking
        heapq.heappush(self.thinking, (when, id(respondent), respondent, request))

    def attach(self, sock: socket.socket, respondent: _Respondent) -> None:
        self.epoll.register(sock, _IN)
        respondent.waiting = False
        self.sockets[sock.fileno()] = respondent

    def detach(self, sock: socket.socket) -> None:
        self.sockets.pop(sock.fileno(), None)
        try:
            self.epoll.unregister(sock)
        except (KeyError, OSError):  # failed before it was registered
            pass

    def take(self) -> int | None:
        """The number of the next respondent, or None when the run is over."""
        if self.counter >= self.completes or time.monotonic() >= self.deadline:
            return None
        self.counter += 1
        return self.counter - 1

    def run(self) -> None:
        active = len(self.ready)
        poll, sockets, ready = self.epoll.poll, self.sockets, self.ready
        sweep = time.perf_counter() + 1
        try:
            while True:
                while ready:
                    slot = ready.pop()
                    try:
                        started = slot.next()
                    except Exception as exc:  # the first request could not even go out
                        slot.fail(exc)
                        continue
                    if not started:
                        active -= 1
                if not active:
                    break
                thinking = self.thinking
                wait = 1.0 if not thinking else \
                    min(1.0, max(0.0, thinking[0][0] - time.perf_counter()))
                events = poll(wait)
                # A reply is in when poll returns: its time, however long the batch takes.
                self.now = now = time.perf_counter()
                for fd, happened in events:
                    respondent = sockets.get(fd)
                    if respondent is not None:  # else closed by an earlier event of this batch
                        respondent.on_event(happened)
                while thinking and thinking[0][0] <= now:
                    _, _, respondent, request = heapq.heappop(thinking)
                    try:
                        respondent.send(request)
                    except Exception as exc:
                        respondent.fail(exc)
                if now > sweep:  # requests that never got an answer
                    sweep = now + 1
                    for respondent in [r for r in sockets.values() if r.due < now]:
                        respondent.fail(TimeoutError("timed out"))
        finally:
            for respondent in list(sockets.values()):
                respondent.browser.close()
            self.epoll.close()


def run_load(base: str, slug: str, definition: dict[str, Any], clients: int, completes: int,
             duration: float, seed: int = 1, script: bool = False,
             think: float = 0.0) -> tuple[Stats, float]:
    """``clients`` concurrent respondents complete responses until ``completes`` are done or
    ``duration`` s have passed (walks under way then finish); ``script``: browsers whose page
    script runs (see :func:`_walk`); ``think``: mean seconds each respondent waits before each
    request (exponentially distributed; 0: none, every client always has a request out)."""
    load = _Load(base, slug, definition, clients, completes, duration, seed, script, think)
    started = time.perf_counter()
    load.run()
    stats = load.stats
    stats.latencies = {kind: values for kind, values in stats.latencies.items() if values}
    return stats, time.perf_counter() - started


ORDER = ["intro GET", "start POST", "page POST", "submit POST", "send POST"]


def report(db: str, clients: int, stats: Stats, elapsed: float, server_cpu: float,
           client_cpu: float, database_cpu: float = 0.0, flow: str = "paged",
           think: float = 0.0) -> dict[str, Any]:
    rate = stats.completes / elapsed if elapsed else 0
    per = stats.requests / stats.completes if stats.completes else float("nan")
    everything = [x for values in stats.latencies.values() for x in values]
    pacing = f", thinking {1000 * think:.0f} ms on average before each request" if think else ""
    print(f"\n== {db}, {flow} flow, {clients} concurrent clients{pacing}: {stats.completes} completes in {elapsed:.1f} s "
          f"= {rate:.1f} completes/s; {stats.requests} requests ({stats.requests / elapsed:.0f}/s), "
          f"{per:.1f} requests per complete; errors {len(stats.errors)}")
    per_complete = server_cpu / stats.completes if stats.completes else float("nan")
    cores = os.cpu_count() or 1
    print(f"   CPU used: server (gunicorn + database) {server_cpu:.1f} s = "
          f"{1000 * per_complete:.0f} ms per complete"
          + (f" (app {1000 * (server_cpu - database_cpu) / max(stats.completes, 1):.0f} + database "
             f"{1000 * database_cpu / max(stats.completes, 1):.0f})" if database_cpu else "")
          + f", {1000 * server_cpu / max(stats.requests, 1):.1f} ms "
          f"per request -> at most {cores / per_complete:.1f} completes/s with all {cores} cores; "
          f"load generator {client_cpu:.1f} s ({100 * client_cpu / max(server_cpu + client_cpu, 1e-9):.0f}% "
          f"of the CPU this run consumed). Machine load average now: {os.getloadavg()[0]:.1f}")
    print(f"   {'request':<12} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in ORDER + ["all"]:
        values = everything if kind == "all" else stats.latencies.get(kind, [])
        if values:
            print(f"   {kind:<12} {len(values):>6} {1000 * percentile(values, 50):>8.1f} "
                  f"{1000 * percentile(values, 95):>8.1f} {1000 * percentile(values, 99):>8.1f}")
    for error in sorted(set(stats.errors))[:5]:
        print(f"   error: {error} (x{stats.errors.count(error)})")
    return {"db": db, "flow": flow, "clients": clients, "think": think, "completes": stats.completes,
            "seconds": elapsed,
            "rate": rate, "per_complete": per, "errors": len(stats.errors),
            "cpu_ms": 1000 * per_complete, "capacity": cores / per_complete,
            "p50": percentile(everything, 50), "p95": percentile(everything, 95),
            "p99": percentile(everything, 99)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--completes", type=int, default=300, help="per run (upper bound)")
    parser.add_argument("--duration", type=float, default=60, help="seconds per run (upper bound)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker")
    parser.add_argument("--warmup", type=int, default=10, help="completes before measuring")
    parser.add_argument("--think", type=float, nargs="+", default=[0.0], metavar="MS",
                        help="mean think time before each request, in ms (exponentially "
                             "distributed; 0, the default: none). With think time the clients "
                             "offer a load instead of saturating the server, and the latencies "
                             "are those of that load rather than of the queue. Several values: "
                             "one run each")
    parser.add_argument("--flow", choices=["script", "paged", "both"], default="both",
                        help="script: browsers running the page script (the whole questionnaire in "
                             "one document); paged: without it, one POST per page")
    args = parser.parse_args(argv)
    definition = load_file(FLAGSHIP)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"bench/load.py: flagship '{definition['id']}', {len(definition['pages'])} pages; "
          f"cores: {os.cpu_count()}; load generator and server share this machine")
    summary = []
    flows = ["script", "paged"] if args.flow == "both" else [args.flow]
    for kind, flow, clients, think_ms in [(k, f, c, t) for k in kinds for f in flows
                                          for c in args.clients for t in args.think]:
        script, think = flow == "script", think_ms / 1000
        with database(kind) as url:
            slug = prepare(url)
            with Gunicorn(url, workers=args.workers, threads=args.threads) as server:
                run_load(server.base, slug, definition, min(clients, 10), args.warmup, 60, seed=99,
                         script=script)
                pids, db_pids = server.pids(), database_pids(url)
                server_before, client_before = cpu_seconds(pids + db_pids), sum(os.times()[:2])
                db_before = cpu_seconds(db_pids)
                stats, elapsed = run_load(server.base, slug, definition, clients,
                                          args.completes, args.duration, script=script, think=think)
                server_cpu = cpu_seconds(pids + db_pids) - server_before
                database_cpu = cpu_seconds(db_pids) - db_before
                client_cpu = sum(os.times()[:2]) - client_before
                summary.append(report(kind, clients, stats, elapsed, server_cpu, client_cpu,
                                      database_cpu, flow, think))
    print("\nSummary (request latencies over all request types)")
    print(f"{'database':<11} {'flow':<7} {'clients':>7} {'think ms':>8} {'completes/s':>12} {'req/complete':>13} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7} {'CPU ms/complete':>16} "
          f"{'max/s on idle box':>18}")
    for row in summary:
        print(f"{row['db']:<11} {row['flow']:<7} {row['clients']:>7} {1000 * row['think']:>8.0f} "
              f"{row['rate']:>12.1f} {row['per_complete']:>13.1f} "
              f"{1000 * row['p50']:>7.1f} {1000 * row['p95']:>7.1f} {1000 * row['p99']:>7.1f} "
              f"{row['errors']:>7} {row['cpu_ms']:>16.0f} {row['capacity']:>18.1f}")
    print("Targets: >= 50 completes/s at 50 clients, request p95 <= 150 ms (load generator on the "
          "same 2 cores).")
    return 0 if all(row["errors"] == 0 for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
