"""The questionnaire designer through the test client: create, edit every item type, inline
errors that change nothing, reorder, pages, upload/download, publish, versions, diff, preview."""
from __future__ import annotations

import io
import re

import pytest
import yaml
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditLog, Questionnaire, QuestionnaireVersion, Role
from survey.questionnaire import content_hash, load_text, validate
from tests.designer.support import BASE, draft_of, items_of, page_token, upload_file
from tests.helpers import csrf_from, login, make_user, small_definition


def _create(client, slug="thu"):
    response = client.post(f"{BASE}/new", data={"csrf_token": page_token(client), "slug": slug,
                                                "title_vi": "Phiếu thử", "title_en": "Test form"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/q/(\d+)", response.headers["Location"]).group(1))


def _add(client, qid, page="P1", **fields):
    data = {"csrf_token": page_token(client), **fields}
    return client.post(f"{BASE}/q/{qid}/pages/{page}/items/new", data=data)


def _options(*pairs, **flags):
    data = {}
    for index, (code, label) in enumerate(pairs):
        data[f"options-{index}-code"] = str(code)
        data[f"options-{index}-label_vi"] = label
    for key, value in flags.items():
        data[key] = value
    return data


def test_create_questionnaire_is_listed_and_audited(any_app, designer):
    qid = _create(designer)
    body = designer.get(f"{BASE}/").get_data(as_text=True)
    assert "Phiếu thử" in body and "thu" in body
    draft = draft_of(any_app)
    assert draft["title"] == {"vi": "Phiếu thử", "en": "Test form"}
    assert draft["languages"] == ["vi", "en"]
    assert "không lưu địa chỉ IP" in draft["anonymity"]["vi"]  # a default the designer edits
    assert validate(draft) == []
    with any_app.app_context():
        actions = db.session.scalars(select(AuditLog.action).where(
            AuditLog.target == f"questionnaire:{qid}")).all()
        assert "questionnaire.create" in actions


def test_create_refuses_bad_or_taken_slug(app, local_designer):
    _create(local_designer, "thu")
    for slug, message in [("thu", "Đã có phiếu hỏi"), ("Có Dấu", "chữ thường không dấu"),
                          ("", "Cần nhập mã phiếu")]:
        response = local_designer.post(f"{BASE}/new", data={
            "csrf_token": page_token(local_designer), "slug": slug, "title_vi": "X"})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), slug
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 1


def test_every_item_type_can_be_added(any_app, designer):
    qid = _create(designer)
    steps = [
        dict(id="A1", type="single", label_vi="Cấp công tác", label_en="Level", required="y",
             banner="y", dimension="level", appearance="radio",
             **_options((1, "Trung ương"), (2, "Tỉnh"), (3, "Xã"))),
        dict(id="A2", type="single", label_vi="Lĩnh vực", appearance="dropdown",
             **_options((1, "Đất đai"), (2, "Y tế"), (9, "Khác")),
             **{"options-2-other": "y"}),
        dict(id="B1", type="multiple", label_vi="Những biểu hiện đã gặp", min_select="1",
             max_select="2", randomize="y",
             **_options((1, "Đùn đẩy"), (2, "Né tránh"), (3, "Cầm chừng"), (99, "Không gặp")),
             **{"options-3-exclusive": "y", "options-2-relevant": "A1 = 3"}),
        dict(id="B2", type="grid", label_vi="Mức độ phổ biến",
             **_options((1, "Ít"), (2, "Nhiều"), (8, "Không biết")),
             **{"options-2-missing": "y", "rows-0-id": "r1", "rows-0-label_vi": "Chậm xử lý",
                "rows-1-id": "r2", "rows-1-label_vi": "Xin ý kiến"}),
        dict(id="B3", type="ranking", label_vi="Nguyên nhân chính", top="2",
             **_options((1, "Thể chế"), (2, "Tiền lương"), (3, "Sợ sai"))),
        dict(id="C1", type="numeric", label_vi="Số năm công tác", min="0", max="45",
             decimals="0", constraint=". <= 40", constraint_message_vi="Tối đa 40 năm"),
        dict(id="C2", type="numeric", label_vi="Tỉ lệ", min="0", max="1,5", decimals="2"),
        dict(id="D1", type="text", label_vi="Kiến nghị", multiline="y", max_length="500",
             relevant="selected(B1, 2)"),
        dict(id="D2", type="text", label_vi="Ghi chú ngắn"),
        dict(id="N2", type="note", label_vi="Cảm ơn anh/chị."),
    ]
    for fields in steps:
        response = _add(designer, qid, **fields)
        assert response.status_code == 302, (fields["id"], response.get_data(as_text=True)[-2000:])
    draft = draft_of(any_app)
    assert validate(draft) == []
    items = items_of(draft)
    assert items["A1"]["role"] == "banner" and items["A1"]["dimension"] == "level"
    assert items["A1"]["label"] == {"vi": "Cấp công tác", "en": "Level"}
    assert items["A1"]["required"] is True
    assert items["A2"]["appearance"] == "dropdown" and items["A2"]["options"][2]["other"] is True
    assert items["B1"]["min_select"] == 1 and items["B1"]["max_select"] == 2
    assert items["B1"]["randomize"] is True
    assert items["B1"]["options"][3]["exclusive"] is True
    assert items["B1"]["options"][2]["relevant"] == "A1 = 3"
    assert [r["id"] for r in items["B2"]["rows"]] == ["r1", "r2"]
    assert items["B2"]["options"][2]["missing"] is True
    assert items["B3"]["top"] == 2
    assert items["C1"]["constraint"] == ". <= 40"
    assert items["C1"]["constraint_message"] == {"vi": "Tối đa 40 năm"}
    assert items["C2"]["max"] == 1.5 and items["C2"]["decimals"] == 2
    assert items["D1"]["multiline"] is True and items["D1"]["max_length"] == 500
    assert items["D1"]["relevant"] == "selected(B1, 2)"
    assert items["D2"]["max_length"] == 250
    assert items["N2"]["type"] == "note"
    # order is the order of adding, after the starter note
    assert [i["id"] for i in draft["pages"][0]["items"]] == [
        "N1", "A1", "A2", "B1", "B2", "B3", "C1", "C2", "D1", "D2", "N2"]


@pytest.mark.parametrize("fields, field_id, message", [
    (dict(id="X1", type="numeric", label_vi="Tuổi", min="60", max="18"), "min",
     "lớn hơn giá trị lớn nhất"),
    (dict(id="X1", type="single", label_vi="Hỏi", relevant="Z9 = 1", **_options((1, "Có"))),
     "relevant", "phiếu không có câu này"),
    (dict(id="X1", type="single", label_vi="", **_options((1, "Có"))), "label_vi",
     "Cần có nội dung bằng tiếng Việt"),
    (dict(id="1bad", type="text", label_vi="Hỏi"), "id", "phải bắt đầu bằng chữ cái"),
    (dict(id="X1", type="numeric", label_vi="Tuổi", min="mười"), "min", "Cần nhập một số"),
    (dict(id="N1", type="text", label_vi="Trùng mã"), "id", "đã được dùng cho một câu khác"),
])
def test_invalid_item_shows_inline_errors_and_changes_nothing(app, local_designer, fields,
                                                              field_id, message):
    qid = _create(local_designer)
    before = draft_of(app)
    response = _add(local_designer, qid, **fields)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Chưa lưu vì câu hỏi chưa hợp lệ" in body
    # the message sits in the error list linked to its field
    errors = re.search(rf'<ul class="field-errors" id="{field_id}-errors">(.*?)</ul>', body, re.S)
    assert errors and message in errors.group(1), body[-3000:]
    assert f'id="{field_id}"' in body and 'aria-invalid="true"' in body
    assert draft_of(app) == before


def test_option_row_errors_are_shown_on_their_row(app, local_designer):
    qid = _create(local_designer)
    before = draft_of(app)
    response = _add(local_designer, qid, id="X1", type="single", label_vi="Hỏi",
                    **_options((1, "Có"), (1, "Không")))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert re.search(r"<li>Phương án 2: [^<]*Mã phương án 1 bị trùng", body), body[-3000:]
    assert draft_of(app) == before


def test_more_rows_button_keeps_the_typing_and_saves_nothing(app, local_designer):
    qid = _create(local_designer)
    before = draft_of(app)
    response = _add(local_designer, qid, id="X1", type="single", label_vi="Đang gõ",
                    more="1", **_options((1, "Có"), (2, "Không"), (3, "Chưa rõ")))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Đang gõ</textarea>" in body
    assert 'name="options-10-code"' in body  # 3 typed + 5 more + 3 blank
    assert draft_of(app) == before


def test_edit_item_keeps_its_place_and_audits(any_app, designer):
    qid = _create(designer)
    _add(designer, qid, id="A1", type="text", label_vi="Một")
    _add(designer, qid, id="A2", type="text", label_vi="Hai")
    page = designer.get(f"{BASE}/q/{qid}/items/A1")
    assert page.status_code == 200 and "Một" in page.get_data(as_text=True)
    response = designer.post(f"{BASE}/q/{qid}/items/A1", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "id": "A1", "type": "text",
        "label_vi": "Một (sửa)", "label_en": "One", "max_length": "100"})
    assert response.status_code == 302
    draft = draft_of(any_app)
    assert [i["id"] for i in draft["pages"][0]["items"]] == ["N1", "A1", "A2"]
    assert items_of(draft)["A1"]["label"] == {"vi": "Một (sửa)", "en": "One"}
    with any_app.app_context():
        saves = db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "questionnaire.save"))
        assert saves == 4  # create, two adds, one edit


