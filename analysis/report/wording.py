"""Sentences of the report, in Vietnamese an analyst would sign (English for staff who ask).

Every sentence here is written from a :class:`~analysis.report.findings.Split` and says no more
than its test supports: a difference is stated only when the Holm-adjusted p is under 0.05, the
test is named with its statistic, and groups are named as highest and lowest only when their own
pairwise test (Bonferroni) is significant too. Table references are placeholders
(``⟨T:key⟩``) that :func:`resolve` replaces with the table numbers once the document is laid out.
"""
from __future__ import annotations

import math
import re
from typing import Mapping, Sequence

from analysis.report.findings import ALPHA, Indicator, Split

__all__ = ["pct", "number", "p_text", "what", "share_sentence", "ranking_sentence",
           "compare_sentence", "compare_summary", "banner_sentence", "ref", "resolve", "short_label",
           "DIMENSION_NAMES"]

#: How a banner is named in a sentence ("theo cấp"), by its dimension.
DIMENSION_NAMES = {
    "vi": {"level": "cấp", "field": "lĩnh vực", "position": "chức vụ", "rank": "ngạch, hạng",
           "category": "đối tượng", "party": "đảng viên hay không", "age": "nhóm tuổi",
           "gender": "giới tính", "service": "thâm niên công tác"},
    "en": {"level": "level", "field": "field", "position": "position", "rank": "grade",
           "category": "category", "party": "Party membership", "age": "age group",
           "gender": "gender", "service": "years of service"},
}


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def number(value: float, decimals: int = 1, language: str = "vi") -> str:
    """45.25 → "45,3" (Vietnamese decimal comma; English keeps the point)."""
    text = f"{value:.{decimals}f}"
    return text if language == "en" else text.replace(".", ",")


def pct(value: float, language: str = "vi") -> str:
    return "x" if value is None or math.isnan(value) else f"{number(value, 1, language)}%"


def p_text(p: float | None, language: str = "vi") -> str:
    if p is None or math.isnan(p):
        return "—"
    if p < 0.001:
        return f"p < {number(0.001, 3, language)}"
    return f"p = {number(p, 3, language)}"


def quoted(text: str) -> str:
    return f"\u201c{text}\u201d"


