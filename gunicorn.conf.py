"""gunicorn settings, sized by cores. Access log lines carry no IP address, no query string and no
time of day.

Why these values (measured with ``bench/load.py``; see ``docs/deploy.md``):

* ``workers = cores`` gthread workers with ``threads = 8`` each. A survey request is short
  (render a page, or write one draft / one response): CPU in Python plus one database round trip
  or fsync. One process per core uses the cores (the GIL allows one running thread per process);
  the threads fill the waits on the disk or the database and hold kept-alive connections and slow
  clients without a process each. Measured with ``bench/load.py`` (50 clients, 2 cores, the load
  generator on the same cores and a busy machine, November 2026): SQLite 5.4 completes/s with
  5 sync workers vs 8.4 with 2 x 8 threads (7.4 with 3 x 4), p95 1.4 s vs 1.1 s; PostgreSQL 3.2
  vs 7.3 completes/s, p95 2.3 s vs 1.1 s; server CPU per complete equal or lower. Set
  ``GUNICORN_THREADS=1`` for the former sync workers (then ``WEB_CONCURRENCY`` ~ 2 x cores + 1).
  PostgreSQL: keep ``DB_POOL_SIZE`` + ``DB_MAX_OVERFLOW`` >= threads (default 5 + 5).
* ``preload_app``: the app is built once in the master and forked, so workers share its memory,
  start fast after ``max_requests`` recycling, and a broken configuration fails at start-up, not
  in every worker. It also makes the one-time generation of ``instance/secret_key`` happen once,
  not raced by five workers. Database connections are never inherited: ``post_fork`` drops the
  pool the child got from the master (SQLAlchemy's documented recipe).
* ``max_requests`` with jitter: a slow leak cannot grow without bound, and workers do not all
  restart at the same moment.
* Scheme and client address come from ``X-Forwarded-*`` only through the app's ProxyFix, enabled
  by ``TRUSTED_PROXIES``; gunicorn's own handling is switched off so there is one switch, not two.
"""
import multiprocessing
import os
import sys

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 8))
worker_class = "sync" if threads == 1 else "gthread"
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Exports and reports over a large campaign are the slowest requests; respondent pages take ms.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 20
keepalive = 5
backlog = 2048
max_requests = 5000
max_requests_jitter = 500
# Heartbeat files in memory: a busy or slow disk (SQLite fsyncs) must not make the arbiter think
# a worker hung.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# One switch for "behind a proxy": the app's TRUSTED_PROXIES (ProxyFix). gunicorn would otherwise
# believe X-Forwarded-Proto from any loopback peer by default.
secure_scheme_headers: dict = {}
forwarded_allow_ips = ""
# The runtime control socket defaults to one path per user: two servers on one host (or a bench
# beside a running instance) would fight over it. Opt in with a path of your own.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
accesslog = os.environ.get("ACCESS_LOG", "-")
# Method, path (without query string), status, bytes, duration. Never %(h)s (IP), %(a)s (agent),
# %(f)s (referrer), %(q)s (query) or %(t)s: a time of day next to a path could point at a person.
access_log_format = '%(m)s %(U)s %(s)s %(B)s %(M)sms'
errorlog = "-"


def post_fork(server, worker):
    """Give each worker its own database connections: a connection opened in the master before
    the fork (there should be none) must not be shared by two processes."""
    module = sys.modules.get("wsgi")
    app = getattr(module, "app", None)
    if app is None:
        return
    from survey.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
