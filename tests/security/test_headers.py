"""Security headers and cookie flags, on respondent and staff pages, over http and https.

"Over https" is what the app believes (``request.is_secure``): the WSGI url scheme, set by the
server, or by ``X-Forwarded-Proto`` only when ``TRUSTED_PROXIES`` installs ProxyFix. A client
that merely sends the header must not be believed.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from survey.extensions import db
from tests.conftest import make_app
from tests.helpers import csrf_from, make_campaign
from tests.security.browser_flow import answer_everything


def _directives(csp: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = [w.lower() for w in words[1:]]
    return out


def respondent_pages(app, client) -> list[str]:
    """Every page a respondent sees, in flow order, for a one-page campaign: home, privacy,
    introduction, resume, the question page, the review and the thank-you page. (The client
    walks the flow, so the pages that need a draft are reachable with its cookie.)"""
    with app.app_context():
        make_campaign("thu")
    urls = ["/", "/privacy", "/s/thu", "/s/thu/privacy", "/s/thu/resume"]
    intro = client.get("/s/thu")
    started = client.post("/s/thu/start", data={"csrf_token": csrf_from(intro.get_data(as_text=True))})
    assert started.status_code == 200  # page 1, rendered in reply to the start
    first = _step_url(started)
    page = client.get(first)
    urls.append(first)
    answered = client.post(first, data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                         "_shown": "gender level q1", "level": "1",
                                         "action": "next"})
    assert answered.status_code == 200, answered.status_code  # the review, rendered in reply
    review = _step_url(answered)
    urls.append(review)
    return urls


def _flow_end(client, urls) -> str:
    """Submit from the review page; return the thank-you page's path."""
    html = client.get(urls[-1]).get_data(as_text=True)
    token = re.search(r'name="st" value="([^"]+)"', html).group(1)
    done = client.post("/s/thu/submit", data={"csrf_token": csrf_from(html), "st": token})
    assert done.status_code == 200 and "no-store" in done.headers["Cache-Control"]
    return _step_url(done)


def _step_url(response) -> str:
    """The GET URL of the step a POST answered with (``data-url``, see survey.respond.views)."""
    return re.search(r'<body data-url="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_respondent_pages_send_a_strict_policy_and_inline_nothing(app, client):
    urls = respondent_pages(app, client)
    responses = [(url, client.get(url)) for url in urls]
    done = _flow_end(client, urls)
    for url, response in responses + [(done, client.get(done))]:
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        csp = _directives(response.headers["Content-Security-Policy"])
        scripts = csp.get("script-src", csp.get("default-src"))
        assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
        assert all(s == "'self'" or s == "'none'" or s.startswith("'nonce-") for s in scripts), url
        assert csp["frame-ancestors"] == ["'none'"], url
        assert csp["object-src"] == ["'none'"], url
        assert "'unsafe-inline'" not in csp.get("style-src", []), url
        for source in csp.get("default-src", []) + csp.get("img-src", []) + csp.get("connect-src", []):
            assert source in {"'self'", "'none'", "data:"}, (url, source)  # nothing off-site
        # Nothing goes to another site: the campaign link must not leak to any page linked from
        # it, not even our own pages need the Referer.
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert '<meta name="referrer" content="no-referrer">' in html, url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert "Strict-Transport-Security" not in response.headers, url  # plain http
        # The policy would block these; their presence means a broken page, not a safe one.
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>",
                             html, re.I), url
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), url
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html, re.I), url  # no off-site asset


