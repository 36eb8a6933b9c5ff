"""What changed between two versions of a questionnaire, in words a designer reads.

:func:`diff` compares two definitions (canonical or designer dicts; both are normalised) and
returns one :class:`Change` per difference — an item added, removed or moved, a label reworded,
an option added, removed or recoded, a condition rewritten — with a Vietnamese description.
The designer shows the list before publishing, so a change that would break comparability
between waves (a recoded option) is seen before it happens.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from survey.questionnaire.model import iter_pages, normalize

__all__ = ["Change", "diff"]

LANGUAGE_NAMES = {"vi": "tiếng Việt", "en": "tiếng Anh"}
TOP_LABELS = {"title": "Tiêu đề phiếu", "introduction": "Lời giới thiệu",
              "anonymity": "Cam kết ẩn danh", "thank_you": "Lời cảm ơn"}
ITEM_TEXTS = {"label": "Nội dung câu hỏi", "hint": "Gợi ý",
              "constraint_message": "Thông báo khi vi phạm ràng buộc"}
CONDITIONS = {"relevant": "Điều kiện hiển thị", "constraint": "Ràng buộc"}
SETTINGS = {"type": "Kiểu câu hỏi", "appearance": "Cách hiển thị", "randomize": "Xáo trộn thứ tự",
            "min_select": "Số lựa chọn tối thiểu", "max_select": "Số lựa chọn tối đa",
            "top": "Số mục xếp hạng", "min": "Giá trị nhỏ nhất", "max": "Giá trị lớn nhất",
            "decimals": "Số chữ số thập phân", "multiline": "Ô nhập nhiều dòng",
            "max_length": "Độ dài tối đa", "role": "Vai trò", "dimension": "Chiều phân tổ",
            "options_from": "Danh sách lựa chọn dùng chung", "report": "Mục báo cáo"}
FLAGS = {"missing": "giá trị khuyết (không biết / không trả lời)",
         "other": "lựa chọn \u201cKhác — ghi rõ\u201d", "exclusive": "lựa chọn loại trừ"}
MAX_QUOTE = 80


@dataclass(frozen=True)
class Change:
    """One difference. ``kind`` is ``added``, ``removed`` or ``changed``; ``item`` the item id
    (``None`` for the questionnaire itself, its pages and shared option lists); ``scope`` says
    which (``questionnaire``, ``page``, ``option_list``, ``item``); ``what`` describes it in
    Vietnamese."""

    kind: str
    item: str | None
    what: str
    scope: str = "item"


def _quote(text: Any) -> str:
    text = "" if text is None else str(text)
    if len(text) > MAX_QUOTE:
        text = text[:MAX_QUOTE - 1] + "…"
    return f"\u201c{text}\u201d"


def _value(value: Any) -> str:
    if value is None:
        return "không đặt"
    if isinstance(value, bool):
        return "có" if value else "không"
    return str(value)


def _texts(what: str, old: Mapping[str, str] | None, new: Mapping[str, str] | None) -> list[str]:
    """Describe the languages of a label that changed."""
    old, new = old or {}, new or {}
    result = []
    for lang in list(dict.fromkeys([*old, *new])):
        language = LANGUAGE_NAMES.get(lang, lang)
        before, after = old.get(lang), new.get(lang)
        if before == after:
            continue
        if before is None:
            result.append(f"{what} ({language}) được thêm: {_quote(after)}")
        elif after is None:
            result.append(f"{what} ({language}) bị bỏ")
        else:
            result.append(f"{what} ({language}) thay đổi: {_quote(before)} → {_quote(after)}")
    return result


def _condition(what: str, before: str | None, after: str | None) -> str | None:
    if before == after:
        return None
    if before is None:
        return f"Thêm {what.lower()}: {after}"
    if after is None:
        return f"Bỏ {what.lower()} ({before})"
    return f"{what} thay đổi: {before} → {after}"


def _option_label(option: Mapping[str, Any]) -> str:
    return _quote((option.get("label") or {}).get("vi", ""))


def _options(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """Options compared by code; a label that moved to another code is a recode."""
    before = {o["code"]: o for o in old}
    after = {o["code"]: o for o in new}
    removed = [code for code in before if code not in after]
    added = [code for code in after if code not in before]
    result = []
    by_label_added = {(after[c].get("label") or {}).get("vi"): c for c in added}
    recoded: set[int] = set()
    for code in removed:
        label = (before[code].get("label") or {}).get("vi")
        target = by_label_added.get(label)
        if label and target is not None and target not in recoded:
            recoded.add(target)
            result.append(f"Đổi mã lựa chọn {_option_label(before[code])}: {code} → {target}")
        else:
            result.append(f"Bỏ lựa chọn {code} {_option_label(before[code])}")
    for code in added:
        if code not in recoded:
            result.append(f"Thêm lựa chọn {code} {_option_label(after[code])}")
    for code in before:
        if code not in after:
            continue
        a, b = before[code], after[code]
        result += _texts(f"Nhãn lựa chọn {code}", a.get("label"), b.get("label"))
        for flag, name in FLAGS.items():
            if bool(a.get(flag)) != bool(b.get(flag)):
                result.append(f"Lựa chọn {code} {'được đánh dấu là' if b.get(flag) else 'không còn là'}"
                              f" {name}")
        change = _condition(f"Điều kiện lọc của lựa chọn {code}", a.get("relevant"),
                            b.get("relevant"))
        if change:
            result.append(change)
    common_before = [c for c in before if c in after]
    common_after = [c for c in after if c in before]
    if common_before != common_after:
        result.append("Thứ tự các lựa chọn thay đổi")
    return result


def _rows(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    before = {r["id"]: r for r in old}
    after = {r["id"]: r for r in new}
    result = []
    for row_id, row in before.items():
        if row_id not in after:
            result.append(f"Bỏ dòng {row_id} {_quote(row['label'].get('vi', ''))}")
    for row_id, row in after.items():
        if row_id not in before:
            result.append(f"Thêm dòng {row_id} {_quote(row['label'].get('vi', ''))}")
        else:
            result += _texts(f"Nhãn dòng {row_id}", before[row_id].get("label"),
                             row.get("label"))
            if before[row_id].get("report") != row.get("report"):
                result.append(f"Mục báo cáo của dòng {row_id}: "
                              f"{_value(before[row_id].get('report'))} → "
                              f"{_value(row.get('report'))}")
    if [r for r in before if r in after] != [r for r in after if r in before]:
        result.append("Thứ tự các dòng thay đổi")
    return result


def _item(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    result: list[str] = []
    if old["type"] != new["type"]:
        return [f"Kiểu câu hỏi thay đổi: {old['type']} → {new['type']} (số liệu hai phiên bản "
                "không so sánh trực tiếp được)"]
    for key, what in ITEM_TEXTS.items():
        result += _texts(what, old.get(key), new.get(key))
    if bool(old.get("required")) != bool(new.get("required")):
        result.append("Câu hỏi trở thành bắt buộc" if new.get("required")
                      else "Câu hỏi không còn bắt buộc")
    for key, what in CONDITIONS.items():
        change = _condition(what, old.get(key), new.get(key))
        if change:
            result.append(change)
    for key, what in SETTINGS.items():
        if key != "type" and old.get(key) != new.get(key):
            result.append(f"{what}: {_value(old.get(key))} → {_value(new.get(key))}")
    if "rows" in old or "rows" in new:
        result += _rows(old.get("rows") or [], new.get("rows") or [])
    if "options" in old or "options" in new:
        result += _options(old.get("options") or [], new.get("options") or [])
    return result


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every difference from ``old`` to ``new``, in questionnaire order.

    Both are normalised first; raises :class:`~survey.questionnaire.DefinitionError` if either
    cannot be. Two definitions with equal content hashes give an empty list.
    """
    a, b = normalize(dict(old)), normalize(dict(new))
    changes: list[Change] = []

    def top(kind: str, what: str) -> None:
        changes.append(Change(kind, None, what, "questionnaire"))

    if a["id"] != b["id"]:
        top("changed", f"Mã phiếu thay đổi: {a['id']} → {b['id']}")
    for key, what in TOP_LABELS.items():
        for text in _texts(what, a.get(key), b.get(key)):
            top("changed", text)
    if a.get("estimated_minutes") != b.get("estimated_minutes"):
        top("changed", f"Thời gian trả lời dự kiến: {_value(a.get('estimated_minutes'))} → "
                       f"{_value(b.get('estimated_minutes'))} phút")
    if a["languages"] != b["languages"]:
        top("changed", f"Ngôn ngữ: {', '.join(a['languages'])} → {', '.join(b['languages'])}")

    report_a, report_b = a.get("report"), b.get("report")
    if report_a != report_b:
        if report_a is None:
            top("added", "Thêm dàn ý báo cáo (report)")
        elif report_b is None:
            top("removed", "Bỏ dàn ý báo cáo (report)")
        else:
            for key, what in (("outline", "Các mục của dàn ý báo cáo"),
                              ("compare", "Nhóm so sánh trong báo cáo"),
                              ("banners", "Biến phân tổ kiểm định trong báo cáo")):
                if report_a.get(key) != report_b.get(key):
                    top("changed", f"{what} thay đổi")

    lists_a, lists_b = a.get("option_lists") or {}, b.get("option_lists") or {}
    for name in lists_a:
        if name not in lists_b:
            changes.append(Change("removed", None, f"Bỏ danh sách lựa chọn dùng chung {name}",
                                  "option_list"))
    for name, options in lists_b.items():
        if name not in lists_a:
            changes.append(Change("added", None, f"Thêm danh sách lựa chọn dùng chung {name}",
                                  "option_list"))
        else:
            for text in _options(lists_a[name], options):
                changes.append(Change("changed", None, f"Danh sách {name}: {text}",
                                      "option_list"))

    pages_a = {p["id"]: p for p in iter_pages(a)}
    pages_b = {p["id"]: p for p in iter_pages(b)}
    for page_id in pages_a:
        if page_id not in pages_b:
            changes.append(Change("removed", None, f"Bỏ trang {page_id}", "page"))
    for page_id, page in pages_b.items():
        if page_id not in pages_a:
            changes.append(Change("added", None, f"Thêm trang {page_id}", "page"))
            continue
        before = pages_a[page_id]
        for text in _texts(f"Tiêu đề trang {page_id}", before.get("title"), page.get("title")):
            changes.append(Change("changed", None, text, "page"))
        change = _condition(f"Điều kiện hiển thị trang {page_id}", before.get("relevant"),
                            page.get("relevant"))
        if change:
            changes.append(Change("changed", None, change, "page"))
        if before.get("report") != page.get("report"):
            changes.append(Change("changed", None, f"Mục báo cáo của trang {page_id}: "
                                                   f"{_value(before.get('report'))} → "
                                                   f"{_value(page.get('report'))}", "page"))
        order_a = [i["id"] for i in before["items"]]
        order_b = [i["id"] for i in page["items"]]
        if [i for i in order_a if i in order_b] != [i for i in order_b if i in order_a]:
            changes.append(Change("changed", None, f"Thứ tự câu hỏi trên trang {page_id} "
                                                   "thay đổi", "page"))
    if [p for p in pages_a if p in pages_b] != [p for p in pages_b if p in pages_a]:
        changes.append(Change("changed", None, "Thứ tự các trang thay đổi", "page"))

    items_a = {i["id"]: (p["id"], i) for p in iter_pages(a) for i in p["items"]}
    items_b = {i["id"]: (p["id"], i) for p in iter_pages(b) for i in p["items"]}
    for item_id, (_page_id, item) in items_a.items():
        if item_id not in items_b:
            changes.append(Change("removed", item_id, f"Bỏ câu hỏi {item_id} "
                                                      f"{_quote(item['label'].get('vi', ''))}"))
    for item_id, (page_id, item) in items_b.items():
        if item_id not in items_a:
            changes.append(Change("added", item_id, f"Thêm câu hỏi {item_id} (trang {page_id}) "
                                                    f"{_quote(item['label'].get('vi', ''))}"))
            continue
        old_page, old_item = items_a[item_id]
        if old_page != page_id:
            changes.append(Change("changed", item_id,
                                  f"Chuyển từ trang {old_page} sang trang {page_id}"))
        for text in _item(old_item, item):
            changes.append(Change("changed", item_id, text))
    return changes
