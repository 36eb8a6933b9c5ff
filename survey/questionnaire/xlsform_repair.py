"""Last step of an XLSForm import: run our validator and repair what it finds, naming each repair.

A form that pyxform converts can still break one of our rules: a condition on a later question,
a filter naming a code another question lacks, a ranking asking for more ranks than options, an
``exclusive`` flag on a single choice, a page left empty by dropped questions. Each problem has
one repair — drop the condition, the flag, the limit, the empty page, or as a last resort the
question — and one report line. The loop runs until the validator is satisfied.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from survey.questionnaire.model import Problem, Report as Problems, normalize_collect
from survey.questionnaire.validator import Checker
from survey.questionnaire.xlsform_report import Report

__all__ = ["repair", "problems_of"]

MAX_ROUNDS = 12

#: English validator phrases → Vietnamese, for the report's reasons
REASONS_VI: list[tuple[str, str]] = [
    (r"refers to (\S+), which comes later", r"dùng câu \1 đứng sau"),
    (r"refers to (\S+), which is not on an earlier page", r"dùng câu \1 không ở trang trước"),
    (r"refers to unknown item '([^']+)'", r"dùng câu \1 không có trong phiếu"),
    (r"refers to (\S+), a note", r"dùng \1 là một ghi chú"),
    (r"refers to unknown row '([^']+)' of grid (\S+)", r"dùng dòng \1 không có của bảng \2"),
    (r"(\S+) has no option (-?\d+)", r"câu \1 không có phương án mã \2"),
    (r"'(.*)' is not an option code of (\S+)", r"«\1» không phải mã phương án của \2"),
    (r"(\S+)\(\) needs a (?:choice|text) item, (\S+) is (\S+)", r"hàm \1() không dùng được với \2"),
    (r"(\S+) holds several codes", r"câu \1 có nhiều mã, không so sánh bằng = được"),
    (r"compare a row of grid (\S+)", r"cần so sánh từng dòng của bảng \1"),
    (r"'\.' \(the current answer\) is only allowed in constraints",
     r"dấu chấm chỉ dùng được trong ràng buộc"),
    (r"logic cycle: (.+)", r"các điều kiện phụ thuộc vòng quanh: \1"),
    (r"needs at least 2 options, has (\d+)", r"cần ít nhất 2 phương án, chỉ có \1"),
    (r"has no options", r"không có phương án"),
    (r"ranking top (\d+) is more than its (\d+) rankable options",
     r"xếp \1 hạng nhưng chỉ có \2 phương án"),
    (r"exclusive only applies to multiple-choice items",
     r"«loại trừ» chỉ dùng cho câu nhiều lựa chọn"),
    (r"an option cannot be both missing and other",
     r"một phương án không thể vừa khuyết vừa «khác»"),
    (r"a grid scale cannot have an 'other — specify' option",
     r"thang đo của bảng không có phương án «khác — ghi rõ»"),
    (r"more than one 'other — specify' option", r"nhiều hơn một phương án «khác — ghi rõ»"),
    (r"bad expression", r"biểu thức sai"),
]


def reason_vi(message: str) -> str:
    for pattern, replacement in REASONS_VI:
        match = re.search(pattern, message)
        if match:
            return match.expand(replacement)
    return "phần này không thoả một quy tắc của phiếu (xem bản tiếng Anh của báo cáo)"


def problems_of(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The validator's problems with their paths (the same checks as :func:`check`)."""
    found = Problems("xlsform")
    definition = normalize_collect(data, found)
    if definition:
        Checker(definition, found).run()
    return definition, found.problems


def _item_name(data: dict[str, Any], path: tuple[Any, ...]) -> str:
    try:
        return str(data["pages"][path[1]]["items"][path[3]]["id"])
    except (IndexError, KeyError, TypeError):
        return "?"


def repair(data: dict[str, Any], report: Report,
           place: Callable[[tuple[Any, ...]], tuple[str, int | None]]) -> dict[str, Any] | None:
    """Fix ``data`` until it validates; the canonical definition, or ``None`` if a problem has
    no repair (the caller refuses the file). ``place(path)`` gives a report line's sheet and
    row."""
    for _round in range(MAX_ROUNDS):
        definition, problems = problems_of(data)
        if not problems:
            return definition
        removals: set[tuple[Any, ...]] = set()
        for problem in problems:
            if not _fix(data, problem, report, place, removals):
                return None
        for path in sorted(removals, key=lambda p: tuple(map(_sort_key, p)), reverse=True):
            container = data
            for key in path[:-1]:
                container = container[key]
            del container[path[-1]]
        for page in list(data["pages"]):
            if not page["items"]:
                data["pages"].remove(page)
        if not data["pages"]:
            return None
    return None


