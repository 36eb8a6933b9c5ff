"""Respondent GETs end their read transaction with COMMIT, never a ROLLBACK: on PostgreSQL,
psycopg forgets every prepared statement of the connection at a ROLLBACK, so an introduction page
that rolled back cost the worker its prepared respondent statements (see ``_end_reads``)."""
from __future__ import annotations

from sqlalchemy import event

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
    for path in ("/s/demo", "/s/demo/privacy", "/s/demo/resume", "/s/demo/done", "/s/demo"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert ends and set(ends) == {"commit"}, ends
    with any_app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            raw = connection.connection.dbapi_connection
            # The campaign statement ran five times on the pooled connection, and nothing threw
            # it away: psycopg has prepared it (prepare_threshold 5), as the server confirms.
            prepared = raw.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0]
            assert prepared >= 1
        db.session.rollback()