def test_move_items_with_plain_buttons_and_across_pages(app, local_designer):
    qid = _create(local_designer)
    _add(local_designer, qid, id="A1", type="text", label_vi="Một")
    _add(local_designer, qid, id="A2", type="text", label_vi="Hai")
    token = page_token(local_designer, f"{BASE}/q/{qid}")
    assert local_designer.post(f"{BASE}/q/{qid}/items/A2/move",
                               data={"csrf_token": token, "direction": "up"}).status_code == 302
    assert [i["id"] for i in draft_of(app)["pages"][0]["items"]] == ["N1", "A2", "A1"]
    # a second page; moving A1 down puts it first on that page
    local_designer.post(f"{BASE}/q/{qid}/pages/new", data={
        "csrf_token": token, "id": "P2", "title_vi": "Trang hai"})
    local_designer.post(f"{BASE}/q/{qid}/items/A1/move", data={"csrf_token": token,
                                                                "direction": "down"})
    pages = draft_of(app)["pages"]
    assert [p["id"] for p in pages] == ["P1", "P2"]
    assert [i["id"] for i in pages[0]["items"]] == ["N1", "A2"]
    assert pages[1]["items"][0]["id"] == "A1"
    # the very first item cannot go further up: refused, nothing changed
    before = draft_of(app)
    response = local_designer.post(f"{BASE}/q/{qid}/items/N1/move",
                                   data={"csrf_token": token, "direction": "up"},
                                   follow_redirects=True)
    assert "Không thể chuyển thêm" in response.get_data(as_text=True)
    assert draft_of(app) == before


