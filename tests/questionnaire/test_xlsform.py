"""XLSForm export and import: the flagship round trip, ODK-style forms, bad workbooks."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from survey.questionnaire import (DefinitionError, content_hash, find_item, is_true, load_file,
                                  normalize, read_file)
from survey.questionnaire.expressions import parse
from survey.questionnaire.xlsform import from_xlsx, to_xlsx
from survey.questionnaire.xpath import XPathError, from_xpath, to_xpath

# Version 1 of the flagship, kept verbatim: a rich definition that never changes, so these
# tests of the mechanics do not follow every revision of the shipped questionnaire.
FLAGSHIP = (Path(__file__).resolve().parents[2] / "questionnaires" / "history"
            / "ne-tranh-trach-nhiem.v1.yaml")
VI, EN = "label::Vietnamese (vi)", "label::English (en)"


def workbook(survey: list[list], choices: list[list] | None = None,
             settings_rows: list[list] | None = None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("survey", survey), ("choices", choices), ("settings", settings_rows)):
        if rows is None:
            continue
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SETTINGS = [["form_id", "form_title"], ["thu-nghiem", "Thử nghiệm"]]


@pytest.fixture(scope="module")
def flagship() -> dict:
    return load_file(FLAGSHIP)


@pytest.fixture(scope="module")
def flagship_xlsx(flagship) -> bytes:
    return to_xlsx(flagship)


# --------------------------------------------------------------------------- round trip

def test_flagship_round_trip_is_unchanged_in_meaning(flagship, flagship_xlsx):
    result = from_xlsx(flagship_xlsx, "ne-tranh-trach-nhiem.xlsx")
    assert result.errors == [] and result.dropped == []
    assert result.definition == flagship
    assert content_hash(result.definition) == content_hash(flagship)


def test_flagship_workbook_is_a_readable_xlsform(flagship_xlsx):
    book = load_workbook(io.BytesIO(flagship_xlsx))
    assert book.sheetnames == ["survey", "choices", "settings", "export_report"]
    survey = [list(r) for r in book["survey"].iter_rows(values_only=True)]
    header = survey[0]
    for column in ("type", "name", VI, EN, "relevant", "constraint", "choice_filter",
                   "parameters", "role", "dimension"):
        assert column in header, column
    rows = {r[header.index("name")]: dict(zip(header, r)) for r in survey[1:]
            if r[0] != "end group"}
    assert rows["A"]["type"] == "begin group" and rows["A"]["appearance"] == "field-list"
    assert rows["A1"]["role"] == "banner" and rows["A1"]["dimension"] == "category"
    assert rows["A3"]["appearance"] == "minimal"
    assert rows["B2"]["type"] == "begin group" and rows["B2"]["appearance"] == "table-list"
    assert rows["B2_10"]["type"] == "select_one frequency5"
    assert rows["B3"]["constraint"] == \
        "count-selected(.) <= 3 and not(selected(., '98') and count-selected(.) > 1)"
    assert rows["B3_other"]["type"] == "text" and rows["B3_other"]["other_of"] == "B3"
    assert rows["B3_other"]["relevant"] == "selected(${B3}, '13')"
    assert "D3" not in rows
    assert [rows[f"D3_{k}"]["type"] for k in (1, 2, 3)] == ["select_one D3"] * 3
    assert [rows[f"D3_{k}"]["rank_of"] for k in (1, 2, 3)] == ["D3"] * 3
    assert rows["D3_1"]["parameters"] == "randomize=true"
    assert rows["D3_3"]["constraint"] == ". != ${D3_1} and . != ${D3_2}"
    assert rows["D3_3"]["relevant"] == "${D3_2} != ''"
    assert rows["D3_1"][VI].endswith(" (hạng 1)") and rows["D3_2"][EN].endswith(" (rank 2)")
    assert rows["E5"]["appearance"] == "multiline"
    assert rows["E5"]["constraint"] == "string-length(.) <= 2000"
    assert rows["A5"]["choice_filter"].startswith("${A1} != 3 and (name = '1' or name = '2'")
    choices = [list(r) for r in book["choices"].iter_rows(values_only=True)]
    assert choices[0][:4] == ["list_name", "name", VI, EN]
    assert ["agree5", 98, "Khó trả lời", "Hard to say", "yes", None, None] in \
        [row[:7] for row in choices]
    settings_rows = [list(r) for r in book["settings"].iter_rows(values_only=True)]
    assert settings_rows[1][0] == "ne-tranh-trach-nhiem"
    assert "anonymity::Vietnamese (vi)" in settings_rows[0]
    assert "questionnaire_title::English (en)" in settings_rows[0]


def test_load_file_reads_an_xlsx(tmp_path, flagship, flagship_xlsx):
    path = tmp_path / "flagship.xlsx"
    path.write_bytes(flagship_xlsx)
    assert load_file(path) == flagship
    definition, notes = read_file(path)
    assert definition == flagship and notes == []


def _xform(data: bytes, tmp_path: Path) -> str:
    """Convert with pyxform, the reference XLSForm converter of ODK and KoboToolbox."""
    from pyxform.xls2xform import convert

    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    return convert(xlsform=str(path), validate=False).xform


def test_flagship_export_converts_with_pyxform(flagship_xlsx, tmp_path):
    xform = _xform(flagship_xlsx, tmp_path)
    assert '<data id="ne-tranh-trach-nhiem"' in xform
    assert "<h:title>Phiếu khảo sát ý kiến cán bộ" in xform
    assert 'relevant=" /data/B_2/B6  = 2 or  /data/B_2/B6  = 3 or  /data/B_2/B6  = 4"' in xform
    assert "instance('A5')/root/item[ /data/A/A1  != 3 and (name = '1'" in xform
    assert 'constraint="string-length(.) &lt;= 2000"' in xform
    assert 'appearance="list-nolabel"' in xform  # pyxform's rendering of a table-list grid
    # a ranking of the top 3 is three select_one questions, each different from those before
    assert '<odk:rank' not in xform
    rank2 = xform[xform.index('D3_2" type="string"'):].split("/>")[0]
    assert 'relevant=" /data/D_2/D3_1  != \'\'"' in rank2
    assert 'constraint=". !=  /data/D_2/D3_1 "' in rank2
    # "other — specify" has its text box, shown when the other option is chosen
    assert 'nodeset="/data/B_2/B3_other" type="string" required="true()" ' \
        'relevant="selected( /data/B_2/B3 , \'13\')"' in xform
    # exclusive "don't know" is a constraint ODK enforces
    assert "not(selected(., '98') and count-selected(.) &gt; 1)" in xform


# --------------------------------------------------------------------------- expressions

def _names(ref):
    return ref.name.replace(".", "_")


@pytest.mark.parametrize("ours, theirs", [
    ("A1 = 3", "${A1} = 3"),
    ("selected(B3, 13)", "selected(${B3}, '13')"),
    ("count-selected(B3) <= 3 and not selected(B3, 98)",
     "count-selected(${B3}) <= 3 and not(selected(${B3}, '98'))"),
    ("empty(E5) or answered(B2.3)", "${E5} = '' or ${B2_3} != ''"),
    ("(A1 = 1 or A1 = 2) and A7 >= 2", "(${A1} = 1 or ${A1} = 2) and ${A7} >= 2"),
    ("string-length(.) <= 20", "string-length(.) <= 20"),
    ("not (A1 = 1 and A2 = 2)", "not(${A1} = 1 and ${A2} = 2)"),
])
def test_expressions_translate_both_ways(ours, theirs):
    assert to_xpath(parse(ours), _names) == theirs
    kinds = {"A1": "single", "A2": "single", "A7": "single", "B3": "multiple", "E5": "text",
             "B2_3": "single"}

    def resolve(name):
        from survey.questionnaire.expressions import Reference
        item, _, row = name.partition("_")
        ref = Reference(item, row or None) if name == "B2_3" else Reference(name)
        return ref, kinds[name]

    assert from_xpath(theirs, resolve) == parse(ours)


@pytest.mark.parametrize("text, problem", [
    ("${A1} + 1 > 2", "cannot read"),
    ("if(${A1} = 1, 1, 0)", "unknown function 'if'"),
    ("A1 = 1", "write ${A1}"),
    ("${nope} = 1", "unknown question ${nope}"),
    ("${A1 = 1", "without its closing"),
    ("${A1} = 'x", "not closed"),
])
def test_untranslatable_expressions_are_refused(text, problem):
    from survey.questionnaire.expressions import Reference

    def resolve(name):
        if name != "A1":
            raise XPathError(f"unknown question ${{{name}}}")
        return Reference("A1"), "single"

    with pytest.raises(XPathError, match=None) as info:
        from_xpath(text, resolve)
    assert problem in str(info.value)


# --------------------------------------------------------------------------- ODK-style import

ODK_SURVEY = [
    ["type", "name", "label::vi", "label::English (en)", "required", "relevant", "constraint",
     "constraint_message::vi", "choice_filter", "appearance", "calculation", "parameters"],
    ["start", "start", None, None, None, None, None, None, None, None, None, None],
    ["deviceid", "device", None, None, None, None, None, None, None, None, None, None],
    ["select_one cat", "cat", "Đối tượng", "Category", "yes", None, None, None, None, None,
     None, None],
    ["select_one grade", "grade", "Ngạch", "Grade", "yes", None, None, None, "cat = ${cat}",
     None, None, None],
    ["begin group", "p2", "Trang 2", "Page 2", None, None, None, None, None, "field-list",
     None, None],
    ["select_multiple fields or_other", "fields", "Lĩnh vực", "Fields", None, None,
     "count-selected(.) <= 2", None, None, None, None, None],
    ["begin group", "inner", "Nhóm con", None, None, "selected(${fields}, '1')", None, None,
     None, None, None, None],
    ["text", "why", "Vì sao?", "Why?", None, "${grade} != ''", "string-length(.) <= 100",
     None, None, "multiline", None, None],
    ["end group", "inner", None, None, None, None, None, None, None, None, None, None],
    ["integer", "years", "Số năm", "Years", None, None, ". >= 0 and . <= 45",
     None, None, None, None, None],
    ["decimal", "score", "Điểm", "Score", None, None, ". >= 0 and . <= 10 and . != 5",
     "Không được là 5", None, None, None, "decimals=1"],
    ["geopoint", "where", "Ở đâu", None, None, None, None, None, None, None, None, None],
    ["calculate", "calc", None, None, None, None, None, None, None, None, "1 + 1", None],
    ["begin repeat", "kids", "Con", None, None, None, None, None, None, None, None, None],
    ["text", "kid_name", "Tên", None, None, None, None, None, None, None, None, None],
    ["end repeat", "kids", None, None, None, None, None, None, None, None, None, None],
    ["end group", "p2", None, None, None, None, None, None, None, None, None, None],
    ["begin group", "grid", "Mức độ", "How much", None, None, None, None, None,
     "table-list", None, None],
    ["select_one agree", "grid_a", "Hàng A", "Row A", "yes", None, None, None, None, None,
     None, None],
    ["select_one agree", "grid_b", "Hàng B", "Row B", "yes", None, None, None, None, None,
     None, None],
    ["end group", "grid", None, None, None, None, None, None, None, None, None, None],
    ["rank agree", "order", "Xếp hạng", "Rank", None, "${grid_a} = '2'", None, None, None,
     None, None, "top=2"],
]
ODK_CHOICES = [
    ["list_name", "name", "label::vi", "label::English (en)", "cat", "missing", "exclusive"],
    ["cat", 1, "Công chức", "Civil servant", None, None, None],
    ["cat", 2, "Viên chức", "Public employee", None, None, None],
    ["grade", 1, "Chuyên viên", "Specialist", 1, None, None],
    ["grade", 2, "Hạng I", "Rank I", 2, None, None],
    ["grade", 3, "Hạng II", "Rank II", 2, None, None],
    ["fields", 1, "Đất đai", "Land", None, None, None],
    ["fields", 2, "Y tế", "Health", None, None, None],
    ["fields", 98, "Không biết", "Don't know", None, "yes", "yes"],
    ["agree", 1, "Không", "No", None, None, None],
    ["agree", 2, "Có", "Yes", None, None, None],
    ["agree", 3, "Rất có", "Very", None, None, None],
    ["agree", 9, "Khó trả lời", "Hard to say", None, "yes", None],
]


@pytest.fixture(scope="module")
def odk():
    return from_xlsx(workbook(ODK_SURVEY, ODK_CHOICES, SETTINGS), "odk.xlsx")


def test_odk_form_imports_with_its_logic(odk):
    assert odk.errors == []
    d = odk.definition
    assert [p["id"] for p in d["pages"]] == ["P1", "p2", "P3"]
    assert d["languages"] == ["vi", "en"]
    grade = find_item(d, "grade")
    assert [o["relevant"] for o in grade["options"]] == ["1 = cat", "2 = cat", "2 = cat"]
    offered = [o["code"] for o in grade["options"] if is_true(o["relevant"], {"cat": 2})]
    assert offered == [2, 3]
    fields = find_item(d, "fields")
    assert fields["max_select"] == 2 and "constraint" not in fields
    assert fields["options"][-1] == {"code": 3, "label": {"vi": "Khác (ghi rõ)",
                                                          "en": "Other (please specify)"},
                                     "other": True}
    why = find_item(d, "why")
    assert why["relevant"] == "selected(fields, 1) and answered(grade)"
    assert why["max_length"] == 100 and why["multiline"] is True
    years = find_item(d, "years")
    assert (years["min"], years["max"], years["decimals"]) == (0, 45, 0)
    score = find_item(d, "score")
    assert (score["min"], score["max"], score["decimals"]) == (0, 10, 1)
    assert score["constraint"] == ". != 5"
    assert score["constraint_message"] == {"vi": "Không được là 5"}
    grid = find_item(d, "grid")
    assert grid["type"] == "grid" and grid["required"] is True
    assert [r["id"] for r in grid["rows"]] == ["a", "b"] and grid["options_from"] == "agree"
    order = find_item(d, "order")
    assert order["type"] == "ranking" and order["top"] == 2
    assert order["relevant"] == "grid.a = 2"
    assert find_item(d, "where") is None and find_item(d, "calc") is None
    assert find_item(d, "kid_name")["type"] == "text"  # a repeat is asked once


def test_odk_form_reports_what_was_dropped(odk):
    dropped = "\n".join(odk.dropped)
    assert "survey row 2, column type: metadata start (start) is never collected" in dropped
    assert "survey row 3, column type: metadata deviceid (device) is never collected" in dropped
    assert "survey row 13, column type: geopoint question where is not supported" in dropped
    assert "survey row 14, column type: calculate question calc is not supported" in dropped
    assert "column calculation is not supported; ignored (rows 14)" not in dropped  # row dropped
    notes = "\n".join(odk.notes)
    assert "survey row 15, column type: repeat kids is not supported: its questions are asked " \
        "once" in notes
    assert "or_other of fields became option 3" in notes
    assert "group inner inside a page was flattened" in notes
    vietnamese = "\n".join(odk.report.texts("vi"))
    assert "trang survey, dòng 13, cột type: Câu where kiểu geopoint" in vietnamese


def test_imported_form_exports_and_reimports_identically(odk, tmp_path):
    data = to_xlsx(odk.definition)
    again = from_xlsx(data, "again.xlsx")
    assert again.errors == [] and again.definition == odk.definition
    xform = _xform(data, tmp_path)
    assert "instance('grade')/root/item[1 =  /data/P1/cat  and name = '1' or " \
        "2 =  /data/P1/cat  and (name = '2' or name = '3')]" in xform


def test_plain_label_column_and_no_settings():
    """pyxform falls back to the file name for the form id and to the id for the title."""
    data = workbook([["type", "name", "label"], ["integer", "age", "Tuổi"]])
    result = from_xlsx(data, "Tuổi tác.xlsx")
    assert result.errors == []
    assert result.definition["id"] == "tuoi-tac"
    assert result.definition["title"] == {"vi": "Tuổi tác"}
    notes = "\n".join(result.notes)
    assert "no form_id; questionnaire id 'tuoi-tac' was taken from the file name" in notes
    assert "no form_title; the title is 'Tuổi tác'" in notes
    assert "the labels of column label were taken as the Vietnamese ones" in notes
    data = workbook([["type", "name", "label"], ["integer", "age", "Tuổi"]], None,
                    [["form_title"], ["Tuổi tác"]])
    result = from_xlsx(data, "tuoi-tac.xlsx")
    assert result.errors == []
    assert result.definition["title"] == {"vi": "Tuổi tác"}


# --------------------------------------------------------------------------- bad workbooks

def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data, message", [
    (b"", "the file is empty"),
    (b"type,name\nnote,hello\n", "not an .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel .xls"),
    (b"PK\x03\x04broken", "not a readable .xlsx workbook"),
    (_zip({"hello.txt": b"hi"}), "no xl/workbook.xml"),
    (_zip({"xl/workbook.xml": b"\0" * (3 * 1024 * 1024)}), "zip bomb"),
    (_zip({"xl/workbook.xml": b"<not xml"}), "not a readable .xlsx workbook"),
    (b"PK" + b"\0" * (11 * 1024 * 1024), "larger than 10 MB"),
])
def test_malformed_files_get_one_clean_error(data, message):
    result = from_xlsx(data, "bad.xlsx")
    assert result.definition is None
    assert len(result.errors) == 1 and result.errors[0].startswith("bad.xlsx: ")
    assert message in result.errors[0]


CHOICES_OK = [["list_name", "name", "label::vi"], ["yn", 1, "Có"], ["yn", 2, "Không"]]


@pytest.mark.parametrize("survey, choices, line, kept", [
    # a choice name with spaces or accents is still a name: the list gets codes
    ([["type", "name", "label::vi"], ["select_one yn", "q", "Hỏi"]],
     [["list_name", "name", "label::vi"], ["yn", "có dấu", "Có"], ["yn", 2, "Không"]],
     "choices row 2, column name: lists yn: choice names are not numbers", ["q"]),
    ([["type", "name", "label::vi"], ["select_one nolist", "q", "Hỏi"], ["text", "t", "Vì"]],
     CHOICES_OK, "survey row 2, column type: q uses option list nolist, which is not on the "
     "choices sheet; the question was dropped", ["t"]),
    ([["type", "name", "label::vi"], ["barcodes", "q", "Hỏi"], ["text", "t", "Vì"]], CHOICES_OK,
     "survey row 2, column type: unknown question type 'barcodes' (q); the row was dropped",
     ["t"]),
    ([["type", "name", "label::vi", "relevant"], ["select_one yn", "q", "Hỏi", "${zz} = 1"]],
     CHOICES_OK, "survey row 2, column relevant: relevant of q: cannot read '${zz} = 1' (there "
     "is no question zz); the whole condition was dropped", ["q"]),
    ([["type", "name", "label::vi", "relevant"], ["geopoint", "g", "Ở đâu", None],
      ["text", "q", "Hỏi", "${g} != ''"]], CHOICES_OK,
     "survey row 3, column relevant: relevant of q: cannot read \"${g} != ''\" (${g} is a "
     "geopoint question, which was dropped)", ["q"]),
    ([["type", "name", "label::vi"], ["begin group", "p", "Trang"], ["text", "q", "Hỏi"]],
     CHOICES_OK, "survey row 2, column type: group p opened at row 2 is never closed; it "
     "ends with the sheet", ["q"]),
    ([["type", "name", "label::vi"], ["text", "q", "Hỏi"], ["end group", "p", None]],
     CHOICES_OK, "survey row 3, column type: unknown question type 'end group' (p)", ["q"]),
    ([["type", "name", "label::English (en)"], ["text", "q", "Question"]], None,
     "the labels of column label::English (en) were taken as the Vietnamese ones", ["q"]),
    ([["type", "name", "label::vi"], ["text", "q", "Hỏi"], ["integer", "q", "Lại"]],
     CHOICES_OK, "survey row 3, column name: name q is already used by an earlier question; "
     "this one became q_2", ["q", "q_2"]),
    ([["type", "name", "label::vi", "relevant"], ["text", "q", "Hỏi", "${r} = 1"],
      ["integer", "r", "Sau"]], CHOICES_OK,
     "survey row 2, column relevant: q: relevant refers to r, which comes later in the "
     "questionnaire; the condition was dropped: the question is always shown", ["q", "r"]),
    ([["type", "name", "label::vi"], ["begin group", "g", "Lưới", None],
      ["text", "q", "Hỏi"], ["end group", "g"]], CHOICES_OK, None, ["q"]),
    ([["type", "name", "label::vi", "appearance"], ["begin group", "g", "Lưới", "table-list"],
      ["text", "q", "Hỏi", None], ["end group", "g", None, None]], CHOICES_OK,
     "survey row 2, column appearance: table-list group g is not a set of select_one rows over "
     "one list; its questions became ordinary questions", ["q"]),
    ([["type", "name", "label::Klingon", "label::vi"], ["text", "q", "Hỏi", "Hỏi"]], CHOICES_OK,
     "survey row 1, column label::Klingon: column label::Klingon: cannot tell its language; "
     "the column was ignored", ["q"]),
])
def test_rows_we_cannot_use_are_dropped_and_named(survey, choices, line, kept):
    """What used to refuse the whole file now drops the one thing, with a line naming it."""
    result = from_xlsx(workbook(survey, choices, SETTINGS), "form.xlsx")
    assert result.errors == []
    items = [item["id"] for page in result.definition["pages"] for item in page["items"]]
    assert items == kept
    if line is not None:
        assert any(line in text for text in result.report.texts("en")), \
            result.report.texts("en")


@pytest.mark.parametrize("survey, message", [
    ([["name", "label::vi"], ["q", "Hỏi"]],
     "survey sheet has no 'type' column, so this is not an XLSForm (first row: name, label::vi)"),
    ([["type", "name", "label::vi"], ["geopoint", "g", "Ở đâu"], ["start", "s", None]],
     "no question is left once the unsupported parts are dropped (2 rows dropped"),
    ([["name", "_uuid", "_submission_time"], ["x", "1", "2024"]],
     "this is a data export (columns _uuid, _submission_time), not an XLSForm"),
])
def test_files_with_nothing_usable_are_refused_precisely(survey, message):
    result = from_xlsx(workbook(survey, CHOICES_OK, SETTINGS), "form.xlsx")
    assert result.definition is None
    assert len(result.errors) == 1 and result.errors[0].startswith("form.xlsx: ")
    assert message in result.errors[0]
    vietnamese = result.report.texts("vi", ("refused",))
    assert len(vietnamese) == 1 and "XLSForm" in vietnamese[0] or "câu hỏi" in vietnamese[0]


def test_missing_survey_sheet():
    result = from_xlsx(_only_choices(), "x.xlsx")
    assert result.errors == ["x.xlsx: the workbook has no 'survey' sheet (sheets: choices, "
                             "settings); an XLSForm needs a survey sheet with columns type, "
                             "name, label"]
    assert result.report.texts("vi") == [
        "Bảng tính không có trang «survey» (các trang có: choices, settings). Một XLSForm cần "
        "trang survey với các cột type, name, label."]


def _only_choices() -> bytes:
    book = Workbook()
    book.active.title = "choices"
    for row in CHOICES_OK:
        book.active.append(row)
    book.create_sheet("settings").append(["form_id"])
    book["settings"].append(["thu-nghiem"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_read_file_raises_definition_error_for_a_bad_xlsx(tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(DefinitionError) as info:
        read_file(path)
    assert info.value.errors == ["bad.xlsx: not an .xlsx workbook (an .xlsx file is a zip "
                                 "archive)"]


# --------------------------------------------------------------------------- fuzzing

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    result = from_xlsx(data, "fuzz.xlsx")
    assert result.definition is None and result.errors


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=400), st.integers(min_value=0, max_value=4000))
def test_corrupted_workbooks_never_raise(flagship_xlsx_bytes, noise, offset):
    data = bytearray(flagship_xlsx_bytes)
    position = offset % len(data)
    data[position:position + len(noise)] = noise
    result = from_xlsx(bytes(data), "fuzz.xlsx")
    assert result.ok or result.errors


TYPES = ["text", "integer", "decimal", "note", "select_one yn", "select_multiple yn",
         "rank yn", "select_one yn or_other", "select_one missing", "begin group",
         "end group", "begin repeat", "end repeat", "geopoint", "calculate", "deviceid",
         "begin group", "select_one", "rank", "", "weird type"]
CELLS = st.one_of(st.none(), st.sampled_from(["q1", "q2", "g", "yes", "no", "${q1} = 1",
                                              "selected(${q2}, '1')", "count-selected(.) <= 1",
                                              ". >= 0 and . <= 9", "string-length(.) <= 5",
                                              "table-list", "minimal", "top=1", "${nope}",
                                              "(", "'", "${", "Câu hỏi", "1", "0"]),
                  st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(TYPES), st.sampled_from(["q1", "q2", "q3", "g", "g_1",
                                                                    "", "x-y"]),
                          CELLS, CELLS, CELLS, CELLS), max_size=12))
def test_random_survey_sheets_import_cleanly_or_fail_cleanly(rows):
    survey = [["type", "name", "label::vi", "relevant", "constraint", "appearance"]]
    survey += [list(row) for row in rows]
    choices = [["list_name", "name", "label::vi", "missing"], ["yn", 1, "Có", None],
               ["yn", 2, "Không", None], ["yn", 9, "Khó nói", "yes"]]
    result = from_xlsx(workbook(survey, choices, SETTINGS), "fuzz.xlsx")
    if result.ok:
        again = from_xlsx(to_xlsx(result.definition), "again.xlsx")
        assert again.errors == []
        assert again.definition == result.definition
    else:
        assert result.errors and all(e.startswith("fuzz.xlsx: ") for e in result.errors)


@pytest.fixture(scope="module")
def flagship_xlsx_bytes(flagship_xlsx) -> bytes:
    return flagship_xlsx


LABELS = st.text(st.sampled_from("abcxyz ăâđêôơưạảấầẩẫậéèẻẽẹ?ỨỪ"), min_size=1, max_size=15) \
    .filter(lambda s: s.strip())
CONDITIONS = {
    "select_one yn": ["${%s} = '1'", "${%s} != 2", "selected(${%s}, '9')"],
    "select_multiple yn": ["selected(${%s}, '2')", "count-selected(${%s}) >= 2"],
    "integer": ["${%s} >= 3", "${%s} < 10 and ${%s} != 4"],
    "text": ["${%s} != ''", "string-length(${%s}) > 2"],
}
CONSTRAINTS = {
    "integer": [None, ". >= 0", ". >= 0 and . <= 10", ". != 5"],
    "decimal": [None, ". <= 2.5"],
    "text": [None, "string-length(.) <= 20"],
    "select_multiple yn": [None, "count-selected(.) <= 2",
                           "count-selected(.) >= 1 and count-selected(.) <= 2"],
}


@st.composite
def valid_forms(draw) -> list[list]:
    """Survey rows of a well-formed XLSForm: pages, grids, logic, filters, limits."""
    rows = [["type", "name", "label::vi", "label::English (en)", "relevant", "constraint",
             "appearance", "choice_filter", "parameters", "required"]]
    earlier: list[tuple[str, str]] = []
    page_open = False
    for index in range(draw(st.integers(1, 7))):
        if not page_open and draw(st.booleans()):
            rows.append(["begin group", f"p{index}", draw(LABELS), None, None, None,
                         "field-list", None, None, None])
            page_open = True
        kind = draw(st.sampled_from(["text", "integer", "decimal", "note", "select_one yn",
                                     "select_multiple yn", "rank yn",
                                     "select_one yn or_other", "grid"]))
        name = f"q{index}"
        relevant = None
        usable = [(n, k) for n, k in earlier if k in CONDITIONS]
        if usable and draw(st.booleans()):
            target, target_kind = draw(st.sampled_from(usable))
            template = draw(st.sampled_from(CONDITIONS[target_kind]))
            relevant = template.replace("%s", target)
        english = draw(st.one_of(st.none(), LABELS))
        required = draw(st.sampled_from([None, "yes"])) if kind != "note" else None
        if kind == "grid":
            rows.append(["begin group", name, draw(LABELS), english, relevant, None,
                         "table-list", None, draw(st.sampled_from([None, "randomize=true"])),
                         None])
            for row_id in ("a", "b"):
                rows.append(["select_one yn", f"{name}_{row_id}", draw(LABELS), None, None,
                             None, None, None, None, required])
            rows.append(["end group", name, None, None, None, None, None, None, None, None])
            earlier += [(f"{name}_a", "select_one yn"), (f"{name}_b", "select_one yn")]
        else:
            constraint = draw(st.sampled_from(CONSTRAINTS.get(kind, [None])))
            appearance = draw(st.sampled_from({"text": [None, "multiline"],
                                               "select_one yn": [None, "minimal"]}
                                              .get(kind, [None])))
            choice_filter = None
            singles = [n for n, k in earlier if k == "select_one yn"]
            if kind == "select_one yn" and singles and draw(st.booleans()):
                choice_filter = f"name != ${{{draw(st.sampled_from(singles))}}} or name = '9'"
            parameters = {"rank yn": draw(st.sampled_from(["top=1", "top=2", None])),
                          "decimal": draw(st.sampled_from(["decimals=1", None]))}.get(kind)
            rows.append([kind, name, draw(LABELS), english, relevant, constraint, appearance,
                         choice_filter, parameters, required])
            earlier.append((name, kind))
        if page_open and draw(st.booleans()):
            rows.append(["end group", None, None, None, None, None, None, None, None, None])
            page_open = False
    if page_open:
        rows.append(["end group", None, None, None, None, None, None, None, None, None])
    return rows


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(valid_forms())
def test_well_formed_xlsforms_import_and_round_trip(survey):
    choices = [["list_name", "name", "label::vi", "missing"], ["yn", 1, "Có", None],
               ["yn", 2, "Không", None], ["yn", 9, "Khó nói", "yes"]]
    result = from_xlsx(workbook(survey, choices, SETTINGS), "form.xlsx")
    assert result.errors == [], survey
    again = from_xlsx(to_xlsx(result.definition), "again.xlsx")
    assert again.errors == []
    assert again.definition == result.definition


def test_kobo_style_text_choice_names_are_numbered_and_logic_follows():
    survey = [["type", "name", "label::English (en)", "label::Vietnamese (vi)", "relevant",
               "choice_filter"],
              ["select_one yesno", "worked", "Worked?", "Đã làm?", None, None],
              ["select_multiple reasons", "why", "Why?", "Vì sao?", "${worked} = 'yes'", None],
              ["select_one reasons", "main", "Main", "Chính", "selected(${why}, 'fear')",
               "selected(${why}, name)"]]
    choices = [["list_name", "name", "label::English (en)", "label::Vietnamese (vi)"],
               ["yesno", "yes", "Yes", "Có"], ["yesno", "no", "No", "Không"],
               ["reasons", "law", "Law", "Luật"], ["reasons", "fear", "Fear", "Sợ"],
               ["reasons", "other", "Other", "Khác"]]
    result = from_xlsx(workbook(survey, choices, SETTINGS), "kobo.xlsx")
    assert result.errors == [], result.errors
    d = result.definition
    assert [o["code"] for o in find_item(d, "worked")["options"]] == [1, 2]
    assert find_item(d, "why")["relevant"] == "worked = 1"
    assert find_item(d, "main")["relevant"] == "selected(why, 2)"
    assert [o["relevant"] for o in find_item(d, "main")["options"]] == \
        ["selected(why, 1)", "selected(why, 2)", "selected(why, 3)"]
    notes = "\n".join(result.notes)
    assert "lists yesno, reasons: choice names are not numbers" in notes
    maps = {m.list_name: m.rows for m in result.report.code_maps}
    assert maps == {"yesno": [("yes", 1, "Có"), ("no", 2, "Không")],
                    "reasons": [("law", 1, "Luật"), ("fear", 2, "Sợ"), ("other", 3, "Khác")]}


def test_a_mixed_list_is_renumbered_and_numeric_references_follow():
    survey = [["type", "name", "label::vi", "relevant"], ["select_one l", "q", "Hỏi", None],
              ["text", "t", "Vì sao", "${q} = 2 or ${q} = 'dk'"]]
    choices = [["list_name", "name", "label::vi"], ["l", "dk", "Không biết"], ["l", 1, "Một"],
               ["l", 2, "Hai"]]
    result = from_xlsx(workbook(survey, choices, SETTINGS), "mixed.xlsx")
    assert result.errors == []
    assert find_item(result.definition, "t")["relevant"] == "q = 3 or q = 1"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
                min_size=3, max_size=3))
def test_any_label_text_survives_xlsform_or_is_refused_clearly(texts):
    from tests.helpers import small_definition

    definition = small_definition()
    definition["title"]["vi"] = texts[0]
    definition["pages"][0]["items"][0]["label"]["vi"] = texts[1]
    definition["pages"][0]["items"][0]["options"][1]["label"] = {"vi": texts[2], "en": texts[2]}
    try:
        canonical = normalize(definition)
    except DefinitionError:
        return
    try:
        data = to_xlsx(canonical)
    except DefinitionError as exc:
        assert all("control character" in message for message in exc.errors)
        return
    result = from_xlsx(data, "labels.xlsx")
    assert result.errors == [] and result.definition == canonical


def test_a_label_starting_with_equals_is_text_not_a_formula():
    """"=0" as an option label came back as a formula without a value (a missing label), and a
    spreadsheet would have computed "=SUM(…)" in a designer's title: both stay text."""
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.helpers import small_definition

    definition = small_definition()
    definition["title"]["vi"] = "=SUM(A1:A9)"
    definition["pages"][0]["items"][0]["options"][1]["label"] = {"vi": "=0", "en": "=0"}
    canonical = normalize(definition)
    data = to_xlsx(canonical)
    cells = [cell for sheet in load_workbook(BytesIO(data)).worksheets
             for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert any(cell.value == "=0" for cell in cells)
    result = from_xlsx(data, "labels.xlsx")
    assert result.errors == [] and result.definition == canonical
