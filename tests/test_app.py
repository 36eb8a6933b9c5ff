"""The app factory, configuration, error pages and security headers."""
from __future__ import annotations

import subprocess
import sys

from survey.app import create_app
from survey.config import ensure_secret_key


def test_secret_key_generated_once_and_kept(tmp_path):
    first = ensure_secret_key(str(tmp_path))
    assert len(first) >= 40
    assert ensure_secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    code = ("from survey.app import create_app; app = create_app({'SECRET_KEY': 'k'}); "
            "print(app.config['SQLALCHEMY_DATABASE_URI'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"sqlite:///{tmp_path / 'x.db'}"


def test_respondent_rate_limits_from_environment(monkeypatch):
    """An office behind one NAT address shares the limits: deployments must be able to raise
    them without touching code."""
    monkeypatch.setenv("RESPOND_RATE_LIMIT", "900/minute")
    monkeypatch.setenv("RESPOND_CODE_RATE_LIMIT", "60/minute")
    code = ("from survey.app import create_app; app = create_app({'SECRET_KEY': 'k'}); "
            "print(app.config['RESPOND_RATE_LIMIT'], app.config['RESPOND_CODE_RATE_LIMIT'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["900/minute", "60/minute"]


def test_default_database_is_sqlite_under_instance(tmp_path):
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": None})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/survey.sqlite3")


def test_not_found_page_is_vietnamese(client):
    response = client.get("/khong-ton-tai")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Không tìm thấy trang" in body
    assert 'lang="vi"' in body


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/", base_url="https://localhost")
    assert "max-age" in secure.headers["Strict-Transport-Security"]


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/staff/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "biểu mẫu không hợp lệ" in response.get_data(as_text=True)


def test_unexpected_error_gives_vietnamese_500(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.get_data(as_text=True)


def test_analysis_package_never_imports_flask():
    code = ("import sys, pkgutil, importlib, analysis\n"
            "for m in pkgutil.walk_packages(analysis.__path__, 'analysis.'):\n"
            "    importlib.import_module(m.name)\n"
            "print('flask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_favicon_is_served_not_404(client):
    """Every browser asks for /favicon.ico; the pages also name the icon (issue 25, point 9)."""
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg")
    icon.close()
    page = client.get("/").get_data(as_text=True)
    # Respondent pages write the icon in (no request of its own, see survey.respond._icon).
    assert 'rel="icon" href="data:image/svg+xml,%3Csvg xmlns=' in page
    staff = client.get("/staff/login").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in staff
