"""Import what we can, drop what we cannot, name everything.

Every case is a small XLSForm that pyxform converts; we import it, drop the one feature we cannot
ask or store, keep the rest, and name the row, the thing and what was done in a report line in
English and in Vietnamese.
"""
from __future__ import annotations

import pytest

from survey.questionnaire import find_item, is_true, validate
from survey.questionnaire.xlsform import from_xlsx
from survey.questionnaire.xlsform_report import CATALOG, KINDS, Line
from tests.questionnaire.test_xlsform import workbook
from tests.questionnaire.test_xlsform_aliases import pyxform_converts

HEAD = ["type", "name", "label", "relevant", "constraint", "required", "appearance",
        "parameters", "calculation", "choice_filter"]
CHOICES = [["list_name", "name", "label", "cat"], ["yn", "yes", "Có", "a"],
           ["yn", "no", "Không", "b"], ["yn", "none", "Không cái nào", "a"]]
SETTINGS = [["form_id", "form_title", "default_language"], ["thu", "Thử", "vi"]]


def row(kind: str, name: str, label: str | None = "Câu", **cells: str) -> list:
    return [kind, name, label] + [cells.get(column) for column in HEAD[3:]]


def imported(rows: list[list], tmp_path, choices=CHOICES, settings=SETTINGS):
    data = workbook([HEAD] + rows, choices, settings)
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "form.xlsx")
    assert result.errors == [], result.errors
    assert validate(result.definition) == []
    return result


def ids(result) -> list[str]:
    return [item["id"] for page in result.definition["pages"] for item in page["items"]]


def line(result, code: str) -> Line:
    found = [entry for entry in result.report.lines if entry.code == code]
    assert found, [entry.code for entry in result.report.lines]
    return found[0]


KEEP = row("integer", "age", "Tuổi")


@pytest.mark.parametrize("kind", ["geopoint", "geotrace", "geoshape", "date", "time",
                                  "datetime", "image", "audio", "video", "file", "barcode",
                                  "acknowledge", "phone number", "select_one_from_file a.csv",
                                  "select_multiple_from_file a.csv", "osm yn", "q location",
                                  "add photo prompt"])
def test_unsupported_types_are_dropped_by_row(kind, tmp_path):
    result = imported([row(kind, "dropped_one", "Cái này"), KEEP], tmp_path)
    assert ids(result) == ["age"]
    code = "type-identifying" if kind == "phone number" else "type-dropped"
    found = line(result, code)
    assert (found.sheet, found.row, found.column) == ("survey", 2, "type")
    assert "dropped_one" in found.text("en") and "dòng 2" in found.text("vi")
    assert found.kind == "dropped"


@pytest.mark.parametrize("kind", ["start", "end", "today", "deviceid", "imei", "username",
                                  "email", "phonenumber", "simserial", "subscriberid", "audit",
                                  "start-geopoint", "background-audio", "uri:deviceid"])
def test_metadata_is_never_collected(kind, tmp_path):
    name = "audit" if kind == "audit" else "meta_thing"
    result = imported([row(kind, name, None), KEEP], tmp_path)
    assert ids(result) == ["age"]
    found = line(result, "type-metadata")
    assert found.row == 2 and "never collected" in found.text("en")
    assert "ẩn danh" in found.text("vi")


def test_calculate_and_what_reads_it(tmp_path):
    rows = [row("calculate", "twice", None, calculation="${age} * 2"),
            row("integer", "age", "Tuổi"),
            row("text", "why", "Vì sao", relevant="${age} > 30 and ${twice} > 60")]
    result = imported(rows, tmp_path)
    assert ids(result) == ["age", "why"]
    assert find_item(result.definition, "why")["relevant"] == "age > 30"
    part = line(result, "expression-part")
    assert part.row == 4 and part.column == "relevant"
    assert "${twice} > 60" in part.text("en") and "calculate" in part.text("en")
    assert "đã bỏ phần này" in part.text("vi")


@pytest.mark.parametrize("constraint, why_en, why_vi", [
    ("regex(., '^[0-9]+$')", "function regex() is not supported", "hàm regex() chưa"),
    (". < today()", "function today() is not supported", "hàm today()"),
    ("if(. > 3, true(), false())", "function if(), true(), false() is not supported", "hàm if()"),
    (". * 2 < 100", "arithmetic is not supported", "phép tính số học"),
    ("jr:choice-name(., '${age}') != ''", "function jr:choice-name()", "hàm jr:choice-name()"),
    ("coalesce(., 0) > 1", "function coalesce() is not supported", "hàm coalesce()"),
])
def test_unreadable_constraints_are_dropped_not_refused(constraint, why_en, why_vi, tmp_path):
    rows = [row("integer", "age", "Tuổi", constraint=f". >= 18 and {constraint}")]
    result = imported(rows, tmp_path)
    age = find_item(result.definition, "age")
    assert age["min"] == 18 and "constraint" not in age
    found = line(result, "expression-part")
    assert why_en in found.text("en") and why_vi in found.text("vi")


