"""The respondent flow through the Flask test client, on SQLite and PostgreSQL."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AccessCode, AccessMode, Draft, PageReach, Response
from survey.services.access_codes import generate_batch
from tests.helpers import release_all
from tests.respond.support import Respondent, make_rich_campaign, stored, where

PAGE1 = {"cat": "1", "grade": "1", "age": "30", "head": "2"}
PAGE2 = {"fields": ["1", "13"], "fields.other": "Thuế", "freq.r1": "1", "freq.r2": "2"}
PAGE3 = {"rank.rank.1": "2", "rank.rank.2": "3", "idea": "Giao việc rõ"}


def error_of(html: str, item: str) -> str | None:
    match = re.search(rf'<p class="err" id="e-{item}">([^<]*)</p>', html)
    return match.group(1) if match else None


@pytest.fixture
def rich(any_app):
    with any_app.app_context():
        make_rich_campaign()
    return any_app


def complete(client, page1=PAGE1, page2=PAGE2, page3=PAGE3):
    r = Respondent(client, "thu")
    # Each POST that moves on answers with the next step itself (no redirect + GET).
    assert r.start().status_code == 200 and r.at().endswith("/p/1")
    assert 'action="/s/thu/p/1"' in r.html()  # the form posts to its own step
    assert where(r.answer(1, page1)).endswith("/p/2" if page1["cat"] == "1" else "/p/3")
    if page1["cat"] == "1":
        assert where(r.answer(2, page2)).endswith("/p/3")
    assert where(r.answer(3, page3)).endswith("/review")
    assert r.last.status_code == 200 and 'name="st"' in r.html()
    response, token, csrf = r.submit()
    assert response.status_code == 200 and where(response).endswith("/done")
    assert "Cảm ơn anh/chị" in response.get_data(as_text=True)
    return r, token, csrf


def test_complete_flow_stores_the_right_codes(rich):
    complete(rich.test_client())
    [answers] = stored(rich)
    assert answers == {
        "cat": [(0, 1, None, None)], "grade": [(0, 1, None, None)], "age": [(0, None, 30.0, None)],
        "head": [(0, 2, None, None)],
        "fields": [(1, 1, None, None), (2, 13, None, "Thuế")],
        "freq.r1": [(0, 1, None, None)], "freq.r2": [(0, 2, None, None)],
        "rank": [(1, 2, 1.0, None), (2, 3, 2.0, None)],
        "idea": [(0, None, None, "Giao việc rõ")],
    }
    with rich.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


def test_page_skip_logic_skips_a_page_and_drops_its_answers(rich):
    client = rich.test_client()
    r = Respondent(client, "thu")
    r.start()
    # Answer page 2 as a công chức first, then go back and become a viên chức: page 2 is skipped
    # and its answers are not stored.
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    # Without JS the viên chức grades were not on the page (công chức already chosen): shown now.
    assert r.answer(1, dict(PAGE1, cat="2", grade="11")).status_code == 200
    assert 'class="note-box"' in r.html() and 'id="f-grade-11"' in r.html()
    assert where(r.answer(1, dict(PAGE1, cat="2", grade="11"))).endswith("/p/3")
    assert where(r.get("/s/thu/p/2")).endswith("/p/3")
    r.answer(3, PAGE3)
    response, _token, _csrf = r.submit()
    assert where(response).endswith("/done")
    [answers] = stored(rich)
    assert answers["cat"] == [(0, 2, None, None)] and answers["grade"] == [(0, 11, None, None)]
    assert "fields" not in answers and "freq.r1" not in answers


def test_item_skip_logic_without_javascript_shows_the_follow_up(rich):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    # JS off: the form was rendered without "staff"; choosing head = 1 reveals it: same page again.
    response = r.answer(1, dict(PAGE1, head="1"))
    assert response.status_code == 200
    html = r.html()
    assert 'class="note-box"' in html and 'id="q-staff"' in html
    assert not re.search(r'id="q-staff"[^>]*hidden', html)
    assert error_of(html, "staff") is None  # not an error yet: it was never seen
    # Now seen (the form lists it) and left empty: required.
    response = r.answer(1, dict(PAGE1, head="1"))
    assert response.status_code == 422 and error_of(r.html(), "staff") == "Vui lòng trả lời câu hỏi này."
    response = r.answer(1, dict(PAGE1, head="1", staff="600"))
    assert error_of(r.html(), "staff") == "Tối đa 500 người."  # the constraint's own message
    assert where(r.answer(1, dict(PAGE1, head="1", staff="12"))).endswith("/p/2")
    # A follow-up answered and then made irrelevant is not kept.
    r.answer(1, dict(PAGE1, head="2", staff="12"))
    r.answer(2, PAGE2)
    r.answer(3, PAGE3)
    r.submit()
    [answers] = stored(rich)
    assert "staff" not in answers and answers["head"] == [(0, 2, None, None)]


def test_option_filter_is_applied_on_the_server(rich):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    html = r.get("/s/thu/p/1").get_data(as_text=True)
    # The grade list depends on the category, asked on the same page and not answered yet: every
    # grade is displayed (usable without JS), each with its condition for the script.
    assert re.search(r'data-o="grade:1" data-rel="[^"]+"><input', html)
    assert re.search(r'data-o="grade:11" data-rel="[^"]+"><input', html)
    # A viên chức choosing a công chức grade: filtered out on the server, so the item is unanswered.
    assert r.answer(1, dict(PAGE1, cat="2", grade="1")).status_code == 422
    html = r.html()
    assert error_of(html, "grade") == "Vui lòng trả lời câu hỏi này."
    assert re.search(r'data-o="grade:1"[^>]*hidden', html)
    assert not re.search(r'data-o="grade:11"[^>]*hidden', html)
    assert where(r.answer(1, dict(PAGE1, cat="2", grade="11"))).endswith("/p/3")


@pytest.mark.parametrize("data, item, message", [
    ({"cat": ""}, "cat", "Vui lòng trả lời câu hỏi này."),
    ({"cat": "7"}, "cat", "Vui lòng trả lời câu hỏi này."),
    ({"age": "abc"}, "age", "Vui lòng nhập một số (ví dụ: 12 hoặc 12,5)."),
    ({"age": "17"}, "age", "Vui lòng nhập một số từ 18 đến 70."),
    ({"age": "71"}, "age", "Vui lòng nhập một số từ 18 đến 70."),
    ({"age": "30,5"}, "age", "Vui lòng nhập một số nguyên."),
])
def test_page_one_validation(rich, data, item, message):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    response = r.answer(1, dict(PAGE1, **data))
    assert response.status_code == 422
    html = r.html()
    assert error_of(html, item) == message
    # Error summary linked to the question, announced, and the page title says so.
    assert f'<a href="#q-{item}">{item}. {message}</a>' in html
    assert 'role="alert"' in html and "<title>Có lỗi" in html
    assert re.search(rf'aria-describedby="e-{item}', html)
    if item == "age":  # what was typed is shown back
        assert f'value="{data["age"]}"' in html
    with rich.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0


@pytest.mark.parametrize("data, item, message", [
    ({"fields": []}, "fields", "Vui lòng trả lời câu hỏi này."),
    ({"fields": ["1", "2", "3"]}, "fields", "Chỉ được chọn tối đa 2 phương án."),
    ({"fields": ["1", "98"]}, "fields", "Phương án «Không biết» không thể chọn cùng các phương án khác."),
    ({"fields": ["13"], "fields.other": " "}, "fields", "Vui lòng ghi rõ ý kiến khác của anh/chị."),
    ({"fields": ["13"], "fields.other": "x" * 251}, "fields", "Phần ghi rõ tối đa 250 ký tự."),
    ({"freq.r2": ""}, "freq", "Vui lòng trả lời tất cả các dòng."),
    ({"freq.r2": "5"}, "freq", "Vui lòng trả lời tất cả các dòng."),
])
def test_page_two_validation(rich, data, item, message):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    r.answer(1, PAGE1)
    assert r.answer(2, dict(PAGE2, **data)).status_code == 422
    assert error_of(r.html(), item) == message


def test_exclusive_option_alone_is_accepted_and_other_text_dropped_when_not_chosen(rich):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    r.answer(1, PAGE1)
    assert where(r.answer(2, dict(PAGE2, fields=["98"], **{"fields.other": "lạc đề"}))).endswith("/p/3")
    r.answer(3, PAGE3)
    r.submit()
    [answers] = stored(rich)
    assert answers["fields"] == [(1, 98, None, None)]


@pytest.mark.parametrize("data, item, message", [
    ({"rank.rank.1": "2", "rank.rank.2": "2"}, "rank", "Mỗi phương án chỉ được xếp hạng một lần."),
    ({"rank.rank.1": "", "rank.rank.2": "2"}, "rank",
     "Vui lòng xếp hạng lần lượt từ hạng 1, không bỏ trống hạng ở giữa."),
    ({"rank.rank.2": ""}, "rank", "Vui lòng xếp hạng đủ 2 phương án."),
    ({"rank.rank.1": "", "rank.rank.2": ""}, "rank", "Vui lòng xếp hạng đủ 2 phương án."),
    ({"idea": "x" * 21}, "idea", "Tối đa 20 ký tự (anh/chị đã nhập 21)."),
])
def test_page_three_validation(rich, data, item, message):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    assert r.answer(3, dict(PAGE3, **data)).status_code == 422
    assert error_of(r.html(), item) == message


def test_ranking_uses_top_n_dropdowns_in_a_per_respondent_stable_order(rich):
    orders = set()
    for _i in range(6):
        r = Respondent(rich.test_client(), "thu")
        r.start()
        r.answer(1, PAGE1)
        r.answer(2, PAGE2)
        html = r.get("/s/thu/p/3").get_data(as_text=True)
        assert 'name="rank.rank.1"' in html and 'name="rank.rank.2"' in html
        assert 'name="rank.rank.3"' not in html
        first = re.search(r'<select id="f-rank-r1".*?</select>', html, re.S).group(0)
        order = tuple(re.findall(r'<option value="(\d+)"', first))
        again = r.get("/s/thu/p/3").get_data(as_text=True)
        assert re.search(r'<select id="f-rank-r1".*?</select>', again, re.S).group(0) == first
        orders.add(order)
    assert len(orders) > 1  # 6 respondents, 24 orders: the same order six times is 1 in 13,824


def test_back_keeps_answers(rich):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    r.answer(1, PAGE1)
    # Back from page 2 keeps what was ticked there, without validating.
    response = r.answer(2, {"fields": ["2"], "freq.r1": "2"}, action="back")
    assert response.status_code == 303 and where(response).endswith("/p/1")
    html = r.get("/s/thu/p/1").get_data(as_text=True)
    assert re.search(r'id="f-cat-1"[^>]*checked', html) and 'value="30"' in html
    html = r.get("/s/thu/p/2").get_data(as_text=True)
    assert re.search(r'id="f-fields-2"[^>]*checked', html)
    assert re.search(r'id="f-freq-r1-2"[^>]*checked', html)
    # Page 1 offers no "Quay lại" (issue 25): the introduction holds no answers to go back to.
    # A back sent anyway (an old page) keeps the answers and returns to the introduction.
    assert 'value="back"' not in r.get("/s/thu/p/1").get_data(as_text=True)
    assert 'value="back"' in r.get("/s/thu/p/2").get_data(as_text=True)
    assert where(r.answer(1, PAGE1, action="back")).endswith("/s/thu")
    assert re.search(r'id="f-cat-1"[^>]*checked', r.get("/s/thu/p/1").get_data(as_text=True))


def test_pages_not_reached_yet_redirect(rich):
    r = Respondent(rich.test_client(), "thu")
    assert where(r.get("/s/thu/p/1")).endswith("/s/thu")  # no draft yet
    r.start()
    assert where(r.get("/s/thu/p/3")).endswith("/p/1")
    assert where(r.get("/s/thu/review")).endswith("/p/1")
    assert r.get("/s/thu/p/9").status_code == 404


def test_save_and_resume_on_another_device(rich):
    first = Respondent(rich.test_client(), "thu")
    first.start()
    first.answer(1, PAGE1)
    response = first.answer(2, {"fields": ["3"]}, action="save")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    code = re.search(r'id="rc" type="text" readonly value="([A-Z0-9-]+)"', first.html()).group(1)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    with rich.app_context():  # only a hash of the code is stored
        dump = "\n".join(str(row) for table in db.metadata.sorted_tables
                         for row in db.session.execute(table.select()))
        assert code not in dump and code.replace("-", "") not in dump

    other = Respondent(rich.test_client(), "thu")
    page = other.get("/s/thu/resume")
    from tests.helpers import csrf_from
    bad = other.client.post("/s/thu/resume", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                   "code": "AAAA-BBBB-CCCC"})
    assert bad.status_code == 400 and "Không tìm thấy phiếu đã lưu" in bad.get_data(as_text=True)
    response = other.client.post("/s/thu/resume", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "code": code.lower().replace("-", " ")})
    assert response.status_code == 303 and where(response).endswith("/p/2")
    html = other.get("/s/thu/p/2").get_data(as_text=True)
    assert re.search(r'id="f-fields-3"[^>]*checked', html)
    # The first device's cookie no longer opens the draft.
    assert where(first.get("/s/thu/p/2")).endswith("/s/thu")
    other.answer(2, PAGE2)
    other.answer(3, PAGE3)
    assert where(other.submit()[0]).endswith("/done")
    assert len(stored(rich)) == 1


def test_double_submission_stores_one_response(rich):
    client = rich.test_client()
    r, token, csrf = complete(client)
    # The same form again (double tap, retry after a lost reply): thank-you, nothing new.
    again = client.post("/s/thu/submit", data={"csrf_token": csrf, "st": token})
    assert again.status_code == 200 and where(again).endswith("/done")
    assert "Cảm ơn anh/chị" in again.get_data(as_text=True)
    # Another render's token after success: the draft is gone, nothing new either.
    other = client.post("/s/thu/submit", data={"csrf_token": csrf, "st": "x" * 32})
    assert other.status_code == 303 and not where(other).endswith("/done")
    assert len(stored(rich)) == 1
    assert "Cảm ơn anh/chị" in client.get("/s/thu/done").get_data(as_text=True)


def test_two_tabs_submitting_the_same_draft_store_one_response(rich):
    client = rich.test_client()
    r = Respondent(client, "thu")
    r.start()
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    r.answer(3, PAGE3)
    tab1 = client.get("/s/thu/review").get_data(as_text=True)
    tab2 = client.get("/s/thu/review").get_data(as_text=True)
    tokens = [re.search(r'name="st" value="([^"]+)"', html).group(1) for html in (tab1, tab2)]
    assert tokens[0] != tokens[1]  # one token per render
    from tests.helpers import csrf_from
    for html, token in zip((tab1, tab2), tokens):
        client.post("/s/thu/submit", data={"csrf_token": csrf_from(html), "st": token})
    assert len(stored(rich)) == 1


def test_page_reach_counts(rich):
    complete(rich.test_client())
    complete(rich.test_client(), page1=dict(PAGE1, cat="2", grade="11"))
    r = Respondent(rich.test_client(), "thu")
    r.start()  # started, reached page 1, stopped
    with rich.app_context():
        counts = dict(db.session.execute(select(PageReach.page, PageReach.count)).all())
    assert counts == {0: 3, 1: 3, 2: 1, 3: 2, 4: 2}


def test_review_page_lists_answers_with_labels(rich):
    r = Respondent(rich.test_client(), "thu")
    r.start()
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    r.answer(3, PAGE3)
    html = r.get("/s/thu/review").get_data(as_text=True)
    assert "Công chức" in html and "Khác (ghi rõ): Thuế" in html and "1. Sợ sai" in html
    assert "Đùn đẩy: Ít" in html


def test_a_top_two_ranking_says_only_the_first_two_are_ranked(rich):
    """Issue 25, point 9: the page and the review say that a ranking with top 2 ranks only the
    first 2 of its 4 options, not the whole order."""
    r = Respondent(rich.test_client(), "thu")
    r.start()
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    page = r.get("/s/thu/p/3").get_data(as_text=True)
    assert "Chỉ xếp hạng 2 phương án quan trọng nhất" in page
    r.answer(3, PAGE3)
    html = r.get("/s/thu/review").get_data(as_text=True)
    assert "Chỉ xếp hạng 2 phương án đầu: 1. Sợ sai; 2. Luật chồng chéo" in html


@pytest.fixture
def coded(any_app):
    with any_app.app_context():
        campaign = make_rich_campaign(access_mode=AccessMode.CODE)
        batch, codes = generate_batch(db.session, campaign, 5, label="Sở")
        db.session.commit()
        return any_app, batch.id, codes


def test_access_code_is_spent_once_and_never_shown_again(coded):
    app, batch_id, codes = coded
    code = codes[0]
    r = Respondent(app.test_client(), "thu")
    html = r.get("/s/thu").get_data(as_text=True)
    assert 'name="code"' in html
    assert r.start(code=code.lower()).status_code == 200 and r.at().endswith("/p/1")
    pages = [r.html()]
    r.answer(1, PAGE1)
    pages.append(r.html())
    r.answer(2, PAGE2)
    r.answer(3, PAGE3)
    pages.append(r.get("/s/thu/review").get_data(as_text=True))
    response, _t, _c = r.submit()
    pages.append(r.html())
    pages.append(r.get("/s/thu/done").get_data(as_text=True))
    for html in pages:
        assert code not in html and code.replace("-", "") not in html
    assert code not in response.headers.get("Location", "")

    second = Respondent(app.test_client(), "thu")
    used = second.start(code=code)
    assert used.status_code == 409 and "Mã này đã được sử dụng" in used.get_data(as_text=True)
    wrong = second.start(code="ABCDE-FGHJ2" if code != "ABCDE-FGHJ2" else "ABCDE-FGHJ3")
    assert wrong.status_code == 400 and "Mã không đúng" in wrong.get_data(as_text=True)
    short = second.start(code="abc")
    assert short.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
        release_all()
        [response_row] = db.session.scalars(select(Response)).all()
        # The response carries no trace of its code or batch.
        assert not any("batch" in column.name or "code" in column.name
                       for column in Response.__table__.c)
        assert db.session.scalar(select(func.count()).select_from(AccessCode)
                                 .where(AccessCode.used.is_(True))) == 1
    assert "rt" not in {c.key for c in second.client._cookies.values()} if hasattr(second.client, "_cookies") else True


def test_unknown_and_full_campaigns(rich):
    client = rich.test_client()
    page = client.get("/s/khong-co")
    assert page.status_code == 404 and "Không tìm thấy đợt khảo sát" in page.get_data(as_text=True)
    with rich.app_context():
        from survey.models import Campaign
        campaign = db.session.scalar(select(Campaign))
        campaign.max_responses = 1
        db.session.commit()
    complete(client)
    full = rich.test_client().get("/s/thu")
    assert full.status_code == 410 and "đủ số phiếu" in full.get_data(as_text=True)


def test_draft_follows_the_campaign_to_a_new_version(rich):
    from survey.models import Campaign
    from survey.services.questionnaires import publish, save_draft
    from tests.respond.support import rich_definition

    r = Respondent(rich.test_client(), "thu")
    r.start()
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    with rich.app_context():
        changed = rich_definition()
        changed["pages"][2]["items"] = [i for i in changed["pages"][2]["items"] if i["id"] != "idea"]
        version = publish(db.session, save_draft(db.session, changed))
        campaign = db.session.scalar(select(Campaign))
        old_version = campaign.version_id
        campaign.version_id = version.id
        db.session.commit()
        new_version = version.id
    assert new_version != old_version
    # Back to page 1 of the new version, answers kept.
    assert where(r.get("/s/thu/p/3")).endswith("/p/1")
    assert re.search(r'id="f-cat-1"[^>]*checked', r.get("/s/thu/p/1").get_data(as_text=True))
    r.answer(1, PAGE1)
    r.answer(2, PAGE2)
    r.answer(3, {"rank.rank.1": "1", "rank.rank.2": "4"})
    assert where(r.submit()[0]).endswith("/done")
    with rich.app_context():
        release_all()
        assert db.session.scalars(select(Response)).one().version_id == new_version
    [answers] = stored(rich)
    assert "idea" not in answers and answers["rank"] == [(1, 1, 1.0, None), (2, 4, 2.0, None)]