def test_moves_that_break_skip_logic_are_refused(app, local_designer):
    qid = _create(local_designer)
    _add(local_designer, qid, id="A1", type="single", label_vi="Có?", **_options((1, "Có"),
                                                                                (2, "Không")))
    _add(local_designer, qid, id="A2", type="text", label_vi="Vì sao?", relevant="A1 = 1")
    before = draft_of(app)
    token = page_token(local_designer, f"{BASE}/q/{qid}")
    response = local_designer.post(f"{BASE}/q/{qid}/items/A2/move",
                                   data={"csrf_token": token, "direction": "up"},
                                   follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "không còn hợp lệ" in body and "nhưng câu đó đứng sau" in body
    assert draft_of(app) == before
    # deleting the item others depend on is refused too
    response = local_designer.post(f"{BASE}/q/{qid}/items/A1/delete",
                                   data={"csrf_token": token}, follow_redirects=True)
    assert "phiếu không có câu này" in response.get_data(as_text=True)
    assert draft_of(app) == before
    # deleting the dependent item is fine
    local_designer.post(f"{BASE}/q/{qid}/items/A2/delete", data={"csrf_token": token})
    assert "A2" not in items_of(draft_of(app))


def test_pages_rename_reorder_delete(app, local_designer):
    qid = _create(local_designer)
    token = page_token(local_designer, f"{BASE}/q/{qid}")
    local_designer.post(f"{BASE}/q/{qid}/pages/new", data={"csrf_token": token, "id": "B",
                                                            "title_vi": "Phần B"})
    response = local_designer.post(f"{BASE}/q/{qid}/pages/B", data={
        "csrf_token": token, "id": "B", "title_vi": "Phần B: thực trạng",
        "title_en": "Part B"})
    assert response.status_code == 302
    local_designer.post(f"{BASE}/q/{qid}/pages/B/move", data={"csrf_token": token,
                                                               "direction": "up"})
    pages = draft_of(app)["pages"]
    assert [p["id"] for p in pages] == ["B", "P1"]
    assert pages[0]["title"] == {"vi": "Phần B: thực trạng", "en": "Part B"}
    # a page condition may only read earlier pages
    response = local_designer.post(f"{BASE}/q/{qid}/pages/B", data={
        "csrf_token": token, "id": "B", "title_vi": "x", "relevant": "N1 = 1"})
    assert response.status_code == 400
    assert "là một ghi chú nên không có câu trả lời" in response.get_data(as_text=True)
    local_designer.post(f"{BASE}/q/{qid}/pages/B/delete", data={"csrf_token": token})
    assert [p["id"] for p in draft_of(app)["pages"]] == ["P1"]
    # the last page cannot go
    before = draft_of(app)
    response = local_designer.post(f"{BASE}/q/{qid}/pages/P1/delete",
                                   data={"csrf_token": token}, follow_redirects=True)
    assert "Phiếu hỏi phải có ít nhất một trang" in response.get_data(as_text=True)
    assert draft_of(app) == before


def test_metadata_edit(app, local_designer):
    qid = _create(local_designer)
    page = local_designer.get(f"{BASE}/q/{qid}/meta")
    response = local_designer.post(f"{BASE}/q/{qid}/meta", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "title_vi": "Phiếu mới",
        "introduction_vi": "Giới thiệu", "anonymity_vi": "Không ghi tên, không lưu IP.",
        "anonymity_en": "No names, no IP addresses.", "estimated_minutes": "15"})
    assert response.status_code == 302
    draft = draft_of(app)
    assert draft["title"] == {"vi": "Phiếu mới"}
    assert draft["anonymity"]["en"] == "No names, no IP addresses."
    assert draft["estimated_minutes"] == 15
    bad = local_designer.post(f"{BASE}/q/{qid}/meta", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "title_vi": "",
        "estimated_minutes": "0"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Cần có tiêu đề bằng tiếng Việt" in body and "từ 1 phút trở lên" in body
    assert draft_of(app) == draft


def test_upload_yaml_creates_and_replaces_draft(any_app, designer):
    definition = small_definition("tai-len")
    text = yaml.safe_dump(definition, allow_unicode=True).encode("utf-8")
    response = upload_file(designer, text, "tai-len.yaml")
    assert response.status_code == 302
    assert draft_of(any_app, "tai-len") == load_text(text.decode("utf-8"))
    definition["title"]["vi"] = "Phiếu nhỏ (sửa)"
    upload_file(designer, yaml.safe_dump(definition, allow_unicode=True).encode("utf-8"), "b.yaml")
    assert draft_of(any_app, "tai-len")["title"]["vi"] == "Phiếu nhỏ (sửa)"
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "questionnaire.upload")) == 2