def test_a_condition_joined_by_or_is_dropped_whole(tmp_path):
    rows = [KEEP, row("text", "why", "Vì sao", relevant="${age} > 1 or regex(${age}, 'x')")]
    result = imported(rows, tmp_path)
    assert "relevant" not in find_item(result.definition, "why")
    found = line(result, "expression-whole")
    assert "the whole condition was dropped" in found.text("en")
    assert "đã bỏ cả điều kiện" in found.text("vi")


def test_conditional_required_becomes_optional(tmp_path):
    rows = [KEEP, row("text", "why", "Vì sao", required="${age} > 30")]
    result = imported(rows, tmp_path)
    assert find_item(result.definition, "why")["required"] is False
    assert "optional" in line(result, "required-condition").text("en")


@pytest.mark.parametrize("column, value, header", [
    ("default", "5", "default"), ("read_only", "yes", "read_only"),
    ("guidance_hint", "đọc to", "guidance_hint"), ("media::image", "a.png", "media::image"),
    ("required_message", "Bắt buộc", "required_message"), ("trigger", "${age}", "trigger"),
    ("body::accuracyThreshold", "5", "body::accuracyThreshold"),
])
def test_unsupported_columns_are_named_with_their_rows(column, value, header, tmp_path):
    data = workbook([["type", "name", "label", column], ["integer", "age", "Tuổi", value],
                     ["text", "t", "Chữ", value], ["note", "n", "Ghi chú", None]], None,
                    SETTINGS)
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "f.xlsx")
    found = line(result, "column-dropped")
    assert found.column == header
    assert f"column {header} is not supported; ignored (rows 2, 3)" in found.text("en")
    assert f"Cột {header} không được hỗ trợ; bỏ qua (dòng 2, 3)" in found.text("vi")


@pytest.mark.parametrize("setting, value, code", [
    ("version", "2024010101", "setting-dropped"), ("instance_name", "concat('a', 'b')",
                                                   "setting-dropped"),
    ("submission_url", "https://example.org/submission", "setting-dropped"),
    ("style", "pages", "setting-dropped"), ("public_key", "MIIBIjANBg", "setting-encryption"),
])
def test_settings_we_do_not_use_are_named(setting, value, code, tmp_path):
    settings = [["form_id", "form_title", setting], ["thu", "Thử", value]]
    result = imported([KEEP], tmp_path, settings=settings)
    found = line(result, code)
    assert (found.sheet, found.row, found.column) == ("settings", 2, setting)


def test_appearances_and_parameters_we_do_not_use(tmp_path):
    rows = [row("select_one yn", "a", "A", appearance="likert"),
            row("select_one yn", "b", "B", appearance="likert"),
            row("select_one yn", "c", "C", appearance="minimal",
                parameters="randomize=true seed=7")]
    result = imported(rows, tmp_path)
    assert find_item(result.definition, "c")["appearance"] == "dropdown"
    assert find_item(result.definition, "c")["randomize"] is True
    assert "appearance 'likert' is not supported; ignored (rows 2, 3)" in \
        line(result, "appearance-dropped").text("en")
    assert "parameter 'seed=7' of c ignored" in line(result, "parameter-dropped").text("en")


def test_choice_names_get_codes_and_a_visible_table(tmp_path):
    rows = [row("select_multiple yn", "which", "Cái nào",
                constraint="not(selected(., 'none') and count-selected(.) > 1)"),
            row("text", "why", "Vì sao", relevant="selected(${which}, 'yes')")]
    result = imported(rows, tmp_path)
    which = find_item(result.definition, "which")
    assert [o["code"] for o in which["options"]] == [1, 2, 3]
    assert which["options"][2].get("exclusive") is True and "constraint" not in which
    assert [o["name"] for o in which["options"]] == ["yes", "no", "none"]  # the codebook
    assert find_item(result.definition, "why")["relevant"] == "selected(which, 1)"
    [table] = result.report.code_maps
    assert table.list_name == "yn"
    assert table.rows == [("yes", 1, "Có"), ("no", 2, "Không"), ("none", 3, "Không cái nào")]
    assert "option 3 exclusive" in line(result, "exclusive-recognised").text("en")


def test_equality_on_a_multiple_choice_means_exactly_that_option(tmp_path):
    rows = [row("select_multiple yn", "which", "Cái nào"),
            row("text", "why", "Vì sao", relevant="${which} = 'no'")]
    result = imported(rows, tmp_path)
    relevant = find_item(result.definition, "why")["relevant"]
    assert is_true(relevant, {"which": [2]}) and not is_true(relevant, {"which": [1, 2]})


