"""The validator: one test per kind of mistake, each checking the message names the place."""
from __future__ import annotations

import copy
import textwrap

import pytest

from survey.questionnaire import (DefinitionError, load_text, normalize, validate)
from tests.helpers import small_definition


def base() -> dict:
    """A valid definition with every item type, to break one thing at a time."""
    return {
        "id": "thu-nghiem",
        "title": {"vi": "Thử nghiệm", "en": "Trial"},
        "option_lists": {"agree": [{"code": 1, "label": "Không"}, {"code": 2, "label": "Có"},
                                   {"code": 9, "label": "Khó trả lời", "missing": True}]},
        "pages": [
            {"id": "A", "title": "Trang A", "items": [
                {"id": "intro", "type": "note", "label": "Xin chào"},
                {"id": "cat", "type": "single", "label": "Đối tượng", "role": "banner",
                 "dimension": "category",
                 "options": [{"code": 1, "label": "Cán bộ"}, {"code": 2, "label": "Viên chức"}]},
                {"id": "grade", "type": "single", "label": "Ngạch", "options": [
                    {"code": 1, "label": "Chuyên viên", "relevant": "cat = 1"},
                    {"code": 2, "label": "Hạng I", "relevant": "cat = 2"}]},
                {"id": "fields", "type": "multiple", "label": "Lĩnh vực", "max_select": 2,
                 "options": [{"code": 1, "label": "Đất đai"}, {"code": 2, "label": "Xây dựng"},
                             {"code": 3, "label": "Y tế"},
                             {"code": 8, "label": "Khác", "other": True},
                             {"code": 9, "label": "Không biết", "missing": True,
                              "exclusive": True}]},
            ]},
            {"id": "B", "title": "Trang B", "relevant": "cat = 1", "items": [
                {"id": "grid", "type": "grid", "label": "Mức độ", "options_from": "agree",
                 "rows": [{"id": "1", "label": "Hành vi 1"}, {"id": "2", "label": "Hành vi 2"}]},
                {"id": "why", "type": "text", "label": "Vì sao?", "relevant": "grid.1 = 2"},
                {"id": "rank", "type": "ranking", "label": "Xếp hạng", "top": 2,
                 "options": [{"code": 1, "label": "X"}, {"code": 2, "label": "Y"},
                             {"code": 3, "label": "Z"}]},
                {"id": "age", "type": "numeric", "label": "Tuổi", "min": 18, "max": 70,
                 "constraint": ". != 50", "constraint_message": "Không được 50"},
                {"id": "follow", "type": "text", "label": "Thêm",
                 "relevant": "selected(fields, 8) and count-selected(fields) < 3 "
                             "and not empty(age)"},
            ]},
        ],
    }


def errors_after(change) -> list[str]:
    definition = base()
    change(definition)
    return validate(definition)


def item(definition: dict, item_id: str) -> dict:
    return next(i for p in definition["pages"] for i in p["items"] if i["id"] == item_id)


def test_base_and_helpers_definitions_are_valid():
    assert validate(base()) == []
    assert validate(small_definition()) == []


def test_normalize_expands_shorthands_and_is_idempotent():
    canonical = normalize(base())
    grid = canonical["pages"][1]["items"][0]
    assert grid["options_from"] == "agree"
    assert grid["options"][2] == {"code": 9, "label": {"vi": "Khó trả lời"}, "missing": True}
    assert canonical["pages"][0]["items"][1]["label"] == {"vi": "Đối tượng"}
    assert canonical["pages"][0]["items"][1]["appearance"] == "radio"
    assert canonical["pages"][0]["items"][1]["required"] is False
    assert canonical["languages"] == ["vi", "en"]
    assert item(canonical, "why")["max_length"] == 250
    assert item(canonical, "rank")["top"] == 2
    assert item(canonical, "fields")["min_select"] == 0
    assert normalize(canonical) == canonical
    assert normalize(copy.deepcopy(canonical)) == canonical


