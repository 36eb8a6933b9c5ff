"""The one mapping between a respondent's answers dict and rows of the ``answer`` table.

Everything that writes answers (the respondent flow, benchmarks, test builders) and everything
that reads them back (resume, exports) goes through these two functions, so the storage layout
described in ``docs/questionnaire-format.md`` has exactly one implementation:

========== ===================================================================================
single     one row: ``code``; the "other — specify" text in ``text`` of that row
multiple   one row per selected code, ``position`` 1, 2, … in option order; other text on the
           other option's row
grid       one row per answered row, variable ``ITEM.ROW``, ``code``
ranking    one row per ranked option, ``position`` = rank, ``code``, ``number`` = rank
numeric    one row: ``number``
text       one row: ``text``
========== ===================================================================================

Values the definition does not allow (unknown items, codes outside the option list) are not
silently stored: :class:`StorageError` is raised, because reaching this point with them means a
validation step was skipped.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from survey.questionnaire.model import iter_items, option_codes


class StorageError(ValueError):
    """An answers dict does not fit the definition it claims to answer."""


@dataclass(frozen=True)
class AnswerRow:
    variable: str
    position: int = 0
    code: int | None = None
    number: float | None = None
    text: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"variable": self.variable, "position": self.position, "code": self.code,
                "number": self.number, "text": self.text}


def _other_code(item: Mapping[str, Any]) -> int | None:
    return next((o["code"] for o in item.get("options") or [] if o.get("other")), None)


def _checked_code(item: Mapping[str, Any], value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in option_codes(item):
        raise StorageError(f"{item['id']}: {value!r} is not one of the option codes")
    return value


def _other_text(answers: Mapping[str, Any], item: Mapping[str, Any], code: int) -> str | None:
    if code != _other_code(item):
        return None
    text = answers.get(f"{item['id']}.other")
    return text.strip() or None if isinstance(text, str) else None


def _number(item: Mapping[str, Any], value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StorageError(f"{item['id']}: {value!r} is not a number")
    return float(value)


def _item_rows(item: Mapping[str, Any], value: Any, answers: Mapping[str, Any]) -> list[AnswerRow]:
    kind, item_id = item["type"], item["id"]
    if kind == "single":
        code = _checked_code(item, value)
        return [AnswerRow(item_id, 0, code, None, _other_text(answers, item, code))]
    if kind == "multiple":
        chosen = {_checked_code(item, code) for code in value}
        ordered = [code for code in option_codes(item) if code in chosen]
        return [AnswerRow(item_id, index, code, None, _other_text(answers, item, code))
                for index, code in enumerate(ordered, start=1)]
    if kind == "ranking":
        codes = [_checked_code(item, code) for code in value]
        if len(set(codes)) != len(codes):
            raise StorageError(f"{item_id}: an option is ranked twice")
        return [AnswerRow(item_id, rank, code, float(rank), None)
                for rank, code in enumerate(codes, start=1)]
    if kind == "grid":
        if not isinstance(value, Mapping):
            raise StorageError(f"{item_id}: a grid answer is a mapping of row to code")
        rows = []
        for row in item.get("rows") or []:
            code = value.get(row["id"])
            if code is not None:
                rows.append(AnswerRow(f"{item_id}.{row['id']}", 0, _checked_code(item, code)))
        unknown = set(map(str, value)) - {str(row["id"]) for row in item.get("rows") or []}
        if unknown:
            raise StorageError(f"{item_id}: unknown grid rows {sorted(unknown)}")
        return rows
    if kind == "numeric":
        return [AnswerRow(item_id, 0, None, _number(item, value), None)]
    if kind == "text":
        if not isinstance(value, str):
            raise StorageError(f"{item_id}: a text answer is a string")
        return [AnswerRow(item_id, 0, None, None, value)] if value.strip() else []
    raise StorageError(f"{item_id}: items of type {kind!r} store nothing")


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple, dict, set))
                                             and len(value) == 0)


def answer_rows(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> list[AnswerRow]:
    """Rows to insert for one response, in questionnaire order. Unanswered items give none."""
    items = {item["id"]: item for item in iter_items(definition) if item.get("type") != "note"}
    other_keys = {f"{item_id}.other" for item_id in items}
    unknown = [key for key in answers if key not in items and key not in other_keys]
    if unknown:
        raise StorageError(f"answers for unknown items: {sorted(unknown)}")
    rows: list[AnswerRow] = []
    for item_id, item in items.items():
        value = answers.get(item_id)
        if not _is_empty(value):
            rows.extend(_item_rows(item, value, answers))
    return rows


def _row_value(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def answers_from_rows(definition: Mapping[str, Any], rows: Iterable[Any]) -> dict[str, Any]:
    """The answers dict back from stored rows (``AnswerRow``, ORM ``Answer`` or mappings).

    The inverse of :func:`answer_rows` for every answers dict that function accepts."""
    by_variable: dict[str, list[Any]] = {}
    for row in rows:
        by_variable.setdefault(_row_value(row, "variable"), []).append(row)
    answers: dict[str, Any] = {}
    for item in iter_items(definition):
        kind, item_id = item.get("type"), item.get("id")
        if kind == "grid":
            cells = {row["id"]: by_variable[f"{item_id}.{row['id']}"][0]
                     for row in item.get("rows") or [] if f"{item_id}.{row['id']}" in by_variable}
            if cells:
                answers[item_id] = {row_id: _row_value(r, "code") for row_id, r in cells.items()}
            continue
        stored = sorted(by_variable.get(item_id, []), key=lambda r: _row_value(r, "position"))
        if not stored:
            continue
        if kind == "single":
            answers[item_id] = _row_value(stored[0], "code")
        elif kind in ("multiple", "ranking"):
            answers[item_id] = [_row_value(r, "code") for r in stored]
        elif kind == "numeric":
            number = _row_value(stored[0], "number")
            answers[item_id] = int(number) if not item.get("decimals") and number == int(number) \
                else number
        elif kind == "text":
            answers[item_id] = _row_value(stored[0], "text")
        if kind in ("single", "multiple"):
            other = next((_row_value(r, "text") for r in stored if _row_value(r, "text")), None)
            if other:
                answers[f"{item_id}.other"] = other
    return answers
