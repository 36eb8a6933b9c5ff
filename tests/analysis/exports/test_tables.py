"""Published tables: XLSX banner book, tidy CSV, charts (PNG/SVG via kaleido and the local
Chromium), opened with openpyxl and checked against the analysis results they were made from
(the Word report: test_report.py)."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis import FrameSource, crosstab, frequencies, multiple
from analysis.charts import crosstab_figure, likert_diverging, render_images
from analysis.exports.workbook import tables_csv, write_book_xlsx
from analysis.results import SUPPRESSED_MARK
from analysis.synthetic import synthetic_wide
from survey.questionnaire import load_file

# Version 1 of the flagship, kept verbatim (the Word report has its own tests in
# test_report.py, on the current version).
FLAGSHIP = (Path(__file__).resolve().parents[3] / "questionnaires" / "history"
            / "ne-tranh-trach-nhiem.v1.yaml")


@pytest.fixture(scope="module")
def definition():
    return load_file(FLAGSHIP)


@pytest.fixture(scope="module")
def source(definition):
    # 400 synthetic responses: enough for tests, few enough that some cells are suppressed.
    return FrameSource(definition, synthetic_wide(definition, 400, seed=3))


def _sheet_rows(sheet):
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_banner_book_sheets_match_the_results(source, tmp_path):
    by_level = crosstab(source, "B1", "A2")
    by_field = crosstab(source, "B1", "A3")
    fields = multiple(source, "B3", "A2")
    assert by_field.suppression.count > 0  # the fixture exercises suppression
    path = tmp_path / "book.xlsx"
    names = write_book_xlsx([by_level, by_field, fields], path, title="Sách bảng thử",
                            notes=["Số liệu không gia quyền."],
                            refused=[("B9", "A3", "Cơ sở dưới ngưỡng")])
    assert names == ["Mục lục", "B1×A2", "B1×A3", "B3×A2"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == names
    contents = book["Mục lục"]
    assert contents["A1"].value == "Sách bảng thử"
    links = [c.hyperlink.location for row in contents.iter_rows() for c in row if c.hyperlink]
    assert "'B1×A2'!A1" in links and "'B3×A2'!A1" in links
    assert any(row[0] == "B9" for row in _sheet_rows(contents))

    sheet = book["B1×A2"]
    rows = _sheet_rows(sheet)
    assert rows[0][0] == by_level.item_label
    header = rows[3]
    assert list(header[1:4]) == list(by_level.bases["column_label"])
    assert list(rows[4][1:4]) == [f"({x})" for x in by_level.bases["letter"]]
    first = by_level.table[by_level.table["row"] == by_level.table["row"].iloc[0]]
    for col, cell in enumerate(first.itertuples(), start=1):
        value = rows[5][col]
        if cell.letters:
            assert value.startswith(f"{cell.col_pct:.1f}") and value.endswith(cell.letters)
        else:
            assert value == pytest.approx(cell.col_pct)
    base_row = next(r for r in rows if r[0] and str(r[0]).startswith("Cơ sở"))
    assert list(base_row[1:4]) == list(by_level.bases["n"])
    assert any(r[0] and "Pearson chi-square" in str(r[0]) for r in rows)
    assert sheet.page_setup.orientation == "landscape"

    hidden = _sheet_rows(book["B1×A3"])
    marks = sum(1 for r in hidden for v in r if v == SUPPRESSED_MARK)
    assert marks == int(by_field.table["suppressed"].sum())
    assert any(r[0] and "ô bị ẩn" in str(r[0]) for r in hidden)


def test_tidy_csv_keeps_suppressed_cells_blank(source):
    by_field = crosstab(source, "B1", "A3")
    data = tables_csv([by_field, frequencies(source, "A2")])
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert len(frame) == len(by_field.table) + 3
    cells = frame[frame["kind"] == "CrossTab"]
    assert cells.loc[cells["suppressed"], "count"].isna().all()
    assert cells.loc[~cells["suppressed"], "count"].tolist() == \
        by_field.table.loc[~by_field.table["suppressed"], "count"].tolist()
    assert "Xã, phường, đặc khu" in set(frame["label"].dropna())


def test_charts_hide_suppressed_cells_and_render_png_and_svg(source):
    by_field = crosstab(source, "B1", "A3")
    figure = crosstab_figure(by_field)
    shown = [v for trace in figure.data for v in (trace.x if trace.orientation == "h"
                                                   else trace.y)]
    assert sum(v is None for v in shown) >= int(by_field.table["suppressed"].sum())
    texts = [t for trace in figure.data for t in trace.text]
    assert texts.count(SUPPRESSED_MARK) == int(by_field.table["suppressed"].sum())
    grid = [frequencies(source, f"B2.{i}") for i in range(1, 11)]
    diverging = likert_diverging(grid, "B2")
    negative = [x for trace in diverging.data for x in trace.x if x is not None and x < 0]
    assert negative  # the low end of the scale is drawn left of zero
    png, = render_images([figure], "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg, = render_images([diverging], "svg")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Rất thường xuyên" in svg.decode("utf-8")


def test_charts_render_from_a_thread_that_runs_an_event_loop(source):
    """An async caller (or a browser driver's sync API holding a loop) still gets images."""
    import asyncio
    import threading

    figure = crosstab_figure(crosstab(source, "B1", "A3"))

    async def inside_a_loop():
        return render_images([figure], "svg")
    images: list = []
    # A thread of its own: the test's own thread may already hold a browser driver's loop.
    worker = threading.Thread(target=lambda: images.extend(asyncio.run(inside_a_loop())))
    worker.start()
    worker.join(120)
    svg, = images
    assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"


def test_render_refuses_other_formats():
    with pytest.raises(ValueError, match="png or svg"):
        render_images([], "gif")