CASES = [
    ("unknown item in logic",
     lambda d: item(d, "why").update(relevant="grdi.1 = 2"),
     "item why: relevant refers to unknown item 'grdi' (did you mean grid?)"),
    ("unknown grid row",
     lambda d: item(d, "why").update(relevant="grid.7 = 2"),
     "item why: relevant refers to unknown row '7' of grid grid"),
    ("row of a non-grid",
     lambda d: item(d, "why").update(relevant="cat.1 = 2"),
     "but cat is not a grid"),
    ("duplicate item id",
     lambda d: item(d, "why").update(id="rank"),
     "item rank: duplicate item id"),
    ("duplicate page id",
     lambda d: d["pages"][1].update(id="A"),
     "page A: duplicate page id"),
    ("duplicate option code",
     lambda d: item(d, "rank")["options"][2].update(code=2),
     "item rank, option 2: duplicate option code 2"),
    ("duplicate option code in a shared list",
     lambda d: d["option_lists"]["agree"][1].update(code=1),
     "option list agree, option 1: duplicate option code 1"),
    ("duplicate row id",
     lambda d: item(d, "grid")["rows"][1].update(id="1"),
     "item grid: duplicate row id '1'"),
    ("logic cycle",
     lambda d: item(d, "grid").update(relevant="why = 'x'"),
     "logic cycle: grid → why → grid"),
    ("self reference",
     lambda d: item(d, "why").update(relevant="why = 'x'"),
     "logic cycle: why → why"),
    ("forward reference",
     lambda d: item(d, "grade").update(relevant="age > 30"),
     "item grade: relevant refers to age, which comes later"),
    ("page relevant on the same page",
     lambda d: d["pages"][1].update(relevant="age > 30"),
     "page B: relevant refers to age, which is not on an earlier page"),
    ("banner without options",
     lambda d: item(d, "cat").update(options=[]),
     "item cat: a banner needs options"),
    ("banner without dimension",
     lambda d: item(d, "cat").pop("dimension"),
     "item cat: a banner needs a dimension"),
    ("banner dimension twice",
     lambda d: item(d, "grade").update(role="banner", dimension="category"),
     "dimension 'category' is already used by item cat"),
    ("banner on a multiple",
     lambda d: item(d, "fields").update(role="banner", dimension="field"),
     "only a single-choice item can be a banner"),
    ("missing vi label",
     lambda d: item(d, "age").update(label={"en": "Age"}),
     "item age: label has no Vietnamese (vi) text"),
    ("missing label",
     lambda d: item(d, "age").pop("label"),
     "item age: missing label"),
    ("missing option label",
     lambda d: item(d, "rank")["options"][0].pop("label"),
     "item rank, option 1: missing label"),
    ("ranking top larger than options",
     lambda d: item(d, "rank").update(top=4),
     "item rank: ranking top 4 is more than its 3 rankable options"),
    ("unknown type",
     lambda d: item(d, "age").update(type="geopoint"),
     "item age: unknown type 'geopoint'"),
    ("unknown key",
     lambda d: item(d, "age").update(colour="red"),
     "item age: unknown key 'colour'"),
    ("key of another type",
     lambda d: item(d, "age").update(max_select=3),
     "item age: unknown key 'max_select'"),
    ("unknown top-level key",
     lambda d: d.update(author="me"),
     "unknown key 'author'"),
    ("bad expression syntax",
     lambda d: item(d, "why").update(relevant="grid.1 == 2"),
     "item why: relevant: bad expression 'grid.1 == 2': expected a value"),
    ("min greater than max",
     lambda d: item(d, "age").update(min=80),
     "item age: min 80 is greater than max 70"),
    ("min_select greater than max_select",
     lambda d: item(d, "fields").update(min_select=3),
     "item fields: min_select 3 is greater than max_select 2"),
    ("max_select above options",
     lambda d: item(d, "fields").update(max_select=9),
     "item fields: max_select 9 is more than its 5 options"),
    ("unknown option code in selected",
     lambda d: item(d, "follow").update(relevant="selected(fields, 7)"),
     "item follow: relevant: fields has no option 7"),
    ("unknown option code in comparison",
     lambda d: item(d, "why").update(relevant="cat = 3"),
     "item why: relevant: cat has no option 3"),
    ("comparing a multiple",
     lambda d: item(d, "follow").update(relevant="fields = 1"),
     "fields holds several codes; use selected(fields, CODE)"),
    ("selected on a text item",
     lambda d: item(d, "follow").update(relevant="selected(why, 1)"),
     "selected() needs a choice item, why is text"),
    ("whole grid compared",
     lambda d: item(d, "why").update(relevant="grid = 1"),
     "compare a row of grid grid"),
    ("note in logic",
     lambda d: item(d, "why").update(relevant="answered(intro)"),
     "refers to intro, a note"),
    ("dot outside constraint",
     lambda d: item(d, "why").update(relevant=". = 1"),
     "'.' (the current answer) is only allowed in constraints"),
    ("options_from unknown",
     lambda d: item(d, "grid").update(options_from="agre"),
     "options_from names unknown option list 'agre'"),
    ("options and options_from disagree",
     lambda d: item(d, "grid").update(options=[{"code": 1, "label": "x"}]),
     "options differ from option list 'agree'"),
    ("missing options",
     lambda d: item(d, "rank").pop("options"),
     "item rank: missing options"),
    ("one option only",
     lambda d: item(d, "grade")["options"].pop(),
     "item grade: needs at least 2 options, has 1"),
    ("option code not a number",
     lambda d: item(d, "rank")["options"][0].update(code="một"),
     "item rank: option 1 needs a whole-number code, not 'một'"),
    ("two other options",
     lambda d: item(d, "fields")["options"][0].update(other=True),
     "item fields: more than one 'other — specify' option"),
    ("exclusive outside multiple",
     lambda d: item(d, "grade")["options"][0].update(exclusive=True),
     "exclusive only applies to multiple-choice items"),
    ("other in a grid scale",
     lambda d: d["option_lists"]["agree"][0].update(other=True),
     "a grid scale cannot have an 'other — specify' option"),
    ("grid without rows",
     lambda d: item(d, "grid").update(rows=[]),
     "item grid: a grid needs at least one row"),
    ("required note",
     lambda d: item(d, "intro").update(required=True),
     "item intro: a note cannot be required"),
    ("constraint message alone",
     lambda d: item(d, "age").pop("constraint"),
     "item age: constraint_message without a constraint"),
    ("bad item id",
     lambda d: item(d, "why").update(id="vì-sao"),
     "item vì-sao: an item id starts with a letter"),
    ("reserved item id",
     lambda d: item(d, "why").update(id="selected"),
     "'selected' is a reserved word"),
    ("bad questionnaire id",
     lambda d: d.update(id="Thử Nghiệm"),
     "questionnaire id 'Thử Nghiệm' must be 3–64 lower-case letters"),
    ("vi not in languages",
     lambda d: d.update(languages=["en"]),
     "languages must include vi"),
    ("label language not declared",
     lambda d: d.update(languages=["vi"]),
     "title in 'en', which is not in languages"),
    ("no pages",
     lambda d: d.update(pages=[]),
     "the questionnaire has no pages"),
    ("empty page",
     lambda d: d["pages"][1].update(items=[]),
     "page B: the page has no items"),
    ("bad required flag",
     lambda d: item(d, "age").update(required="maybe"),
     "item age: required must be true or false, not 'maybe'"),
    ("label of the wrong type",
     lambda d: item(d, "age").update(label=["Tuổi"]),
     "item age: label must be text or a mapping"),
    ("numeric bound not a number",
     lambda d: item(d, "age").update(max="bảy mươi"),
     "item age: max must be a number, not 'bảy mươi'"),
    ("bad appearance",
     lambda d: item(d, "cat").update(appearance="slider"),
     "appearance must be one of radio, dropdown"),
    ("bad decimals",
     lambda d: item(d, "age").update(decimals=9),
     "decimals must be 0–6"),
    ("estimated minutes",
     lambda d: d.update(estimated_minutes=0),
     "estimated_minutes must be at least 1"),
    ("selected on a grid without row",
     lambda d: item(d, "why").update(relevant="selected(grid, 1)"),
     "selected() on a grid needs a row"),
]


