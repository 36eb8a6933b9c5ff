"""Respondent GETs end their read transaction with COMMIT, never a ROLLBACK: on PostgreSQL,
psycopg forgets every prepared statement of the connection at a ROLLBACK, so an introduction page
that rolled back cost the worker its prepared respondent statements (see ``_end_reads``)."""
from __future__ import annotations

from sqlalchemy import event

from bench.load import CSRF
from survey.extensions import db
from tests.respond.support import make_flagship_campaign


def _transaction_ends(app):
    ends: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda conn: ends.append("commit"))
    event.listen(engine, "rollback", lambda conn: ends.append("rollback"))
    return ends


def test_respondent_reads_commit_and_keep_prepared_statements(any_app):
    with any_app.app_context():
        make_flagship_campaign("demo")
    client = any_app.test_client()
    ends = _transaction_ends(any_app)
    for path in ("/s/demo", "/s/demo/privacy", "/s/demo/resume", "/s/demo/done", "/s/demo",
                 "/s/demo"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert ends and set(ends) == {"commit"}, ends
    with any_app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            raw = connection.connection.dbapi_connection
            # The campaign statement ran six times on the pooled connection, and nothing threw
            # it away: psycopg has prepared it (prepare_threshold 5), as the server confirms.
            prepared = raw.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
            assert prepared >= 1
        db.session.rollback()



def test_introduction_and_thank_you_read_outside_a_transaction_on_postgresql(pg_server, tmp_path):
    """Each of their statements stands alone: no BEGIN and COMMIT round trips around it. A POST
    that writes still runs in one transaction."""
    import psycopg

    from tests.conftest import make_app

    with pg_server.fresh_database() as url:
        app = make_app(url, tmp_path)
        try:
            with app.app_context():
                make_flagship_campaign("demo")
                engine = db.engine
            status: list[object] = []  # the connection's transaction status after each statement
            event.listen(engine, "after_cursor_execute", lambda conn, *_: status.append(
                conn.connection.dbapi_connection.info.transaction_status))
            client = app.test_client()
            for path in ("/s/demo", "/s/demo/done"):
                assert client.get(path).status_code == 200
            assert status and set(status) == {psycopg.pq.TransactionStatus.IDLE}
            csrf = CSRF.search(client.get("/s/demo").get_data(as_text=True)).group(1)
            status.clear()
            assert client.post("/s/demo/start", data={"csrf_token": csrf}).status_code in (200, 303)
            assert status and set(status) == {psycopg.pq.TransactionStatus.INTRANS}
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
