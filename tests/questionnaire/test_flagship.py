"""The flagship questionnaire: it is valid, complete and its logic does what the brief asks."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from survey.extensions import db
from survey.models import Campaign, QuestionnaireVersion
from survey.questionnaire import (banners, content_hash, find_item, is_true, iter_items,
                                  iter_pages, load_file, missing_codes, validate, variables)

FLAGSHIP = Path(__file__).resolve().parents[2] / "questionnaires" / "ne-tranh-trach-nhiem.yaml"


@pytest.fixture(scope="module")
def flagship() -> dict:
    return load_file(FLAGSHIP)


def offered(item: dict, answers: dict) -> list[int]:
    """Codes the respondent is offered after the option filter."""
    return [o["code"] for o in item["options"] if is_true(o.get("relevant"), answers)]


def labels(node, path=()):
    """Every label-like mapping in the definition, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("label", "title", "hint", "introduction", "anonymity", "thank_you",
                       "constraint_message") and isinstance(value, dict):
                yield path + (key,), value
            else:
                yield from labels(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from labels(value, path + (index,))


def test_flagship_validates_and_is_the_demo_slug(flagship):
    assert validate(flagship) == []
    assert flagship["id"] == "ne-tranh-trach-nhiem"
    assert flagship["languages"] == ["vi", "en"]
    assert flagship["estimated_minutes"] == 15


def test_size_is_about_fifteen_minutes_on_a_phone(flagship):
    questions = len(variables(flagship))
    assert 40 <= questions <= 60, questions
    assert 6 <= len(list(iter_pages(flagship))) <= 8


def test_introduction_states_the_anonymity_promise(flagship):
    text = flagship["anonymity"]["vi"]
    for promise in ("họ tên", "địa chỉ IP", "tổng hợp", "15 phút"):
        assert promise in text, promise
    assert "IP address" in flagship["anonymity"]["en"]
    assert flagship["introduction"]["vi"]


def test_every_banner_dimension_is_present(flagship):
    dimensions = [item["dimension"] for item in banners(flagship)]
    assert dimensions == ["category", "level", "field", "position", "rank", "party", "age",
                          "gender", "service"]
    for item in banners(flagship):
        assert item["type"] == "single" and item["options"], item["id"]


def test_level_options_follow_the_two_level_local_government(flagship):
    level = find_item(flagship, "A2")
    texts = [o["label"]["vi"] for o in level["options"]]
    assert texts == ["Trung ương", "Tỉnh, thành phố trực thuộc Trung ương", "Xã, phường, đặc khu"]
    assert not any("huyện" in t.lower() for t in texts)


def test_prefer_not_to_say_is_a_missing_code(flagship):
    gender = find_item(flagship, "A8")
    assert missing_codes(gender) == {99}
    assert find_item(flagship, "A8")["options"][-1]["label"]["en"] == "Prefer not to say"


def test_grade_option_filter_depends_on_category(flagship):
    grade = find_item(flagship, "A5")
    vien_chuc = offered(grade, {"A1": 3})
    cong_chuc = offered(grade, {"A1": 2})
    assert vien_chuc == [11, 12, 13, 14, 20, 99]
    assert cong_chuc == [1, 2, 3, 4, 5, 20, 99]
    assert offered(grade, {"A1": 1}) == cong_chuc
    assert set(vien_chuc) & set(cong_chuc) == {20, 99}


def test_follow_up_only_when_the_respondent_held_back(flagship):
    follow_up = find_item(flagship, "B7")["relevant"]
    assert not is_true(follow_up, {})
    assert not is_true(follow_up, {"B6": 1})       # never held back
    assert not is_true(follow_up, {"B6": 99})      # prefer not to say
    for code in (2, 3, 4):
        assert is_true(follow_up, {"B6": code})


def test_decree_trust_only_when_aware(flagship):
    trust = find_item(flagship, "E4")["relevant"]
    assert is_true(trust, {"E3": 1}) and is_true(trust, {"E3": 2})
    assert not is_true(trust, {"E3": 3}) and not is_true(trust, {})


def test_fields_question_allows_three_and_an_other_text(flagship):
    fields = find_item(flagship, "B3")
    assert fields["type"] == "multiple" and fields["max_select"] == 3
    others = [o for o in fields["options"] if o.get("other")]
    assert len(others) == 1
    dont_know = [o for o in fields["options"] if o.get("missing")]
    assert dont_know and dont_know[0].get("exclusive")


def test_grids_and_rankings_cover_the_outline(flagship):
    assert len(find_item(flagship, "B2")["rows"]) == 10
    assert len(find_item(flagship, "C1")["rows"]) == 6
    assert len(find_item(flagship, "D1")["rows"]) == 7
    assert len(find_item(flagship, "D2")["rows"]) == 8
    assert len(find_item(flagship, "E1")["rows"]) == 6
    causes, remedies = find_item(flagship, "D3"), find_item(flagship, "E2")
    assert causes["type"] == remedies["type"] == "ranking"
    assert causes["top"] == remedies["top"] == 3
    assert len(causes["options"]) == 7 + 8 and len(remedies["options"]) == 6
    assert find_item(flagship, "E5")["type"] == "text" and find_item(flagship, "E5")["multiline"]


def test_likert_scales_are_shared_option_lists(flagship):
    for item_id, name in (("B2", "frequency5"), ("C1", "agree5"), ("D1", "importance4"),
                          ("D2", "importance4"), ("E1", "effect4"), ("E4", "trust4")):
        item = find_item(flagship, item_id)
        assert item["options_from"] == name
        assert item["options"] == flagship["option_lists"][name]
        assert missing_codes(item) == {98}


def test_every_label_has_vietnamese_and_english(flagship):
    found = list(labels(flagship))
    assert len(found) > 150
    for path, label in found:
        assert label.get("vi", "").strip(), path
        assert label.get("en", "").strip(), path


def test_vietnamese_is_written_with_diacritics(flagship):
    text = " ".join(label["vi"] for _, label in labels(flagship))
    for word in ("né tránh", "đùn đẩy", "cầm chừng", "trách nhiệm", "đảng viên", "Nghị định"):
        assert word in text, word


def test_codes_and_ids_are_unique(flagship):
    ids = [item["id"] for item in iter_items(flagship)]
    assert len(ids) == len(set(ids))
    for item in iter_items(flagship):
        codes = [o["code"] for o in item.get("options") or []]
        assert len(codes) == len(set(codes)), item["id"]
        assert all(isinstance(c, int) for c in codes)
        rows = [r["id"] for r in item.get("rows") or []]
        assert len(rows) == len(set(rows)), item["id"]


def test_load_shipped_and_demo_campaign_open_the_flagship(app, runner, flagship):
    app.config["QUESTIONNAIRE_DIR"] = str(FLAGSHIP.parent)
    loaded = runner.invoke(args=["questionnaire", "load-shipped"])
    assert loaded.exit_code == 0, loaded.output
    assert "ne-tranh-trach-nhiem: version 1" in loaded.output
    demo = runner.invoke(args=["campaign", "demo"])
    assert demo.exit_code == 0, demo.output
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "demo"))
        version = db.session.get(QuestionnaireVersion, campaign.version_id)
        assert version.questionnaire.slug == "ne-tranh-trach-nhiem"
        assert version.content_hash == content_hash(flagship)
        assert version.definition == flagship
