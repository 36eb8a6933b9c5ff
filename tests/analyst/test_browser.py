"""In real Chromium (real CSP): an analyst builds a table, sees the Plotly chart drawn from our
own static files, then downloads every format through the export jobs (progress page polling
the JSON status) and each file is opened and checked. No request leaves the server."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import docx
import openpyxl
import pyreadstat
import pytest

from survey.models import Role
from tests.analysis.exports.data import make_rich_campaign
from tests.helpers import PASSWORD, make_user
from tests.analyst.support import populate

pytestmark = pytest.mark.browser


def _check(fmt: str, path) -> None:
    data = path.read_bytes()
    if fmt in ("table-xlsx", "book-xlsx", "codebook"):
        book = openpyxl.load_workbook(path)
        assert book.sheetnames[0] in ("Mục lục", "Sổ tay biến")
        values = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
        assert "Mức độ phổ biến" in values or any(
            isinstance(v, str) and "Mức độ phổ biến" in v for v in values)
    elif fmt in ("table-csv", "csv"):
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
        assert len(rows) > 3
        if fmt == "csv":
            assert rows[0][:5] == ["stt", "MODE", "level", "gender", "q1"] and len(rows) == 65
            assert {row[1] for row in rows[1:]} == {"1"}  # every response came in on the web
    elif fmt == "chart-png":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    elif fmt == "chart-svg":
        assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
    elif fmt == "report-docx":
        document = docx.Document(path)
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        assert headings[0] == "Tóm tắt kết quả chính"  # the plan's outline: findings first
        assert len(headings) > 2
        assert len(document.tables) > 3
    elif fmt == "sav":
        frame, meta = pyreadstat.read_sav(path)
        assert len(frame) == 64 and meta.column_names_to_labels["q1"] == "Mức độ phổ biến"
        assert meta.variable_value_labels["MODE"][1] == "Trực tuyến"
    elif fmt == "dta":
        frame, meta = pyreadstat.read_dta(path)
        assert len(frame) == 64 and meta.variable_value_labels["level"][1] == "Trung ương"
    elif fmt == "codebook-html":
        assert "<td>Mức độ phổ biến</td>" in data.decode("utf-8")
    else:
        raise AssertionError(fmt)


def test_analyst_builds_a_table_and_downloads_every_format(app, live_server, browser, tmp_path,
                                                           artifacts_dir):
    with app.app_context():
        campaign = make_rich_campaign()
        populate(campaign)
        make_user("phantich", Role.ANALYST)
    outside: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "data:", "blob:"))
            else outside.append(r.url))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and "status of 404" not in m.text else None)
    missing: list[str] = []  # 404s, except the favicon Chromium asks for by itself
    page.on("response", lambda r: missing.append(r.url) if r.status == 404
            and not r.url.endswith("/favicon.ico") else None)
    page.goto(live_server.url + "/staff/login")
    page.fill("input[name=username]", "phantich")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()

    page.get_by_role("link", name="Phân tích").first.click()
    page.get_by_role("link", name="Lập bảng").first.click()
    page.select_option("#item", "q1")
    assert page.locator("#banner option[value=MODE]").inner_text() == \
        "MODE. Hình thức thu thập"  # the collection mode is a banner like the others
    page.select_option("#banner", "level")
    page.get_by_role("button", name="Lập bảng").click()
    page.wait_for_selector("table.grid")
    page.wait_for_selector("#chart .main-svg")  # Plotly drew the chart (CSP allowed our JS)
    assert page.locator("table.grid td.suppressed").count() > 0
    assert "Không in kiểm định" in page.inner_text(".grid-notes")  # cells hidden: no test
    page.check("input[name=mode][value=count]")
    page.get_by_role("button", name="Lập bảng").click()
    page.wait_for_selector("#chart .main-svg")
    assert "Số lượng" in page.inner_text("table.grid caption")
    page.screenshot(path=str(artifacts_dir / "table.png"), full_page=True)
    counts_url = page.url

    formats = [b.get_attribute("data-format")
               for b in page.locator("button[data-format]").all()]
    assert set(formats) == {"table-xlsx", "table-csv", "chart-png", "chart-svg", "book-xlsx",
                            "report-docx", "codebook", "codebook-html", "csv", "sav", "dta"}
    for fmt in formats:
        page.goto(counts_url)
        page.locator(f"button[data-format='{fmt}']").click()
        page.wait_for_selector("#job-download:not([hidden])", timeout=180_000)
        with page.expect_download() as info:
            page.click("#job-download")
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        _check(fmt, target)
    assert outside == []
    assert errors == [] and missing == []
    context.close()
