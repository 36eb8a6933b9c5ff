"""Versions: diff between definitions, YAML dump, publishing on both databases, the CLI."""
from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Questionnaire, QuestionnaireVersion
from survey.questionnaire import (Change, DefinitionError, content_hash, diff, dump_yaml,
                                  find_item, load_file, load_text, normalize)
from survey.services.questionnaires import (has_unpublished_changes, latest_version, publish,
                                            save_draft)
from tests.helpers import small_definition

# Version 1 of the flagship, kept verbatim: a rich definition that never changes, so these
# tests of the mechanics do not follow every revision of the shipped questionnaire.
FLAGSHIP = (Path(__file__).resolve().parents[2] / "questionnaires" / "history"
            / "ne-tranh-trach-nhiem.v1.yaml")


@pytest.fixture(scope="module")
def flagship() -> dict:
    return load_file(FLAGSHIP)


def edited(definition: dict, change) -> dict:
    copy_ = copy.deepcopy(definition)
    for page in copy_["pages"]:
        for item in page["items"]:
            if "options_from" in item:  # let a shared list change reach its items
                del item["options"]
    change(copy_)
    return normalize(copy_)


# --------------------------------------------------------------------------- diff

def test_identical_definitions_have_no_changes(flagship):
    assert diff(flagship, copy.deepcopy(flagship)) == []


def _item(d: dict, item_id: str) -> dict:
    return find_item(d, item_id)


@pytest.mark.parametrize("change, expected", [
    (lambda d: _item(d, "A5")["options"][0]["label"].update(vi="Chuyên viên cao cấp"),
     Change("changed", "A5", "Nhãn lựa chọn 1 (tiếng Việt) thay đổi: “Chuyên viên cao cấp và "
                             "tương đương” → “Chuyên viên cao cấp”")),
    (lambda d: _item(d, "A1")["options"].append({"code": 5, "label": {"vi": "Người lao động"}}),
     Change("changed", "A1", "Thêm lựa chọn 5 “Người lao động”")),
    (lambda d: _item(d, "A1")["options"].pop(3),
     Change("changed", "A1", "Bỏ lựa chọn 4 “Khác (người lao động hợp đồng, người hoạt động "
                             "không chuyên trách…)”")),
    (lambda d: _item(d, "A8")["options"][2].update(code=9),
     Change("changed", "A8", "Đổi mã lựa chọn “Không muốn trả lời”: 99 → 9")),
    (lambda d: _item(d, "A8")["options"][2].pop("missing"),
     Change("changed", "A8", "Lựa chọn 99 không còn là giá trị khuyết (không biết / không trả "
                             "lời)")),
    (lambda d: _item(d, "E4").update(relevant="E3 = 1"),
     Change("changed", "E4", "Điều kiện hiển thị thay đổi: E3 = 1 or E3 = 2 → E3 = 1")),
    (lambda d: _item(d, "B7").pop("relevant"),
     Change("changed", "B7", "Bỏ điều kiện hiển thị (B6 = 2 or B6 = 3 or B6 = 4)")),
    (lambda d: _item(d, "B5").update(relevant="B1 != 1"),
     Change("changed", "B5", "Thêm điều kiện hiển thị: B1 != 1")),
    (lambda d: _item(d, "B3").update(max_select=2),
     Change("changed", "B3", "Số lựa chọn tối đa: 3 → 2")),
    (lambda d: _item(d, "E5").update(required=True),
     Change("changed", "E5", "Câu hỏi trở thành bắt buộc")),
    (lambda d: _item(d, "B2")["rows"].append({"id": "11", "label": {"vi": "Hành vi mới"}}),
     Change("changed", "B2", "Thêm dòng 11 “Hành vi mới”")),
    (lambda d: d["pages"][-1]["items"].pop(),
     Change("removed", "E5", "Bỏ câu hỏi E5 “Anh/chị có đề xuất, kiến nghị gì để khắc phục "
                             "tình trạng né tránh, đùn đẩy, làm…”")),
    (lambda d: d["pages"][0]["items"].append({"id": "A10", "type": "text", "label": "Tỉnh"}),
     Change("added", "A10", "Thêm câu hỏi A10 (trang A) “Tỉnh”")),
    (lambda d: d["pages"][1]["items"].append(d["pages"][2]["items"].pop(0)),
     Change("changed", "B3", "Chuyển từ trang B_2 sang trang B")),
    (lambda d: [_item(d, "E5").update(type="numeric"), _item(d, "E5").pop("multiline"),
                _item(d, "E5").pop("max_length")],
     Change("changed", "E5", "Kiểu câu hỏi thay đổi: text → numeric (số liệu hai phiên bản "
                             "không so sánh trực tiếp được)")),
    (lambda d: d.update(estimated_minutes=20),
     Change("changed", None, "Thời gian trả lời dự kiến: 15 → 20 phút", "questionnaire")),
    (lambda d: d["option_lists"]["agree5"].pop(2),
     Change("changed", None, "Danh sách agree5: Bỏ lựa chọn 3 “Phân vân”", "option_list")),
    (lambda d: d["pages"].append({"id": "F", "items": [{"id": "F1", "type": "note",
                                                         "label": "Hết"}]}),
     Change("added", None, "Thêm trang F", "page")),
])
def test_each_kind_of_change_is_described(flagship, change, expected):
    changes = diff(flagship, edited(flagship, change))
    assert expected in changes, changes


