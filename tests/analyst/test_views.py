"""Analyst pages: table builder, sample description, export jobs (audit, role, ownership) and
``flask analysis export``; files downloaded are opened and checked."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import AuditLog, CampaignTarget, Role
from tests.analysis.exports.data import make_rich_campaign
from tests.analyst.support import populate
from tests.helpers import csrf_from, login, make_user


@pytest.fixture
def analyst_app(app):
    app.config["EXPORTS_SYNCHRONOUS"] = True
    with app.app_context():
        campaign = make_rich_campaign()
        populate(campaign)
        make_user("phantich", Role.ANALYST)
        make_user("quantri", Role.ADMIN)
        app.campaign_id = campaign.id
    return app


@pytest.fixture
def analyst(analyst_app):
    client = analyst_app.test_client()
    login(client, "phantich")
    return client


def _table_url(app, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/staff/analyst/c/{app.campaign_id}/?{query}"


def test_index_lists_campaigns_with_completes(analyst, analyst_app):
    page = analyst.get("/staff/analyst/").get_data(as_text=True)
    assert "Đợt thử" in page and "<td>64</td>" in page


def test_table_with_banner_letters_bases_suppression_and_chart(analyst, analyst_app):
    response = analyst.get(_table_url(analyst_app, item="q1", banner="level"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<caption>Mức độ phổ biến" in page
    assert "% theo cột" in page and "Cơ sở (số người trả lời)" in page
    assert 'class="num suppressed"' in page  # level 3 has one respondent
    # Level 3 is hidden and complementary suppression reaches a published column: no test is
    # printed over hidden cells (issue 25, point 7); the note says why.
    assert "Pearson chi-square" not in page and "Không in kiểm định" in page
    assert '<script type="application/json" id="chart-data">' in page
    assert "vendor/plotly.min.js" in page and "analyst.js" in page
    counts = analyst.get(_table_url(analyst_app, item="q1", banner="level", mode="count"))
    assert "Số lượng" in counts.get_data(as_text=True)


def test_filter_under_threshold_is_refused_with_a_message(analyst, analyst_app):
    page = analyst.get(_table_url(analyst_app, item="q1", banner="gender", f_level=3)) \
        .get_data(as_text=True)
    assert 'class="flash flash-error"' in page
    assert "<table class=\"grid\">" not in page


def test_bad_query_is_a_message_not_an_error(analyst, analyst_app):
    response = analyst.get(_table_url(analyst_app, item="nope"))
    assert response.status_code == 200
    assert "Yêu cầu không hợp lệ" in response.get_data(as_text=True)
    assert analyst.get(_table_url(analyst_app, item="q1", f_level="x")).status_code == 200


def test_sample_page_unweighted_and_weighted(analyst, analyst_app):
    page = analyst.get(f"/staff/analyst/c/{analyst_app.campaign_id}/sample").get_data(as_text=True)
    assert "Cấp công tác" in page and "Có gia quyền" not in page
    with analyst_app.app_context():
        for code, target in ((1, 500), (2, 300), (3, 200)):
            db.session.add(CampaignTarget(campaign_id=analyst_app.campaign_id,
                                          dimension="level", code=code, target=target))
        db.session.commit()
    page = analyst.get(f"/staff/analyst/c/{analyst_app.campaign_id}/sample").get_data(as_text=True)
    assert "Có gia quyền" in page and "Không gia quyền" in page


def _export(client, app, fmt, query="item=q1&banner=level", include_text=False):
    page = client.get(_table_url(app, item="q1", banner="level")).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "fmt": fmt, "query": query}
    if include_text:
        data["include_text"] = "y"
    return client.post(f"/staff/analyst/c/{app.campaign_id}/export", data=data)


def _download(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_url = response.headers["Location"]
    status = client.get(job_url + "/status").get_json()
    assert status["status"] == "done", status
    response = client.get(status["download"])
    _ = response.data  # read, then close the file send_file opened
    response.close()
    return response


def test_row_level_export_is_audited_and_filtered(analyst, analyst_app):
    response = _export(analyst, analyst_app, "sav", query="item=q1&f_level=1", include_text=True)
    file = _download(analyst, response)
    assert file.headers["Content-Disposition"].startswith("attachment; filename=day-du-sav")
    path = analyst_app.instance_path + "/downloaded.sav"
    with open(path, "wb") as out:
        out.write(file.data)
    frame, meta = pyreadstat.read_sav(path)
    # Delivered once, the row-level file is gone from the server: a second download is refused.
    status = analyst.get(response.headers["Location"] + "/status").get_json()
    assert analyst.get(status["download"]).status_code == 410
    assert not any(p.suffix == ".sav" for p in (Path(analyst_app.instance_path) / "exports")
                   .iterdir())
    assert set(frame["level"]) == {1.0}
    assert "Ý kiến riêng" in set(frame["y"])
    with analyst_app.app_context():
        entry = db.session.scalars(select(AuditLog).where(
            AuditLog.action == "analysis.export")).one()
        assert entry.details["format"] == "sav" and entry.details["include_text"] is True
        assert entry.user.username == "phantich"


def test_admin_gets_tables_but_not_row_level_data(analyst_app):
    admin = analyst_app.test_client()
    login(admin, "quantri")
    page = admin.get(_table_url(analyst_app, item="q1", banner="level")).get_data(as_text=True)
    assert 'data-format="sav"' not in page and 'data-format="table-xlsx"' in page
    assert _export(admin, analyst_app, "sav").status_code == 403
    book = _download(admin, _export(admin, analyst_app, "table-xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(book.data))["q1×level"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "x" in values and "Mức độ phổ biến" in values


def test_a_job_belongs_to_its_user(analyst, analyst_app):
    response = _export(analyst, analyst_app, "table-csv")
    job_url = response.headers["Location"]
    assert analyst.get(job_url).status_code == 200
    other = analyst_app.test_client()
    login(other, "quantri")
    assert other.get(job_url).status_code == 404
    assert other.get(job_url + "/download").status_code == 404
    assert analyst.get("/staff/analyst/jobs/../../etc/status").status_code == 404


def test_unknown_format_is_rejected(analyst, analyst_app):
    assert _export(analyst, analyst_app, "exe").status_code == 400


def test_cli_export_writes_files_with_progress(analyst_app, tmp_path):
    runner = analyst_app.test_cli_runner()
    out = tmp_path / "du-lieu.dta"
    result = runner.invoke(args=["analysis", "export", "day-du", "--format", "dta", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frame, meta = pyreadstat.read_dta(out)
    assert len(frame) == 64 and "y" not in frame.columns
    book = tmp_path / "sach.xlsx"
    result = runner.invoke(args=["analysis", "export", str(analyst_app.campaign_id), "--format",
                                 "xlsx", "-o", str(book)])
    assert result.exit_code == 0, result.output
    names = openpyxl.load_workbook(book).sheetnames
    assert names[0] == "Mục lục" and "q1×level" in names
    missing = runner.invoke(args=["analysis", "export", "khong-co", "--format", "csv", "-o",
                                  str(tmp_path / "x.csv")])
    assert missing.exit_code != 0 and "no campaign" in missing.output
    with analyst_app.app_context():
        assert db.session.scalar(select(AuditLog).where(
            AuditLog.action == "analysis.export").limit(1)) is not None


def test_staff_pages_in_english(analyst, analyst_app):
    page = analyst.get(_table_url(analyst_app, item="q1", banner="level", lang="en")) \
        .get_data(as_text=True)
    assert "Build table" in page and "Banner book (XLSX)" in page and "SPSS data (.sav)" in page


def test_weighted_row_export_carries_cell_weights(analyst, analyst_app):
    """With campaign targets, a weighted export adds ``quyen_so``: every respondent of a level
    gets that level's raked weight, so weighted level shares equal the targets."""
    with analyst_app.app_context():
        for code, target in ((1, 500), (2, 300), (3, 200)):
            db.session.add(CampaignTarget(campaign_id=analyst_app.campaign_id,
                                          dimension="level", code=code, target=target))
        db.session.commit()
    file = _download(analyst, _export(analyst, analyst_app, "sav", query="item=q1&weighted=1"))
    path = analyst_app.instance_path + "/weighted.sav"
    with open(path, "wb") as out:
        out.write(file.data)
    frame, meta = pyreadstat.read_sav(path)
    assert meta.column_names_to_labels["quyen_so"] == "Quyền số"
    shares = frame.groupby("level")["quyen_so"].sum() / frame["quyen_so"].sum()
    assert shares.to_dict() == pytest.approx({1.0: 0.5, 2.0: 0.3, 3.0: 0.2}, abs=1e-6)
    assert frame.groupby("level")["quyen_so"].nunique().max() == 1