def test_upload_errors_inline_escaped_and_nothing_stored(app, local_designer):
    app.config["DESIGNER_MAX_UPLOAD_BYTES"] = 2048
    bad = small_definition("loi")
    bad["pages"][0]["items"][2]["relevant"] = "khong_co = 1"
    response = upload_file(local_designer, yaml.safe_dump(bad, allow_unicode=True).encode(),
                       '<img src=x onerror=alert(1)>.yaml')
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Tệp chưa hợp lệ nên chưa nhập gì" in body
    assert "nhắc đến câu khong_co, nhưng phiếu không có câu này" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;.yaml" in body
    for content, name, message in [
        (b"id: [unclosed", "a.yaml", "YAML syntax error"),
        (b"\xff\xfe\x00bad", "b.yaml", "UTF-8"),
        (b"hello", "c.txt", "không phải YAML"),
        (b"x" * 3000, "d.yaml", "lớn hơn 2 KB"),
    ]:
        response = upload_file(local_designer, content, name)
        assert response.status_code == 400, name
        assert message in response.get_data(as_text=True), name
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_download_yaml_round_trips(any_app, designer):
    qid = _create(designer)
    _add(designer, qid, id="A1", type="single", label_vi="Giới tính",
         **_options((1, "Nam"), (2, "Nữ"), (9, "Không muốn trả lời")),
         **{"options-2-missing": "y"})
    response = designer.get(f"{BASE}/q/{qid}/download.yaml")
    assert response.status_code == 200
    assert 'filename="thu-draft.yaml"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "Không muốn trả lời" in text  # real UTF-8, not escapes
    assert load_text(text, "thu-draft.yaml") == draft_of(any_app)