@pytest.mark.parametrize("url", ["/staff/login", "/staff/designer/", "/no-such-page", "/s/none"])
def test_staff_and_error_pages_carry_the_headers_too(client, url):
    response = client.get(url)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_https_post_without_referer_passes_the_csrf_check(app, client):
    """Staff pages send no Referer at all (no-referrer), and in-app browsers may strip it: the
    token alone must carry an https POST."""
    from tests.helpers import PASSWORD, csrf_from, make_user

    with app.app_context():
        make_user("lan")
    https = "https://khaosat.example.vn"
    token = csrf_from(client.get("/staff/login", base_url=https).get_data(as_text=True))
    response = client.post("/staff/login", base_url=https, data={
        "username": "lan", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert client.post("/staff/login", base_url=https, data={
        "username": "lan", "password": PASSWORD}).status_code == 400  # the token is still needed


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://khaosat.example.vn")
    hsts = secure.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000


def test_forwarded_proto_is_ignored_unless_a_proxy_is_trusted(client):
    """Without TRUSTED_PROXIES, anyone could claim https: the header changes nothing."""
    response = client.get("/staff/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "secure" not in cookie.lower()


def test_forwarded_proto_from_a_trusted_proxy_means_https(database_url, tmp_path):
    app = make_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    try:
        client = app.test_client()
        response = client.get("/staff/login", headers={"X-Forwarded-Proto": "https",
                                                       "X-Forwarded-For": "203.0.113.7"})
        assert "Strict-Transport-Security" in response.headers
        cookies = response.headers.getlist("Set-Cookie")
        assert cookies and all("; Secure" in c for c in cookies)
        # Links the app builds for itself use the scheme the visitor used.
        redirect = client.get("/staff/designer/", headers={"X-Forwarded-Proto": "https",
                                                            "X-Forwarded-Host": "khaosat.example.vn"})
        location = redirect.headers["Location"]
        assert urlsplit(location).scheme in {"", "https"}
        plain = client.get("/staff/login", headers={"X-Forwarded-Proto": "http"})
        assert "Strict-Transport-Security" not in plain.headers
    finally:
        with app.app_context():
            db.engine.dispose()


def _cookie_attributes(header: str) -> tuple[str, set[str], dict[str, str]]:
    first, *rest = [p.strip() for p in header.split(";")]
    flags = {p.lower() for p in rest if "=" not in p}
    values = {p.split("=", 1)[0].lower(): p.split("=", 1)[1] for p in rest if "=" in p}
    return first.split("=", 1)[0], flags, values


def _all_cookies(app, client, base_url: str) -> list[str]:
    """Set-Cookie headers from the pages that set cookies: sign-in form, respondent start."""
    with app.app_context():
        make_campaign("thu")
    headers: list[str] = []
    for url in ("/staff/login", "/s/thu"):
        response = client.get(url, base_url=base_url)
        headers += response.headers.getlist("Set-Cookie")
        if response.status_code in (301, 302, 303) and response.headers.get("Location"):
            follow = client.get(response.headers["Location"], base_url=base_url)
            headers += follow.headers.getlist("Set-Cookie")
    assert headers, "no page set a cookie"
    return headers


def test_cookies_are_httponly_and_samesite_lax_over_http(app, client):
    for header in _all_cookies(app, client, "http://localhost"):
        name, flags, values = _cookie_attributes(header)
        assert "httponly" in flags, header
        assert values.get("samesite", "").lower() == "lax", header


def test_cookies_are_secure_over_https(app, client):
    for header in _all_cookies(app, client, "https://khaosat.example.vn"):
        name, flags, values = _cookie_attributes(header)
        assert {"httponly", "secure"} <= flags, header
        assert values.get("samesite", "").lower() == "lax", header


@pytest.mark.browser
def test_respondent_pages_run_clean_under_the_policy_in_chromium(app, live_server, browser):
    """Chromium enforces the policy while a respondent answers the whole flow with the page
    script running: no violation is reported and no request leaves our origin (no CDN, fonts
    or analytics)."""
    with app.app_context():
        make_campaign("thu")
    page = browser.new_page()
    violations: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    page.on("request", lambda r: foreign.append(r.url)
            if not r.url.startswith(live_server.url) and not r.url.startswith("data:") else None)
    try:
        for url in ("/", "/privacy", "/s/thu/privacy", "/s/thu/resume"):
            response = page.goto(live_server.url + url)
            assert response is not None and response.ok, url
        answer_everything(page, live_server.url, "thu")
    finally:
        page.close()
    assert violations == []
    assert foreign == []
