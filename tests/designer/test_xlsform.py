"""The designer's XLSForm upload: the import report page, the name → code table, refusals in
the page's language, and a draft without Vietnamese labels that cannot be published."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditLog, Questionnaire, QuestionnaireVersion
from tests.helpers import csrf_from
from tests.questionnaire.test_xlsform import workbook

BASE = "/staff/designer"
KOBO = workbook(
    [["type", "name", "label::English (en)", "relevant"],
     ["start", "start", None, None],
     ["select_one yesno", "worked", "Did you work?", None],
     ["geopoint", "where", "Where?", None],
     ["text", "why", "Why?", "${worked} = 'yes' and regex(${worked}, 'x')"]],
    [["list_name", "name", "label::English (en)"], ["yesno", "yes", "Yes"],
     ["yesno", "no", "No"]],
    [["form_id", "form_title"], ["phieu_kobo", "Kobo form"]])
NO_LABELS = workbook([["type", "name", "media::image"], ["select_one yn", "pick", "a.png"],
                      ["integer", "age", "b.png"]],
                     [["list_name", "name"], ["yn", "yes"], ["yn", "no"]],
                     [["form_id"], ["khong_nhan"]])


def _upload(client, content: bytes, name: str, lang: str = ""):
    token = csrf_from(client.get(f"{BASE}/{lang}").get_data(as_text=True))
    return client.post(f"{BASE}/upload{lang}", data={"csrf_token": token,
                                                     "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _qid(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Questionnaire.id).where(Questionnaire.slug == slug))


def test_a_kobo_form_imports_and_its_report_is_shown_in_vietnamese(app, local_designer):
    response = _upload(local_designer, KOBO, "phieu_kobo.xlsx")
    assert response.status_code == 302
    qid = _qid(app, "phieu-kobo")
    assert response.headers["Location"].endswith(f"/q/{qid}/import-report")
    page = local_designer.get(f"{BASE}/q/{qid}/import-report").get_data(as_text=True)
    assert "Báo cáo nhập XLSForm" in page and "phieu_kobo.xlsx" in page
    assert "trang survey, dòng 4, cột type: Câu where kiểu geopoint" in page
    assert "Siêu dữ liệu start (start) không bao giờ được thu" in page
    assert "hàm regex() chưa được hỗ trợ" in page
    assert "Không có nhãn tiếng Việt: nhãn ở cột label::English (en)" in page
    # the name → code table
    assert re.search(r"<td><code>yes</code></td><td>1</td><td>Yes</td>", page)
    assert re.search(r"<td><code>no</code></td><td>2</td><td>No</td>", page)
    with app.app_context():
        entry = db.session.scalar(select(AuditLog).where(
            AuditLog.action == "questionnaire.upload"))
        codes = {line["code"] for line in entry.details["xlsform_report"]["lines"]}
        assert {"type-metadata", "type-dropped", "expression-part"} <= codes
    edit = local_designer.get(f"{BASE}/q/{qid}").get_data(as_text=True)
    assert f"/q/{qid}/import-report" in edit and "Chưa thể phát hành" not in edit


def test_the_report_in_english_on_english_pages(app, local_designer):
    _upload(local_designer, KOBO, "phieu_kobo.xlsx")
    qid = _qid(app, "phieu-kobo")
    page = local_designer.get(f"{BASE}/q/{qid}/import-report?lang=en").get_data(as_text=True)
    assert "survey row 4, column type: geopoint question where is not supported; dropped" in page
    assert "XLSForm import report" in page and "Option name → code tables" in page
    assert "Câu where kiểu geopoint" not in page


def test_a_draft_without_labels_lists_them_and_is_not_published(app, local_designer):
    assert _upload(local_designer, NO_LABELS, "khong_nhan.xlsx").status_code == 302
    qid = _qid(app, "khong-nhan")
    edit = local_designer.get(f"{BASE}/q/{qid}").get_data(as_text=True)
    assert "Chưa thể phát hành: cần thêm nhãn tiếng Việt" in edit
    assert f'href="{BASE}/q/{qid}/items/pick"' in edit
    assert "Phương án mã 1 của danh sách yn" in edit
    token = csrf_from(edit)
    response = local_designer.post(f"{BASE}/q/{qid}/publish", data={"csrf_token": token})
    assert response.status_code == 302 and "missing-labels" in response.headers["Location"]
    page = local_designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Chưa phát hành: còn 4 nhãn tiếng Việt phải viết" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 0


@pytest.mark.parametrize("content, name, vietnamese, english", [
    (b"PK\x03\x04 broken", "hong.xlsx", "Không đọc được bảng tính .xlsx này",
     "not a readable .xlsx workbook"),
    (workbook([["name", "_uuid", "_submission_time"], ["a", "1", "2"]]), "du-lieu.xlsx",
     "Đây là tệp dữ liệu đã thu", "this is a data export"),
    (workbook([["type", "name", "label"], ["geopoint", "g", "Ở đâu"]]), "rong.xlsx",
     "Không còn câu hỏi nào dùng được", "no question is left"),
])
def test_refusals_are_precise_and_in_the_page_language(app, local_designer, content, name,
                                                       vietnamese, english):
    response = _upload(local_designer, content, name)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert vietnamese in body and english not in body and name in body
    assert "zip" not in body.split("form-errors", 1)[1].split("</div>", 1)[0].replace(
        "bom nén (zip bomb)", "")  # no English parser message (BadZipFile…) in Vietnamese
    response = _upload(local_designer, content, name, "?lang=en")
    assert response.status_code == 400 and english in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def _form_fields(html: str) -> dict[str, str]:
    """Every input's value (and checked boxes) of a page, as a browser would post them."""
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) == "checkbox" and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else "y"
    return fields


def test_editing_an_imported_list_keeps_the_choice_names(app, local_designer):
    _upload(local_designer, KOBO, "phieu_kobo.xlsx")
    qid = _qid(app, "phieu-kobo")
    page = local_designer.get(f"{BASE}/q/{qid}/lists/yesno").get_data(as_text=True)
    assert 'value="yes"' in page and 'type="hidden"' in page
    fields = _form_fields(page)
    fields["options-0-label_vi"] = "Có làm"
    response = local_designer.post(f"{BASE}/q/{qid}/lists/yesno", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        draft = db.session.scalar(select(Questionnaire.draft).where(Questionnaire.id == qid))
    options = draft["option_lists"]["yesno"]
    assert [(o["code"], o["name"], o["label"]["vi"]) for o in options] == \
        [(1, "yes", "Có làm"), (2, "no", "No")]
