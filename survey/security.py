"""CSRF on every POST and security headers on every response.

Respondent pages allow scripts and styles from our own origin only: no inline script, no CDN,
no fonts or analytics from elsewhere. HSTS is sent only over https, and every cookie set over
https is marked ``Secure`` even when ``SESSION_COOKIE_SECURE`` was not configured.

"Over https" means ``request.is_secure``: the WSGI url scheme, which follows
``X-Forwarded-Proto`` only when ``TRUSTED_PROXIES`` installs ProxyFix (see ``create_app``).
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

from survey.extensions import csrf

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        _mark_cookies_secure(response)
    return response


def _mark_cookies_secure(response: Response) -> None:
    """Add ``Secure`` to every cookie of an https response, so a cookie (a staff session, a
    respondent's draft token) can never be replayed over plain http by a network observer."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        attributes = {part.strip().split("=", 1)[0].lower() for part in cookie.split(";")[1:]}
        response.headers.add("Set-Cookie", cookie if "secure" in attributes else cookie + "; Secure")


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked ``Secure`` whenever the request came over https.

    The session cookie is written after the ``after_request`` hooks have run, so the hook above
    cannot see it; this is the one place that decides its flags.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)
