"""The analyst crosses, tabulates and filters by the collection mode on the table builder, the
sample page describes it, and a row-level file requested under a mode filter holds that mode
only. Responses from the app's own services: 10 web, 5 paper, 2 imported
(:mod:`tests.analysis.modes`); the campaign's k is 5."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape
from pathlib import Path

import openpyxl
import pyreadstat
import pytest
from werkzeug.datastructures import MultiDict

from survey import clock
from survey.extensions import db
from survey.models import Campaign, Role
from survey.services import tabulation
from tests.analysis.modes import every_mode_campaign
from tests.helpers import csrf_from, login, make_user

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def modes_app(app):
    app.config["EXPORTS_SYNCHRONOUS"] = True
    with clock.frozen(NOW), app.test_request_context():
        app.campaign_id = every_mode_campaign().id
        make_user("phantich", Role.ANALYST)
    return app


@pytest.fixture
def analyst(modes_app):
    client = modes_app.test_client()
    with clock.frozen(NOW):
        login(client, "phantich")
    return client


def _page(client, app, query: str) -> str:
    with clock.frozen(NOW):
        return client.get(f"/staff/analyst/c/{app.campaign_id}/?{query}").get_data(as_text=True)


def _cells(page: str) -> list[str]:
    return [unescape(c).strip() for c in re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', page)]


def _rows(page: str) -> dict[str, list[str]]:
    """Row label → the row's cells, of the page's table."""
    return {unescape(label): _cells(cells) for label, cells in
            re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', page)}


def test_mode_is_a_banner_a_row_and_a_filter(analyst, modes_app):
    page = _page(analyst, modes_app, "item=B1&banner=MODE&mode=count")
    assert '<option value="MODE" selected>MODE. Hình thức thu thập</option>' in page
    assert '<option value="MODE">MODE. Hình thức thu thập</option>' in page  # row variable
    assert 'name="f_MODE" value="2"' in page
    for label in ("Trực tuyến", "Phiếu giấy", "Nhập từ dữ liệu khác (Kobo/ODK)"):
        assert f'<th scope="col">{label}' in page
    assert "theo Hình thức thu thập" in page
    # by hand (tests/analysis/test_mode.py): only web's base, 10, and zeros stay shown
    assert 'class="num suppressed"' in page and "10" in _cells(page)

    mode_rows = _page(analyst, modes_app, "item=MODE&mode=count")
    assert "<caption>Hình thức thu thập" in mode_rows
    rows = _rows(mode_rows)  # paper complementary, import under k
    assert rows["Trực tuyến"][0] == "10"
    assert set(rows["Phiếu giấy"]) == set(rows["Nhập từ dữ liệu khác (Kobo/ODK)"]) == {"x"}

    paper = _page(analyst, modes_app, "item=B1&f_MODE=2&mode=count")
    assert 'id="active-filter">Lọc: Hình thức thu thập: Phiếu giấy' in paper
    assert 'name="f_MODE" value="2" checked' in paper
    assert "5" in _cells(paper) and 'class="num suppressed"' not in paper

    imported = _page(analyst, modes_app, "item=B1&f_MODE=3")
    assert "chỉ có 2 người trả lời, ít hơn ngưỡng bảo mật k = 5" in imported
    assert "Yêu cầu không hợp lệ: f_MODE" in _page(analyst, modes_app, "item=B1&f_MODE=4")

    with clock.frozen(NOW):
        sample = analyst.get(f"/staff/analyst/c/{modes_app.campaign_id}/sample")
    assert "<h2>Hình thức thu thập</h2>" in sample.get_data(as_text=True)


def test_request_splits_the_mode_filter_off_for_tables_and_files(modes_app):
    with modes_app.app_context():
        campaign = db.session.get(Campaign, modes_app.campaign_id)
        wanted = tabulation.table_request(campaign.version.definition, MultiDict(
            [("item", "B1"), ("banner", "MODE"), ("f_MODE", "2"), ("f_MODE", "1"),
             ("f_A2", "2")]))
        assert wanted.values == {"MODE": (1, 2), "A2": (2,)}
        flt = wanted.analysis_filter(campaign)
        assert (flt.values, flt.modes) == ({"A2": (2,)}, (1, 2))
        assert wanted.selection(campaign).modes == (1, 2)
        assert wanted.query()["f_MODE"] == [1, 2]
        assert tabulation.banner_labels(campaign.version.definition)["MODE"] == \
            "Hình thức thu thập"


def _export(client, app, fmt: str, query: str) -> Path:
    """The file of an export job, as the analyst downloads it."""
    with clock.frozen(NOW):
        page = client.get(f"/staff/analyst/c/{app.campaign_id}/").get_data(as_text=True)
        response = client.post(f"/staff/analyst/c/{app.campaign_id}/export", data={
            "csrf_token": csrf_from(page), "fmt": fmt, "query": query})
        assert response.status_code == 302
        status = client.get(response.headers["Location"] + "/status").get_json()
        assert status["status"] == "done", status
        download = client.get(status["download"])
        data = download.data
        download.close()
    path = Path(app.instance_path) / f"downloaded.{fmt.split('-')[-1]}"
    path.write_bytes(data)
    return path


def test_files_requested_by_mode(analyst, modes_app):
    frame, meta = pyreadstat.read_sav(_export(analyst, modes_app, "sav", "item=B1&f_MODE=2"))
    assert frame["MODE"].tolist() == [2.0] * 5 and frame["B1"].tolist() == [3.0] * 5
    assert meta.variable_value_labels["MODE"][2.0] == "Phiếu giấy"

    book = openpyxl.load_workbook(_export(analyst, modes_app, "table-xlsx",
                                          "item=B1&banner=MODE&mode=count"))
    cells = [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert "Trực tuyến" in cells and "Nhập từ dữ liệu khác (Kobo/ODK)" in cells
    assert any(isinstance(c, str) and "Hình thức thu thập" in c for c in cells)
    assert "x" in cells and 2 not in cells  # the import column's count is nowhere