def test_a_shared_scale_change_shows_on_every_item_using_it(flagship):
    changes = diff(flagship, edited(flagship, lambda d: d["option_lists"]["importance4"][0]
                                    ["label"].update(vi="Hoàn toàn không quan trọng")))
    assert {c.item for c in changes} == {None, "D1", "D2"}


def test_reordered_options_are_reported(flagship):
    changes = diff(flagship, edited(flagship, lambda d: _item(d, "A7")["options"].reverse()))
    assert changes == [Change("changed", "A7", "Thứ tự các lựa chọn thay đổi")]


# --------------------------------------------------------------------------- YAML dump

def test_dump_yaml_round_trips_the_flagship(flagship):
    text = dump_yaml(flagship)
    assert load_text(text, "dumped.yaml") == flagship
    assert dump_yaml(load_text(text)) == text
    assert "options_from: agree5" in text
    assert "&id" not in text and "*id" not in text  # no YAML aliases
    assert "- {code: 98, label: {vi: Khó trả lời, en: Hard to say}, missing: true}" in text


def test_dump_yaml_refuses_a_broken_definition():
    with pytest.raises(DefinitionError):
        dump_yaml({"id": "x", "pages": "not a list"})


TRICKY = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None)
@given(st.lists(TRICKY, min_size=4, max_size=4))
def test_dump_yaml_round_trips_any_label_text(texts):
    definition = small_definition()
    definition["title"]["vi"] = texts[0]
    definition["pages"][0]["items"][0]["label"]["vi"] = texts[1]
    definition["pages"][0]["items"][0]["options"][0]["label"]["vi"] = texts[2]
    definition["pages"][0]["title"] = {"vi": texts[3]}
    try:
        canonical = normalize(definition)
    except DefinitionError:
        assume(False)
    text = dump_yaml(canonical)
    assert load_text(text) == canonical
    assert dump_yaml(load_text(text)) == text


# --------------------------------------------------------------------------- publishing

def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_publishing_freezes_versions_on_both_databases(any_app, flagship):
    with any_app.app_context():
        questionnaire = save_draft(db.session, copy.deepcopy(flagship))
        assert has_unpublished_changes(db.session, questionnaire)
        first = publish(db.session, questionnaire)
        db.session.commit()
        assert first.number == 1 and first.content_hash == content_hash(flagship)
        assert not has_unpublished_changes(db.session, questionnaire)

        again = publish(db.session, questionnaire)  # unchanged draft: no new version
        assert again.id == first.id and _count(QuestionnaireVersion) == 1

        changed = copy.deepcopy(flagship)
        find_item(changed, "E4")["relevant"] = "E3 = 1"
        save_draft(db.session, changed)  # editing a published questionnaire = a new draft
        db.session.commit()
        assert has_unpublished_changes(db.session, questionnaire)
        db.session.expire_all()
        assert latest_version(db.session, questionnaire).number == 1
        assert find_item(first.definition, "E4")["relevant"] == "E3 = 1 or E3 = 2"

        second = publish(db.session, questionnaire)
        db.session.commit()
        db.session.expire_all()
        versions = db.session.scalars(select(QuestionnaireVersion)
                                      .order_by(QuestionnaireVersion.number)).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].definition == flagship
        assert find_item(versions[1].definition, "E4")["relevant"] == "E3 = 1"
        assert versions[1].content_hash == content_hash(versions[1].definition) \
            != versions[0].content_hash
        assert second.id == versions[1].id


def test_an_invalid_draft_is_never_published(any_app):
    with any_app.app_context():
        definition = small_definition("hong")
        questionnaire = save_draft(db.session, definition)
        db.session.commit()
        broken = copy.deepcopy(definition)
        broken["pages"][0]["items"][2]["relevant"] = "nope = 1"
        questionnaire.draft = broken
        db.session.commit()
        with pytest.raises(DefinitionError) as info:
            publish(db.session, questionnaire)
        assert "unknown item 'nope'" in str(info.value)
        db.session.rollback()
        assert _count(QuestionnaireVersion) == 0


