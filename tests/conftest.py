"""Fixtures: a fresh database per test (SQLite file, or a new database on the suite's own
PostgreSQL server), the app, its test client and CLI runner, a live server and a real Chromium.

Under ``CI=true`` a missing PostgreSQL or Chromium fails the run instead of skipping tests.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from survey.app import create_app
from survey.config import TestConfig
from survey.extensions import db
from tests.pg import PostgresServer, find_bindir

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _unavailable(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true (run `make test`, which installs it)")
    pytest.skip(f"{what} is not installed; `make test` installs it")


@pytest.fixture(scope="session")
def pg_server():
    bindir = find_bindir()
    if bindir is None:
        _unavailable("PostgreSQL (initdb)")
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.stop()


def make_app(database_url: str, instance_path: Path, **overrides):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    app = create_app(config)
    app.instance_path = str(instance_path)
    with app.app_context():
        db.create_all()
        # The schema's DDL (ALTER … SET STORAGE among it) makes psycopg drop its prepared
        # statements; requests start on fresh connections, as they do after a migration.
        db.session.remove()
        db.engine.dispose()
    return app


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path):
    """SQLite by default; tests that must hold on both engines use ``both_databases``."""
    yield f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def both_databases(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        server = request.getfixturevalue("pg_server")
        with server.fresh_database() as url:
            yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def any_app(both_databases, tmp_path):
    """The app on SQLite and, in a second run of the test, on PostgreSQL."""
    app = make_app(both_databases, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _unavailable("Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts_dir(request) -> Path:
    """Where a test saves screenshots and files worth looking at after the run."""
    path = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    path.mkdir(parents=True, exist_ok=True)
    return path
