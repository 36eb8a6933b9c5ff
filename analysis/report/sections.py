"""One section of the report: its sentences, its tables and its chart.

Every section, whatever its content, compares the leader/staff groups (``report.compare``):
each item's table has a column per group, a comparison table lists every tested share with its
z-test, and a sentence says how many differ (and which, when they do). Differences by the tested
banners (level, field, position, rank) follow with their chi-square tests. The tests of a
section are Holm-adjusted together before any sentence is written.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from analysis import disclosure
from analysis.report import wording as W
from analysis.report.blocks import Block, Figure, Paragraph, Table
from analysis.report.findings import (Counts, Indicator, Split, adjust, indicators_for,
                                      overall, split)
from analysis.report.outline import Outline, Section
from survey.questionnaire import find_item, label_text

__all__ = ["Context", "SectionResult", "section_content"]

#: Options of a multiple choice or ranking tested by groups: the most chosen ones.
TESTED_OPTIONS = 3
#: Sentences of one kind per section; the rest are in the tables.
MAX_SENTENCES = 5


@dataclass
class Context:
    source: Any
    definition: Mapping[str, Any]
    outline: Outline
    counts: Counts
    k: int | None
    deff: float
    language: str
    open_answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class SectionResult:
    blocks: list[Block]
    totals: list[Split]
    compares: list[Split]
    banners: list[Split]
    highlights: list[str]       # sentences for the summary of main findings


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def _p_cell(p: float | None, language: str) -> str:
    """A p-value in a table cell: "0,026", "< 0,001"."""
    if p is None or math.isnan(p):
        return "—"
    return f"< {W.number(0.001, 3, language)}" if p < 0.001 else W.number(p, 3, language)


def _banner_groups(definition, banner: str, language: str) -> tuple[str, list[tuple[str, tuple[int, ...]]]]:
    item = find_item(definition, banner)
    groups = [(label_text(o.get("label"), language), (o["code"],))
              for o in item.get("options") or [] if not o.get("missing")]
    names = W.DIMENSION_NAMES.get(language, W.DIMENSION_NAMES["vi"])
    return names.get(item.get("dimension"), label_text(item.get("label"), language)), groups


def _strip_test(result: Split) -> Split:
    result.statistic, result.p, result.test, result.pair, result.pair_p = (
        math.nan, None, "", None, None)
    return result


def _distribution(ctx: Context, indicator: Indicator, key: str, title: str) -> Table:
    """A single-choice item: % of each valid answer, overall and per comparison group."""
    layout = ctx.counts.layout
    comparison = ctx.outline.comparison
    column = layout.column(indicator.variable)
    by = layout.column(comparison.item) if comparison else None
    raw = ctx.counts._raw(indicator, by)
    labels = layout.option_labels(indicator.variable, ctx.language)
    missing = layout.missing(indicator.variable)
    codes = [c for c in labels if c not in missing]
    members: list[tuple[int, ...] | None] = [None] + [g.codes for g in
                                                      (comparison.groups if comparison else ())]
    n = np.zeros((len(codes), len(members)))
    w = np.zeros_like(n)
    for j, group in enumerate(members):
        rows = raw if group is None else raw[raw[by].isin(group)]
        for i, code in enumerate(codes):
            at = rows[rows[column] == code]
            n[i, j], w[i, j] = at["n"].sum(), at["w_n"].sum()
    hidden = np.zeros_like(n, dtype=bool)
    if ctx.k:
        total_mask, _ = disclosure.suppression_mask(n[:, :1], ctx.k)
        hidden[:, 0] = total_mask[:-1, 0]
        if n.shape[1] > 1:
            group_mask, _ = disclosure.suppression_mask(n[:, 1:], ctx.k)
            hidden[:, 1:] = group_mask[:-1, :-1] | group_mask[-1:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = 100 * w / w.sum(axis=0, keepdims=True)
    header = [_t("Phương án trả lời", "Answer", ctx.language), _t("Chung", "All", ctx.language)]
    header += [g.label for g in (comparison.groups if comparison else ())]
    rows = [[labels[c]] + [W.pct(math.nan if hidden[i, j] else share[i, j], ctx.language)
                           for j in range(len(members))] for i, c in enumerate(codes)]
    bases = n.sum(axis=0)
    rows.append([_t("Số người trả lời", "Respondents", ctx.language)] + [
        "x" if ctx.k and 0 < b < ctx.k else str(int(b)) for b in bases])
    notes = [_t("% trên số người trả lời câu hỏi, không tính các lựa chọn khó trả lời, không "
                "muốn trả lời.", "% of respondents answering, missing codes left out.",
                ctx.language)]
    return Table(key, title, header, rows, notes, "distribution", 6.0,
                 {"indicator": indicator, "n": n, "w": w, "hidden": hidden})


def _share_table(ctx: Context, key: str, title: str, totals: list[Split],
                 compares: list[Split | None], statistic: str) -> Table:
    """Grid rows or options: the share per row, overall and per comparison group."""
    comparison = ctx.outline.comparison
    header = [_t("Nội dung", "Item", ctx.language), "n", _t("Chung", "All", ctx.language)]
    header += [g.label for g in (comparison.groups if comparison else ())]
    rows = []
    for total, compare in zip(totals, compares):
        row = [W.short_label(total.indicator), str(int(total.n[0])),
               W.pct(total.share[0], ctx.language)]
        if compare is not None:
            row += [W.pct(v, ctx.language) for v in compare.share]
        rows.append(row)
    return Table(key, title, header, rows, [statistic], "distribution", 7.0,
                 {"totals": totals, "compares": compares})


def _statistic(indicator: Indicator, language: str) -> str:
    if indicator.kind == "codes":
        answers = " hoặc ".join(W.quoted(a) for a in indicator.answers) if language != "en" \
            else " or ".join(W.quoted(a) for a in indicator.answers)
        return _t(f"% chọn {answers}, trên số người trả lời từng dòng (không tính khó trả lời).",
                  f"% choosing {answers}, of respondents answering each row.", language)
    if indicator.item_type == "ranking":
        return _t(f"% xếp vào {indicator.top} vị trí hàng đầu, trên số người trả lời câu hỏi.",
                  f"% ranking it among the top {indicator.top}, of respondents answering.",
                  language)
    return _t("% người chọn, trên số người trả lời câu hỏi (một người chọn được nhiều "
              "phương án).", "% of respondents answering who chose it (several choices "
              "allowed).", language)


def _compare_table(ctx: Context, key: str, section: Section, compares: list[Split]) -> Table:
    groups = ctx.outline.comparison.groups
    header = [_t("Nội dung", "Item", ctx.language), groups[0].label, groups[1].label,
              _t("Chênh lệch (điểm %)", "Difference (points)", ctx.language), "z",
              _t("p (Holm)", "p (Holm)", ctx.language)]
    rows = []
    for result in compares:
        a, b = result.share
        diff = W.number(a - b, 1, ctx.language) if not (math.isnan(a) or math.isnan(b)) else "x"
        tested = result.p is not None
        rows.append([W.short_label(result.indicator), W.pct(a, ctx.language),
                     W.pct(b, ctx.language), diff,
                     W.number(result.statistic, 2, ctx.language) if tested else "—",
                     (_p_cell(result.p_adjusted, ctx.language)
                      + (" *" if result.significant else "")) if tested else "—"])
    title = _t(f"So sánh nhóm {W.quoted(groups[0].label)} với nhóm {W.quoted(groups[1].label)}"
               f" — mục {section.id}. {section.title}",
               f"{W.quoted(groups[0].label)} compared with {W.quoted(groups[1].label)} — "
               f"section {section.id}. {section.title}", ctx.language)
    notes = [_t("Kiểm định z hai tỷ lệ (hai phía); p hiệu chỉnh Holm cho mọi kiểm định của mục; "
                "*: khác biệt có ý nghĩa ở mức 0,05; x: nhóm có ô dưới ngưỡng bảo mật, không "
                "công bố, không kiểm định.",
                "Two-sided two-proportion z-test; p Holm-adjusted over every test of the "
                "section; *: significant at 0.05; x: a cell under the disclosure threshold, not "
                "published or tested.", ctx.language)]
    return Table(key, title, header, rows, notes, "compare", 6.0, compares)


def _banner_table(ctx: Context, key: str, section: Section, indicators: list[Indicator],
                  results: dict[tuple[str, str], Split], names: dict[str, str]) -> Table:
    banners = list(names)
    header = [_t("Nội dung", "Item", ctx.language)] + [
        _t(f"Theo {names[b]}", f"By {names[b]}", ctx.language) for b in banners]
    rows = []
    for indicator in indicators:
        row = [W.short_label(indicator)]
        for banner in banners:
            result = results.get((indicator.key, banner))
            if result is None or result.p is None:
                row.append("—")
                continue
            row.append(f"\u03c7\u00b2({result.df}) = {W.number(result.statistic, 1, ctx.language)}"
                       f"; p {_p_cell(result.p_adjusted, ctx.language)}"
                       + (" *" if result.significant else ""))
        rows.append(row)
    title = _t(f"Kiểm định khác biệt theo {', '.join(names.values())} — mục {section.id}. "
               f"{section.title}",
               f"Tests of differences by {', '.join(names.values())} — section {section.id}. "
               f"{section.title}", ctx.language)
    notes = [_t("Khi-bình phương Pearson trên bảng 2 × số nhóm (có / không chọn); p hiệu chỉnh "
                "Holm cho mọi kiểm định của mục; *: có ý nghĩa ở mức 0,05; —: không kiểm định "
                "được (dưới hai nhóm đủ lớn để công bố).",
                "Pearson chi-square on the 2 × groups table; p Holm-adjusted over the section; "
                "*: significant at 0.05; —: not testable (fewer than two publishable groups).",
                ctx.language)]
    return Table(key, title, header, rows, notes, "banners", 5.0,
                 {"indicators": indicators, "results": results})


def section_content(ctx: Context, section: Section) -> SectionResult:
    from analysis.report.figures import section_figure
    from analysis.report.open import open_blocks

    language, k, outline = ctx.language, ctx.k, ctx.outline
    comparison = outline.comparison
    cmp_column = ctx.counts.layout.column(comparison.item) if comparison else None
    groups = [(g.label, g.codes) for g in comparison.groups] if comparison else []
    names: dict[str, str] = {}
    banner_groups: dict[str, list] = {}
    for banner in outline.test_banners:
        names[banner], banner_groups[banner] = _banner_groups(ctx.definition, banner, language)
    findings: list[Paragraph] = []
    tables: list[Table] = []
    totals_all: list[Split] = []
    compares: list[Split] = []
    tested: list[Indicator] = []
    banner_results: dict[tuple[str, str], Split] = {}
    highlights: list[str] = []
    for entry in section.entries:
        item = entry.item
        if item["type"] == "text":
            continue
        indicators = indicators_for(item, entry.variables(), outline.highlight, language)
        if not indicators:
            continue
        totals = [overall(ctx.counts, ind, k, cmp_column) for ind in indicators]
        cmp_splits: list[Split | None] = [
            split(ctx.counts, ind, comparison.item, comparison.item_label, groups, k, ctx.deff)
            if comparison else None for ind in indicators]
        if indicators[0].kind == "codes":
            chosen = list(range(len(indicators)))
        else:
            shown = [i for i, t in enumerate(totals) if not math.isnan(t.share[0])]
            chosen = sorted(shown, key=lambda i: -totals[i].share[0])[:TESTED_OPTIONS]
        for i, result in enumerate(cmp_splits):
            if result is None:
                continue
            if i in chosen:
                compares.append(result)
            else:
                _strip_test(result)
        for i in chosen:
            tested.append(indicators[i])
            for banner in outline.test_banners:
                banner_results[(indicators[i].key, banner)] = split(
                    ctx.counts, indicators[i], banner, names[banner], banner_groups[banner], k,
                    ctx.deff)
        totals_all += totals
        key = f"item:{section.id}:{item['id']}"
        title = label_text(item.get("label"), language)
        if item["type"] == "single":
            tables.append(_distribution(ctx, indicators[0], key, f"{item['id']}. {title}"))
        else:
            tables.append(_share_table(ctx, key, f"{item['id']}. {title}", totals, cmp_splits,
                                       _statistic(indicators[0], language)))
        sentence = W.share_sentence(totals[0], key, language) if len(totals) == 1 else \
            W.ranking_sentence(totals, item["id"], key, language)
        findings.append(Paragraph(sentence, "finding", item["id"], totals))
        if not highlights:
            highlights.append(sentence)
    adjust(compares + list(banner_results.values()))

    blocks: list[Block] = list(findings)
    if comparison:
        cmp_key = f"compare:{section.id}"
        significant = sorted((c for c in compares if c.significant),
                             key=lambda c: -abs(c.share[0] - c.share[1]))
        for result in significant[:MAX_SENTENCES]:
            blocks.append(Paragraph(W.compare_sentence(result, cmp_key, language), "finding",
                                    result.indicator.key, result))
        if significant:
            highlights.append(W.compare_sentence(significant[0], cmp_key, language))
        testable = [c for c in compares if c.p is not None]
        if compares:
            blocks.append(Paragraph(W.compare_summary(len(testable), len(significant),
                                                      [g.label for g in comparison.groups],
                                                      cmp_key, language), "finding", "",
                                    testable))
        else:
            first, second = (W.quoted(g.label) for g in comparison.groups)
            coded = any(f"{e.item['id']}{'' if e.item['type'] == 'text' else '.other'}"
                        in ctx.open_answers for e in section.entries)
            blocks.append(Paragraph(_t(
                f"Bảng ý kiến đã mã hóa dưới đây có cột riêng cho nhóm {first} và nhóm {second}."
                if coded else f"Mục này chưa có số liệu để so sánh nhóm {first} với nhóm "
                f"{second}: các ý kiến chưa được mã hóa.",
                f"The coded answers below have a column for {first} and one for {second}."
                if coded else f"Nothing to compare {first} with {second} here yet: the answers "
                "are not coded.", language), "finding"))
    if banner_results:
        ban_key = f"banners:{section.id}"
        significant_b = sorted((r for r in banner_results.values() if r.significant),
                               key=lambda r: r.p_adjusted)
        for result in significant_b[:MAX_SENTENCES]:
            blocks.append(Paragraph(W.banner_sentence(result, result.by_label, ban_key, language),
                                    "finding", result.indicator.key, result))
        if significant_b and len(highlights) < 2:
            highlights.append(W.banner_sentence(significant_b[0], significant_b[0].by_label,
                                                ban_key, language))
        rest = len(significant_b) - MAX_SENTENCES
        joined = ", ".join(names.values())
        if rest > 0:
            blocks.append(Paragraph(_t(
                f"Còn {rest} khác biệt có ý nghĩa thống kê khác theo {joined} ({W.ref(ban_key)}).",
                f"{rest} further significant differences by {joined} ({W.ref(ban_key)}).",
                language), "finding"))
        if not significant_b:
            blocks.append(Paragraph(_t(
                f"Không có khác biệt có ý nghĩa thống kê theo {joined} ở các nội dung của mục "
                f"này (khi-bình phương Pearson, p ≥ 0,05 sau hiệu chỉnh Holm; {W.ref(ban_key)}).",
                f"No significant difference by {joined} in this section (Pearson chi-square, "
                f"p ≥ 0.05 after Holm adjustment; {W.ref(ban_key)}).", language), "finding"))
    for entry in section.entries:
        if entry.item["type"] == "text" or f"{entry.item['id']}.other" in ctx.open_answers:
            blocks += open_blocks(ctx, entry, section)
    blocks += tables
    if comparison and compares:
        blocks.append(_compare_table(ctx, f"compare:{section.id}", section, compares))
    if banner_results:
        blocks.append(_banner_table(ctx, f"banners:{section.id}", section, tested,
                                    banner_results, names))
    chart = section_figure(ctx, section, compares or totals_all)
    if chart is not None:
        blocks.append(Figure(f"figure:{section.id}", chart[0], chart[1]))
    return SectionResult(blocks, totals_all, compares, list(banner_results.values()), highlights)