def test_publish_versions_are_immutable_and_audited(any_app, designer):
    qid = _create(designer)
    _add(designer, qid, id="A1", type="text", label_vi="Một")
    token = page_token(designer, f"{BASE}/q/{qid}")
    response = designer.post(f"{BASE}/q/{qid}/publish", data={"csrf_token": token},
                             follow_redirects=True)
    assert "Đã phát hành phiên bản 1" in response.get_data(as_text=True)
    again = designer.post(f"{BASE}/q/{qid}/publish", data={"csrf_token": token},
                          follow_redirects=True)
    assert "không tạo phiên bản mới" in again.get_data(as_text=True)
    _add(designer, qid, id="A2", type="text", label_vi="Hai")
    designer.post(f"{BASE}/q/{qid}/publish", data={"csrf_token": token})
    with any_app.app_context():
        versions = db.session.scalars(select(QuestionnaireVersion).order_by(
            QuestionnaireVersion.number)).all()
        assert [v.number for v in versions] == [1, 2]
        assert "A2" not in items_of(versions[0].definition)  # v1 kept what it was
        assert versions[1].content_hash == content_hash(versions[1].definition)
        publishes = db.session.scalars(select(AuditLog).where(
            AuditLog.action == "questionnaire.publish")).all()
        assert [e.details["version"] for e in publishes] == [1, 2]
        v1_hash = versions[0].content_hash
    overview = designer.get(f"{BASE}/q/{qid}").get_data(as_text=True)
    assert v1_hash[:12] in overview and "lan" in overview
    listing = designer.get(f"{BASE}/").get_data(as_text=True)
    assert "Phiên bản 2" in listing and v1_hash[:12] in listing
    page = designer.get(f"{BASE}/q/{qid}/versions/1")
    assert page.status_code == 200 and v1_hash in page.get_data(as_text=True)
    old = designer.get(f"{BASE}/q/{qid}/download.yaml?version=1").get_data(as_text=True)
    assert "A2" not in items_of(load_text(old))
    assert designer.get(f"{BASE}/q/{qid}/versions/9").status_code == 404


def test_diff_between_versions(app, local_designer):
    qid = _create(local_designer)
    _add(local_designer, qid, id="A1", type="text", label_vi="Một")
    _add(local_designer, qid, id="A2", type="text", label_vi="Hai")
    token = page_token(local_designer, f"{BASE}/q/{qid}")
    local_designer.post(f"{BASE}/q/{qid}/publish", data={"csrf_token": token})
    local_designer.post(f"{BASE}/q/{qid}/items/A2/delete", data={"csrf_token": token})
    local_designer.post(f"{BASE}/q/{qid}/items/A1", data={
        "csrf_token": token, "id": "A1", "type": "text", "label_vi": "Một (sửa)"})
    _add(local_designer, qid, id="A3", type="numeric", label_vi="Ba")
    local_designer.post(f"{BASE}/q/{qid}/publish", data={"csrf_token": token})
    body = local_designer.get(f"{BASE}/q/{qid}/diff?old=1&new=2").get_data(as_text=True)
    rows = re.findall(r'<tr class="(\w+)"><td>[^<]*</td><td>([^<]*)</td>', body)
    kinds = {where: kind for kind, where in rows}
    assert any("A2" in w and k == "removed" for w, k in kinds.items()), rows
    assert any("A3" in w and k == "added" for w, k in kinds.items()), rows
    assert any("A1" in w and k == "changed" for w, k in kinds.items()), rows
    same = local_designer.get(f"{BASE}/q/{qid}/diff?old=2&new=draft").get_data(as_text=True)
    assert "Không có thay đổi nào" in same
    assert local_designer.get(f"{BASE}/q/{qid}/diff?old=7&new=2").status_code == 404


