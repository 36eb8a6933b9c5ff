"""Shared helpers for the bench scripts: a durable throwaway PostgreSQL, a migrated database with
the flagship campaign, and gunicorn started (and killed) on loopback with the project's own
``gunicorn.conf.py``.

Everything runs on 127.0.0.1 and in temporary directories; nothing is left behind.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.pg import PostgresServer, find_bindir  # noqa: E402

FLAGSHIP = ROOT / "questionnaires" / "ne-tranh-trach-nhiem.yaml"
SLUG = "bench"
SECRET = "bench-secret-key-not-for-production"


class DurablePostgres(PostgresServer):
    """The suite's throwaway server, but with the durable settings a deployment keeps
    (fsync, synchronous_commit, full_page_writes on), so its numbers compare fairly with
    SQLite's ``synchronous=FULL``."""

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200 -c shared_buffers=128MB")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(kind: str) -> Iterator[str]:
    """Yield a database URL of ``kind`` ("sqlite" or "postgresql") in a temporary place."""
    if kind == "sqlite":
        root = Path(tempfile.mkdtemp(prefix="survey-bench-"))
        try:
            yield f"sqlite:///{root / 'bench.sqlite3'}"
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL (initdb) is not installed: `make test` installs it.")
    server = DurablePostgres(bindir)
    server.start()
    try:
        with server.fresh_database() as url:
            _POSTGRES[url] = server
            yield url
    finally:
        server.stop()


_POSTGRES: dict[str, DurablePostgres] = {}


def database_pids(url: str) -> list[int]:
    """The PostgreSQL server's processes (postmaster and backends) behind ``url``, so that the
    CPU the database spends is counted with the server's; [] for SQLite (it runs in-process)."""
    server = _POSTGRES.get(url)
    if server is None:
        return []
    try:
        master = int((server.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [master] + [int(p) for p in out.stdout.split()]


def bench_config(url: str) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
            # The load comes from many simulated respondents behind one trusted proxy: each sends
            # its own X-Forwarded-For, so the per-address rate limits apply as in production.
            "TRUSTED_PROXIES": 1}


def prepare(url: str, access: str = "open") -> str:
    """Migrate the database (Alembic, as a deployment does) and open the flagship campaign."""
    from flask_migrate import upgrade

    from survey.app import create_app
    from survey.extensions import db
    from survey.models import AccessMode
    from survey.questionnaire import load_file
    from survey.services.campaigns import create_campaign, limits_from
    from survey.services.questionnaires import publish, save_draft

    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        questionnaire = save_draft(db.session, load_file(FLAGSHIP))
        version = publish(db.session, questionnaire)
        create_campaign(db.session, version, SLUG, "Đợt đo tải", AccessMode(access),
                        limits=limits_from(app.config))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return SLUG


def bench_app():
    """The WSGI app gunicorn serves in a bench (``bench._server:bench_app()``)."""
    from survey.app import create_app

    return create_app(bench_config(os.environ["DATABASE_URL"]))


class Gunicorn:
    """gunicorn with the project's configuration, in its own process group so that the crash
    test can kill master and workers at once."""

    def __init__(self, url: str, port: int | None = None, workers: int | None = None,
                 threads: int | None = None, log_dir: Path | None = None):
        self.url, self.port = url, port or free_port()
        self.workers, self.threads = workers, threads
        self.log_dir = log_dir or Path(tempfile.mkdtemp(prefix="survey-gunicorn-"))
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "Gunicorn":
        env = dict(os.environ, DATABASE_URL=self.url, SECRET_KEY=SECRET, HOST="127.0.0.1",
                   PORT=str(self.port), ACCESS_LOG=str(self.log_dir / "access.log"),
                   PYTHONPATH=str(ROOT))
        if self.workers:
            env["WEB_CONCURRENCY"] = str(self.workers)
        if self.threads:
            env["GUNICORN_THREADS"] = str(self.threads)
        self.stderr = open(self.log_dir / "error.log", "ab")
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
             "bench._server:bench_app()"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.stderr,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_dir / 'error.log'}")
            try:
                with urllib.request.urlopen(self.base + "/", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start in time")

    def pids(self) -> list[int]:
        """Master and worker process ids."""
        if self.proc is None:
            return []
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill9(self) -> list[int]:
        """SIGKILL master and workers together (a power cut, as far as the app can tell)."""
        pids = self.pids()
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        return pids

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "stderr", None):
            self.stderr.close()

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def cpu_seconds(pids: list[int]) -> float:
    """User+system CPU seconds of live processes (from /proc), for the load-generator share."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick
    return total
