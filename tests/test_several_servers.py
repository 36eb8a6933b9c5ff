"""Several app servers on one PostgreSQL (issue 25, point 14), as the deployment guide sets them
up: two app instances with their own instance folders, one database, one SECRET_KEY and one
EXPORT_DIR. A staff session, an export job and its file started on one are seen on the other;
an app server refuses to start without SECRET_KEY when DATABASE_URL is set; the nginx sample
hides its version."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from survey.extensions import db
from survey.models import Role
from tests.conftest import make_app
from tests.analysis.exports.data import make_rich_campaign
from tests.helpers import login, make_user, csrf_from

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def two_servers(pg_server, tmp_path):
    shared = tmp_path / "shared-exports"
    with pg_server.fresh_database() as url:
        apps = [make_app(url, tmp_path / name, EXPORT_DIR=str(shared),
                         EXPORTS_SYNCHRONOUS=True) for name in ("server-a", "server-b")]
        yield apps
        for app in apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_an_export_started_on_one_server_is_downloaded_from_the_other(two_servers):
    a, b = two_servers
    assert a.instance_path != b.instance_path
    with a.app_context():
        campaign = make_rich_campaign()
        make_user("phantich", Role.ANALYST)
        campaign_id = campaign.id
    on_a = a.test_client()
    login(on_a, "phantich")
    page = on_a.get(f"/staff/analyst/c/{campaign_id}/").get_data(as_text=True)
    started = on_a.post(f"/staff/analyst/c/{campaign_id}/export", data={
        "csrf_token": csrf_from(page), "fmt": "codebook-html", "query": ""})
    assert started.status_code == 302
    job_url = started.headers["Location"]
    job_id = job_url.rstrip("/").split("/")[-1]

    # The same browser's next requests land on server B (no sticky sessions).
    on_b = b.test_client()
    on_b.set_cookie("session", on_a.get_cookie("session").value)
    assert on_b.get(job_url).status_code == 200
    status = on_b.get(f"/staff/analyst/jobs/{job_id}/status").get_json()
    assert status["status"] == "done" and status["download"]
    download = on_b.get(status["download"])
    assert download.status_code == 200
    assert "Mức độ phổ biến" in download.get_data(as_text=True)
    download.close()
    # Nothing of the job is under either server's own instance folder.
    assert not list(Path(a.instance_path).glob("exports/*"))
    assert not list(Path(b.instance_path).glob("exports/*"))


def test_a_sign_in_on_one_server_holds_on_the_other(two_servers):
    a, b = two_servers
    with a.app_context():
        make_user("lan", Role.DESIGNER)
    on_a = a.test_client()
    login(on_a, "lan")
    on_b = b.test_client()
    on_b.set_cookie("session", on_a.get_cookie("session").value)
    assert on_b.get("/staff/designer/").status_code == 200


def test_refuses_to_start_without_secret_key_when_database_url_is_set(tmp_path):
    env_code = ("from survey.app import create_app; create_app({'SECRET_KEY': None})")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
           "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True,
                            env=env, cwd=ROOT)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    # Without DATABASE_URL (the embedded SQLite deployment) a key is generated as before:
    # tests/test_app.py::test_secret_key_generated_once_and_kept.


def test_nginx_sample_hides_its_version():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    samples = re.findall(r"```nginx\n(.*?)```", guide, flags=re.S)
    assert any(re.search(r"^server_tokens off;", s, flags=re.M) for s in samples)
    assert "EXPORT_DIR" in guide
