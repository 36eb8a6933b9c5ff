"""Row-level exports read back with the readers analysts use (csv, pyreadstat, openpyxl)."""
from __future__ import annotations

import csv
import io
import math
import struct
from datetime import date

import openpyxl
import pandas as pd
import pyreadstat
import pytest

from analysis import Filter
from analysis.exports import BOM, data_file, export_rows, iter_frames
from survey.extensions import db
from survey.questionnaire import normalize
from tests.analysis.exports.data import (ANSWERS, expected_row, make_rich_campaign,
                                         rich_definition, store)


@pytest.fixture
def stored(any_app):
    """The rich campaign with its four responses, and the expected rows in file order."""
    with any_app.app_context():
        campaign = make_rich_campaign()
        ids = [r for (r,) in db.session.execute(db.text(
            "select id from response order by id"))]
        yield any_app, campaign, ids, {rid: i for i, rid in enumerate(ids)}


def _expected(any_app, ids, text=False):
    """Expected rows in response-id order: the response whose answers are ANSWERS[i] is found
    by its stored q1/level/gender signature."""
    rows = []
    with any_app.app_context():
        for rid in ids:
            stored = dict(db.session.execute(db.text(
                "select variable, code from answer where response_id = :r and variable in "
                "('level','q1','gender')"), {"r": rid}).all())
            match = [a for a in ANSWERS if a.get("level") == stored.get("level")
                     and a.get("q1") == stored.get("q1") and a.get("gender") == stored.get("gender")]
            assert len(match) == 1
            rows.append(expected_row(match[0], text=text))
    return rows


def _same(actual, expected) -> bool:
    if expected is None:
        return actual is None or actual == "" or (isinstance(actual, float) and math.isnan(actual))
    if isinstance(expected, str):
        return actual == expected
    return float(actual) == float(expected)


def _check(frame: pd.DataFrame, expected: list[dict]) -> None:
    assert len(frame) == len(expected)
    for i, row in enumerate(expected):
        for name, value in row.items():
            assert _same(frame[name].iloc[i], value), (i, name, frame[name].iloc[i], value)


def _definition():
    return normalize(rich_definition())


def test_csv_has_bom_codes_flags_ranks_and_no_text(stored, tmp_path):
    app, campaign, ids, _ = stored
    path = tmp_path / "data.csv"
    with app.app_context():
        n = export_rows(db.engine, _definition(), Filter(campaign_ids=(campaign.id,)), "csv", path)
    assert n == 4
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(raw[len(BOM):].decode("utf-8"))))
    assert list(rows[0]) == ["stt", "MODE", "level", "gender", "q1", "m_1", "m_2", "m_9", "g_1",
                             "g_2", "r_r1", "r_r2", "r_r3", "age"]
    assert [r["stt"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["MODE"] for r in rows] == ["1"] * 4  # stored with the default mode, web
    expected = _expected(app, ids)
    for got, want in zip(rows, expected):
        for name, value in want.items():
            assert got[name] == ("" if value is None else f"{value:g}"), (name, got, want)
    assert "Cần bảo vệ" not in raw.decode("utf-8")


def test_csv_includes_free_text_only_when_asked(stored, tmp_path):
    app, campaign, ids, _ = stored
    path = tmp_path / "text.csv"
    with app.app_context():
        export_rows(db.engine, _definition(), Filter(campaign_ids=(campaign.id,)), "csv", path,
                    include_text=True)
    frame = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    texts = set(frame["y"]) | set(frame["m_9_khac"])
    assert {"Cần bảo vệ cán bộ dám nghĩ, dám làm", "Rà soát thể chế", "Thuế, hải quan"} <= texts


def test_sav_values_labels_missing_codes_and_weight(stored, tmp_path):
    app, campaign, ids, _ = stored
    path = tmp_path / "data.sav"
    weights = pd.Series([0.5, 1.25, 2.0, 0.75], index=ids)
    with app.app_context():
        n = export_rows(db.engine, _definition(), Filter(campaign_ids=(campaign.id,)), "sav", path,
                        include_text=True, weights=weights, chunk_size=3)
    assert n == 4
    frame, meta = pyreadstat.read_sav(path, user_missing=True)
    _check(frame, _expected(app, ids, text=True))
    assert list(frame["quyen_so"]) == [0.5, 1.25, 2.0, 0.75]
    labels = meta.column_names_to_labels
    assert labels["level"] == "Cấp công tác"
    assert labels["g_2"] == "Mức độ phổ biến của hành vi — Đùn đẩy"
    assert labels["m_9"] == "Lĩnh vực hay xảy ra: Khác"
    assert labels["r_r3"] == "Nguyên nhân quan trọng nhất — thứ hạng: Thu nhập"
    assert meta.variable_value_labels["level"] == {1: "Trung ương", 2: "Tỉnh", 3: "Xã"}
    assert meta.variable_value_labels["m_1"] == {0: "Không chọn", 1: "Có chọn"}
    assert meta.missing_ranges["g_1"] == [{"lo": 8.0, "hi": 8.0}]
    assert meta.missing_ranges["gender"] == [{"lo": 9.0, "hi": 9.0}]
    # SPSS treats the declared missing code as missing: read without user_missing, 8 → NaN.
    assert sorted(frame["g_2"].dropna()) == [1.0, 8.0]
    as_spss, _ = pyreadstat.read_sav(path)
    assert list(as_spss["g_2"].dropna()) == [1.0]
    assert meta.file_label == "Phiếu đầy đủ các loại câu hỏi"
    # The header names the weight variable (1-based case slot): SPSS weights by it on open.
    header = path.read_bytes()
    assert struct.unpack_from("<i", header, 72)[0] == 1  # bytecode compressed
    assert struct.unpack_from("<i", header, 80)[0] == 4  # cases
    weight_slot = struct.unpack_from("<i", header, 76)[0]
    assert weight_slot > len(meta.column_names) - 1  # after the long text slots


def test_dta_values_and_labels(stored, tmp_path):
    app, campaign, ids, _ = stored
    path = tmp_path / "data.dta"
    with app.app_context():
        export_rows(db.engine, _definition(), Filter(campaign_ids=(campaign.id,)), "dta", path,
                    chunk_size=2)
    frame, meta = pyreadstat.read_dta(path)
    _check(frame, _expected(app, ids))
    assert "y" not in frame.columns
    assert meta.column_names_to_labels["q1"] == "Mức độ phổ biến"
    assert meta.variable_value_labels["g_1"] == {1: "Hiếm", 2: "Thường xuyên", 8: "Không biết"}
    assert meta.number_rows == 4


def test_filters_and_date_range_narrow_the_rows(stored, tmp_path):
    app, campaign, ids, _ = stored
    with app.app_context():
        store(campaign, {"level": 2, "q1": 3}, on=date(2026, 4, 1))
        db.session.commit()
        layout = data_file(_definition())
        by_level = pd.concat(iter_frames(db.engine, layout, Filter(
            campaign_ids=(campaign.id,), values={"level": [2]})))
        in_march = pd.concat(iter_frames(db.engine, layout, Filter(
            campaign_ids=(campaign.id,), date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))))
    assert sorted(by_level["q1"]) == [1.0, 2.0, 3.0]
    assert len(in_march) == 4


