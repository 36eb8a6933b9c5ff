"""The PostgreSQL pool: connections checked only after being idle, and a restarted database
(here: every connection terminated) costs no error page."""
from __future__ import annotations

import time

import sqlalchemy as sa

from survey.extensions import db
from tests.conftest import make_app


def _backend_pid(app) -> int:
    with app.app_context():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.remove()
    return pid


def test_busy_connection_is_not_pinged_and_idle_one_is_replaced_when_dead(pg_server, tmp_path):
    with pg_server.fresh_database() as url:
        app = make_app(url, tmp_path, DB_PING_AFTER=0.3)
        try:
            first = _backend_pid(app)
            assert _backend_pid(app) == first  # the pool gives the same connection back
            with app.app_context():
                dialect = db.engine.dialect
            pinged: list[int] = []
            original = dialect.do_ping
            dialect.do_ping = lambda connection: pinged.append(1) or original(connection)
            try:
                _backend_pid(app)
                assert pinged == []  # used a moment ago: no round trip to check it
                admin = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
                admin.dispose()
                time.sleep(0.4)
                second = _backend_pid(app)  # checked, found dead, replaced: no error
                assert pinged == [1]
                assert second != first
                assert _backend_pid(app) == second and pinged == [1]
            finally:
                dialect.do_ping = original
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
