"""Row-level files and the codebook carry the collection mode (``MODE``) with its value labels,
read back with the readers analysts use; a file filtered by mode holds what the table filtered
by mode counts. Responses from the app's own services (:mod:`tests.analysis.modes`)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from analysis import Filter
from analysis.exports import BOM, export_rows
from survey import clock
from survey.extensions import db
from tests.analysis.modes import BASES, COUNTS, every_mode_campaign

NOW = datetime(2026, 11, 15, 3, 0, tzinfo=timezone.utc)
LABELS = {1.0: "Trực tuyến", 2.0: "Phiếu giấy", 3.0: "Nhập từ dữ liệu khác (Kobo/ODK)"}


@pytest.fixture(autouse=True)
def _clock():
    with clock.frozen(NOW):
        yield


def _b1_by_mode(frame: pd.DataFrame) -> dict[tuple[int, int], int]:
    table = pd.crosstab(frame["B1"], frame["MODE"])
    return {(int(b1), int(mode)): int(n) for (b1, mode), n in table.stack().items() if n}


def test_files_and_codebook_carry_the_mode_with_its_labels(any_app, tmp_path):
    with any_app.test_request_context():
        campaign = every_mode_campaign()
        definition = campaign.version.definition
        flt = Filter(campaign_ids=(campaign.id,), version_id=campaign.version_id)
        paths = {fmt: tmp_path / f"data.{fmt}" for fmt in ("sav", "dta", "csv")}
        for fmt, path in paths.items():
            assert export_rows(db.engine, definition, flt, fmt, path) == 17
        codebook = tmp_path / "codebook.xlsx"
        export_rows(db.engine, definition, flt, "codebook", codebook)
        paper = tmp_path / "paper.csv"
        export_rows(db.engine, definition, Filter(campaign_ids=(campaign.id,), modes=(2,)),
                    "csv", paper)

    frame, meta = pyreadstat.read_sav(paths["sav"])
    assert list(frame.columns[:3]) == ["stt", "MODE", "A1"]
    assert meta.column_names_to_labels["MODE"] == "Hình thức thu thập"
    assert meta.variable_value_labels["MODE"] == LABELS
    assert meta.variable_measure["MODE"] == "nominal"
    assert frame["MODE"].value_counts().to_dict() == BASES
    assert _b1_by_mode(frame) == COUNTS

    stata, stata_meta = pyreadstat.read_dta(paths["dta"])
    assert stata_meta.variable_value_labels["MODE"] == LABELS
    assert _b1_by_mode(stata) == COUNTS

    raw = paths["csv"].read_bytes()
    assert raw.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(raw[len(BOM):].decode("utf-8"))))
    assert list(rows[0])[:2] == ["stt", "MODE"]
    assert sorted(r["MODE"] for r in rows) == ["1"] * 10 + ["2"] * 5 + ["3"] * 2

    only_paper = list(csv.DictReader(io.StringIO(paper.read_bytes()[len(BOM):].decode())))
    assert [(r["MODE"], r["B1"]) for r in only_paper] == [("2", "3")] * 5

    sheet = openpyxl.load_workbook(codebook).active
    lines = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0] == "MODE"]
    # variable, label, question, type, skip rule, code, value label, missing, count
    assert [(r[1], r[3], r[5], r[6], r[8]) for r in lines] == [
        ("Hình thức thu thập", "Thông tin phiếu (không phải câu hỏi)", None, None, 17),
        (None, None, 1, "Trực tuyến", 10), (None, None, 2, "Phiếu giấy", 5),
        (None, None, 3, "Nhập từ dữ liệu khác (Kobo/ODK)", 2)]
