"""XLSForm conditions read leniently: keep what translates, drop the rest with a named reason.

:func:`survey.questionnaire.xpath.from_xpath` translates a whole expression or refuses it. An
XLSForm written for ODK often joins a readable condition with one we cannot evaluate
(``${age} >= 18 and regex(${phone}, '…')``). :class:`LogicReader` splits a condition at its
top-level ``and``, keeps each part that translates and drops each part that does not, with a
report line naming the part and why — in Vietnamese and English. Dropping a conjunct of a
constraint only accepts more answers; dropping one of a ``relevant`` only shows a question more
often: neither loses an answer.
"""
from __future__ import annotations

import re
from typing import Callable

from survey.questionnaire import expressions as ex
from survey.questionnaire.xlsform_report import Report
from survey.questionnaire.xpath import XPathError, conjoin, from_xpath

__all__ = ["Unreadable", "LogicReader", "split_and", "reason_of"]

SUPPORTED_FUNCTIONS = {"selected", "count-selected", "string-length", "not"}
_FUNCTION_RE = re.compile(r"(?<![\w$.:-])([A-Za-z_][\w.:-]*)\s*\(")


class Unreadable(XPathError):
    """A reference we cannot follow, with its reason in both languages."""

    def __init__(self, en: str, vi: str):
        super().__init__(en)
        self.vi = vi


def split_and(text: str) -> list[str]:
    """The top-level ``and`` operands of an XPath condition, as text (quotes, parentheses and
    ``${…}`` respected). One element when there is no top-level ``and``."""
    parts: list[str] = []
    depth, start, i, n = 0, 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            i = n if end < 0 else end + 1
            continue
        if text.startswith("${", i):
            end = text.find("}", i)
            i = n if end < 0 else end + 1
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and text[i:i + 3].lower() == "and" and \
                (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_-.")) and \
                (i + 3 >= n or not (text[i + 3].isalnum() or text[i + 3] in "_-.:")):
            parts.append(text[start:i].strip())
            start = i + 3
            i += 3
            continue
        i += 1
    parts.append(text[start:].strip())
    return [p for p in parts if p] or [text]


def reason_of(text: str, error: Exception) -> tuple[str, str]:
    """Why ``text`` could not be read: ``(English, Vietnamese)``."""
    if isinstance(error, Unreadable):
        return str(error), error.vi
    unknown = [name for name in _FUNCTION_RE.findall(text)
               if name.lower() not in SUPPORTED_FUNCTIONS and name.lower() not in ("and", "or")]
    if unknown:
        names = ", ".join(dict.fromkeys(f"{name}()" for name in unknown))
        return (f"function {names} is not supported",
                f"hàm {names} chưa được hỗ trợ")
    if re.search(r"(?<![\w$])(div|mod)(?![\w])|[+*]|\s-\s|\|", text):
        return "arithmetic is not supported", "chưa hỗ trợ phép tính số học"
    if "${" not in text and re.search(r"[A-Za-z]", text):
        return ("a name without ${…} or an XPath path is not supported",
                "tên không có ${…} hoặc đường dẫn XPath chưa được hỗ trợ")
    return "this syntax is not supported", "cú pháp này chưa được hỗ trợ"


Resolver = Callable[[str], tuple[ex.Reference, str]]


class LogicReader:
    """Translates the XLSForm conditions of one form, reporting what it drops."""

    def __init__(self, report: Report, resolve: Resolver,
                 codes: Callable[[ex.Reference], dict[str, int]] | None = None):
        self.report = report
        self.resolve = resolve
        self.codes = codes
        self.kinds: dict[str, str] = {}

    def _resolve(self, name: str) -> tuple[ex.Reference, str]:
        ref, kind = self.resolve(name)
        self.kinds[ref.name] = kind
        return ref, kind

    def translate(self, text: str, bare: Callable[[str], ex.Node | None] | None) -> ex.Node:
        return self.several(from_xpath(text, self._resolve, bare, self.codes))

    def several(self, node: ex.Node) -> ex.Node:
        """XPath's ``${multi} = 'a'`` (exactly ``a`` chosen) in our language:
        ``selected(multi, A) and count-selected(multi) = 1``."""
        if isinstance(node, ex.Not):
            return ex.Not(self.several(node.operand))
        if isinstance(node, ex.BoolOp):
            return ex.BoolOp(node.op, tuple(self.several(o) for o in node.operands))
        if not isinstance(node, ex.Compare) or node.op not in ("=", "!="):
            return node
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(side, ex.Reference) and isinstance(other, ex.Literal) and \
                    self.kinds.get(side.name) in ("multiple", "ranking"):
                value = other.value
                mapping = self.codes(side) if self.codes else {}
                if str(value) in mapping:
                    value = mapping[str(value)]
                elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
                    value = int(value)
                only = ex.BoolOp("and", (
                    ex.Call("selected", (side, ex.Literal(value))),
                    ex.Compare("=", ex.Call("count-selected", (side,)), ex.Literal(1))))
                return only if node.op == "=" else ex.Not(only)
        return node

    def read(self, text: str, row: int, column: str, name: str, sheet: str = "survey",
             bare: Callable[[str], ex.Node | None] | None = None,
             lenient: bool = True) -> ex.Node | None:
        """The condition as our tree, without the parts we cannot read; ``None`` when nothing
        is left. ``lenient=False`` drops the whole condition if any part fails (an ``or`` of
        parts, or a choice filter that must stay exact)."""
        try:
            return self.translate(text, bare)
        except XPathError as exc:
            whole = exc
        parts = split_and(text) if lenient else [text]
        if len(parts) == 1:
            why, why_vi = reason_of(text, whole)
            self.report.add("expression-whole", sheet, row, column, column=column, name=name,
                            text=text, why=why, why_vi=why_vi)
            return None
        kept: list[ex.Node] = []
        for part in parts:
            try:
                kept.append(self.translate(part, bare))
            except XPathError as exc:
                why, why_vi = reason_of(part, exc)
                self.report.add("expression-part", sheet, row, column, column=column,
                                name=name, part=part, why=why, why_vi=why_vi)
        return conjoin(kept)
