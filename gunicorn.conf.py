"""gunicorn settings, sized by cores. Access log lines carry no IP address, no query string and no
time of day.

Why these values (measured with ``bench/load.py``; see ``docs/deploy.md``):

* ``workers = cores + 1`` sync workers (one request at a time per process). A survey request is
  short (render a page, or write one draft / one response): about 3-5 ms of CPU in Python plus a
  database round trip. Measured with ``bench/load.py`` (2 cores, the load generator on the same
  cores, November 2026, after the respondent flow was made cheaper): at 50 clients on SQLite, 3
  sync workers gave 25.6 completes/s (p95 307 ms) against 20.7 for the former 2 gthread workers
  x 8 threads (p95 ~475 ms), 23-24 for 3 x 2 or 3 x 4 threads and 22-23 for 4-5 sync workers;
  at 10 clients p95 53 ms against 115 ms. PostgreSQL: 18.0 against 16.8 completes/s, p95 72 ms
  against 104 ms at 10 clients. Threads lose because a thread that holds SQLite's write lock waits
  for the GIL while its siblings render, and writers in other processes then sleep in SQLite's
  busy handler; more processes than cores + 1 only add switching. A sync worker needs a buffering
  proxy in front for slow clients (nginx, see ``docs/deploy.md``), and a long staff export
  occupies one worker while it runs. ``GUNICORN_THREADS=n`` (n > 1) gives gthread workers;
  ``WEB_CONCURRENCY`` sets the number of workers.
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
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "sync" if threads == 1 else "gthread"
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Exports and reports over a large campaign are the slowest requests; respondent pages take ms.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 20
keepalive = 5
backlog = 2048
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
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
# Method, path (without query string), status, bytes, duration: the fixed line of
# survey.access_log, which computes only these (gunicorn's own logger builds every header and
# environ entry per request). Never the IP, agent, referrer, query or time of day: a time of day
# next to a path could point at a person.
logger_class = "survey.access_log.AccessLogger"
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