def test_a_long_export_runs_in_the_background(analyst, analyst_app, monkeypatch):
    """The POST returns at once while the export is still running; the status reports progress
    and other pages keep answering; the file appears when the work finishes."""
    import threading
    import time

    from survey.analyst import routes

    analyst_app.config["EXPORTS_SYNCHRONOUS"] = False
    release = threading.Event()

    def slow_export(fmt, campaign, out, progress, **kwargs):
        progress.set_total(10)
        time.sleep(0.6)  # progress writes are throttled to two a second
        progress.advance(3)
        assert release.wait(30)
        out.write_bytes(b"xong")
        progress.advance(7)

    monkeypatch.setattr(routes, "run_export", slow_export)
    response = _export(analyst, analyst_app, "table-csv")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    for _ in range(50):
        status = analyst.get(job_url + "/status").get_json()
        if status["done"] == 3:
            break
        time.sleep(0.1)
    assert status["status"] == "running" and status["total"] == 10 and status["done"] == 3
    assert analyst.get("/staff/analyst/").status_code == 200  # not blocked
    page = analyst.get(job_url).get_data(as_text=True)
    assert '<progress id="job-progress" max="10" value="3">' in page
    release.set()
    for _ in range(100):
        status = analyst.get(job_url + "/status").get_json()
        if status["status"] != "running":
            break
        time.sleep(0.1)
    assert status["status"] == "done"
    download = analyst.get(status["download"])
    assert download.data == b"xong"
    download.close()
