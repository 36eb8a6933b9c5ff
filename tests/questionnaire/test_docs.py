"""The format document's example is a valid questionnaire whose logic works as described."""
from __future__ import annotations

import re
from pathlib import Path

from survey.questionnaire import find_item, is_true, load_text, validate

DOC = Path(__file__).resolve().parents[2] / "docs" / "questionnaire-format.md"


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_complete_example_validates_and_its_logic_works():
    example = next(block for block in yaml_blocks() if block.startswith("id: thu-nghiem"))
    definition = load_text(example, "questionnaire-format.md")
    assert validate(definition) == []
    grade = find_item(definition, "A2")
    assert [o["code"] for o in grade["options"] if is_true(o.get("relevant"), {"A1": 2})] == \
        [11, 99]
    why = find_item(definition, "B3")["relevant"]
    assert is_true(why, {"B1": {"2": 1}}) and is_true(why, {"B2": [8]})
    assert not is_true(why, {"B1": {"2": 3}, "B2": [1]})
