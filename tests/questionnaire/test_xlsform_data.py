"""Data collected with KoboToolbox or ODK becomes answers of the imported version.

A Kobo-style export (group paths in the headers, choice names as values, a select_multiple as
one column of names and one 0/1 column per option, the "other" text, submission metadata, GPS
parts, a repeat) is read through the form's name → code table; every column not kept is named
with its reason; the submission id is only ever a keyed hash; importing twice adds nothing; the
answers tabulate.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from analysis.layout import wide_frame
from analysis.source import FrameSource
from analysis.tables import frequencies
from survey.questionnaire.xlsform import from_xlsx
from survey.services.data_import import prepare
from tests.questionnaire.test_xlsform import workbook

SECRET = b"test-secret"
FORM = workbook(
    [["type", "name", "label::English (en)", "relevant", "constraint"],
     ["start", "start", None, None, None],
     ["deviceid", "deviceid", None, None, None],
     ["begin group", "A", "Profile", None, None],
     ["select_one level", "level", "Level", None, None],
     ["integer", "years", "Years of service", None, ". >= 0 and . <= 45"],
     ["end group", "A", None, None, None],
     ["begin group", "B", "Views", None, None],
     ["select_multiple fields or_other", "fields", "Fields", None, None],
     ["text", "why", "Why?", "selected(${fields}, 'land')", None],
     ["geopoint", "where", "Where?", None, None],
     ["end group", "B", None, None, None],
     ["begin repeat", "kids", "Children", None, None],
     ["integer", "kid_age", "Age", None, None],
     ["end repeat", "kids", None, None, None]],
    [["list_name", "name", "label::English (en)"],
     ["level", "central", "Central"], ["level", "province", "Province"],
     ["level", "commune", "Commune"],
     ["fields", "land", "Land"], ["fields", "health", "Health"], ["fields", "tax", "Tax"]],
    [["form_id", "form_title"], ["can_bo_2024", "Cán bộ 2024"]])
HEADERS = ["start", "end", "deviceid", "A/level", "A/years", "B/fields", "B/fields/land",
           "B/fields/health", "B/fields/tax", "B/fields/other", "B/fields_other", "B/why",
           "B/where", "_B/where_latitude", "_B/where_longitude", "kids[1]/kid_age",
           "meta/instanceID", "_id", "_uuid", "_submission_time", "_submitted_by",
           "__version__", "_validation_status", "_index"]
IDS = ["uuid:0f5c1c2e-aaaa-4b1e-9a4e-000000000001", "uuid:0f5c1c2e-aaaa-4b1e-9a4e-000000000002",
       "uuid:0f5c1c2e-aaaa-4b1e-9a4e-000000000003", "uuid:0f5c1c2e-aaaa-4b1e-9a4e-000000000004"]
ROWS = [
    ["2024-05-01T08:00:00", "2024-05-01T08:09:00", "imei:35812", "central", "12", "land tax",
     "1", "0", "1", "0", "", "Đất đai rối", "21.02 105.8 0 5", "21.02", "105.8", "7", IDS[0],
     "101", IDS[0][5:], "2024-05-01T08:10:00", "lan", "v1", "", "1"],
    ["2024-05-01T09:00:00", "2024-05-01T09:07:00", "imei:99881", "commune", "60", "other",
     "0", "0", "0", "1", "Giáo dục", "", "", "", "", "", IDS[1], "102", IDS[1][5:],
     "2024-05-01T09:08:00", "minh", "v1", "", "2"],
    ["2024-05-02T10:00:00", "2024-05-02T10:05:00", "imei:11111", "province", "n/a", "health",
     "0", "1", "0", "0", "", "lẽ ra ẩn", "", "", "", "", IDS[2], "103", IDS[2][5:],
     "2024-05-02T10:06:00", "lan", "v1", "", "3"],
    ["2024-05-02T10:00:00", "2024-05-02T10:05:00", "imei:11111", "province", "n/a", "health",
     "0", "1", "0", "0", "", "lẽ ra ẩn", "", "", "", "", IDS[2], "103", IDS[2][5:],
     "2024-05-02T10:06:00", "lan", "v1", "", "4"],
    ["2024-05-03T11:00:00", "2024-05-03T11:05:00", "imei:2", "district", "3", "", "", "", "",
     "", "", "", "", "", "", "", IDS[3], "104", IDS[3][5:], "2024-05-03T11:06:00", "hoa", "v1",
     "", "5"],
]


@pytest.fixture(scope="module")
def version() -> dict:
    result = from_xlsx(FORM, "can_bo_2024.xlsx")
    assert result.ok
    return result.definition


def csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([headers, *rows])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    book = Workbook()
    book.active.title = "Cán bộ 2024"
    for row in [headers, *rows]:
        book.active.append(row)
    book.create_sheet("kids").append(["kid_age", "_index", "_parent_index"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("make, name", [(csv_bytes, "data.csv"), (xlsx_bytes, "data.xlsx")])
def test_a_kobo_export_becomes_answers_of_the_version(version, make, name):
    prepared = prepare(version, FORM, "can_bo_2024.xlsx", make(HEADERS, ROWS), name, SECRET)
    assert prepared.ok
    answers = [record.answers for record in prepared.records]
    assert answers == [
        {"level": 1, "years": 12, "fields": [1, 3], "why": "Đất đai rối"},
        {"level": 3, "fields": [4], "fields.other": "Giáo dục"},  # years 60 > 45: left out
        {"level": 2, "fields": [2]},                              # why is hidden: left out
        {"years": 3},                                             # district: not an option
    ]
    assert [record.row for record in prepared.records] == [2, 3, 4, 6]


def test_every_column_not_kept_is_named_with_its_reason(version):
    prepared = prepare(version, FORM, "f.xlsx", csv_bytes(HEADERS, ROWS), "data.csv", SECRET)
    by_column = {line.column: line for line in prepared.report.lines
                 if line.code.startswith("data-column")}
    for column in ("start", "end", "deviceid", "meta/instanceID", "_id", "_uuid",
                   "_submission_time", "_submitted_by", "__version__", "_validation_status",
                   "_index", "_B/where_latitude", "_B/where_longitude"):
        assert by_column[column].code == "data-column-meta", column
    assert by_column["B/where"].code == "data-column-question"
    assert "geopoint" in by_column["B/where"].text("en")
    assert by_column["kids[1]/kid_age"].code == "data-column-repeat"
    en = "\n".join(prepared.report.texts("en"))
    vi = "\n".join(prepared.report.texts("vi"))
    assert "data row 6, column A/level: 'district' is not an option of level; left " \
           "unanswered" in en
    assert "«district» không phải phương án của câu level" in vi
    assert "data row 3, column years: years: the answer does not fit the question" in en
    assert "Vui lòng nhập một số từ 0 đến 45." in vi
    assert "this row repeats the submission of row 4; imported once" in en
    assert "1 answers to questions the skip logic hides were left out (why)" in en
    assert "column B/fields/land" not in en  # read with B/fields, not dropped


def test_the_submission_id_is_only_a_keyed_hash(version):
    prepared = prepare(version, FORM, "f.xlsx", csv_bytes(HEADERS, ROWS), "data.csv", SECRET)
    text = repr(prepared.records) + "\n".join(prepared.report.texts("en") +
                                            prepared.report.texts("vi"))
    for identifier in IDS + [i[5:] for i in IDS] + ["imei:35812", "lan", "minh",
                                                   "2024-05-01T08:10:00", "21.02"]:
        assert identifier not in text
    keys = [record.key for record in prepared.records]
    assert all(len(key) == 64 for key in keys) and len(set(keys)) == len(keys)
    other = prepare(version, FORM, "f.xlsx", csv_bytes(HEADERS, ROWS), "data.csv", b"other")
    assert not set(keys) & {record.key for record in other.records}


def test_importing_the_same_file_twice_adds_nothing(version):
    data = csv_bytes(HEADERS, ROWS)
    first = prepare(version, FORM, "f.xlsx", data, "data.csv", SECRET)
    keys = {record.key for record in first.records}
    again = prepare(version, FORM, "f.xlsx", data, "data.csv", SECRET, known_keys=keys)
    assert again.records == [] and again.skipped == 4
    assert "4 rows were imported before (same submission id); not added again" in \
        again.report.texts("en")
    # the same submissions in an XLSX export are the same submissions
    xlsx = prepare(version, FORM, "f.xlsx", xlsx_bytes(HEADERS, ROWS), "d.xlsx", SECRET,
                   known_keys=keys)
    assert xlsx.records == []
    # a new submission in a later export is added
    later = ROWS[:1] + [[*ROWS[0][:16], "uuid:new", "105", "new", *ROWS[0][19:]]]
    added = prepare(version, FORM, "f.xlsx", csv_bytes(HEADERS, later), "d.csv", SECRET,
                    known_keys=keys)
    assert [record.row for record in added.records] == [3]


def test_imported_answers_tabulate(version):
    prepared = prepare(version, FORM, "f.xlsx", csv_bytes(HEADERS, ROWS), "data.csv", SECRET)
    frame = wide_frame(version, [record.answers for record in prepared.records])
    table = frequencies(FrameSource(version, frame), "level", k=None)
    counts = dict(zip(table.table["code"], table.table["n"]))
    assert counts == {1: 1, 2: 1, 3: 1}
    assert table.table["label"].tolist() == ["Central", "Province", "Commune"]


def test_an_odk_central_export(version):
    """ODK Central's CSV: group-question headers, SubmissionDate, KEY, meta-instanceID."""
    headers = ["SubmissionDate", "start", "A-level", "A-years", "B-fields", "B-why",
               "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "ReviewState"]
    rows = [["2024-06-01T10:00:00Z", "2024-06-01T09:50:00Z", "province", "4", "land health",
             "Vì quy hoạch", "uuid:1", "uuid:1", "5", "enumerator", "approved"]]
    prepared = prepare(version, FORM, "f.xlsx", csv_bytes(headers, rows), "d.csv", SECRET)
    assert [r.answers for r in prepared.records] == \
        [{"level": 2, "years": 4, "fields": [1, 2], "why": "Vì quy hoạch"}]
    meta = {line.column for line in prepared.report.lines if line.code == "data-column-meta"}
    assert meta == {"SubmissionDate", "start", "meta-instanceID", "KEY", "SubmitterID",
                    "SubmitterName", "ReviewState"}


def test_an_export_without_ids_is_recognised_by_content(version):
    headers = ["A/level", "A/years"]
    rows = [["central", "3"], ["central", "3"], ["commune", "4"]]
    prepared = prepare(version, FORM, "f.xlsx", csv_bytes(headers, rows), "d.csv", SECRET)
    assert [r.answers for r in prepared.records] == [{"level": 1, "years": 3},
                                                    {"level": 3, "years": 4}]
    assert any("no submission id column" in t for t in prepared.report.texts("en"))


@pytest.mark.parametrize("data, name, message", [
    (csv_bytes(["x", "y"], [["1", "2"]]), "d.csv", "no column of the data matches a question"),
    ("level;years\ncentral;3\n".encode("utf-16"), "d.csv", "the CSV file is not UTF-8"),
    (b"", "d.csv", "the file is empty"),
    (b"PK\x03\x04garbage", "d.xlsx", "not a readable .xlsx workbook"),
])
def test_bad_exports_are_refused_precisely(version, data, name, message):
    prepared = prepare(version, FORM, "f.xlsx", data, name, SECRET)
    assert not prepared.ok and prepared.records == []
    [line] = prepared.report.of_kind("refused")
    assert message in line.text("en") and line.text("vi") != line.text("en")


def test_a_form_that_is_not_an_xlsform_is_refused(version):
    prepared = prepare(version, b"not a workbook", "f.xlsx", csv_bytes(HEADERS, ROWS), "d.csv",
                       SECRET)
    [line] = prepared.report.of_kind("refused")
    assert "the XLSForm that goes with the data could not be read" in line.text("en")
    assert "Không đọc được biểu mẫu XLSForm" in line.text("vi")


CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "xlsforms"


def test_ona_transportation_export_with_its_form():
    """A real export (onadata's transportation fixture): one True/False column per option,
    a loop over the transport list, meta/instanceID, _uuid, _submission_time."""
    form, data = CORPUS / "onadata__transportation.xlsx", CORPUS / "onadata__transportation.csv"
    if not (form.exists() and data.exists()):
        pytest.skip("the corpus is not here: rebuild it from tests/fixtures/xlsforms/SOURCES.md")
    imported = from_xlsx(form.read_bytes(), form.name)
    version = imported.definition
    prepared = prepare(version, form.read_bytes(), form.name, data.read_bytes(), data.name,
                       SECRET)
    assert prepared.ok and len(prepared.records) == 3  # the first submission answered nothing
    assert "1 rows have no usable answer left; not imported" in prepared.report.texts("en")
    transport = "available_transportation_types_to_referr"
    assert [r.answers.get(transport) for r in prepared.records] == [[1, 2], [1], [9, 10]]
    assert prepared.records[0].answers["frequency_to_referral_facility_ambulance"] == 1
    assert prepared.records[0].answers["frequency_to_referral_facility_bicycle"] == 2
    assert prepared.records[2].answers[f"{transport}.other"] == "camel"
    assert prepared.records[2].answers["frequency_to_referral_facility_taxi"] == 1
    dropped = {line.column for line in prepared.report.lines if line.code == "data-column-meta"}
    assert dropped == {"meta/instanceID", "_uuid", "_submission_time"}
