"""Configuration read from the environment.

Defaults suit the embedded deployment: SQLite under ``instance/``. A real deployment sets
``DATABASE_URL`` (PostgreSQL) and ``SECRET_KEY`` (required then), and with several app servers
an ``EXPORT_DIR`` they all mount. Reading the config never writes anything;
the one file the app may create (a generated secret key) is written by :func:`ensure_secret_key`
from the factory, once.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Base configuration; every value can be overridden by an environment variable."""

    SQLALCHEMY_DATABASE_URI: str | None = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    # Respondent pages are Vietnamese first; staff may switch to English.
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    # Cookies: only what the flow needs, never readable by scripts.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = None  # a long questionnaire must not expire mid-page
    # Flask-WTF by default refuses an https POST without a same-origin Referer. Our pages send
    # ``Referrer-Policy: no-referrer`` (every page) and in-app browsers and proxies strip Referer too,
    # so that check would refuse real users. The token check stays; cross-site posts are also
    # stopped by SameSite=Lax cookies, and cookie injection from a plain-http subdomain by HSTS
    # with includeSubDomains — the attack the Referer check exists for.
    WTF_CSRF_SSL_STRICT = False
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 5 * 1024 * 1024))
    # Disclosure control: no published cell or base smaller than this (per campaign override).
    DISCLOSURE_THRESHOLD = int(os.environ.get("DISCLOSURE_THRESHOLD", 5))
    # The platform's floor: no campaign threshold, code batch or release batch below it.
    ANONYMITY_FLOOR = int(os.environ.get("ANONYMITY_FLOOR", 5))
    # Partial answers kept for save-and-resume expire after this many days.
    DRAFT_RETENTION_DAYS = int(os.environ.get("DRAFT_RETENTION_DAYS", 14))
    # Respondent pages of published versions are assembled from cached, already rendered parts
    # (survey.questionnaire.runtime.render). Off renders every page in full: the same HTML, slower.
    RESPOND_RENDER_CACHE = True
    # Respondent POSTs per client address and window (in memory, per worker: see
    # survey/respond/limits.py), and the stricter share of them that may try access or resume
    # codes. An office behind one NAT address shares them: raise them for such campaigns.
    RESPOND_RATE_LIMIT = os.environ.get("RESPOND_RATE_LIMIT", "120/minute")
    RESPOND_CODE_RATE_LIMIT = os.environ.get("RESPOND_CODE_RATE_LIMIT", "20/minute")
    # Public base URL used when printing links and QR codes (e.g. https://khaosat.example.vn).
    # Empty: the address the staff page was actually served from (host and port), so
    # ``PORT=5077 make run`` prints links on port 5077. The command line, which has no request,
    # uses http://127.0.0.1:$PORT then (:func:`command_line_base_url`).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted
    # (0: none, the app is reached directly). Only then does ``X-Forwarded-Proto: https`` make a
    # request secure (HSTS, Secure cookies); a client cannot claim https by sending the header.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    # PostgreSQL connections per app process (a gunicorn worker). A sync worker serves one request
    # at a time; keep workers x (pool + overflow) x app servers below the server's max_connections.
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", 5))
    DB_MAX_OVERFLOW = int(os.environ.get("DB_MAX_OVERFLOW", 5))
    DB_PING_AFTER = float(os.environ.get("DB_PING_AFTER", 1.0))
    # Staff export jobs (state and files); None: instance/exports. Several app servers must
    # share one directory (a network mount): see docs/deploy.md.
    EXPORT_DIR = os.environ.get("EXPORT_DIR") or None
    QUESTIONNAIRE_DIR = os.environ.get(
        "QUESTIONNAIRE_DIR", str(Path(__file__).resolve().parent.parent / "questionnaires")
    )


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    WTF_CSRF_ENABLED = True


def command_line_base_url(configured: str | None) -> str:
    """The base for links printed by a command (no request to take the host from):
    ``PUBLIC_BASE_URL``, else the local address ``make run`` serves (``PORT``, default 5000)."""
    return (configured or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}").rstrip("/")


def sqlite_default_uri(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "survey.sqlite3")


def ensure_secret_key(instance_path: str) -> str:
    """Return the deployment's secret key, generating ``instance/secret_key`` on first run.

    A generated key is better than a hard-coded one: access-code hashes and sessions depend on it,
    so it must be stable across restarts and unique per deployment.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
