"""The Word report (python-docx), organised as the programme's outline: sample and method, then
one part per questionnaire part (state of affairs, consequences, causes, remedies), with the key
tables and charts, and the weighting and suppression notes. In Vietnamese by default.

Every table goes through disclosure control (the analysis functions apply ``k``); tables whose
base is under ``k`` are listed as withheld, never printed.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Mapping, Sequence

from analysis import tables as T
from analysis.disclosure import DisclosureRefused
from analysis.exports.grid import Grid, grid_for
from analysis.results import SUPPRESSED_MARK
from analysis.source import Filter

__all__ = ["ReportPlan", "plan_report", "write_report", "key_banner"]


def _label(label: Any, language: str = "vi") -> str:
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    return label.get(language) or label.get("vi") or next(iter(label.values()), "")


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def key_banner(definition: Mapping[str, Any]) -> str | None:
    """The banner the report crosses items by: the ``level`` dimension, else the first."""
    banners = [i for p in definition.get("pages") or [] for i in p.get("items") or []
               if i.get("role") == "banner"]
    chosen = next((b for b in banners if b.get("dimension") == "level"), None) or \
        (banners[0] if banners else None)
    return chosen["id"] if chosen else None


@dataclass
class Section:
    title: str
    results: list[Any] = field(default_factory=list)
    charts: list[Any] = field(default_factory=list)  # plotly figures, one per result or None
    withheld: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ReportPlan:
    title: str
    responses: int
    k: int | None
    weighted: bool
    weighting_lines: list[str]
    sample: Section
    sections: list[Section]
    language: str = "vi"
    labels: dict[str, str] = field(default_factory=dict)  # banner id → label


def _result_for(source, item: Mapping[str, Any], banner: str | None, flt: Filter, weights,
                k, language) -> list[Any]:
    kind = item["type"]
    if kind == "single":
        if banner and banner != item["id"]:
            return [T.crosstab(source, item["id"], banner, flt=flt, weights=weights, k=k,
                               language=language)]
        return [T.frequencies(source, item["id"], flt=flt, weights=weights, k=k,
                              language=language)]
    if kind == "grid":
        return [T.likert(source, item["id"], banner, flt=flt, weights=weights, k=k,
                         language=language)]
    if kind == "multiple":
        return [T.multiple(source, item["id"], banner, flt=flt, weights=weights, k=k,
                           language=language)]
    if kind == "ranking":
        return [T.ranking(source, item["id"], banner, flt=flt, weights=weights, k=k,
                          language=language)]
    if kind == "numeric":
        return [T.numeric(source, item["id"], banner, flt=flt, weights=weights, k=k,
                          language=language)]
    return []


def plan_report(source, definition: Mapping[str, Any], *, flt: Filter = Filter(),
                weights=None, k: int | None = T.DEFAULT_K, charts: bool = True,
                language: str = "vi", responses: int | None = None) -> ReportPlan:
    """Compute every table of the report (and build, not render, its charts)."""
    from analysis import charts as C

    banner = key_banner(definition)
    pages = list(definition.get("pages") or [])
    profile = [i for p in pages for i in p.get("items") or [] if i.get("role") == "banner"]
    sample = Section(_t("Phần 1. Mẫu khảo sát và phương pháp", "Part 1. Sample and method",
                        language))
    for item in profile:
        try:
            sample.results.append(T.frequencies(source, item["id"], flt=flt, weights=weights,
                                                k=k, language=language))
        except DisclosureRefused as refused:
            sample.withheld.append((item["id"], refused.message.text(language)))
    sections: list[Section] = []
    by_title: dict[str, Section] = {}
    for page in pages:
        items = [i for i in page.get("items") or [] if i.get("role") != "banner"
                 and i.get("type") not in ("note", "text")]
        if not items:
            continue
        title = _label(page.get("title"), language).replace(" (tiếp)", "").replace(
            " (continued)", "") or page["id"]
        section = by_title.get(title)
        if section is None:
            section = by_title[title] = Section(title)
            sections.append(section)
        for item in items:
            try:
                results = _result_for(source, item, banner, flt, weights, k, language)
            except DisclosureRefused as refused:
                section.withheld.append((item["id"], refused.message.text(language)))
                continue
            for result in results:
                section.results.append(result)
                chart = None
                if charts:
                    if item["type"] == "grid":
                        try:
                            rows = [T.frequencies(source, f"{item['id']}.{row['id']}", flt=flt,
                                                  weights=weights, k=k, language=language)
                                    for row in item.get("rows") or []]
                            chart = C.likert_diverging(rows, _label(item.get("label"),
                                                                    language), language)
                        except DisclosureRefused:
                            chart = None
                    else:
                        chart = C.figure_for(result, "percent", "group", language)
                section.charts.append(chart)
    weighted = weights is not None
    lines = []
    if weighted:
        lines.append(_t("Số liệu được gia quyền theo cơ cấu tổng thể (cào bằng lặp — raking).",
                        "Figures are weighted to population margins (raking).", language))
        report = getattr(weights, "report", None)
        if report is not None:
            lines.append(str(getattr(report, "summary", lambda: report)()
                             if callable(getattr(report, "summary", None)) else report))
    else:
        lines.append(_t("Số liệu không gia quyền (mỗi phiếu có trọng số như nhau).",
                        "Unweighted figures (every response counts the same).", language))
    if responses is None:
        responses = int(sample.results[0].n) if sample.results else 0
    labels = {i["id"]: _label(i.get("label"), language) for i in profile}
    return ReportPlan(_label(definition.get("title"), language), responses, k, weighted, lines,
                      sample, sections, language, labels)


def _add_grid(document, grid: Grid, number: int, language: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    caption = document.add_paragraph(style="Caption")
    caption.add_run(f"{_t('Bảng', 'Table', language)} {number}. ").bold = True
    caption.add_run(grid.title)
    meta = grid.statistic + (f" — {_t('theo', 'by', language)} {grid.banner}"
                             if grid.banner else "")
    document.add_paragraph(meta).runs[0].italic = True
    has_letters = any(grid.letters)
    table = document.add_table(rows=1, cols=len(grid.columns) + 1)
    table.style = "Table Grid"
    head = table.rows[0].cells
    for i, label in enumerate(grid.columns, start=1):
        letter = f" ({grid.letters[i - 1]})" if has_letters and grid.letters[i - 1] else ""
        head[i].text = label + letter
    body = list(grid.rows) + ([grid.base] if grid.base else [])
    for label, cells in body:
        row = table.add_row().cells
        row[0].text = label
        for i, cell in enumerate(cells, start=1):
            row[i].text = cell.text
            row[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    lines = [_t("Kiểm định: ", "Tests: ", language) + t for t in grid.tests] + list(grid.notes)
    if grid.suppressed and not grid.suppression_noted:
        lines.append(_t(f"{SUPPRESSED_MARK}: ô bị ẩn để bảo vệ người trả lời.",
                        f"{SUPPRESSED_MARK}: cell suppressed to protect respondents.",
                        language))
    for line in lines:
        note = document.add_paragraph(line)
        for run in note.runs:
            run.font.size = Pt(8)


def write_report(plan: ReportPlan, out: str | Path | BinaryIO, *,
                 images: Sequence[bytes | None] | None = None,
                 campaign: str = "") -> None:
    """Write the .docx. ``images``: PNG bytes for each chart of the plan in order (sample
    section has none), e.g. ``render_images`` of :func:`report_figures`; None skips charts."""
    from docx import Document
    from docx.shared import Cm

    language = plan.language
    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    document.add_heading(_t("Báo cáo kết quả khảo sát", "Survey report", language), 0)
    document.add_paragraph(plan.title).runs[0].bold = True
    if campaign:
        document.add_paragraph(f"{_t('Đợt khảo sát', 'Campaign', language)}: {campaign}")
    document.add_paragraph(f"{_t('Ngày lập báo cáo', 'Report date', language)}: "
                           f"{date.today().isoformat()}")
    number = 0
    figure_number = 0
    images = list(images or [])
    image_at = 0
    document.add_heading(plan.sample.title, 1)
    document.add_paragraph(_t(f"Số phiếu hợp lệ (hoàn thành): {plan.responses}.",
                              f"Valid (complete) responses: {plan.responses}.", language))
    for line in plan.weighting_lines:
        document.add_paragraph(line)
    if plan.k:
        document.add_paragraph(_t(
            f"Kiểm soát công bố: không công bố ô hoặc cơ sở dưới {plan.k} người trả lời; ô bị ẩn "
            f"ghi “{SUPPRESSED_MARK}” (gồm cả ô ẩn bổ sung để không suy ngược được từ tổng).",
            f"Disclosure control: no cell or base under {plan.k} respondents is published; "
            f"suppressed cells show “{SUPPRESSED_MARK}” (complementary cells included).",
            language))
    document.add_paragraph(_t(
        "Kiểm định: khi-bình phương Pearson và tỷ số hợp lý; chữ cái trong bảng chéo chỉ cột có "
        "tỷ lệ thấp hơn có ý nghĩa (kiểm định z hai tỷ lệ, hiệu chỉnh Bonferroni).",
        "Tests: Pearson chi-square and likelihood ratio; letters in cross-tabulations mark "
        "columns with a significantly smaller proportion (two-proportion z-test, Bonferroni).",
        language))
    document.add_heading(_t("Cơ cấu mẫu", "Sample composition", language), 2)
    for result in plan.sample.results:
        number += 1
        _add_grid(document, grid_for(result, "percent", language, plan.labels), number, language)
    _withheld(document, plan.sample.withheld, language)
    for part_number, part in enumerate(plan.sections, start=2):
        document.add_heading(f"{_t('Phần', 'Part', language)} {part_number}. "
                             f"{_strip_prefix(part.title)}", 1)
        for result, chart in zip(part.results, part.charts + [None] * len(part.results)):
            number += 1
            _add_grid(document, grid_for(result, "percent", language, plan.labels), number, language)
            if chart is not None and image_at < len(images):
                image = images[image_at]
                image_at += 1
                if image:
                    figure_number += 1
                    document.add_picture(io.BytesIO(image), width=Cm(16))
                    document.add_paragraph(
                        f"{_t('Biểu đồ', 'Figure', language)} {figure_number}. {result.item_label}",
                        style="Caption")
        _withheld(document, part.withheld, language)
    document.save(out if not isinstance(out, Path) else str(out))


def _strip_prefix(title: str) -> str:
    """"Phần B. Thực trạng" → "Thực trạng" (the report numbers its own parts)."""
    head, dot, rest = title.partition(". ")
    return rest if dot and len(head.split()) <= 2 else title


def _withheld(document, withheld: list[tuple[str, str]], language: str) -> None:
    for item, message in withheld:
        document.add_paragraph(f"{item}: {message}")


def report_figures(plan: ReportPlan) -> list[Any]:
    """The plan's charts in document order (what :func:`write_report` expects images of)."""
    return [c for part in plan.sections for c in part.charts if c is not None]


__all__.append("report_figures")
