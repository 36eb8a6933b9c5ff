"""Validator messages in plain Vietnamese for the designer's pages.

The questionnaire validator writes its messages in English for files, logs and the command line
(``item B3, option 2: duplicate option code 2``). Survey designers are not programmers and work
in Vietnamese, so the designer shows the common messages in Vietnamese when the page is in
Vietnamese. A message this table does not know is shown as the validator wrote it: nothing is
ever hidden. Pure Python: no Flask.
"""
from __future__ import annotations

import re

__all__ = ["plain"]

KEYS = {"relevant": "Điều kiện hiển thị", "constraint": "Ràng buộc",
        "option filter": "Điều kiện lọc phương án"}
WHATS = {"label": "nội dung", "title": "tiêu đề", "hint": "gợi ý", "item id": "mã câu hỏi",
         "page id": "mã trang", "items": "câu hỏi", "pages": "trang",
         "constraint_message": "thông báo ràng buộc", "introduction": "lời giới thiệu",
         "anonymity": "cam kết ẩn danh", "options (give options or options_from)":
         "phương án trả lời"}


def _key(text: str) -> str:
    return KEYS.get(text, text)


def _what(text: str) -> str:
    return WHATS.get(text, text)


_PATTERNS: list[tuple[str, str]] = [
    (r"missing (?P<what>.+)", "Thiếu {what}."),
    (r"(?P<what>[\w ]+) has no Vietnamese \(vi\) text", "Cần có {what} bằng tiếng Việt."),
    (r"duplicate item id.*", "Mã câu hỏi này đã được dùng cho một câu khác."),
    (r"duplicate page id.*", "Mã trang này đã được dùng cho một trang khác."),
    (r"an item id starts with a letter and uses only letters, digits and _",
     "Mã câu hỏi phải bắt đầu bằng chữ cái và chỉ gồm chữ cái không dấu, chữ số, dấu gạch dưới."),
    (r"'(?P<id>[^']+)' is a reserved word of the logic language",
     "{id} là từ khoá của ngôn ngữ điều kiện; hãy chọn mã khác."),
    (r"(?P<key>[\w ]+) refers to unknown item '(?P<ref>[^']+)' \(did you mean "
     r"(?P<close>[\w.]+)\?\)",
     "{key} nhắc đến câu {ref}, nhưng phiếu không có câu này (có phải {close}?)."),
    (r"(?P<key>[\w ]+) refers to unknown item '(?P<ref>[^']+)'",
     "{key} nhắc đến câu {ref}, nhưng phiếu không có câu này."),
    (r"(?P<key>[\w ]+) refers to (?P<ref>\S+), which comes later in the questionnaire",
     "{key} dùng câu {ref}, nhưng câu đó đứng sau; chỉ được dùng câu trả lời của các câu đứng "
     "trước."),
    (r"(?P<key>[\w ]+) refers to (?P<ref>\S+), which is not on an earlier page",
     "{key} của trang dùng câu {ref}, nhưng câu đó không nằm ở một trang trước."),
    (r"(?P<key>[\w ]+) refers to (?P<ref>\S+), a note, which has no answer",
     "{key} dùng {ref}, là một ghi chú nên không có câu trả lời."),
    (r"(?P<key>[\w ]+) refers to unknown row '(?P<row>[^']+)' of grid (?P<ref>\S+)",
     "{key} dùng dòng {row}, nhưng bảng {ref} không có dòng này."),
    (r"(?P<key>[\w ]+): bad expression (?P<q>['\"])(?P<text>.*)(?P=q): (?P<why>.*)",
     "{key} viết chưa đúng: “{text}” ({why})."),
    (r"unknown key '(?P<k>[^']+)' \(did you mean (?P<close>[^?]+)\?\)",
     "Khoá “{k}” không dùng được ở đây (có phải {close}?)."),
    (r"unknown key '(?P<k>[^']+)' \(allowed: (?P<allowed>[^)]*)\)",
     "Khoá “{k}” không dùng được ở đây (các khoá: {allowed})."),
    (r"unknown key '(?P<k>[^']+)'", "Khoá “{k}” không dùng được ở đây."),
    (r"options_from names unknown option list '(?P<name>[^']*)' \(did you mean "
     r"(?P<close>[^?]+)\? known: (?P<known>[^)]*)\)",
     "Không có danh sách phương án “{name}” (có phải {close}?); các danh sách: {known}."),
    (r"options_from names unknown option list '(?P<name>[^']*)' \(known: (?P<known>[^)]*)\)",
     "Không có danh sách phương án “{name}”; các danh sách: {known}."),
    (r"dimension '(?P<dim>[^']+)' may use only lower-case letters, digits and _ \(did you "
     r"mean (?P<close>[^?]+)\?\)",
     "Chiều phân tổ “{dim}” chỉ được gồm chữ thường không dấu, chữ số và dấu gạch dưới (có "
     "phải {close}?)."),
    (r"(?P<key>[\w ]+): '\.' \(the current answer\) is only allowed in constraints",
     "{key}: dấu chấm (câu trả lời hiện tại) chỉ dùng được trong ràng buộc."),
    (r"(?P<key>[\w ]+): (?P<ref>\S+) has no option (?P<code>-?\d+) \(codes: (?P<codes>[^)]*)\)",
     "{key}: câu {ref} không có phương án mã {code} (các mã: {codes})."),
    (r"(?P<key>[\w ]+): (?P<ref>\S+) holds several codes; use .*",
     "{key}: câu {ref} có thể có nhiều mã; hãy dùng selected({ref}, MÃ) hoặc "
     "count-selected({ref})."),
    (r"(?P<key>[\w ]+): compare a row of grid (?P<ref>\S+) .*",
     "{key}: với bảng {ref}, hãy so sánh từng dòng ({ref}.DÒNG)."),
    (r"(?P<key>[\w ]+): (?P<expr>.+) is also true for the missing code (?P<code>-?\d+) of "
     r"(?P<ref>\S+); write (?P<meant>.+) \(or add: and \S+ != -?\d+\)",
     "{key}: “{expr}” cũng đúng khi {ref} là mã khuyết {code} (một câu trả lời như “khó trả "
     "lời”, không phải một mức của thang đo); hãy viết {meant} (hoặc thêm: and {ref} != {code})."),
    (r"logic cycle: (?P<cycle>.+)", "Các điều kiện phụ thuộc vòng quanh nhau: {cycle}."),
    (r"min (?P<a>\S+) is greater than max (?P<b>\S+)",
     "Giá trị nhỏ nhất ({a}) lớn hơn giá trị lớn nhất ({b})."),
    (r"min_select (?P<a>\d+) is greater than max_select (?P<b>\d+)",
     "Số lựa chọn tối thiểu ({a}) lớn hơn số lựa chọn tối đa ({b})."),
    (r"max_select (?P<a>\d+) is more than its (?P<b>\d+) options",
     "Số lựa chọn tối đa ({a}) nhiều hơn số phương án ({b})."),
    (r"min_select (?P<a>\d+) is more than its (?P<b>\d+) options",
     "Số lựa chọn tối thiểu ({a}) nhiều hơn số phương án ({b})."),
    (r"max_select must be at least 1", "Số lựa chọn tối đa phải từ 1 trở lên."),
    (r"min_select cannot be negative", "Số lựa chọn tối thiểu không được âm."),
    (r"ranking top (?P<a>\d+) is more than its (?P<b>\d+) rankable options",
     "Số vị trí xếp hạng ({a}) nhiều hơn số phương án có thể xếp hạng ({b})."),
    (r"top must be at least 1", "Số vị trí xếp hạng phải từ 1 trở lên."),
    (r"decimals must be (?P<range>\S+)", "Số chữ số thập phân phải trong khoảng {range}."),
    (r"max_length must be (?P<range>\S+)", "Độ dài tối đa phải trong khoảng {range} ký tự."),
    (r"duplicate option code (?P<code>-?\d+).*", "Mã phương án {code} bị trùng."),
    (r"option (?P<n>\d+) needs a whole-number code, not None",
     "Phương án thứ {n} chưa có mã số."),
    (r"needs at least (?P<a>\d+) options, has (?P<b>\d+)",
     "Cần ít nhất {a} phương án trả lời (hiện có {b})."),
    (r"has no options", "Chưa có phương án trả lời nào."),
    (r"more than one 'other — specify' option", "Chỉ được có một phương án “Khác — ghi rõ”."),
    (r"a grid scale cannot have an 'other — specify' option",
     "Thang đo của bảng không thể có phương án “Khác — ghi rõ”."),
    (r"exclusive only applies to multiple-choice items",
     "“Loại trừ” chỉ dùng cho câu chọn nhiều."),
    (r"an option cannot be both missing and other",
     "Một phương án không thể vừa là giá trị khuyết vừa là “Khác”."),
    (r"a grid needs at least one row", "Bảng cần ít nhất một dòng."),
    (r"row (?P<n>\d+) needs an id", "Dòng thứ {n} chưa có mã."),
    (r"duplicate row id '(?P<row>[^']+)'.*", "Mã dòng {row} bị trùng."),
    (r"row id '(?P<row>[^']+)' may use only letters, digits and _",
     "Mã dòng {row} chỉ được gồm chữ cái không dấu, chữ số và dấu gạch dưới."),
    (r"the page has no items",
     "Trang không còn câu hỏi nào; muốn bỏ cả trang thì hãy xoá trang."),
    (r"the questionnaire has no pages", "Phiếu hỏi phải có ít nhất một trang."),
    (r"a banner needs a dimension .*",
     "Biến phân tổ cần có chiều phân tổ, ví dụ level, field, rank, category (chữ thường không "
     "dấu, chữ số, dấu gạch dưới)."),
    (r"dimension '(?P<dim>[^']+)' is already used by item (?P<ref>\S+)",
     "Chiều phân tổ {dim} đã được dùng cho câu {ref}."),
    (r"a banner needs options", "Biến phân tổ cần có phương án trả lời."),
    (r"a note cannot be required", "Ghi chú không có câu trả lời nên không thể bắt buộc."),
    (r"a note cannot have a constraint", "Ghi chú không có câu trả lời nên không có ràng buộc."),
    (r"constraint_message without a constraint",
     "Có thông báo khi vi phạm nhưng chưa có ràng buộc."),
    (r"estimated_minutes must be at least 1", "Thời gian dự kiến phải từ 1 phút trở lên."),
]
_COMPILED = [(re.compile(pattern + r"$"), template) for pattern, template in _PATTERNS]
_WHERE_WORDS = [(re.compile(r"\bitem (\S+?)(?=[,:]|$)"), r"câu \1"),
                (re.compile(r"\boption list (\S+?)(?=[,:]|$)"), r"danh sách phương án \1"),
                (re.compile(r"\boption (\S+?)(?=[,:]|$)"), r"phương án \1"),
                (re.compile(r"\bpage (\S+?)(?=[,:]|$)"), r"trang \1"),
                (re.compile(r"\brow (\S+?)(?=[,:]|$)"), r"dòng \1")]


