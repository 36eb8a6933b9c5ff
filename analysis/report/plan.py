"""The whole report, planned: every table computed, every sentence written, every table and
figure numbered, before a single Word paragraph exists.

Order: summary of main findings, methods, then the questionnaire's outline (``report:``; one
part per questionnaire part when there is none) — each part's overview (its own items), then its
sections.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from analysis import disclosure
from analysis.report import wording as W
from analysis.report.blocks import Block, Figure, Heading, Paragraph, Table
from analysis.report.findings import Counts
from analysis.report.methods import methods_blocks
from analysis.report.outline import Outline, Section, outline_for
from analysis.report.sections import Context, SectionResult, section_content
from analysis.filters import Filter
from survey.questionnaire import label_text

__all__ = ["ReportPlan", "plan_report", "report_figures", "design_effect"]


@dataclass
class ReportPlan:
    title: str
    campaign: str
    responses: int
    k: int | None
    weighted: bool
    deff: float
    language: str
    synthetic: bool
    outline: Outline
    blocks: list[Block]
    results: dict[str, SectionResult] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def design_effect(weights: Any) -> float:
    """Kish design effect of the weights (1 without weights or diagnostics)."""
    report = getattr(weights, "report", None)
    value = (getattr(report, "diagnostics", None) or {}).get("deff_weighting")
    return float(value) if value and not math.isnan(value) else 1.0


def _section_heading(part_id: str, section: Section) -> str:
    number = section.id[len(part_id) + 1:] if section.id.startswith(part_id + ".") else section.id
    return f"{number}. {section.title}"


def _number(blocks: list[Block], language: str) -> None:
    """Number tables and figures in document order and resolve the sentences' references."""
    numbers: dict[str, int] = {}
    table_no = figure_no = 0
    for block in blocks:
        if isinstance(block, Table):
            table_no += 1
            block.number = numbers[block.key] = table_no
        elif isinstance(block, Figure):
            figure_no += 1
            block.number = figure_no
    for block in blocks:
        if isinstance(block, Paragraph):
            block.text = W.resolve(block.text, numbers, language)


def plan_report(source, definition: Mapping[str, Any], *, flt: Filter = Filter(),
                weights=None, k: int | None = disclosure.DEFAULT_K, charts: bool = True,
                language: str = "vi", responses: int | None = None, campaign: str = "",
                synthetic: bool = False, open_answers: Mapping[str, Any] | None = None,
                filter_note: str = "") -> ReportPlan:
    """Compute the report of ``definition``'s responses in ``source`` (selected by ``flt``).

    ``open_answers``: coded open answers by key (``E5``, ``B3.other``; see
    :class:`analysis.report.open.OpenAnswers`). Raises
    :class:`~analysis.disclosure.DisclosureRefused` when fewer than ``k`` responses."""
    outline = outline_for(definition, language)
    deff = design_effect(weights)
    if responses is None:
        responses = int(source.aggregate([], (), flt)["n"].sum())
    disclosure.check_base(responses, k, _t("báo cáo", "report", language))
    ctx = Context(source, definition, outline, Counts(source, flt, weights), k, deff, language,
                  dict(open_answers or {}))
    body: list[Block] = []
    results: dict[str, SectionResult] = {}
    summary: list[Paragraph] = []
    for part in outline.parts:
        body.append(Heading(f"{part.id}. {part.title}", 1, part.id))
        for section in part.all_sections():
            if section.id != part.id:
                body.append(Heading(_section_heading(part.id, section), 2, section.id))
            result = section_content(ctx, section)
            results[section.id] = result
            body += result.blocks
            if not section.entries:
                body.append(Paragraph(_t("Mục này chưa có câu hỏi nào trong phiếu.",
                                         "No question of the questionnaire is in this section.",
                                         language), "note"))
            for sentence in result.highlights[:2]:
                summary.append(Paragraph(f"{section.id}. {sentence}", "bullet", section.id))
    if not charts:
        body = [b for b in body if not isinstance(b, Figure)]
    head: list[Block] = [Heading(_t("Tóm tắt kết quả chính", "Summary of main findings",
                                    language), 1, "summary")]
    head.append(Paragraph(_t(
        "Các nhận định dưới đây được viết tự động từ số liệu; mỗi khác biệt được nêu đều có kiểm "
        "định ở bảng được dẫn (xem mục Phương pháp).",
        "The statements below are written from the data; every difference stated is backed by "
        "the test in the table cited (see Method).", language), "note"))
    head += summary or [Paragraph(_t("Không có số liệu để tóm tắt.", "No data to summarise.",
                                     language), "note")]
    head += methods_blocks(source, definition, outline, flt, weights, k, deff, responses,
                           language, campaign, synthetic, filter_note)
    blocks = head + body
    _number(blocks, language)
    return ReportPlan(label_text(definition.get("title"), language), campaign, responses, k,
                      weights is not None, deff, language, synthetic, outline, blocks, results)


def report_figures(plan: ReportPlan) -> list[Any]:
    """The plan's charts in document order (what :func:`write_report` expects images of)."""
    return [f.figure for f in plan.figures]
