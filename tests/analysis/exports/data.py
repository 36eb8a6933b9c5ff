"""A questionnaire with every stored item type, and responses written the way the respondent
flow stores them (one ``answer`` row per value), with the expected wide rows beside them."""
from __future__ import annotations

from datetime import date
from typing import Any

from survey.extensions import db
from survey.models import Answer, Response
from tests.helpers import make_campaign, small_definition


def rich_definition() -> dict[str, Any]:
    definition = small_definition("day-du")
    definition["title"] = {"vi": "Phiếu đầy đủ các loại câu hỏi", "en": "Every item type"}
    definition["pages"].append({"id": "P2", "title": {"vi": "Trang 2"}, "items": [
        {"id": "m", "type": "multiple", "label": {"vi": "Lĩnh vực hay xảy ra"},
         "options": [{"code": 1, "label": {"vi": "Đất đai"}},
                     {"code": 2, "label": {"vi": "Y tế"}},
                     {"code": 9, "label": {"vi": "Khác"}, "other": True}]},
        {"id": "g", "type": "grid", "label": {"vi": "Mức độ phổ biến của hành vi"},
         "rows": [{"id": "1", "label": {"vi": "Né tránh"}},
                  {"id": "2", "label": {"vi": "Đùn đẩy"}}],
         "options": [{"code": 1, "label": {"vi": "Hiếm"}},
                     {"code": 2, "label": {"vi": "Thường xuyên"}},
                     {"code": 8, "label": {"vi": "Không biết"}, "missing": True}]},
        {"id": "r", "type": "ranking", "label": {"vi": "Nguyên nhân quan trọng nhất"}, "top": 2,
         "options": [{"code": 1, "label": {"vi": "Thể chế"}},
                     {"code": 2, "label": {"vi": "Cán bộ"}},
                     {"code": 3, "label": {"vi": "Thu nhập"}}]},
        {"id": "age", "type": "numeric", "label": {"vi": "Số năm công tác"}, "min": 0,
         "max": 45},
        {"id": "y", "type": "text", "label": {"vi": "Đề xuất giải pháp"}, "multiline": True,
         "relevant": "q1 = 1"},
    ]})
    return definition


def store(campaign, answers: dict[str, Any], on: date = date(2026, 3, 2)) -> Response:
    """Store one complete response exactly as the storage convention says."""
    response = Response(campaign_id=campaign.id, version_id=campaign.version_id,
                        submitted_on=on)
    db.session.add(response)
    db.session.flush()
    rows = []
    for key, value in answers.items():
        if key.endswith(".other"):
            continue
        if isinstance(value, dict):  # grid
            rows += [Answer(variable=f"{key}.{row}", code=code) for row, code in value.items()]
        elif key == "m":
            rows += [Answer(variable=key, position=i, code=code,
                            text=answers.get("m.other") if code == 9 else None)
                     for i, code in enumerate(value, start=1)]
        elif key == "r":
            rows += [Answer(variable=key, position=i, code=code, number=i)
                     for i, code in enumerate(value, start=1)]
        elif key == "age":
            rows.append(Answer(variable=key, number=value))
        elif key == "y":
            rows.append(Answer(variable=key, text=value))
        else:
            rows.append(Answer(variable=key, code=value))
    for row in rows:
        row.response_id = response.id
    db.session.add_all(rows)
    return response


ANSWERS = [
    {"level": 1, "gender": 1, "q1": 1, "m": [1, 9], "m.other": "Thuế, hải quan",
     "g": {"1": 2, "2": 8}, "r": [3, 1], "age": 12, "y": "Cần bảo vệ cán bộ dám nghĩ, dám làm"},
    {"level": 2, "gender": 2, "q1": 2, "m": [2], "g": {"1": 1, "2": 1}, "r": [2, 3], "age": 3.5},
    {"level": 3, "gender": 9, "q1": 3, "g": {"1": 1}},
    {"level": 2, "q1": 1, "m": [1, 2], "r": [1, 2], "y": "Rà soát thể chế"},
]


def make_rich_campaign(**kwargs):
    campaign = make_campaign("day-du", rich_definition(), **kwargs)
    for answers in ANSWERS:
        store(campaign, answers)
    db.session.commit()
    return campaign


def expected_row(answers: dict[str, Any], text: bool = False) -> dict[str, Any]:
    """The wide row for one response, by column name (None = empty)."""
    row: dict[str, Any] = {"level": answers.get("level"), "gender": answers.get("gender"),
                           "q1": answers.get("q1")}
    picked = answers.get("m")
    for code in (1, 2, 9):
        row[f"m_{code}"] = None if picked is None else int(code in picked)
    grid = answers.get("g", {})
    row["g_1"], row["g_2"] = grid.get("1"), grid.get("2")
    ranks = answers.get("r") or []
    for code in (1, 2, 3):
        row[f"r_r{code}"] = ranks.index(code) + 1 if code in ranks else None
    row["age"] = answers.get("age")
    if text:
        row["m_9_khac"] = answers.get("m.other")
        row["y"] = answers.get("y")
    return row
