"""Missing codes in conditions (issue 25, point 15): a declared missing code ("khó trả lời",
98) is not a point on the scale, so an order comparison that it satisfies is refused with a
message saying what to write (in Vietnamese on the designer's pages); a comparison guarded by
another one joined with ``and`` is accepted; and the format document's examples say so."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from survey.designer.messages import plain
from survey.questionnaire import is_true, load_text, validate

DOC = Path(__file__).resolve().parents[2] / "docs" / "questionnaire-format.md"


def _example() -> dict:
    text = next(block for block in re.findall(r"```yaml\n(.*?)```",
                                                DOC.read_text(encoding="utf-8"), re.S)
                if block.startswith("id: thu-nghiem"))
    return load_text(text, "questionnaire-format.md")


def _with_condition(condition: str) -> dict:
    definition = copy.deepcopy(_example())
    b3 = next(item for page in definition["pages"] for item in page["items"]
              if item["id"] == "B3")
    b3["relevant"] = condition
    return definition


@pytest.mark.parametrize("condition", ["B1.2 >= 2", "B1.2 > 1", "2 <= B1.2", "1 < B1.2",
                                       "B1.2 >= 2 or B1.1 = 1", "A1 = 1 and B1.2 >= 2"])
def test_an_order_comparison_a_missing_code_satisfies_is_refused(condition):
    problems = [str(p) for p in validate(_with_condition(condition))]
    assert len(problems) == 1, problems
    assert "is also true for the missing code 98 of B1.2" in problems[0]
    assert "write B1.2 = 2 or B1.2 = 3 (or add: and B1.2 != 98)" in problems[0]


@pytest.mark.parametrize("condition", ["B1.2 = 2 or B1.2 = 3", "B1.2 >= 2 and B1.2 <= 3",
                                       "B1.2 >= 2 and B1.2 != 98", "B1.2 < 3",
                                       "B1.2 >= 2 and B1.2 < 98 and A1 = 1",
                                       "(B1.2 >= 2 and B1.2 <= 3) or A1 = 1",
                                       "not (B1.2 <= 1)", "B1.2 != 98 and B1.2 > 1"])
def test_exact_and_guarded_comparisons_are_accepted(condition):
    assert validate(_with_condition(condition)) == []


def test_the_runtime_would_have_counted_the_missing_code():
    """Why the rule exists: compared as numbers, 98 is "greater than 4"."""
    assert is_true("B1.2 >= 2", {"B1": {"2": 98}})
    assert not is_true("B1.2 = 2 or B1.2 = 3", {"B1": {"2": 98}})


def test_the_message_in_vietnamese_for_the_designer():
    (problem,) = [str(p) for p in validate(_with_condition("B1.2 >= 2"))]
    text = plain(problem)
    assert "cũng đúng khi B1.2 là mã khuyết 98" in text
    assert "hãy viết B1.2 = 2 or B1.2 = 3 (hoặc thêm: and B1.2 != 98)" in text
    assert "is also true" not in text


def test_the_format_document_examples_are_consistent():
    doc = DOC.read_text(encoding="utf-8")
    assert "`B2.5 >= 4` |" not in doc  # no longer shown as "rated 4 or 5"
    assert "`B2.5 = 4 or B2.5 = 5`" in doc
    # "viên chức" is code 2 in the document's own complete example
    example = _example()
    a1 = next(item for item in example["pages"][0]["items"] if item["id"] == "A1")
    code = next(o["code"] for o in a1["options"] if o["label"]["vi"] == "Viên chức")
    assert f"| show only to viên chức (code {code} in the example above) | `A1 = {code}` |" in doc
