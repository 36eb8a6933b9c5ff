"""The report outline in the designer: the ``report:`` block edited as YAML, each item and grid
row placed in a section, checked like every edit; editing an item keeps its place."""
from __future__ import annotations

import html as entities
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from survey.extensions import db
from survey.models import Questionnaire, Role
from survey.questionnaire import find_item, load_file
from survey.services.questionnaires import save_draft
from tests.helpers import csrf_from, login, make_user

BASE = "/staff/designer"
FLAGSHIP = Path(__file__).resolve().parents[2] / "questionnaires" / "ne-tranh-trach-nhiem.yaml"


@pytest.fixture
def flagship_draft(app):
    with app.app_context():
        make_user("lan", Role.DESIGNER)
        questionnaire = save_draft(db.session, load_file(FLAGSHIP))
        db.session.commit()
        qid = questionnaire.id
    client = app.test_client()
    login(client, "lan")
    return client, qid


def _draft(app) -> dict:
    with app.app_context():
        return db.session.scalar(select(Questionnaire.draft))


def _form(page_html: str) -> dict:
    data = {"csrf_token": csrf_from(page_html),
            "base": re.search(r'name="base" value="([^"]+)"', page_html).group(1),
            "outline": ""}
    data["outline"] = entities.unescape(re.search(
        r'<textarea[^>]*name="outline"[^>]*>\n?(.*?)</textarea>', page_html, re.S).group(1))
    for key, value in re.findall(r'<select id="place-([^"]+)" name="place-[^"]+">.*?'
                                 r'<option value="([^"]*)"[^>]*selected', page_html, re.S):
        data[f"place-{key}"] = value
    return data


def test_the_outline_page_shows_the_block_and_every_place(app, flagship_draft):
    client, qid = flagship_draft
    page = client.get(f"{BASE}/q/{qid}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nhiệm vụ, giải pháp" in html and "compare:" in html
    assert 'id="place-B1"' in html and 'id="place-E1.3"' in html
    assert 'id="place-A4"' not in html  # banners describe the sample, not a section
    editor = client.get(f"{BASE}/q/{qid}").get_data(as_text=True)
    assert f"{BASE}/q/{qid}/report" in editor and "báo cáo: I.2" in editor


def test_moving_an_item_and_a_row_and_renaming_a_section(app, flagship_draft):
    client, qid = flagship_draft
    html = client.get(f"{BASE}/q/{qid}/report").get_data(as_text=True)
    data = _form(html)
    spec = yaml.safe_load(data["outline"])
    assert spec["compare"]["item"] == "A4"
    spec["outline"][3]["title"]["vi"] = "Đề xuất, kiến nghị với Trung ương"
    data["outline"] = yaml.safe_dump(spec, allow_unicode=True)
    data["place-B1"] = "I.1"
    data["place-E1.9"] = "III.4"
    data["place-B7"] = ""
    response = client.post(f"{BASE}/q/{qid}/report", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    draft = _draft(app)
    assert draft["report"]["outline"][3]["title"]["vi"] == "Đề xuất, kiến nghị với Trung ương"
    assert find_item(draft, "B1")["report"] == "I.1"
    assert "report" not in find_item(draft, "B7")
    rows = {r["id"]: r for r in find_item(draft, "E1")["rows"]}
    assert rows["9"]["report"] == "III.4" and rows["3"]["report"] == "III.3"


def test_a_place_outside_the_outline_is_refused_in_vietnamese(app, flagship_draft):
    client, qid = flagship_draft
    before = _draft(app)
    data = _form(client.get(f"{BASE}/q/{qid}/report").get_data(as_text=True))
    spec = yaml.safe_load(data["outline"])
    spec["outline"] = spec["outline"][:2]  # drop parts III and IV: E1, E2, E5 lose their place
    data["outline"] = yaml.safe_dump(spec, allow_unicode=True)
    response = client.post(f"{BASE}/q/{qid}/report", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "không có trong dàn ý báo cáo" in html
    assert _draft(app) == before
    bad = dict(data, outline="outline: [")
    assert "không đọc được" in client.post(f"{BASE}/q/{qid}/report",
                                           data=bad).get_data(as_text=True)


def test_editing_an_item_keeps_its_report_place(app, flagship_draft):
    from survey.questionnaire import editing

    draft = _draft(app)
    item = {k: v for k, v in find_item(draft, "E1").items() if k != "report"}
    item["rows"] = [{k: v for k, v in r.items() if k != "report"} for r in item["rows"]]
    outcome = editing.apply(draft, editing.replace_item("E1", item))
    assert outcome.ok, outcome.all_messages()
    edited = find_item(outcome.definition, "E1")
    assert edited["report"] == "III"
    assert [r["report"] for r in edited["rows"]] == [r["report"] for r in
                                                     find_item(draft, "E1")["rows"]]


def test_the_outline_page_needs_csrf(app, flagship_draft):
    client, qid = flagship_draft
    assert client.post(f"{BASE}/q/{qid}/report", data={"outline": ""}).status_code == 400
