"""Shared option lists edited in the browser: one change reaches every item using the list."""
from __future__ import annotations

import re

import yaml
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AuditLog, Questionnaire
from tests.helpers import csrf_from
from tests.designer.support import BASE, draft_of, items_of, upload_file

DEFINITION = """
id: dsach
title: {vi: Phiếu danh sách, en: List form}
languages: [vi, en]
option_lists:
  agree3:
    - {code: 1, label: {vi: Không đồng ý, en: Disagree}}
    - {code: 2, label: {vi: Phân vân, en: Undecided}}
    - {code: 3, label: {vi: Đồng ý, en: Agree}}
  yesno:
    - {code: 1, label: {vi: Có, en: "Yes"}}
    - {code: 2, label: {vi: Không, en: "No"}}
pages:
  - id: P1
    items:
      - {id: q1, type: single, label: {vi: Câu 1, en: Q1}, options_from: agree3}
      - id: q2
        type: grid
        label: {vi: Câu 2, en: Q2}
        rows: [{id: a, label: {vi: Dòng a, en: Row a}}, {id: b, label: {vi: Dòng b, en: Row b}}]
        options_from: agree3
      - {id: q3, type: text, label: {vi: "Vì sao đồng ý?", en: "Why?"}, relevant: "q1 = 3"}
"""


def _qid(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Questionnaire.id).where(Questionnaire.slug == "dsach"))


def _setup(app, client) -> int:
    assert upload_file(client, DEFINITION.encode("utf-8"), "dsach.yaml").status_code == 302
    return _qid(app)


def _form(client, url: str, name: str, rows: list[tuple], **extra) -> dict:
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html),
            "base": re.search(r'name="base" value="([^"]*)"', html).group(1), "name": name}
    for index, row in enumerate(rows):
        code, vi, en, *flags = row
        data.update({f"options-{index}-code": str(code), f"options-{index}-label_vi": vi,
                     f"options-{index}-label_en": en})
        for flag in flags:
            data[f"options-{index}-{flag}"] = "y"
    data.update(extra)
    return data


AGREE4 = [(1, "Không đồng ý", "Disagree"), (2, "Còn phân vân", "Not sure"),
          (3, "Đồng ý", "Agree"), (98, "Khó trả lời", "Hard to say", "missing")]


def test_editing_a_list_changes_every_item_using_it(any_app, designer):
    qid = _setup(any_app, designer)
    overview = designer.get(f"{BASE}/q/{qid}").get_data(as_text=True)
    assert f"{BASE}/q/{qid}/lists/agree3" in overview and "q1, q2" in overview
    url = f"{BASE}/q/{qid}/lists/agree3"
    page = designer.get(url).get_data(as_text=True)
    assert 'value="Phân vân"' in page and ">q1</a>" in page and ">q2</a>" in page
    response = designer.post(url, data=_form(designer, url, "agree3", AGREE4))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    draft = draft_of(any_app, "dsach")
    expected = [{"code": 1, "label": {"vi": "Không đồng ý", "en": "Disagree"}},
                {"code": 2, "label": {"vi": "Còn phân vân", "en": "Not sure"}},
                {"code": 3, "label": {"vi": "Đồng ý", "en": "Agree"}},
                {"code": 98, "label": {"vi": "Khó trả lời", "en": "Hard to say"}, "missing": True}]
    assert draft["option_lists"]["agree3"] == expected
    items = items_of(draft)
    assert items["q1"]["options"] == expected and items["q1"]["options_from"] == "agree3"
    assert items["q2"]["options"] == expected and items["q2"]["options_from"] == "agree3"
    assert draft["option_lists"]["yesno"][0]["label"]["vi"] == "Có"  # the other list untouched
    # The YAML download still names the list once and the items by reference.
    text = designer.get(f"{BASE}/q/{qid}/download.yaml").get_data(as_text=True)
    data = yaml.safe_load(text)
    first = data["pages"][0]["items"][0]
    assert first["options_from"] == "agree3" and "options" not in first
    assert text.count("Còn phân vân") == 1
    with any_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action.like("questionnaire.%"))) >= 2


def test_removing_a_code_a_skip_rule_needs_is_refused_and_changes_nothing(app, local_designer):
    qid = _setup(app, local_designer)
    before = draft_of(app, "dsach")
    url = f"{BASE}/q/{qid}/lists/agree3"
    response = local_designer.post(url, data=_form(local_designer, url, "agree3", AGREE4[:2]))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Chưa lưu vì danh sách chưa hợp lệ" in html and "q3" in html
    assert draft_of(app, "dsach") == before


def test_row_problems_show_on_their_row_and_bad_names_are_refused(app, local_designer):
    qid = _setup(app, local_designer)
    before = draft_of(app, "dsach")
    url = f"{BASE}/q/{qid}/lists/agree3"
    rows = [(1, "Không đồng ý", "Disagree"), (1, "Trùng mã", "Same code"), (3, "Đồng ý", "Agree")]
    response = local_designer.post(url, data=_form(local_designer, url, "agree3", rows))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'class="row-errors"><td colspan="7"><ul class="field-errors"><li>Phương án 2',
                     html), html
    for bad_name in ("yesno", "thang đo", ""):
        response = local_designer.post(url, data=_form(local_designer, url, bad_name, AGREE4))
        assert response.status_code == 400, bad_name
    assert "Đã có danh sách tên yesno" in local_designer.post(
        url, data=_form(local_designer, url, "yesno", AGREE4)).get_data(as_text=True)
    assert draft_of(app, "dsach") == before


