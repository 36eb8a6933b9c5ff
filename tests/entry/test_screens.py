"""The entry screens through the test client: opening a sheet, field-by-field saving with the
runtime's refusals, the form without the script, what each person may see, and the guards."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import KeyedValue, PaperAgreed, PaperKeying, Role
from survey.services import paper_entry as pe
from survey.services.sheet_ids import format_sheet_id, new_sheet_id
from tests.entry.support import keyers, paper_campaign, sheet_values
from tests.helpers import csrf_from, login, make_campaign, make_user


@pytest.fixture
def paper(app):
    with app.app_context():
        campaign, batch = paper_campaign()
        keyers("lan", "minh", "hoa")
        return campaign.id, batch.id


def _open(client, campaign_id, batch_id, reference):
    page = client.get(f"/staff/entry/{campaign_id}/")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/staff/entry/{campaign_id}/open",
                       data={"csrf_token": token, "batch": batch_id, "reference": reference})


def _field(client, keying_url, token, name, value):
    return client.post(f"{keying_url}/field", data={"field": name, "value": value},
                       headers={"X-CSRFToken": token})


def test_keying_a_sheet_field_by_field(app, client, paper):
    campaign_id, batch_id = paper
    login(client, "lan")
    reference = format_sheet_id(new_sheet_id())
    opened = _open(client, campaign_id, batch_id, reference)
    assert opened.status_code == 302
    url = opened.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert 'data-first="A1"' in page and "lần nhập thứ nhất" in page
    token = csrf_from(page)
    # Refused with the reason, nothing stored.
    wrong = _field(client, url, token, "A1", "7")
    assert wrong.status_code == 422
    assert "Mã 7 không có trong câu A1. Các mã: 1, 2, 3, 4, 99." in wrong.json["error"]
    assert "không phải là mã số" in _field(client, url, token, "A1", "x").json["error"]
    ok = _field(client, url, token, "A1", "2")
    assert ok.json["ok"] and ok.json["next"] == "A2"
    # An option filter: viên chức ranks (11–14) are not offered to a công chức (A1 = 2).
    filtered = _field(client, url, token, "A5", "11").json["error"]
    assert "Mã 11 không áp dụng ở đây" in filtered and "câu A1 chọn 3" in filtered
    # A choice limit from the runtime's own validation.
    assert _field(client, url, token, "B3", "1 2 3 4").json["error"] == \
        "Chỉ được chọn tối đa 3 phương án."
    # Routing: with A4 = 4 (no leadership post) B6b is skipped, and the server refuses it.
    assert _field(client, url, token, "A4", "4").json["states"]["B6b"][0] == "skipped"
    skip = _field(client, url, token, "B6b", "2").json["error"]
    assert skip.startswith("Câu B6b không được nhập: bỏ qua: chỉ hỏi khi câu A4 chọn 1, 2 hoặc 3")
    # Not answered on paper is a state of its own, distinct from skipped.
    blank = _field(client, url, token, "A9", "")
    assert blank.json["states"]["A9"][0] == "blank"
    # A changed routing answer removes what it now skips.
    _field(client, url, token, "E3", "1")
    assert _field(client, url, token, "E4", "3").json["ok"]
    changed = _field(client, url, token, "E3", "3").json
    assert changed["cleared"] == ["E4"] and changed["states"]["E4"][0] == "skipped"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KeyedValue)
                                 .where(KeyedValue.field == "E4")) == 0
    # A missing code printed on the sheet is an ordinary code: 99 = prefer not to say.
    assert _field(client, url, token, "A6", "99").json["ok"]
    # Resuming: the campaign page links the unfinished sheet, the screen shows what was saved.
    home = client.get(f"/staff/entry/{campaign_id}/").get_data(as_text=True)
    assert url.split("/staff")[-1] in home
    again = client.get(url).get_data(as_text=True)
    assert 'id="f-A1" name="f-A1" value="2"' in again and 'id="f-A6" name="f-A6" value="99"' in again
    # Finishing too early says what is missing.
    early = client.post(f"{url}/finish", data={"csrf_token": token})
    assert early.status_code == 400 and "ô chưa nhập" in early.get_data(as_text=True)


def test_without_the_script_the_whole_form_is_saved_and_finished(app, client, paper):
    campaign_id, batch_id = paper
    login(client, "lan")
    url = _open(client, campaign_id, batch_id, "3").headers["Location"]
    page = client.get(url).get_data(as_text=True)
    with app.app_context():
        plan = pe.plan_of(db.session.get(__import__("survey.models", fromlist=["Campaign"])
                                         .Campaign, campaign_id))
        values = sheet_values(plan)
    data = {"csrf_token": csrf_from(page), "finish": "1"}
    data.update({f"f-{name}": text for name, text in values.items()})
    data["f-E4"] = "2"  # the paper breaks the skip rule (E3 = 3): refused with the reason
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    assert "E4: Câu E4 không được nhập: bỏ qua: chỉ hỏi khi câu E3 chọn 1 hoặc 2" in \
        refused.get_data(as_text=True)
    del data["f-E4"]
    done = client.post(url, data=data)
    assert done.status_code == 302
    assert "đã nhập xong phiếu số 3 (lô" in client.get(done.headers["Location"]).get_data(
        as_text=True).lower()


def test_the_second_keyer_sees_nothing_of_the_first(app, client, paper):
    campaign_id, batch_id = paper
    login(client, "lan")
    reference = format_sheet_id(new_sheet_id())
    url = _open(client, campaign_id, batch_id, reference).headers["Location"]
    token = csrf_from(client.get(url).get_data(as_text=True))
    _field(client, url, token, "A1", "3")
    other = app.test_client()
    login(other, "minh")
    busy = _open(other, campaign_id, batch_id, reference)
    assert busy.status_code == 400 and "đang được người khác nhập" in busy.get_data(as_text=True)
    assert other.get(url).status_code == 403  # not even by its address
    assert _field(other, url, csrf_from(other.get("/staff/entry/").get_data(as_text=True)),
                  "A1", "1").status_code == 403


def test_a_mistyped_sheet_id_is_refused(app, client, paper):
    campaign_id, batch_id = paper
    login(client, "lan")
    good = new_sheet_id()
    wrong = good[:-1] + ("A" if good[-1] != "A" else "B")
    response = _open(client, campaign_id, batch_id, wrong)
    assert response.status_code == 400
    assert "ký tự kiểm tra" in response.get_data(as_text=True)
    assert "phải từ 1 đến 20" in _open(client, campaign_id, batch_id, "21").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaperKeying)) == 0


def test_who_may_key_where(app, client):
    with app.app_context():
        opened, _batch = paper_campaign()
        closed = make_campaign("khac")
        make_user("lan", Role.DATA_ENTRY)
        make_user("thiet", Role.DESIGNER)  # manages neither campaign
        ids = opened.id, closed.id
    login(client, "lan")
    assert client.get(f"/staff/entry/{ids[0]}/").status_code == 200
    assert client.get(f"/staff/entry/{ids[1]}/").status_code == 403  # entry not opened
    assert client.get(f"/staff/entry/{ids[0]}/settings").status_code == 403  # not a supervisor
    assert client.get("/staff/campaigns/").status_code == 403
    designer = app.test_client()
    login(designer, "thiet")
    assert designer.get(f"/staff/entry/{ids[0]}/").status_code == 403


def test_a_box_smaller_than_the_threshold_is_refused(app, client):
    with app.app_context():
        campaign, _batch = paper_campaign()
        make_user("boss", Role.ADMIN)
        campaign_id = campaign.id
    login(client, "boss")
    page = client.get(f"/staff/entry/{campaign_id}/settings").get_data(as_text=True)
    response = client.post(f"/staff/entry/{campaign_id}/batches",
                           data={"csrf_token": csrf_from(page), "label": "Xã nhỏ",
                                 "received": "3"})
    assert response.status_code == 400
    assert "ít nhất 5 phiếu" in response.get_data(as_text=True)
    no_csrf = client.post(f"/staff/entry/{campaign_id}/batches", data={"received": "30"})
    assert no_csrf.status_code == 400
    with app.app_context():
        from survey.models import PaperBatch
        assert db.session.scalar(select(func.count()).select_from(PaperBatch)) == 1
    assert client.get(f"/staff/entry/{campaign_id}/keyers").status_code == 200
    english = client.get(f"/staff/entry/{campaign_id}/?lang=en").get_data(as_text=True)
    assert "Key a sheet" in english and "Second keying done" in english
    assert re.search(r"Settings and boxes", english)
    assert PaperAgreed  # imported for the reader: agreed records are checked in test_workflow


def test_an_admin_grants_the_data_entry_role_and_the_clerk_lands_on_entry(app, client):
    with app.app_context():
        make_user("boss", Role.ADMIN)
        make_user("lan", Role.ANALYST)
    login(client, "boss")
    page = client.get("/staff/admin/").get_data(as_text=True)
    assert 'value="data_entry"' in page and "Người nhập phiếu giấy" in page
    with app.app_context():
        from survey.models import StaffUser

        user_id = db.session.scalar(select(StaffUser.id).where(StaffUser.username == "lan"))
    account = client.get(f"/staff/admin/users/{user_id}").get_data(as_text=True)
    changed = client.post(f"/staff/admin/users/{user_id}/role",
                          data={"csrf_token": csrf_from(account), "role": "data_entry"})
    assert changed.status_code == 302
    clerk = app.test_client()
    landed = login(clerk, "lan")
    assert landed.headers["Location"].endswith("/staff/entry/")
    home = clerk.get("/staff/entry/").get_data(as_text=True)
    assert "Nhập phiếu giấy" in home and "/staff/campaigns/" not in home


def test_a_field_without_the_csrf_token_is_refused(app, client, paper):
    campaign_id, batch_id = paper
    login(client, "lan")
    url = _open(client, campaign_id, batch_id, "4").headers["Location"]
    assert client.post(f"{url}/field", data={"field": "A1", "value": "2"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KeyedValue)) == 0
