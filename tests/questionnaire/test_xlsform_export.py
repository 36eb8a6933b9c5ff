"""Export says what it loses: our XLSForms convert with pyxform, carry "other — specify",
exclusivity and the top of a ranking as ODK understands them, and list what they cannot carry."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from survey.questionnaire import normalize
from survey.questionnaire.xlsform import export_xlsx, from_xlsx
from tests.questionnaire.test_xlsform_aliases import pyxform_converts

AGREE = [{"code": 1, "label": {"vi": "Có", "en": "Yes"}},
         {"code": 2, "label": {"vi": "Không", "en": "No"}},
         {"code": 9, "label": {"vi": "Khó trả lời", "en": "Hard to say"}, "missing": True}]


def definition() -> dict:
    return normalize({
        "id": "xuat-thu", "title": {"vi": "Xuất thử", "en": "Export test"},
        "introduction": {"vi": "Xin chào"}, "estimated_minutes": 5,
        "pages": [{"id": "P1", "items": [
            {"id": "kind", "type": "single", "role": "banner", "dimension": "category",
             "label": {"vi": "Loại"}, "randomize": True, "options": [
                 {"code": 1, "label": "Một"}, {"code": 2, "label": "Hai"},
                 {"code": 8, "label": "Khác (ghi rõ)", "other": True},
                 {"code": 99, "label": "Không muốn trả lời", "missing": True}]},
            {"id": "fields", "type": "multiple", "label": "Lĩnh vực", "max_select": 3,
             "options": [{"code": 1, "label": "Đất đai"}, {"code": 2, "label": "Y tế"},
                         {"code": 3, "label": "Khác", "other": True},
                         {"code": 98, "label": "Không biết", "missing": True,
                          "exclusive": True}]},
            {"id": "causes", "type": "ranking", "label": {"vi": "Xếp hạng", "en": "Rank"},
             "top": 2, "required": True, "relevant": "kind = 1", "options": [
                 {"code": 1, "label": "A"}, {"code": 2, "label": "B"},
                 {"code": 3, "label": "C"}, {"code": 9, "label": "Khó nói", "missing": True}]},
            {"id": "grid", "type": "grid", "label": "Bảng", "randomize": True,
             "rows": [{"id": "a", "label": "Dòng a"}, {"id": "b", "label": "Dòng b"}],
             "options": AGREE},
        ]}]})


@pytest.fixture(scope="module")
def exported():
    return export_xlsx(definition())


def test_the_export_converts_and_comes_back_the_same(exported, tmp_path):
    data, _report = exported
    xform = pyxform_converts(data, tmp_path)
    assert '<odk:rank' not in xform
    again = from_xlsx(data, "xuat-thu.xlsx")
    assert again.errors == [] and again.definition == definition()
    assert again.report.lines == []


def test_other_specify_is_a_text_question_shown_by_its_option(exported):
    data, _report = exported
    rows = _sheet(data, "survey")
    assert rows["kind_other"]["type"] == "text"
    assert rows["kind_other"]["relevant"] == "selected(${kind}, '8')"
    assert rows["kind_other"]["required"] == "yes" and rows["kind_other"]["other_of"] == "kind"
    assert rows["fields_other"]["relevant"] == "selected(${fields}, '3')"


def test_exclusive_options_are_a_constraint(exported):
    rows = _sheet(exported[0], "survey")
    assert rows["fields"]["constraint"] == \
        "count-selected(.) <= 3 and not(selected(., '98') and count-selected(.) > 1)"


def test_ranking_top_is_one_question_per_rank(exported):
    rows = _sheet(exported[0], "survey")
    assert "causes" not in rows
    assert rows["causes_1"]["relevant"] == "${kind} = 1"
    assert rows["causes_2"]["relevant"] == "${kind} = 1 and ${causes_1} != '' and " \
                                           "${causes_1} != 9"
    assert rows["causes_2"]["constraint"] == ". != ${causes_1}"
    assert rows["causes_1"]["label::Vietnamese (vi)"] == "Xếp hạng (hạng 1)"
    assert rows["causes_2"]["label::English (en)"] == "Rank (rank 2)"
    assert rows["causes_1"]["required"] == rows["causes_2"]["required"] == "yes"


def test_the_export_report_names_what_xlsform_cannot_carry(exported):
    data, report = exported
    en = report.texts("en")
    vi = report.texts("vi")
    assert "kind: ODK/Kobo shuffle the fixed options too (8, 99); XLSForm cannot keep them at " \
           "the end" in en
    assert "grid grid: ODK/Kobo do not shuffle grid rows; kept only in our randomize column" in en
    assert any(text.startswith("kind, fields, causes, grid: ODK/Kobo treat the missing options")
               for text in en)
    assert "the banner role/dimension of kind is kept only in our own columns" in en
    assert any("introduction, anonymity statement" in text for text in en)
    assert any("causes_1, causes_2" in text for text in en)
    assert any("Câu kind: ODK/Kobo xáo trộn cả các phương án cố định (8, 99)" in t for t in vi)
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = [list(r) for r in book["export_report"].iter_rows(values_only=True)]
    assert sheet[0] == ["vi", "en"] and [r[1] for r in sheet[1:]] == en


def test_a_ranking_read_by_other_logic_stays_one_rank_question(tmp_path):
    d = definition()
    d["pages"][0]["items"].append({"id": "after", "type": "text", "label": {"vi": "Sau"},
                                   "relevant": "selected(causes, 1)"})
    data, report = export_xlsx(normalize(d))
    rows = _sheet(data, "survey")
    assert rows["causes"]["type"] == "rank causes" and rows["causes"]["top"] == 2
    assert not any("causes_1" in text for text in report.texts("en"))
    pyxform_converts(data, tmp_path)
    assert from_xlsx(data, "x.xlsx").definition == normalize(d)


def _sheet(data: bytes, title: str) -> dict[str, dict]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(r) for r in book[title].iter_rows(values_only=True)]
    return {row[rows[0].index("name")]: dict(zip(rows[0], row)) for row in rows[1:]
            if row[rows[0].index("name")]}