@pytest.mark.parametrize("change,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_mistake_is_reported_precisely(change, expected):
    errors = errors_after(change)
    assert any(expected in message for message in errors), errors


def test_not_a_mapping_is_one_clean_problem():
    assert validate(["a list"]) == ["<definition>: a questionnaire definition must be a mapping "
                                    "of keys to values, not list"]
    assert validate(None)
    assert validate("text")


YAML = textwrap.dedent("""\
    id: thu-nghiem
    title: Thử nghiệm
    pages:
      - id: A
        items:
          - id: q1
            type: single
            label: Câu 1
            options:
              - {code: 1, label: Có}
              - {code: 1, label: Không}
          - id: q2
            type: text
            label: Câu 2
            relevant: q9 = 1
          - id: q1
            type: numeric
            label: Câu 3
    """)


def test_yaml_errors_name_file_line_and_item():
    with pytest.raises(DefinitionError) as caught:
        load_text(YAML, "thu.yaml")
    errors = caught.value.errors
    assert "thu.yaml:11: item q1, option 1: duplicate option code 1 (first at line 10)" in errors
    assert "thu.yaml:15: item q2: relevant refers to unknown item 'q9'" in errors
    assert "thu.yaml:16: item q1: duplicate item id (first at line 6)" in errors
    assert errors == sorted(errors, key=lambda e: int(e.split(":")[1])), "in file order"



def test_yaml_syntax_error_names_the_line():
    with pytest.raises(DefinitionError) as caught:
        load_text("id: x\npages:\n  - id: A\n   items: [\n", "bad.yaml")
    assert caught.value.errors[0].startswith("bad.yaml:4: YAML syntax error")


def test_yaml_duplicate_keys_are_not_silently_dropped():
    with pytest.raises(DefinitionError) as caught:
        load_text("id: abc\ntitle: A\ntitle: B\npages: []\n", "dup.yaml")
    assert caught.value.errors == ["dup.yaml:3: duplicate key 'title' (first at line 2)"]


def test_yaml_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9))
    with pytest.raises(DefinitionError, match="too many YAML nodes"):
        load_text(bomb, "bomb.yaml")