#: The expression parser's reasons (survey.questionnaire.expressions), in Vietnamese.
_WHY: list[tuple[str, str]] = [
    (r"expected a value, found keyword (?P<x>.+)", "cần một giá trị, nhưng gặp từ khoá {x}"),
    (r"expected a value, found (?P<x>.+)", "cần một giá trị, nhưng gặp {x}"),
    (r"expected a row name after (?P<x>.+)", "cần tên dòng sau {x}"),
    (r"expected (?P<what>.+), found (?P<x>.+)", "cần {what}, nhưng gặp {x}"),
    (r"unexpected character (?P<x>.+) after number", "ký tự {x} không hợp lệ sau số"),
    (r"unexpected character (?P<x>.+)", "ký tự {x} không hợp lệ"),
    (r"unexpected (?P<x>.+)", "thừa {x}"),
    (r"unterminated string", "chuỗi chưa có dấu nháy đóng"),
    (r"'!' must be followed by '=' \(use 'not' for negation\)",
     "sau '!' phải là '=' (phủ định thì dùng 'not')"),
    (r"a decimal needs a leading digit \(write 0\.5\)",
     "số thập phân cần chữ số đứng trước (viết 0.5)"),
    (r"empty expression", "biểu thức trống"),
    (r"comparisons cannot be chained; join them with 'and'",
     "không so sánh nối tiếp được; hãy nối các phép so sánh bằng 'and'"),
    (r"unknown function (?P<x>\S+) \(known: (?P<known>.+)\)",
     "không có hàm {x} (các hàm: {known})"),
    (r"(?P<x>[\w-]+)\(\) takes (?P<n>\d+) arguments?, .*", "hàm {x}() cần {n} đối số"),
    (r"the first argument of (?P<x>[\w-]+)\(\) must be an item id",
     "đối số thứ nhất của {x}() phải là mã câu hỏi"),
    (r"the second argument of selected\(\) must be an option code",
     "đối số thứ hai của selected() phải là mã phương án"),
    (r"expression nested more than (?P<n>\d+) levels deep", "biểu thức lồng quá {n} cấp"),
    (r"expression longer than (?P<n>\d+) characters", "biểu thức dài quá {n} ký tự"),
]
_WHY_COMPILED = [(re.compile(pattern + r"$"), template) for pattern, template in _WHY]
_THINGS = [(re.compile(r"^end of expression$"), "hết biểu thức"),
           (re.compile(r"^string (.+)$"), r"chuỗi \1")]