def _or(items: Sequence[str], language: str) -> str:
    items = [quoted(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    word = _t(" hoặc ", " or ", language)
    return ", ".join(items[:-1]) + word + items[-1]


def what(indicator: Indicator, language: str = "vi") -> str:
    """The noun phrase after "Tỷ lệ …": what the share counts."""
    item = indicator.item
    if indicator.kind == "codes":
        answers = _or(indicator.answers, language)
        if indicator.item_type == "grid":
            return _t(f"chọn {answers} với {quoted(indicator.subject)} (câu {item})",
                      f"choosing {answers} for {quoted(indicator.subject)} (question {item})",
                      language)
        return _t(f"chọn {answers} ở câu {item}", f"choosing {answers} at question {item}",
                  language)
    if indicator.item_type == "ranking":
        return _t(f"xếp {quoted(indicator.subject)} vào {indicator.top} vị trí hàng đầu "
                  f"(câu {item})",
                  f"ranking {quoted(indicator.subject)} among the top {indicator.top} "
                  f"(question {item})", language)
    return _t(f"chọn {quoted(indicator.subject)} ở câu {item}",
              f"choosing {quoted(indicator.subject)} at question {item}", language)


def short_label(indicator: Indicator) -> str:
    """The row label of a share in tables and charts: "B2.1. <row>", "B3. <option>",
    "B1: <answers>" for a single-choice question (whose text is too long for a row)."""
    if indicator.kind == "codes" and indicator.item_type == "single":
        return f"{indicator.item}: " + " / ".join(indicator.answers)
    name = indicator.variable if indicator.kind == "codes" else indicator.item
    return f"{name}. {indicator.subject}"


def ref(key: str) -> str:
    return f"\u27e8T:{key}\u27e9"


def resolve(text: str, numbers: Mapping[str, int], language: str = "vi") -> str:
    """Replace ``⟨T:key⟩`` by "Bảng N" (dropped when the table was not printed)."""
    word = _t("Bảng", "Table", language)

    def one(match: re.Match) -> str:
        found = numbers.get(match.group(1))
        return f"{word} {found}" if found is not None else ""

    text = re.sub("\u27e8T:([^\u27e9]+)\u27e9", one, text)
    return re.sub(r"\s*;\s*\)", ")", re.sub(r"\(\s*\)", "", text))


def share_sentence(total: Split, table: str, language: str = "vi") -> str:
    """"34,5% người trả lời chọn … ở câu B1 (Bảng 2)." — a single item or one grid row."""
    share = total.share[0]
    if math.isnan(share):
        return _t(f"Tỷ lệ {what(total.indicator, language)} không được công bố (ô nhỏ hơn "
                  f"ngưỡng bảo mật; {ref(table)}).",
                  f"The share {what(total.indicator, language)} is not published (a cell "
                  f"under the disclosure threshold; {ref(table)}).", language)
    return _t(f"{pct(share, language)} người trả lời {what(total.indicator, language)} "
              f"(n = {int(total.n[0])}; {ref(table)}).",
              f"{pct(share, language)} of respondents are {what(total.indicator, language)} "
              f"(n = {int(total.n[0])}; {ref(table)}).", language)


def ranking_sentence(totals: Sequence[Split], item: str, table: str, language: str = "vi"
                     ) -> str:
    """The highest and lowest shares among the rows or options of one item."""
    shown = [t for t in totals if not math.isnan(t.share[0])]
    if not shown:
        return _t(f"Số liệu câu {item} không được công bố (ô nhỏ hơn ngưỡng bảo mật).",
                  f"Question {item} is not published (cells under the disclosure threshold).",
                  language)
    ordered = sorted(shown, key=lambda t: -t.share[0])
    first = ordered[0].indicator
    head = [f"{quoted(t.indicator.subject)} ({pct(t.share[0], language)})" for t in ordered[:3]]
    if len(head) > 1:
        head = [head[0], _t("tiếp theo là ", "followed by ", language) +
                _t(" và ", " and ", language).join(head[1:])]
    if first.kind == "codes":
        answers = _or(first.answers, language)
        lead = _t(f"Ở câu {item}, tỷ lệ chọn {answers} cao nhất với ",
                  f"At question {item}, the share choosing {answers} is highest for ",
                  language)
    elif first.item_type == "ranking":
        lead = _t(f"Ở câu {item}, được xếp vào {first.top} vị trí hàng đầu nhiều nhất là ",
                  f"At question {item}, most often ranked among the top {first.top}: ",
                  language)
    else:
        lead = _t(f"Ở câu {item}, được chọn nhiều nhất là ",
                  f"At question {item}, chosen most often: ", language)
    text = lead + ", ".join(head)
    if len(ordered) > 3:
        last = ordered[-1]
        text += _t(f"; thấp nhất là {quoted(last.indicator.subject)} "
                   f"({pct(last.share[0], language)})",
                   f"; lowest: {quoted(last.indicator.subject)} ({pct(last.share[0], language)})",
                   language)
    return text + f" ({ref(table)})."


def _test_words(result: Split, language: str) -> str:
    adjusted = p_text(result.p_adjusted, language)
    if result.test == "z":
        return _t(f"kiểm định z hai tỷ lệ, z = {number(result.statistic, 2, language)}, "
                  f"{adjusted} sau hiệu chỉnh Holm",
                  f"two-proportion z-test, z = {number(result.statistic, 2, language)}, "
                  f"{adjusted} after Holm adjustment", language)
    return _t(f"khi-bình phương Pearson, \u03c7\u00b2({result.df}) = "
              f"{number(result.statistic, 2, language)}, {adjusted} sau hiệu chỉnh Holm",
              f"Pearson chi-square, \u03c7\u00b2({result.df}) = "
              f"{number(result.statistic, 2, language)}, {adjusted} after Holm adjustment",
              language)


def compare_sentence(result: Split, table: str, language: str = "vi") -> str:
    """A significant leader/staff difference (call only when ``result.significant``)."""
    assert result.significant and result.test == "z"
    first, second = result.labels
    higher = result.share[0] > result.share[1]
    direction = _t("cao hơn" if higher else "thấp hơn", "higher" if higher else "lower",
                   language)
    return _t(f"Tỷ lệ {what(result.indicator, language)} ở nhóm {quoted(first)} {direction} "
              f"có ý nghĩa thống kê so với nhóm {quoted(second)}: "
              f"{pct(result.share[0], language)} so với {pct(result.share[1], language)} "
              f"({_test_words(result, language)}; {ref(table)}).",
              f"The share {what(result.indicator, language)} is significantly {direction} "
              f"among {quoted(first)} than among {quoted(second)}: "
              f"{pct(result.share[0], language)} against {pct(result.share[1], language)} "
              f"({_test_words(result, language)}; {ref(table)}).", language)


def compare_summary(tested: int, significant: int, labels: Sequence[str], table: str,
                    language: str = "vi") -> str:
    """How many contents were compared and how many differ (always written: every section
    compares leaders with staff)."""
    first, second = (quoted(x) for x in labels)
    if tested == 0:
        return _t(f"Không so sánh được nhóm {first} với nhóm {second} ở mục này: các nhóm quá "
                  "nhỏ để công bố.",
                  f"{first} and {second} cannot be compared here: the groups are too small to "
                  "publish.", language)
    if significant == 0:
        return _t(f"So sánh nhóm {first} với nhóm {second} trên {tested} nội dung của mục này: "
                  f"không có khác biệt nào có ý nghĩa thống kê (kiểm định z hai tỷ lệ, p ≥ "
                  f"{number(ALPHA, 2, language)} sau hiệu chỉnh Holm; {ref(table)}).",
                  f"{first} and {second} compared on {tested} items of this section: no "
                  f"difference is statistically significant (two-proportion z-test, p ≥ "
                  f"{number(ALPHA, 2, language)} after Holm adjustment; {ref(table)}).",
                  language)
    return _t(f"So sánh nhóm {first} với nhóm {second} trên {tested} nội dung của mục này: "
              f"{significant} nội dung khác biệt có ý nghĩa thống kê, các nội dung còn lại "
              f"không khác biệt có ý nghĩa ({ref(table)}).",
              f"{first} and {second} compared on {tested} items of this section: {significant} "
              f"differ significantly, the others do not ({ref(table)}).", language)


def banner_sentence(result: Split, banner_name: str, table: str, language: str = "vi") -> str:
    """A significant difference across the categories of a banner."""
    assert result.significant and result.test == "chi2"
    text = _t(f"Tỷ lệ {what(result.indicator, language)} khác biệt có ý nghĩa thống kê theo "
              f"{banner_name} ({_test_words(result, language)}; {ref(table)})",
              f"The share {what(result.indicator, language)} differs significantly by "
              f"{banner_name} ({_test_words(result, language)}; {ref(table)})", language)
    if result.pair is not None and result.pair_p is not None and result.pair_p < ALPHA:
        high, low = result.pair
        text += _t(f": cao nhất ở {quoted(result.labels[high])} "
                   f"({pct(result.share[high], language)}), thấp nhất ở "
                   f"{quoted(result.labels[low])} ({pct(result.share[low], language)}).",
                   f": highest among {quoted(result.labels[high])} "
                   f"({pct(result.share[high], language)}), lowest among "
                   f"{quoted(result.labels[low])} ({pct(result.share[low], language)}).",
                   language)
    else:
        text += _t("; khi so sánh từng cặp nhóm (kiểm định z, hiệu chỉnh Bonferroni), nhóm cao "
                   "nhất và nhóm thấp nhất không khác biệt rõ.",
                   "; compared pair by pair (z-test, Bonferroni), the highest and lowest groups "
                   "do not clearly differ.", language)
    return text