def _sort_key(part: Any) -> tuple[int, Any]:
    return (0, part) if isinstance(part, int) else (1, str(part))


def _fix(data: dict[str, Any], problem: Problem, report: Report,
         place: Callable[[tuple[Any, ...]], tuple[str, int | None]],
         removals: set[tuple[Any, ...]]) -> bool:
    path, message = problem.path, problem.message
    sheet, row = place(path)

    def line(what: str, action_en: str, action_vi: str, column: str | None = None) -> None:
        report.add("fixed-by-check", sheet, row, column, where=what, problem=message,
                   problem_vi=reason_vi(message), action=action_en, action_vi=action_vi)

    if path[:1] == ("languages",) or "which is not in languages" in message:
        lang = re.search(r"in '([a-z]{2,3})'", message)
        if lang and lang.group(1) not in data["languages"]:
            data["languages"].append(lang.group(1))
        return True
    if path[:1] == ("option_lists",) and len(path) >= 2:
        options = data.get("option_lists", {}).get(path[1])
        if options is not None:
            _fix_option(options, path[2:], message)
            if len(path) == 2:
                del data["option_lists"][path[1]]
        return True
    if path[:1] != ("pages",) or len(path) < 2:
        return False
    page = data["pages"][path[1]]
    if len(path) == 2 or (len(path) == 3 and path[2] == "items"):
        if "no items" not in message:
            return False
        return True  # empty pages go after the removals
    if path[2] == "relevant":
        line(f"trang {page['id']} / page {page['id']}", "the page condition was dropped",
             "đã bỏ điều kiện của trang", "relevant")
        page.pop("relevant", None)
        return True
    if len(path) < 4 or path[2] != "items":
        return False
    item = page["items"][path[3]]
    name = _item_name(data, path)
    rest = path[4:]
    key = rest[0] if rest else None
    if key == "relevant" or "logic cycle" in message:
        item.pop("relevant", None)
        line(name, "the condition was dropped: the question is always shown",
             "đã bỏ điều kiện: câu hỏi luôn hiện", "relevant")
    elif key == "constraint":
        item.pop("constraint", None)
        item.pop("constraint_message", None)
        line(name, "the constraint was dropped", "đã bỏ ràng buộc", "constraint")
    elif key == "options" and len(rest) >= 2 and isinstance(rest[1], int):
        item.pop("options_from", None)
        _fix_option(item.get("options", []), rest[1:], message)
        line(name, "the option was corrected", "đã sửa phương án", "choice_filter"
             if "relevant" in rest else None)
    elif key == "top":
        ranked = [o for o in item.get("options", []) if not o.get("missing")]
        item["top"] = max(1, len(ranked))
        line(name, f"top became {item['top']}", f"số hạng thành {item['top']}")
    elif key in ("min", "max"):
        item.pop("min", None)
        item.pop("max", None)
        line(name, "the range was dropped", "đã bỏ khoảng giá trị")
    elif key in ("min_select", "max_select"):
        item.pop("min_select", None)
        item.pop("max_select", None)
        line(name, "the selection limits were dropped", "đã bỏ giới hạn số lựa chọn")
    elif key in ("role", "dimension"):
        item.pop("role", None)
        item.pop("dimension", None)
        line(name, "it is not a banner variable", "câu này không là biến phân tổ")
    elif key in ("constraint_message", "report"):
        item.pop(key, None)
    elif key == "options" and "more than one" in message:
        seen = False
        for option in item.get("options", []):
            if option.get("other"):
                if seen:
                    option.pop("other")
                seen = True
        item.pop("options_from", None)
        line(name, "only the first 'other' option keeps its text box",
             "chỉ phương án «khác» đầu tiên giữ ô ghi rõ")
    else:
        removals.add(("pages", path[1], "items", path[3]))
        line(name, "the question was dropped", "đã bỏ câu hỏi này")
    return True


def _fix_option(options: list[dict[str, Any]], rest: tuple[Any, ...], message: str) -> None:
    if not rest or not isinstance(rest[0], int) or rest[0] >= len(options):
        return
    option = options[rest[0]]
    if "exclusive only" in message:
        option.pop("exclusive", None)
    elif "both missing and other" in message or "grid scale" in message:
        option.pop("other", None)
    elif "relevant" in rest or "option filter" in message:
        option.pop("relevant", None)