def test_chunks_straddling_fetches_give_the_same_rows(stored):
    """A response whose answer rows are split across two fetches is held back, not cut."""
    app, campaign, ids, _ = stored
    with app.app_context():
        layout = data_file(_definition(), include_text=True)
        whole = pd.concat(iter_frames(db.engine, layout, Filter(campaign_ids=(campaign.id,))))
        for fetch_rows in (1, 2, 3, 5):
            pieces = list(iter_frames(db.engine, layout, Filter(campaign_ids=(campaign.id,)),
                                      chunk_size=1, fetch_rows=fetch_rows))
            assert all(len(p) >= 1 for p in pieces)
            pd.testing.assert_frame_equal(pd.concat(pieces).reset_index(drop=True),
                                          whole.reset_index(drop=True))


def test_codebook_xlsx_and_html(stored, tmp_path):
    app, campaign, ids, _ = stored
    with app.app_context():
        export_rows(db.engine, _definition(), Filter(campaign_ids=(campaign.id,)), "codebook",
                    tmp_path / "codebook.xlsx")
        export_rows(db.engine, _definition(), Filter(campaign_ids=(campaign.id,)),
                    "codebook-html", tmp_path / "codebook.html")
    sheet = openpyxl.load_workbook(tmp_path / "codebook.xlsx").active
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=5)]
    by = {(r[0], r[5]): r for r in rows}
    assert by[("q1", None)][1] == "Mức độ phổ biến" and by[("q1", None)][8] == 4
    assert by[("q1", 1)][6] == "Rất phổ biến" and by[("q1", 1)][8] == 2
    assert by[("m_1", None)][8] == 3 and by[("m_1", 1)][8] == 2 and by[("m_1", 0)][8] == 1
    assert by[("g_2", 8)][7] == "Có" and by[("g_2", 8)][8] == 1
    assert by[("r_r1", None)][8] == 2
    assert ("y", None) not in by
    page = (tmp_path / "codebook.html").read_text(encoding="utf-8")
    assert "<td>Lĩnh vực hay xảy ra: Đất đai</td>" in page
    assert "<script" not in page


def test_unknown_format_is_refused_without_a_file(stored, tmp_path):
    app, campaign, *_ = stored
    out = tmp_path / "out"
    out.mkdir()
    with app.app_context(), pytest.raises(ValueError, match="unknown export format"):
        export_rows(db.engine, _definition(), Filter(campaign_ids=(campaign.id,)), "xls",
                    out / "x.xls")
    assert not list(out.iterdir())


def test_flagship_exports_to_stata_and_spss_with_long_vietnamese_labels(app, tmp_path):
    """The flagship's questions run to 250+ characters; Stata holds 80 per variable label (a
    longer one made readstat refuse the whole file), SPSS 255: labels are cut, never refused."""
    from survey.questionnaire import load_file
    from tests.helpers import make_campaign
    from tests.respond.support import FLAGSHIP

    definition = load_file(FLAGSHIP)
    layout = data_file(definition)
    longest = max(layout, key=lambda v: len(v.label))
    assert len(longest.label) > 80
    with app.app_context():
        campaign = make_campaign("chinh", definition)
        store(campaign, {"A2": 1, "B1": 3})
        db.session.commit()
        for fmt in ("dta", "sav"):
            assert export_rows(db.engine, definition, Filter(campaign_ids=(campaign.id,)), fmt,
                               tmp_path / f"data.{fmt}") == 1
    _, dta = pyreadstat.read_dta(tmp_path / "data.dta")
    _, sav = pyreadstat.read_sav(tmp_path / "data.sav")
    assert dta.column_names_to_labels[longest.name] == longest.label[:80]
    assert all(len(dta.column_names_to_labels[v.name] or "") <= 80 for v in layout)
    cut = sav.column_names_to_labels[longest.name]  # 255 bytes, whole letters only
    assert longest.label.startswith(cut) and 250 <= len(cut.encode("utf-8")) <= 255
    assert all(v.label.startswith(sav.column_names_to_labels[v.name] or "") for v in layout)
    assert dta.variable_value_labels["A2"] == sav.variable_value_labels["A2"]
