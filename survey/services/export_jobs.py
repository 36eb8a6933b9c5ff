"""Exports run in a background thread, writing to ``EXPORT_DIR`` (default ``instance/exports/``);
the browser polls a JSON status and downloads the file when it is done. With several app servers
``EXPORT_DIR`` is one directory they all mount, so any server answers the status poll and the
download of a job another server runs.

Why a thread and files rather than a streamed response: a million-response SPSS file or a Word
report with twenty charts takes minutes, and under gunicorn's sync workers a streamed response
would hold one of the two workers for all that time. The thread leaves the worker free at once.
The job's state lives in a small JSON file beside the output, not in memory, so whichever
worker or server answers the status poll sees it; a job whose thread died (worker restarted) stops
updating its heartbeat and is reported as failed instead of running forever.

Only the user who started a job can see or download it. A row-level file (every answer, open
text included) is deleted as soon as it has been downloaded once; every file is deleted
``KEEP_SECONDS`` after it was made (checked whenever a job starts, is polled or downloaded). The
directory is owner-only (0700), so the files in it are too.
"""
from __future__ import annotations

import json
import os
import secrets
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from flask import Flask

EXPORT_DIR = "exports"
KEEP_SECONDS = 3600
STALE_SECONDS = 600

# format → (file extension, MIME type, row-level?)
FORMATS: dict[str, tuple[str, str, bool]] = {
    "csv": ("csv", "text/csv; charset=utf-8", True),
    "sav": ("sav", "application/x-spss-sav", True),
    "dta": ("dta", "application/x-stata-dta", True),
    "codebook": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 False),
    "codebook-html": ("html", "text/html; charset=utf-8", False),
    "table-xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   False),
    "table-csv": ("csv", "text/csv; charset=utf-8", False),
    "chart-png": ("png", "image/png", False),
    "chart-svg": ("svg", "image/svg+xml", False),
    "book-xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  False),
    "report-docx": ("docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    False),
}
ROW_LEVEL = tuple(f for f, (_, _, row) in FORMATS.items() if row)


@dataclass
class Progress:
    """Handed to the export: ``advance(n)`` as work is done; writes are throttled."""

    job_dir: Path
    job_id: str
    total: int = 0
    done: int = 0
    _last: float = 0.0

    def set_total(self, total: int) -> None:
        self.total = max(int(total), 0)
        self._write(force=True)

    def advance(self, amount: int = 1) -> None:
        self.done += int(amount)
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.time()
        if force or now - self._last > 0.5:
            self._last = now
            update(self.job_dir, self.job_id, done=self.done, total=self.total)


def export_dir(configured: str | None, instance_path: str) -> Path:
    """The jobs' directory, made owner-only: ``configured`` (the app's ``EXPORT_DIR``, one
    directory every app server mounts) when set, else ``exports`` in ``instance_path``."""
    path = Path(configured) if configured else Path(instance_path) / EXPORT_DIR
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def cleanup(job_dir: Path) -> None:
    """Delete files older than ``KEEP_SECONDS``."""
    _cleanup(job_dir)


def row_level(state: dict[str, Any]) -> bool:
    return FORMATS[state["format"]][2]


def _state_path(job_dir: Path, job_id: str) -> Path:
    return job_dir / f"{job_id}.json"


def read(job_dir: Path, job_id: str) -> dict[str, Any] | None:
    if not job_id.isalnum():
        return None
    try:
        state = json.loads(_state_path(job_dir, job_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if state["status"] == "running" and time.time() - state.get("heartbeat", 0) > STALE_SECONDS:
        state["status"] = "error"
        state["message"] = "stale"
    return state


def update(job_dir: Path, job_id: str, **changes: Any) -> None:
    path = _state_path(job_dir, job_id)
    state = json.loads(path.read_text(encoding="utf-8"))
    state.update(changes, heartbeat=time.time())
    partial = path.with_suffix(".json.part")
    partial.write_text(json.dumps(state), encoding="utf-8")
    os.replace(partial, path)


def _cleanup(job_dir: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in job_dir.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass


def start(app: Flask, job_dir: Path, user_id: int, fmt: str, filename: str,
          work: Callable[[Path, Progress], None], *, synchronous: bool = False) -> str:
    """Create a job in ``job_dir`` and run ``work(output_path, progress)`` in a thread, inside
    an app context of ``app`` (the work reads the database through the app's session).
    ``synchronous`` (tests): wait for the thread before returning. Returns the job id."""
    _cleanup(job_dir)
    job_id = secrets.token_hex(16)
    extension = FORMATS[fmt][0]
    state = {"id": job_id, "user_id": user_id, "format": fmt, "status": "running",
             "done": 0, "total": 0, "filename": f"{filename}.{extension}", "message": "",
             "created": time.time(), "heartbeat": time.time()}
    _state_path(job_dir, job_id).write_text(json.dumps(state), encoding="utf-8")
    output = job_dir / f"{job_id}.{extension}"

    def run() -> None:
        with app.app_context():
            progress = Progress(job_dir, job_id)
            try:
                work(output, progress)
                update(job_dir, job_id, status="done", done=max(progress.done, progress.total),
                       total=progress.total)
            except Exception as exc:  # reported to the user; the traceback goes to the log
                app.logger.error("export %s failed: %s", job_id, traceback.format_exc())
                message = getattr(getattr(exc, "message", None), "vi", None) or ""
                update(job_dir, job_id, status="error", message=message)
                if output.exists():
                    output.unlink()
            finally:
                from survey.extensions import db
                db.session.remove()

    thread = threading.Thread(target=run, name=f"export-{job_id[:8]}", daemon=True)
    thread.start()
    if synchronous:
        thread.join()
    return job_id


def output_path(job_dir: Path, state: dict[str, Any]) -> Path:
    return job_dir / f"{state['id']}.{FORMATS[state['format']][0]}"
