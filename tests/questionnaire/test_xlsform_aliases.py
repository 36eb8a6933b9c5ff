"""XLSForm spellings: every alias pyxform accepts is read by us, checked against pyxform itself.

Each workbook here is converted by pyxform (the reference converter of ODK and KoboToolbox) and
imported by us: a spelling pyxform accepts must import.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pyxform import aliases
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

from survey.questionnaire import find_item
from survey.questionnaire.xlsform import from_xlsx
from survey.questionnaire.xlsform_aliases import (DROPPED_TYPES, METADATA, NUMERIC_PRESETS,
                                                  QUESTION_TYPES, header_key, parse_type)
from survey.questionnaire.xlsform_sheets import language_of
from tests.questionnaire.test_xlsform import workbook

#: our canonical type names → a pyxform key with the same definition
PYXFORM_NAME = {"select_one": "select one", "select_multiple": "select all that apply",
                "select_one_external": "select one external"}


def pyxform_converts(data: bytes, tmp_path: Path, name: str = "form") -> str:
    from pyxform.xls2xform import convert

    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convert(xlsform=str(path), validate=False).xform


# --------------------------------------------------------------------------- the tables

def test_every_pyxform_question_type_is_known():
    unknown = [name for name in QUESTION_TYPE_DICT if name.lower() not in QUESTION_TYPES]
    assert unknown == []


@pytest.mark.parametrize("spelling", sorted(QUESTION_TYPE_DICT))
def test_each_type_alias_means_what_pyxform_means(spelling):
    canonical = QUESTION_TYPES[spelling.lower()]
    reference = PYXFORM_NAME.get(canonical, canonical)
    same = {k for k in QUESTION_TYPE_DICT if k.lower() == reference}
    assert same, canonical
    assert QUESTION_TYPE_DICT[spelling] == QUESTION_TYPE_DICT[same.pop()]
    assert canonical in DROPPED_TYPES | METADATA | set(NUMERIC_PRESETS) | {
        "integer", "decimal", "text", "note", "range", "select_one", "select_multiple", "rank"}


def test_type_alias_map_of_pyxform_is_known():
    for alias, target in aliases._type_alias_map.items():
        assert QUESTION_TYPES[alias] == QUESTION_TYPES[target.lower()]


@pytest.mark.parametrize("command", sorted(aliases.select))
def test_every_select_spelling_parses(command):
    spec = parse_type(f"{command} my_list or specify other")
    assert spec.kind == "select" and spec.list_name == "my_list" and spec.or_other
    expected = {"select one": "select_one", "select all that apply": "select_multiple",
                "rank": "rank", "select one external": "select_one_external"}
    pyxform_kind = aliases.select[command]
    if command.endswith("from file") or command.endswith("_from_file"):
        assert spec.name.endswith("_from_file")
    else:
        assert spec.name == expected[pyxform_kind]
    assert parse_type(f"  {command.upper()}   my_list ").list_name == "my_list"


@pytest.mark.parametrize("control", sorted(aliases.control))
def test_every_group_spelling_parses(control):
    begin = parse_type(f"begin {control}")
    end = parse_type(f"end_{control}")
    assert (begin.kind, end.kind) == ("begin", "end")
    assert begin.name == {"group": "group", "repeat": "repeat", "loop": "loop"}[
        aliases.control[control]]
    assert parse_type("begin loop over animals") == parse_type("begin_loop animals")


SURVEY_HEADERS = {
    "read_only": "read_only", "readonly": "read_only", "relevant": "relevant",
    "caption": "label", "appearance": "appearance", "relevance": "relevant",
    "required": "required", "constraint": "constraint",
    "constraining_message": "constraint_message", "constraint_message": "constraint_message",
    "calculation": "calculation", "calculate": "calculation", "command": "type", "tag": "name",
    "value": "name", "image": "media:image", "big-image": "media:big-image",
    "audio": "media:audio", "video": "media:video", "count": "repeat_count",
    "repeat_count": "repeat_count", "jr:count": "repeat_count", "autoplay": "autoplay",
    "rows": "rows", "noapperrorstring": "no_app_error_string",
    "no_app_error_string": "no_app_error_string", "requiredmsg": "required_message",
    "required_message": "required_message", "body": "body", "save_to": "save_to",
}


@pytest.mark.parametrize("alias", sorted(aliases.survey_header))
def test_every_survey_header_alias(alias):
    if alias.startswith("sms_") or alias == "compact_tag":
        assert header_key(alias, "survey", False)[0] == alias  # unknown here: dropped, named
        return
    assert header_key(alias, "survey", False) == (SURVEY_HEADERS[alias], None)


@pytest.mark.parametrize("alias, key", [("caption", "label"), ("list_name", "list_name"),
                                        ("list name", "list_name"), ("LIST NAME", "list_name"),
                                        ("value", "name"), ("image", "media:image"),
                                        ("big-image", "media:big-image"),
                                        ("audio", "media:audio"), ("video", "media:video")])
def test_every_choices_header_alias(alias, key):
    assert header_key(alias, "choices", False) == (key, None)


@pytest.mark.parametrize("alias, key", [("form_title", "title"), ("set_form_title", "title"),
                                        ("form_id", "form_id"), ("set_form_id", "form_id"),
                                        ("id_string", "form_id"), ("prefix", "prefix"),
                                        ("FORM_TITLE", "title")])
def test_every_settings_header_alias(alias, key):
    assert header_key(alias, "settings", False) == (key, None)


@pytest.mark.parametrize("header, double, expected", [
    ("label::English (en)", True, ("label", "English (en)")),
    ("label:English", False, ("label", "English")),
    ("LABEL::EN", True, ("label", "EN")),
    ("label::English\n", True, ("label", "English")),
    ("bind:relevant", False, ("relevant", None)),
    ("bind:jr:constraintMsg", False, ("constraint_message", None)),
    ("control:appearance", False, ("appearance", None)),
    ("media::audio::chinese", True, ("media:audio", "chinese")),
    ("image::english", True, ("media:image", "english")),
    ("hint::Tiếng Việt", True, ("hint", "Tiếng Việt")),
    ("  Constraint  Message ", False, ("constraint_message", None)),
])
def test_headers_split_like_pyxform(header, double, expected):
    assert header_key(header, "survey", double) == expected


@pytest.mark.parametrize("spec, code", [
    ("English (en)", "en"), ("English(en)", "en"), ("en", "en"), ("EN", "en"),
    ("english", "en"), ("Vietnamese (vi)", "vi"), ("Tiếng Việt", "vi"), ("vi", "vi"),
    ("Swahili", "sw"), ("العربية", "ar"), ("Français (fr-CA)", "fr"), ("Tetun", "tet"),
    ("Klingon", None), ("default", None),
])
def test_language_names(spec, code):
    assert language_of(spec) == code


# --------------------------------------------------------------------------- real workbooks

CHOICES = [["list name", "name", "label"], ["yn", "yes", "Có"], ["yn", "no", "Không"],
           ["yn", "dk", "Khó nói"]]


@pytest.mark.parametrize("type_text, kind", [
    ("select_one yn", "single"), ("select one yn", "single"), ("select1 yn", "single"),
    ("select one from yn", "single"), ("add select one prompt using yn", "single"),
    ("select_multiple yn", "multiple"), ("select all that apply yn", "multiple"),
    ("select all that apply from yn", "multiple"),
    ("add select multiple prompt using yn", "multiple"), ("rank yn", "ranking"),
    ("int", "numeric"), ("integer", "numeric"), ("q int", "numeric"),
    ("add integer prompt", "numeric"), ("decimal", "numeric"), ("add decimal prompt", "numeric"),
    ("string", "text"), ("text", "text"), ("q string", "text"), ("add text prompt", "text"),
    ("note", "note"), ("q note", "note"), ("add note prompt", "note"),
    ("percentage", "numeric"), ("range", "numeric"),
])
def test_type_spellings_import(type_text, kind, tmp_path):
    data = workbook([["type", "name", "label"], [type_text, "q", "Câu hỏi"]], CHOICES)
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "phieu_thu_xls.xlsx")
    assert result.errors == []
    assert find_item(result.definition, "q")["type"] == kind


def test_spellings_from_many_authors_in_one_form(tmp_path):
    """Headers in capitals, ``list name`` with a space, ``bind:relevant``, ``caption``,
    ``label:English`` with one colon, a ``form_id`` with underscores, no ``form_title``."""
    survey = [["TYPE", "Name", "caption", "bind:relevant", "bind:required"],
              ["select one yn", "worked", "Đã làm?", None, "TRUE"],
              ["select all that apply from yn or specify other", "why", "Vì sao?",
               "${worked} = 'yes'", "no"],
              ["integer", "years", "Bao nhiêu năm?", "${worked}='yes'", None]]
    choices = [["List Name", "Value", "Caption"], ["yn", "yes", "Có"], ["yn", "no", "Không"]]
    settings = [["FORM_ID", "default_language"], ["phieu_thu_xls", "vi"]]
    data = workbook(survey, choices, settings)
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "a.xlsx")
    assert result.errors == []
    d = result.definition
    assert d["id"] == "phieu-thu-xls" and d["title"] == {"vi": "phieu_thu_xls"}
    assert find_item(d, "worked")["required"] is True
    why = find_item(d, "why")
    assert why["type"] == "multiple" and why["relevant"] == "worked = 1"
    assert why["options"][-1]["other"] is True and why["options"][-1]["code"] == 3
    assert find_item(d, "years")["relevant"] == "worked = 1"
    texts = "\n".join(result.report.texts("en"))
    assert "form_id 'phieu_thu_xls' became questionnaire id 'phieu-thu-xls'" in texts
    assert "no form_title; the title is 'phieu_thu_xls'" in texts
    assert "Vietnamese" not in texts  # default_language vi: plain labels are Vietnamese


@pytest.mark.parametrize("header, languages, note", [
    ("label", ["vi"], "the labels of column label were taken as the Vietnamese ones"),
    ("label::English (en)", ["vi", "en"], "column label::English (en) were taken"),
    ("label:english", ["vi", "en"], "column label:english were taken"),
    ("label::en", ["vi", "en"], "column label::en were taken"),
    ("LABEL::EN", ["vi", "en"], "column LABEL::EN were taken"),
    ("label::Vietnamese (vi)", ["vi"], None),
    ("label::vi", ["vi"], None),
    ("label::Tiếng Việt", ["vi"], None),
])
def test_label_columns_in_every_spelling(header, languages, note, tmp_path):
    data = workbook([["type", "name", header], ["text", "q", "Câu hỏi"]], None,
                    [["form_title"], ["Thử"]])
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "form.xlsx")
    assert result.errors == []
    assert result.definition["languages"] == languages
    assert find_item(result.definition, "q")["label"]["vi"] == "Câu hỏi"
    notes = "\n".join(result.notes)
    if note is None:
        assert "were taken as the Vietnamese" not in notes
    else:
        assert note in notes
        vi = "\n".join(result.report.texts("vi"))
        assert "Không có nhãn tiếng Việt" in vi


def test_default_language_names_the_plain_column(tmp_path):
    survey = [["type", "name", "label", "label::French (fr)"], ["text", "q", "Question", "Q"]]
    data = workbook(survey, None, [["form_title", "default_language"], ["T", "English (en)"]])
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "f.xlsx")
    assert result.definition["languages"] == ["vi", "en", "fr"]
    assert find_item(result.definition, "q")["label"] == {"vi": "Question", "en": "Question",
                                                          "fr": "Q"}


def test_settings_given_on_the_survey_sheet(tmp_path):
    """pyxform reads a survey row of type ``form_title``/``set_form_id`` as a setting."""
    survey = [["type", "name", "label"], ["set_form_id", "phieu_2", None],
              ["form_title", "Phiếu hai", None], ["text", "q", "Hỏi"]]
    data = workbook(survey)
    pyxform_converts(data, tmp_path)
    result = from_xlsx(data, "x.xlsx")
    assert result.definition["id"] == "phieu-2"
    assert result.definition["title"] == {"vi": "Phiếu hai"}
    assert [i["id"] for p in result.definition["pages"] for i in p["items"]] == ["q"]


def test_a_one_sheet_workbook_is_its_survey(tmp_path):
    from openpyxl import Workbook
    import io

    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(["type", "name", "label"])
    book.active.append(["text", "q", "Hỏi"])
    buffer = io.BytesIO()
    book.save(buffer)
    pyxform_converts(buffer.getvalue(), tmp_path)
    result = from_xlsx(buffer.getvalue(), "mot-trang.xlsx")
    assert result.errors == [] and result.definition["id"] == "mot-trang"