def test_preview_renders_the_respondent_page_and_applies_skip_logic(app, local_designer):
    qid = _create(local_designer)
    _add(local_designer, qid, id="A1", type="single", label_vi="Anh/chị có gặp không?",
         required="y", **_options((1, "Có"), (2, "Không")))
    token = page_token(local_designer, f"{BASE}/q/{qid}")
    local_designer.post(f"{BASE}/q/{qid}/pages/new", data={"csrf_token": token, "id": "P2",
                                                            "title_vi": "Chi tiết"})
    _add(local_designer, qid, page="P2", id="B1", type="text", label_vi="Kể thêm",
         relevant="A1 = 1")
    local_designer.post(f"{BASE}/q/{qid}/pages/P2", data={
        "csrf_token": token, "id": "P2", "title_vi": "Chi tiết", "relevant": "A1 = 1"})
    page = local_designer.get(f"{BASE}/q/{qid}/preview")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'href="/static/respond.css"' in body and "respond.js" in body
    assert 'name="A1"' in body and "Anh/chị có gặp không?" in body
    assert "không được lưu" in body
    token = csrf_from(body)
    # required item left empty: the respondent's own error message
    missing = local_designer.post(f"{BASE}/q/{qid}/preview", data={
        "csrf_token": token, "_answers": "{}", "_page": "0", "action": "next"})
    assert missing.status_code == 422 and 'class="errs"' in missing.get_data(as_text=True)
    # "No" skips page P2 and reaches the end
    done = local_designer.post(f"{BASE}/q/{qid}/preview", data={
        "csrf_token": token, "_answers": "{}", "_page": "0", "action": "next", "A1": "2"})
    assert "Hết phiếu" in done.get_data(as_text=True)
    # "Yes" shows P2 with its question
    shown = local_designer.post(f"{BASE}/q/{qid}/preview", data={
        "csrf_token": token, "_answers": "{}", "_page": "0", "action": "next", "A1": "1"})
    assert 'name="B1"' in shown.get_data(as_text=True)
    # broken state is ignored, not a 500
    junk = local_designer.post(f"{BASE}/q/{qid}/preview", data={
        "csrf_token": token, "_answers": "[not json", "_page": "99", "action": "next"})
    assert junk.status_code in (200, 422)
    with app.app_context():  # nothing stored by previewing
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action.like("questionnaire.%"))) == 6


def test_unknown_things_are_404(app, local_designer):
    qid = _create(local_designer)
    for url in (f"{BASE}/q/999", f"{BASE}/q/{qid}/items/ZZ", f"{BASE}/q/{qid}/pages/ZZ",
                f"{BASE}/q/{qid}/download.pdf", f"{BASE}/q/{qid}/pages/ZZ/items/new"):
        assert local_designer.get(url).status_code == 404, url


def test_every_post_needs_csrf(app, local_designer):
    qid = _create(local_designer)
    before = draft_of(app)
    for url, data in [(f"{BASE}/q/{qid}/items/N1/delete", {}),
                      (f"{BASE}/q/{qid}/publish", {}),
                      (f"{BASE}/q/{qid}/pages/new", {"id": "P9"}),
                      (f"{BASE}/q/{qid}/pages/P1/items/new", {"id": "X", "type": "text",
                                                              "label_vi": "x"})]:
        assert local_designer.post(url, data=data).status_code == 400, url
    assert draft_of(app) == before


def test_analyst_cannot_design(app, client):
    with app.app_context():
        make_user("an", Role.ANALYST)
    login(client, "an")
    assert client.get(f"{BASE}/").status_code == 403