# --------------------------------------------------------------------------- report outline

def with_report(definition: dict) -> dict:
    definition["report"] = {
        "outline": [{"id": "I", "title": "Thực trạng",
                     "sections": [{"id": "I.1", "title": "Biểu hiện"},
                                  {"id": "I.2", "title": "Mức độ"}]},
                    {"id": "II", "title": "Nguyên nhân"}],
        "compare": {"item": "cat", "groups": [{"label": "Cán bộ", "codes": [1]},
                                              {"label": "Viên chức", "codes": [2]}]},
        "banners": ["cat"], "highlight": {"grid": [2], "cat": [1]}}
    item(definition, "grid")["report"] = "I.1"
    item(definition, "grid")["rows"][1]["report"] = "I.2"
    item(definition, "rank")["report"] = "II"
    definition["pages"][0]["report"] = "I"
    return definition


def test_a_report_outline_is_valid_and_canonical():
    definition = with_report(base())
    assert validate(definition) == []
    canonical = normalize(definition)
    assert canonical["report"]["outline"][1] == {"id": "II", "title": {"vi": "Nguyên nhân"},
                                                 "sections": []}
    assert canonical["report"]["compare"]["groups"][0] == {"label": {"vi": "Cán bộ"},
                                                           "codes": [1]}
    assert item(canonical, "grid")["report"] == "I.1"
    assert item(canonical, "grid")["rows"][1] == {"id": "2", "label": {"vi": "Hành vi 2"},
                                                  "report": "I.2"}
    assert canonical["pages"][0]["report"] == "I"
    assert "report" not in item(canonical, "why")
    assert "report" not in normalize(base())  # absent stays absent: old hashes unchanged


