"""Validator messages that point at the fix (issue 25, point 16): "did you mean" for misspelt
keys and for the key another item type uses, one message for a misspelt option list, a
dimension in capitals, a grid row written B1_5; the designer shows them (and the parser's
reasons) in Vietnamese; the format document says what is checked and in which order."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey.designer.messages import plain
from survey.questionnaire import load_text
from survey.questionnaire.errors import DefinitionError

DOC = Path(__file__).resolve().parents[2] / "docs" / "questionnaire-format.md"


def _example_text() -> str:
    return next(block for block in re.findall(r"```yaml\n(.*?)```",
                                               DOC.read_text(encoding="utf-8"), re.S)
                if block.startswith("id: thu-nghiem"))


def _problems(*changes: tuple[str, str]) -> list[str]:
    text = _example_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    try:
        load_text(text, "x.yaml")
    except DefinitionError as error:
        return list(error.errors)
    return []


B2 = "        max_select: 2\n"


@pytest.mark.parametrize("change, expected", [
    ((B2, B2 + "        randomise: true\n"), "unknown key 'randomise' (did you mean randomize?)"),
    ((B2, B2 + "        top: 2\n"), "unknown key 'top' (did you mean max_select?)"),
    (("        type: multiple\n        label: \"Lĩnh vực khó khăn nhất (tối đa 2)\"\n"
      "        max_select: 2\n", "        type: ranking\n        label: \"Xếp hạng\"\n"
      "        max_select: 2\n"), "unknown key 'max_select' (did you mean top?)"),
    (("        dimension: rank\n", "        dimension: rank\n        max_select: 2\n"),
     "unknown key 'max_select' (did you mean type: multiple?)"),
    (("        dimension: rank\n", "        dimension: rank\n        randomise: true\n"),
     "unknown key 'randomise' (did you mean randomize?)"),
])
def test_unknown_keys_say_what_was_meant(change, expected):
    problems = _problems(change)
    assert any(p.endswith(expected) for p in problems), problems


def test_a_misspelt_option_list_is_one_useful_message():
    problems = _problems(("        options_from: agree3\n", "        options_from: agre3\n"))
    assert problems == ["x.yaml:50: item B1: options_from names unknown option list 'agre3' "
                        "(did you mean agree3? known: agree3)"], problems


def test_a_dimension_in_capitals_is_named_with_the_fix():
    problems = _problems(("        dimension: rank\n", "        dimension: Age\n"))
    assert len(problems) == 1 and problems[0].endswith(
        "dimension 'Age' may use only lower-case letters, digits and _ (did you mean age?)")
    assert "needs a dimension" not in problems[0]


def test_a_grid_row_written_the_xlsform_way_suggests_the_row():
    problems = _problems(('relevant: "B1.2 = 1 or selected(B2, 8)"',
                          'relevant: "B1_2 = 1 or selected(B2, 8)"'))
    assert len(problems) == 1 and problems[0].endswith(
        "relevant refers to unknown item 'B1_2' (did you mean B1.2?)"), problems


def test_the_designer_shows_them_in_vietnamese():
    cases = {
        "item B2: unknown key 'randomise' (did you mean randomize?)":
            "Câu B2: Khoá “randomise” không dùng được ở đây (có phải randomize?).",
        "item B1: options_from names unknown option list 'agre3' (did you mean agree3? known: "
        "agree3)": "Câu B1: Không có danh sách phương án “agre3” (có phải agree3?); các danh "
                   "sách: agree3.",
        "item A2: dimension 'Age' may use only lower-case letters, digits and _ (did you mean "
        "age?)": "Câu A2: Chiều phân tổ “Age” chỉ được gồm chữ thường không dấu, chữ số và dấu "
                 "gạch dưới (có phải age?).",
        "item B3: relevant refers to unknown item 'B1_2' (did you mean B1.2?)":
            "Câu B3: Điều kiện hiển thị nhắc đến câu B1_2, nhưng phiếu không có câu này (có "
            "phải B1.2?).",
    }
    for english, vietnamese in cases.items():
        assert plain(english) == vietnamese


@pytest.mark.parametrize("condition, reason", [
    ("A1 =", "cần một giá trị, nhưng gặp hết biểu thức (ở ký tự thứ 5)"),
    ("A1 = = 2", "cần một giá trị, nhưng gặp '=' (ở ký tự thứ 6)"),
    ("A1 < 2 < 3", "không so sánh nối tiếp được; hãy nối các phép so sánh bằng 'and'"),
    ("A1 ! 2", "sau '!' phải là '=' (phủ định thì dùng 'not')"),
    ("A1 = 'x", "chuỗi chưa có dấu nháy đóng"),
    ("chon(A1, 2)", "không có hàm 'chon'"),
    ("selected(A1)", "hàm selected() cần 2 đối số"),
])
def test_parser_reasons_are_vietnamese_on_the_designer_pages(condition, reason):
    problems = _problems(('relevant: "B1.2 = 1 or selected(B2, 8)"', f'relevant: "{condition}"'))
    assert problems, condition
    text = plain(problems[0].split(": ", 1)[1])
    assert reason in text, (problems[0], text)
    assert "expected" not in text and "found" not in text


def test_the_format_document_answers_the_open_questions():
    doc = DOC.read_text(encoding="utf-8")
    assert "a **multiple choice needs at\n   least one ticked option**" in doc
    assert "`max_select` **counts every ticked option,\n   missing and exclusive ones included**" \
        in doc
    assert "A **ranking with a missing option**" in doc
    assert "when **a range and a constraint both\n   fail, the range message is shown**" in doc


def test_the_designer_upload_page_shows_the_hint_in_vietnamese(app):
    import io

    from survey.models import Role
    from tests.helpers import csrf_from, login, make_user

    with app.app_context():
        make_user("lan", Role.DESIGNER)
    client = app.test_client()
    login(client, "lan")
    text = _example_text().replace(B2, B2 + "        randomise: true\n", 1)
    token = csrf_from(client.get("/staff/designer/").get_data(as_text=True))
    response = client.post("/staff/designer/upload", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), "thu.yaml")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Khoá “randomise” không dùng được ở đây (có phải randomize?)." in body