def test_rename_new_and_delete(app, local_designer):
    qid = _setup(app, local_designer)
    url = f"{BASE}/q/{qid}/lists/agree3"
    rows = [(1, "Không đồng ý", "Disagree"), (2, "Phân vân", "Undecided"), (3, "Đồng ý", "Agree")]
    assert local_designer.post(url, data=_form(local_designer, url, "agree", rows)).status_code == 302
    draft = draft_of(app, "dsach")
    assert list(draft["option_lists"]) == ["agree", "yesno"]  # renamed in place
    assert {i["id"]: i.get("options_from") for i in items_of(draft).values()} == {
        "q1": "agree", "q2": "agree", "q3": None}
    assert local_designer.get(url).status_code == 404

    new = f"{BASE}/q/{qid}/lists/new"
    response = local_designer.post(new, data=_form(local_designer, new, "muc_do",
                                                   [(1, "Thấp", "Low"), (2, "Cao", "High")]))
    assert response.status_code == 302
    assert draft_of(app, "dsach")["option_lists"]["muc_do"][1] == {"code": 2,
                                                             "label": {"vi": "Cao", "en": "High"}}

    overview = f"{BASE}/q/{qid}"

    def delete(name):
        html = local_designer.get(overview).get_data(as_text=True)
        base = re.search(r'name="base" value="([^"]*)"', html).group(1)
        return local_designer.post(f"{BASE}/q/{qid}/lists/{name}/delete",
                                   data={"csrf_token": csrf_from(html), "base": base},
                                   follow_redirects=True)

    refused = delete("agree").get_data(as_text=True)
    assert "đang được dùng ở câu q1, q2" in refused
    assert "agree" in draft_of(app, "dsach")["option_lists"]
    delete("muc_do")
    delete("yesno")
    assert list(draft_of(app, "dsach")["option_lists"]) == ["agree"]


def test_a_stale_form_is_refused(app, local_designer):
    qid = _setup(app, local_designer)
    url = f"{BASE}/q/{qid}/lists/yesno"
    stale = _form(local_designer, url, "yesno", [(1, "Có", "Yes"), (2, "Không", "No"),
                                                 (9, "Không nói", "Rather not", "missing")])
    other = f"{BASE}/q/{qid}/lists/agree3"
    assert local_designer.post(other, data=_form(local_designer, other, "agree3",
                                                 AGREE4)).status_code == 302
    before = draft_of(app, "dsach")
    response = local_designer.post(url, data=stale)
    assert response.status_code == 400 and "vừa được thay đổi ở nơi khác" in response.get_data(
        as_text=True)
    assert draft_of(app, "dsach") == before
    assert local_designer.get(f"{BASE}/q/{qid}/lists/none").status_code == 404


def test_an_item_can_take_a_list_or_its_own_options(app, local_designer):
    qid = _setup(app, local_designer)
    url = f"{BASE}/q/{qid}/items/q1"
    html = local_designer.get(url).get_data(as_text=True)
    assert re.search(r'<option selected value="agree3">agree3</option>', html) or \
        re.search(r'<option value="agree3" selected>agree3</option>', html), html

    def post(**changes):
        page = local_designer.get(url).get_data(as_text=True)
        data = {"csrf_token": csrf_from(page),
                "base": re.search(r'name="base" value="([^"]*)"', page).group(1),
                "id": "q1", "type": "single", "label_vi": "Câu 1", "label_en": "Q1",
                "appearance": "radio", "options-0-code": "1", "options-0-label_vi": "Có",
                "options-0-label_en": "Yes", "options-1-code": "2",
                "options-1-label_vi": "Không", "options-1-label_en": "No", **changes}
        return local_designer.post(url, data=data)

    # Own options: the item leaves the list (the skip rule on q1 = 3 now names no option).
    refused = post(options_from="")
    assert refused.status_code == 400 and "q3" in refused.get_data(as_text=True)
    post(**{"options_from": "", "options-2-code": "3", "options-2-label_vi": "Khác hẳn",
            "options-2-label_en": "Other"})
    q1 = items_of(draft_of(app, "dsach"))["q1"]
    assert "options_from" not in q1 and [o["code"] for o in q1["options"]] == [1, 2, 3]
    # Back to a list: the option rows typed are not used.
    assert post(options_from="agree3").status_code == 302
    q1 = items_of(draft_of(app, "dsach"))["q1"]
    assert q1["options_from"] == "agree3"
    assert q1["options"] == draft_of(app, "dsach")["option_lists"]["agree3"]
    # A list that is not in the draft is refused.
    assert post(options_from="nope").status_code == 400
