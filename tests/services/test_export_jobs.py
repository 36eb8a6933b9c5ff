"""Export jobs as a service: where their files go (the configured directory every app server
mounts, else the instance folder), owner-only; a job runs its work and records the outcome."""
from __future__ import annotations

import stat

from survey.services import export_jobs


def test_the_directory_is_the_configured_one_else_the_instance_folder(tmp_path):
    shared = tmp_path / "shared"
    assert export_jobs.export_dir(str(shared), str(tmp_path / "instance")) == shared
    fallback = export_jobs.export_dir(None, str(tmp_path / "instance"))
    assert fallback == tmp_path / "instance" / export_jobs.EXPORT_DIR
    for path in (shared, fallback):
        assert path.is_dir() and stat.S_IMODE(path.stat().st_mode) == 0o700


def test_a_job_runs_its_work_and_records_the_outcome(app, tmp_path):
    job_dir = export_jobs.export_dir(None, str(tmp_path))

    def work(out, progress):
        progress.set_total(2)
        out.write_bytes(b"xong")
        progress.advance(2)

    def broken(out, progress):
        raise ValueError("hỏng")

    done = export_jobs.start(app, job_dir, 7, "table-csv", "bang", work, synchronous=True)
    state = export_jobs.read(job_dir, done)
    assert state["status"] == "done" and state["user_id"] == 7 and state["total"] == 2
    assert state["filename"] == "bang.csv"
    assert export_jobs.output_path(job_dir, state).read_bytes() == b"xong"
    failed = export_jobs.start(app, job_dir, 7, "table-csv", "bang", broken, synchronous=True)
    state = export_jobs.read(job_dir, failed)
    assert state["status"] == "error"
    assert not export_jobs.output_path(job_dir, state).exists()
    assert export_jobs.read(job_dir, "../etc") is None