def _thing(text: str) -> str:
    for pattern, replacement in _THINGS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


def _why(text: str) -> str:
    """A parser reason in Vietnamese ("expected a value, found '=' (at position 6)" → "cần
    một giá trị, nhưng gặp '=' (ở ký tự thứ 6)"); unchanged when its wording is unknown."""
    where = re.search(r" \(at position (\d+)\)$", text)
    reason = text[:where.start()] if where else text
    for pattern, template in _WHY_COMPILED:
        match = pattern.match(reason)
        if match is not None:
            values = {k: _thing(v or "") for k, v in match.groupdict().items()}
            reason = template.format(**values)
            break
    else:
        return text
    return reason + (f" (ở ký tự thứ {where.group(1)})" if where else "")


def _translate_body(body: str) -> str | None:
    for pattern, template in _COMPILED:
        match = pattern.match(body)
        if match is None:
            continue
        values = {name: value or "" for name, value in match.groupdict().items()}
        if "key" in values:
            values["key"] = _key(values["key"])
        if "what" in values:
            values["what"] = _what(values["what"])
        if "why" in values:
            values["why"] = _why(values["why"])
        return template.format(**values)
    return None


def _translate_head(head: str) -> str:
    for pattern, replacement in _WHERE_WORDS:
        head = pattern.sub(replacement, head)
    if head.startswith(("câu ", "trang ", "phương án ", "dòng ", "danh sách ")):
        head = head[:1].upper() + head[1:]
    return head


def plain(message: str) -> str:
    """The message in Vietnamese when its wording is known, else unchanged.

    A message is ``[head: ]body``; the head names the file, line and place (``item B3, option
    2``) and the body the problem. Every ``": "`` is tried as the split, left to right.
    """
    body = _translate_body(message)
    if body is not None:
        return body
    start = 0
    while True:
        cut = message.find(": ", start)
        if cut < 0:
            return message
        body = _translate_body(message[cut + 2:])
        if body is not None:
            return f"{_translate_head(message[:cut])}: {body}"
        start = cut + 2