def test_choice_filter_becomes_per_option_filters(tmp_path):
    rows = [row("select_one yn", "first", "Đầu"),
            row("select_one yn", "second", "Sau", choice_filter="cat = 'a' or name = ${first}")]
    result = imported(rows, tmp_path)
    options = find_item(result.definition, "second")["options"]
    assert [o.get("relevant") for o in options] == [None, "2 = first", None]


def test_repeat_is_asked_once_and_loop_is_expanded(tmp_path):
    rows = [["begin repeat", "kids", "Con"] + [None] * 7, row("integer", "kid_age", "Tuổi con"),
            ["end repeat", "kids", None] + [None] * 7,
            ["begin loop over yn", "each", "Mỗi"] + [None] * 7,
            row("integer", "count", "Số %(label)s"), ["end loop", None, None] + [None] * 7]
    result = imported(rows, tmp_path)
    assert ids(result) == ["kid_age", "count_yes", "count_no", "count_none"]
    assert find_item(result.definition, "count_no")["label"] == {"vi": "Số Không"}
    assert "asked once, not repeated" in line(result, "repeat-once").text("en")
    assert "one question per option (3 questions)" in line(result, "loop-expanded").text("en")


def test_range_and_percentage_become_number_questions(tmp_path):
    rows = [row("range", "score", "Điểm", parameters="start=0 end=10 step=0.5"),
            row("percentage", "share", "Tỉ lệ")]
    result = imported(rows, tmp_path)
    score, share = find_item(result.definition, "score"), find_item(result.definition, "share")
    assert (score["min"], score["max"], score["decimals"]) == (0, 10, 1)
    assert (share["min"], share["max"], share["decimals"]) == (0, 100, 0)


def test_other_specify_written_by_hand_is_recognised(tmp_path):
    rows = [row("select_one yn", "pick", "Chọn"),
            row("text", "pick_other", "Ghi rõ", relevant="${pick} = 'none'")]
    result = imported(rows, tmp_path)
    assert ids(result) == ["pick"]
    assert find_item(result.definition, "pick")["options"][2]["other"] is True
    assert result.names["pick_other"] == "pick.other"
    assert "pick_other is the text box of option 3 of pick" in \
        line(result, "other-recognised").text("en")


def test_names_are_mapped_to_our_item_ids(tmp_path):
    rows = [row("text", "tên-người", "Tên"), row("text", "and", "Và"),
            row("text", "x" * 50, "Dài"), row("text", "_hidden", "Ẩn")]
    data = workbook([HEAD] + rows, CHOICES, SETTINGS)
    result = from_xlsx(data, "f.xlsx")  # pyxform refuses tên-người; we still map it
    assert ids(result) == ["ten_nguoi", "and_q", "x" * 40, "hidden"]
    assert {entry.code for entry in result.report.lines} >= {"name-renamed"}


def test_a_form_without_labels_imports_as_a_draft_to_finish(tmp_path):
    """Labels only as pictures (pyxform needs a label, a hint or a medium), choices without
    labels: the draft imports with placeholders, listed as what is missing."""
    survey = [["type", "name", "media::image"], ["select_one yn", "pick", "pick.png"],
              ["integer", "age", "age.png"]]
    choices = [["list_name", "name"], ["yn", "yes"], ["yn", "no"]]
    data = workbook(survey, choices, SETTINGS)
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "f.xlsx")
    assert validate(result.definition) == []
    assert find_item(result.definition, "age")["label"]["vi"].startswith("⚠")
    missing = {(m.what, m.item, m.detail) for m in result.missing}
    assert missing == {("question", "pick", ""), ("question", "age", ""),
                       ("option", "yn", "1"), ("option", "yn", "2")}
    lines = [entry for entry in result.report.lines if entry.kind == "missing"]
    assert len(lines) == 4
    assert "Phải thêm nhãn tiếng Việt trước khi phát hành" in lines[0].text("vi")


def test_every_report_line_is_worded_in_both_languages():
    for code, (kind, vi, en) in CATALOG.items():
        assert kind in KINDS, code
        assert vi and en and vi != en, code
        params = {name: "x" for name in ("name", "type", "list", "column", "rows", "setting",
                                         "value", "text", "part", "why", "why_vi", "language",
                                         "count", "old", "new", "title", "what", "code",
                                         "owner", "appearance", "parameter", "choice", "mb",
                                         "why", "part", "ratio", "sheets", "headers",
                                         "columns", "sheet", "dropped", "row", "start", "end",
                                         "min", "max", "codes", "names", "top", "label",
                                         "other", "where", "problem", "problem_vi",
                                         "problem_en", "action", "first", "action_vi")}
        entry = Line(code, "survey", 3, "type", tuple(params.items()))
        assert "{" not in entry.text("vi") and "{" not in entry.text("en"), code
        assert Line(code).unfilled() <= set(params), code
