"""What the server leaves on disk and in its logs: owner-only files whatever the umask, zeroed
deletions, escaped log lines; and the exactly-once spend of a code across a crash."""
from __future__ import annotations

import logging
import os
import stat

from sqlalchemy import func, select

from survey.app import create_app
from survey.access_log import AccessLogger, escape_control
from survey.config import TestConfig
from survey.extensions import db
from survey.models import AccessCode, AccessMode, Draft, ResponsePool
from survey.services import pool
from survey.services.access_codes import generate_batch
from tests.helpers import make_campaign, release_all
from tests.respond.support import Respondent


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_database_and_its_wal_are_owner_only_whatever_the_umask(tmp_path):
    instance = tmp_path / "instance"
    old = os.umask(0o022)  # the common default: files 0644, folders 0755
    try:
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'survey.sqlite3'}"
        app = create_app(config)
        with app.app_context():
            db.create_all()
            make_campaign()
            db.session.commit()
            database = instance / "survey.sqlite3"
            assert _mode(database) == 0o600
            assert _mode(f"{database}-wal") == 0o600 and _mode(f"{database}-shm") == 0o600
            assert _mode(instance) == 0o700
            db.engine.dispose()
    finally:
        os.umask(old)


def test_generated_secret_key_is_owner_only(tmp_path):
    from survey.config import ensure_secret_key

    old = os.umask(0o022)
    try:
        ensure_secret_key(str(tmp_path))
    finally:
        os.umask(old)
    assert _mode(tmp_path / "secret_key") == 0o600


def test_deleted_rows_leave_no_bytes_in_the_sqlite_file(app):
    """secure_delete: a released pool row's answers are zeroed, not left in free pages."""
    marker = "ZQXJ-dau-vet-cua-nguoi-tra-loi"
    with app.app_context():
        campaign = make_campaign()
        db.session.execute(ResponsePool.__table__.insert().values(
            id="a" * 32, campaign_id=campaign.id, version_id=campaign.version_id, mode="web",
            received_on=campaign.created_at.date(),
            payload={"rows": [["q1", 0, None, None, marker]], "banners": []}))
        db.session.commit()
        db.session.execute(ResponsePool.__table__.delete())
        db.session.commit()
        pool.scrub(db.session)  # checkpoint: the WAL's pages go into the file, the WAL is emptied
        path = db.engine.url.database
        db.engine.dispose()
    from pathlib import Path

    wal = Path(f"{path}-wal")
    data = Path(path).read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert marker.encode() not in data


def test_access_log_escapes_control_characters(caplog):
    assert escape_control("/s/x\n127.0.0.1 - GET /staff 200") == \
        "/s/x\\x0a127.0.0.1 - GET /staff 200"
    assert escape_control("a\\x0a") == "a\\x5cx0a"  # a literal backslash cannot fake an escape

    class Probe(AccessLogger):
        access_log_enabled = True  # gunicorn derives it from its config; not under test here

    logger = Probe.__new__(Probe)
    logger.access_log = logging.getLogger("test.access")

    class Resp:
        status = "404 NOT FOUND"
        sent = 10

    class Took:
        seconds, microseconds = 0, 3000

    with caplog.at_level(logging.INFO, logger="test.access"):
        logger.access(Resp(), None, {"REQUEST_METHOD": "GET",
                                     "PATH_INFO": "/s/x\r\nGET /staff/admin 200"}, Took())
    [line] = [r.getMessage() for r in caplog.records if r.name == "test.access"]
    assert "\n" not in line and "\r" not in line
    assert line == "GET /s/x\\x0d\\x0aGET /staff/admin 200 404 10 3ms"


def test_a_crash_between_spending_the_code_and_storing_the_answers_loses_nothing(
        any_app, monkeypatch):
    """The code is spent in its own transaction; if the process dies before the answers are
    stored, the same draft's retry spends it again (its own mark) and stores them once."""
    with any_app.app_context():
        campaign = make_campaign(access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, campaign, 5)
        db.session.commit()
    client = any_app.test_client()
    r = Respondent(client, "thu")
    assert r.start(code=codes[0]).status_code == 200
    r.answer(1, {"level": "2", "q1": "3"})
    real_hold = pool.hold

    def crash(*args, **kwargs):
        raise RuntimeError("the power went out")
    monkeypatch.setattr(pool, "hold", crash)
    crashed, _token, _csrf = r.submit()
    assert crashed.status_code == 500
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 1  # spent ...
        assert db.session.scalar(select(func.count()).select_from(ResponsePool)) == 0
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 1  # ... draft kept
    monkeypatch.setattr(pool, "hold", real_hold)
    again, _token, _csrf = r.submit()
    assert again.status_code == 200 and "/done" in again.get_data(as_text=True)
    with any_app.app_context():
        assert release_all() == 1
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    # Another device that entered the same code before the crash cannot send a second one.
    other = Respondent(any_app.test_client(), "thu")
    assert other.start(code=codes[0]).status_code == 409
