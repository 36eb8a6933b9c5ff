"""Database binding: engine options per backend and SQLite pragmas.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``: every commit syncs the
write-ahead log before the respondent sees "thank you", so an acknowledged response survives not
only a killed process (``NORMAL`` would survive that too) but also a power cut or kernel crash,
which ``NORMAL`` does not promise (the last commits may roll back). The brief says nothing
acknowledged is ever lost, and the price is one fsync per commit (see ``docs/deploy.md``).
``busy_timeout`` lets concurrent writers queue instead of failing.

Draft saves are the exception (:func:`relax_durability`): a respondent's page of answers may be
committed without waiting for the disk — SQLite ``synchronous=NORMAL`` for that transaction
(in WAL mode it survives a killed process, not a power cut), PostgreSQL ``SET LOCAL
synchronous_commit = off`` (a crash of the database server may lose the last fraction of a
second of such commits, never corrupts anything). A power cut can therefore lose the last
seconds of draft saves — the respondent finds the previous page again — but never an
acknowledged submission: the submission's own commit is ``FULL``/synchronous and, in SQLite's
WAL, syncs every earlier frame with it. The connection is back at ``FULL`` before anyone else
uses it (pool check-in).

PostgreSQL gets a small connection pool per process: a sync gunicorn worker serves one request at a
time, so a handful of connections is plenty, and the total over workers and app servers must stay
under the server's ``max_connections``. A connection is checked (``SELECT 1``) before use only
when it has been idle for ``DB_PING_AFTER`` seconds (default 1): SQLAlchemy's ``pool_pre_ping``
checks every checkout, a round trip per request that under load cost more than some of the
request's own statements (see :func:`ping_when_idle`).
"""
from __future__ import annotations

import time
import weakref
from pathlib import Path

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from survey.extensions import db, migrate


def engine_options(uri: str, pool_size: int = 5, max_overflow: int = 5) -> dict:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": 10,
            "pool_recycle": 1800}


def ping_when_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection before use when it has been idle for ``seconds`` or more.

    Why not on every checkout: a connection used a moment ago is alive, and the check is a
    network round trip. Why it still catches a database restart: a restart takes longer than a
    second, so every connection that outlived it has been idle at least that long (requests
    caught in the middle fail either way, and their disconnect invalidates the pool). A failed
    check invalidates the pool's older connections and the checkout retries with a new one, as
    ``pool_pre_ping`` does."""
    if engine.dialect.name == "sqlite" or engine in _pinged_engines:
        return
    _pinged_engines.add(engine)
    dialect = engine.dialect

    def note_idle_since(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return  # connected for this checkout, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.InvalidatePoolError() from error

    event.listen(engine, "checkin", note_idle_since)
    event.listen(engine, "checkout", ping_if_idle)


_pinged_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted content is overwritten with zeros: a draft, a pool row or a purged response
    # leaves no bytes behind in the file (survey.services.pool).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _restore_full(dbapi_connection, record) -> None:
    if record.info.pop("relaxed", False):
        dbapi_connection.execute("PRAGMA synchronous=FULL")


def configure_sqlite(engine: Engine) -> None:
    """Apply the pragmas to every new connection of a SQLite engine (idempotent)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _restore_full)


_PG_RELAX = "SET LOCAL synchronous_commit = off"


def relax_durability(session: Session) -> None:
    """Let the current transaction commit without waiting for the disk (a draft save; see the
    module docstring). Call it before the transaction's first write; on SQLite, if a write has
    already begun the transaction, this does nothing and the commit stays ``FULL``."""
    connection = session.connection()
    name = connection.dialect.name
    dbapi_connection = connection.connection.dbapi_connection
    if name == "postgresql":
        with dbapi_connection.cursor() as cursor:  # ~100 µs less than a Session statement
            cursor.execute(_PG_RELAX)
    elif name == "sqlite":
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            connection.connection.info["relaxed"] = True


def read_without_transaction(session: Session) -> None:
    """Run this request's reads without a transaction: on PostgreSQL each statement then
    stands alone, with no BEGIN and COMMIT round trips around it (two of the three a
    respondent's introduction page cost). Only for requests that write nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def owner_only_sqlite_files(uri: str) -> None:
    """Create the SQLite database file owner-only (0600) before SQLite opens it, and tighten an
    existing one and its folder (0700): whatever the umask, only the service account may read
    the answers. SQLite gives the ``-wal`` and ``-shm`` files the database file's permissions;
    those that exist already are tightened too."""
    import os

    from sqlalchemy.engine import make_url

    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if each.exists():
            os.chmod(each, 0o600)


def init_app(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    owner_only_sqlite_files(uri)
    options = engine_options(uri, int(app.config.get("DB_POOL_SIZE", 5)),
                             int(app.config.get("DB_MAX_OVERFLOW", 5)))
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        ping_when_idle(db.engine, float(app.config.get("DB_PING_AFTER", 1.0)))
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