def test_upload_and_download_xlsform(any_app, designer):
    """An XLSForm written by the designer's download comes back as the same definition."""
    from openpyxl import load_workbook

    qid = _create(designer)
    _add(designer, qid, id="A1", type="single", label_vi="Cấp", label_en="Level",
         **_options((1, "Trung ương"), (2, "Tỉnh")))
    _add(designer, qid, id="A2", type="text", label_vi="Vì sao?", relevant="A1 = 2")
    response = designer.get(f"{BASE}/q/{qid}/download.xlsx")
    assert response.status_code == 200
    assert 'filename="thu-draft.xlsx"' in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert {"survey", "choices"} <= set(workbook.sheetnames)
    cells = [str(c.value) for row in workbook["survey"].iter_rows() for c in row if c.value]
    assert "Cấp" in cells and "A2" in cells
    # upload it as another questionnaire id: edit the settings sheet's id if present
    draft = draft_of(any_app)
    response = upload_file(designer, response.data, "thu.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert items_of(draft_of(any_app)) .keys() == items_of(draft).keys()
    assert items_of(draft_of(any_app))["A2"]["relevant"] == "A1 = 2"


def test_bad_xlsform_is_refused_inline(app, local_designer):
    response = upload_file(local_designer, b"PK\x03\x04 not really a zip", "hỏng.xlsx")
    assert response.status_code == 400
    assert "hỏng.xlsx" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_designer_pages_in_english(app, local_designer):
    qid = _create(local_designer)
    body = local_designer.get(f"{BASE}/?lang=en").get_data(as_text=True)
    assert "New questionnaire" in body and "Upload a questionnaire file" in body
    editor = local_designer.get(f"{BASE}/q/{qid}/pages/P1/items/new?type=grid")
    text = editor.get_data(as_text=True)
    assert "Question type" in text and "Grid rows" in text and "Answer options" in text
    # inline problems from the validator, under English field labels
    bad = _add(local_designer, qid, id="X1", type="numeric", label_vi="Tuổi", min="abc")
    assert "Enter a number, for example 10 or 2.5." in bad.get_data(as_text=True)
    # validator messages appear as the validator wrote them (English) on English pages
    bad = _add(local_designer, qid, id="X1", type="text", label_vi="Tuổi", relevant="Z9 = 1")
    assert "relevant refers to unknown item" in bad.get_data(as_text=True)


def test_an_edit_made_on_an_old_page_does_not_overwrite_newer_work(app, local_designer):
    qid = _create(local_designer)
    stale_page = local_designer.get(f"{BASE}/q/{qid}/pages/P1/items/new").get_data(as_text=True)
    old_base = re.search(r'name="base" value="([0-9a-f]{64})"', stale_page).group(1)
    assert old_base == content_hash(draft_of(app))
    # someone else adds a question meanwhile
    assert _add(local_designer, qid, id="A1", type="text", label_vi="Của người khác",
                base=old_base).status_code == 302
    newer = draft_of(app)
    # the old page's form is refused, typed values kept, nothing changed
    response = _add(local_designer, qid, id="A2", type="text", label_vi="Của tôi",
                    base=old_base)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "vừa được thay đổi ở nơi khác" in body and "Của tôi</textarea>" in body
    moved = local_designer.post(f"{BASE}/q/{qid}/items/A1/move", data={
        "csrf_token": page_token(local_designer), "base": old_base, "direction": "up"},
        follow_redirects=True)
    assert "vừa được thay đổi ở nơi khác" in moved.get_data(as_text=True)
    published = local_designer.post(f"{BASE}/q/{qid}/publish", data={
        "csrf_token": page_token(local_designer), "base": old_base}, follow_redirects=True)
    assert "vừa được thay đổi ở nơi khác" in published.get_data(as_text=True)
    assert draft_of(app) == newer
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireVersion)) == 0


def test_add_an_item_right_after_another(app, local_designer):
    qid = _create(local_designer)
    _add(local_designer, qid, id="A1", type="text", label_vi="Một")
    _add(local_designer, qid, id="A3", type="text", label_vi="Ba")
    overview = local_designer.get(f"{BASE}/q/{qid}").get_data(as_text=True)
    link = re.search(r'href="([^"]*items/new\?after=A1)"', overview).group(1)
    form = local_designer.get(link)
    assert form.status_code == 200
    response = local_designer.post(link, data={
        "csrf_token": csrf_from(form.get_data(as_text=True)), "id": "A2", "type": "text",
        "label_vi": "Hai"})
    assert response.status_code == 302
    assert [i["id"] for i in draft_of(app)["pages"][0]["items"]] == ["N1", "A1", "A2", "A3"]