# --------------------------------------------------------------------------- CLI

def test_cli_import_publish_export(app, runner, tmp_path, flagship):
    imported = runner.invoke(args=["questionnaire", "import", str(FLAGSHIP)])
    assert imported.exit_code == 0, imported.output
    assert "draft saved" in imported.output
    with app.app_context():
        assert _count(Questionnaire) == 1 and _count(QuestionnaireVersion) == 0

    first = runner.invoke(args=["questionnaire", "publish", "ne-tranh-trach-nhiem"])
    assert first.exit_code == 0 and "published version 1" in first.output
    same = runner.invoke(args=["questionnaire", "publish", "ne-tranh-trach-nhiem"])
    assert "unchanged, still version 1" in same.output

    xlsx = tmp_path / "out.xlsx"
    exported = runner.invoke(args=["questionnaire", "export", "ne-tranh-trach-nhiem",
                                   "--format", "xlsx", "-o", str(xlsx)])
    assert exported.exit_code == 0, exported.output
    book = load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert book["settings"]["A2"].value == "ne-tranh-trach-nhiem"
    yaml_out = tmp_path / "out.yaml"
    runner.invoke(args=["questionnaire", "export", "ne-tranh-trach-nhiem", "-o", str(yaml_out)])
    assert load_file(yaml_out) == flagship

    data = yaml.safe_load(yaml_out.read_text(encoding="utf-8"))
    find_item(data, "B3")["max_select"] = 2
    edited_path = tmp_path / "edited.yaml"
    edited_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    second = runner.invoke(args=["questionnaire", "import", str(edited_path), "--publish"])
    assert second.exit_code == 0, second.output
    assert "published version 2" in second.output
    assert "Số lựa chọn tối đa: 3 → 2" in second.output

    back = runner.invoke(args=["questionnaire", "publish", str(xlsx)])  # the xlsx is version 1
    assert back.exit_code == 0, back.output
    assert "published version 3" in back.output
    with app.app_context():
        versions = db.session.scalars(select(QuestionnaireVersion)
                                      .order_by(QuestionnaireVersion.number)).all()
        assert versions[2].content_hash == versions[0].content_hash


def test_cli_refuses_a_bad_file_and_changes_nothing(app, runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: thu-nghiem\ntitle: Thử\npages:\n  - id: A\n    items:\n"
                   "      - {id: q, type: single, label: Hỏi, options: []}\n", encoding="utf-8")
    result = runner.invoke(args=["questionnaire", "import", str(bad), "--publish"])
    assert result.exit_code == 1
    assert "bad.yaml:6: item q: has no options" in result.output
    with app.app_context():
        assert _count(Questionnaire) == 0
    missing = runner.invoke(args=["questionnaire", "export", "khong-co"])
    assert missing.exit_code != 0 and "No questionnaire named 'khong-co'" in missing.output
    nothing = runner.invoke(args=["questionnaire", "publish", "khong-co"])
    assert nothing.exit_code != 0 and "No file and no questionnaire" in nothing.output


# --------------------------------------------------------------------------- the report outline

SHIPPED = Path(__file__).resolve().parents[2] / "questionnaires" / "ne-tranh-trach-nhiem.yaml"


def test_dump_yaml_round_trips_the_report_outline():
    current = load_file(SHIPPED)
    text = dump_yaml(current)
    assert load_text(text, "dumped.yaml") == current
    assert dump_yaml(load_text(text)) == text
    assert "report: I.1" in text and "compare:" in text


def test_report_changes_are_described(flagship):
    current = load_file(SHIPPED)
    moved = edited(current, lambda d: _item(d, "B1").update(report="I.1"))
    assert Change("changed", "B1", "Mục báo cáo: I.2 → I.1") in diff(current, moved)
    row = edited(current, lambda d: _item(d, "E1")["rows"][0].update(report="III.2"))
    assert Change("changed", "E1", "Mục báo cáo của dòng 1: III.1 → III.2") in diff(current, row)
    regrouped = edited(current, lambda d: d["report"]["compare"]["groups"][0]["codes"].pop())
    assert Change("changed", None, "Nhóm so sánh trong báo cáo thay đổi", "questionnaire") in \
        diff(current, regrouped)
    assert Change("added", None, "Thêm dàn ý báo cáo (report)", "questionnaire") in \
        diff(flagship, {**flagship, "report": current["report"]})