def _report_errors(change) -> list[str]:
    definition = with_report(base())
    change(definition)
    return validate(definition)


@pytest.mark.parametrize("change, expected", [
    (lambda d: item(d, "rank").update(report="I.3"),
     "item rank: report: mục 'I.3' không có trong dàn ý báo cáo (có phải I.2?); "
     "các mục: I, I.1, I.2, II"),
    (lambda d: item(d, "grid")["rows"][0].update(report="III"),
     "item grid, row 1: report: mục 'III' không có trong dàn ý báo cáo"),
    (lambda d: d["pages"][1].update(report="V"),
     "page B: report: mục 'V' không có trong dàn ý báo cáo"),
    (lambda d: item(d, "intro").update(report="I"),
     "item intro: report: ghi chú không có số liệu để đưa vào báo cáo"),
    (lambda d: d["report"]["outline"][1].update(id="I.1"),
     "report: mã mục 'I.1' của dàn ý bị trùng"),
    (lambda d: d["report"]["outline"][1].update(id="II 1"),
     "report: mã mục 'II 1' chỉ gồm chữ, số, dấu chấm, gạch dưới hoặc gạch ngang"),
    (lambda d: d["report"].update(outline=[]),
     "report: dàn ý báo cáo (outline) chưa có mục nào"),
    (lambda d: d["report"]["compare"].update(item="gender"),
     "report.compare: không có câu hỏi 'gender' để so sánh các nhóm"),
    (lambda d: d["report"]["compare"].update(item="fields"),
     "report.compare: câu fields phải là câu hỏi một lựa chọn, không phải multiple"),
    (lambda d: d["report"]["compare"]["groups"][1].update(codes=[1]),
     "report.compare: mã 1 đã thuộc nhóm 1; mỗi mã chỉ thuộc một nhóm"),
    (lambda d: d["report"]["compare"]["groups"][1].update(codes=[7]),
     "report.compare: câu cat không có mã 7 (các mã: 1, 2)"),
    (lambda d: d["report"]["compare"]["groups"].pop(),
     "report.compare: cần ít nhất hai nhóm để so sánh"),
    (lambda d: d["report"].update(banners=["grade"]),
     "report.banners: câu grade không phải biến phân tổ (role: banner)"),
    (lambda d: d["report"].update(banners=["level"]),
     "report.banners: không có câu hỏi 'level'"),
    (lambda d: d["report"].update(chapters=[]),
     "report: unknown key 'chapters'"),
    (lambda d: d["report"].update(highlight={"fields": [1]}),
     "report.highlight: câu fields phải là câu hỏi một lựa chọn hoặc dạng lưới"),
    (lambda d: d["report"].update(highlight={"grid": [9]}),
     "report.highlight: câu grid không có mã hợp lệ 9 (các mã: 1, 2)"),
    (lambda d: d["report"].update(highlight={"nope": [1]}),
     "report.highlight: không có câu hỏi 'nope'"),
])
def test_report_mistakes_are_reported_in_vietnamese(change, expected):
    errors = _report_errors(change)
    assert any(expected in e for e in errors), errors


def test_a_report_reference_needs_an_outline():
    definition = base()
    item(definition, "grid")["report"] = "I.1"
    assert validate(definition) == ["<definition>: item grid: report: gán vào mục 'I.1' nhưng "
                                    "phiếu chưa khai báo dàn ý báo cáo (report.outline ở đầu "
                                    "tệp)"]


def test_report_errors_name_the_yaml_line():
    text = textwrap.dedent("""\
        id: thu-nghiem
        title: Thử
        report:
          outline:
            - {id: I, title: Thực trạng}
        pages:
          - id: A
            items:
              - id: q
                type: single
                label: Câu 1
                report: I.9
                options:
                  - {code: 1, label: Có}
                  - {code: 2, label: Không}
        """)
    with pytest.raises(DefinitionError) as caught:
        load_text(text, "thu.yaml")
    assert caught.value.errors == ["thu.yaml:12: item q: report: mục 'I.9' không có trong dàn ý "
                                   "báo cáo; các mục: I"]
