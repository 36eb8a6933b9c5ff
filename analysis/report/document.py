"""The Word file (python-docx): A4, named styles only, numbered tables and figures.

Everything visible is formatted through named styles, so the institute restyles the whole
document from Word's style pane: the built-in ``Title``, ``Subtitle``, ``Heading 1``/``2``,
``Caption``, ``List Bullet``, ``Table Grid``, and the report's own paragraph styles (created in
the document, Vietnamese names): ``Nhận định`` (a finding), ``Ghi chú`` (notes under tables),
``Chữ trong bảng`` / ``Số trong bảng`` / ``Đầu cột bảng`` (table cells), ``Trích dẫn ý kiến``
(quotes) and ``Hình`` (a figure's paragraph). No run carries direct formatting.
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import BinaryIO, Sequence

from analysis.report.blocks import Figure, Heading, Paragraph, Table
from analysis.report.plan import ReportPlan

__all__ = ["write_report", "STYLES", "A4"]

A4 = (21.0, 29.7)          # cm
MARGIN = 2.0               # cm; the text is 17 cm wide
FIGURE_WIDTH = 16.0        # cm
#: The report's own styles: name → (based on, size in points, bold, italic, alignment).
STYLES = {
    "Nhận định": ("Normal", 11, False, False, "justify"),
    "Ghi chú": ("Normal", 8.5, False, True, "left"),
    "Chữ trong bảng": ("Normal", 8.5, False, False, "left"),
    "Số trong bảng": ("Normal", 8.5, False, False, "right"),
    "Đầu cột bảng": ("Normal", 8.5, True, False, "center"),
    "Trích dẫn ý kiến": ("Quote", 10.5, False, True, "left"),
    "Hình": ("Normal", 11, False, False, "center"),
}
PARAGRAPH_STYLES = {"body": "Normal", "finding": "Nhận định", "note": "Ghi chú",
                    "bullet": "List Bullet", "quote": "Trích dẫn ý kiến"}


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def _styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    align = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT,
             "center": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    for name, (base, size, bold, italic, alignment) in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles[base]
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = italic
        style.paragraph_format.alignment = align[alignment]
        if name in ("Chữ trong bảng", "Số trong bảng", "Đầu cột bảng"):
            style.paragraph_format.space_before = Pt(1)
            style.paragraph_format.space_after = Pt(1)
    document.styles["Caption"].font.size = Pt(10)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _numeric(text: str) -> bool:
    stripped = text.replace("%", "").replace(",", "").replace(".", "").replace("−", "") \
        .replace("-", "").replace(" ", "").replace("*", "")
    return stripped.isdigit() or text in ("x", "—")


def _table(document, table: Table, language: str) -> None:
    from docx.shared import Cm

    document.add_paragraph(f"{_t('Bảng', 'Table', language)} {table.number}. {table.title}",
                           style="Caption")
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = document.styles["Table Grid"]
    grid.autofit = False
    width = A4[0] - 2 * MARGIN
    rest = (width - table.label_width) / max(1, len(table.header) - 1)
    widths = [table.label_width] + [rest] * (len(table.header) - 1)
    for cell, text, size in zip(grid.rows[0].cells, table.header, widths):
        cell.width = Cm(size)
        cell.paragraphs[0].text = text
        cell.paragraphs[0].style = document.styles["Đầu cột bảng"]
    _repeat_header(grid.rows[0])
    for values in table.rows:
        cells = grid.add_row().cells
        for i, (cell, text, size) in enumerate(zip(cells, values, widths)):
            cell.width = Cm(size)
            cell.paragraphs[0].text = text
            style = "Số trong bảng" if i and _numeric(text) else "Chữ trong bảng"
            cell.paragraphs[0].style = document.styles[style]
    for note in table.notes:
        document.add_paragraph(note, style="Ghi chú")


def write_report(plan: ReportPlan, out: str | Path | BinaryIO, *,
                 images: Sequence[bytes | None] | None = None, campaign: str = "",
                 on: date | None = None) -> None:
    """Write the .docx. ``images``: PNG bytes of :func:`report_figures`, in order (None or
    missing: the figure is left out with its caption); ``on``: the report's date."""
    from docx import Document
    from docx.shared import Cm

    language = plan.language
    document = Document()
    _styles(document)
    page = document.sections[0]
    page.page_width, page.page_height = Cm(A4[0]), Cm(A4[1])
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = Cm(MARGIN)
    document.add_paragraph(_t("Báo cáo kết quả khảo sát", "Survey report", language),
                           style="Title")
    document.add_paragraph(plan.title, style="Subtitle")
    campaign = campaign or plan.campaign
    if campaign:
        document.add_paragraph(f"{_t('Đợt khảo sát', 'Campaign', language)}: {campaign}")
    document.add_paragraph(f"{_t('Ngày lập báo cáo', 'Report date', language)}: "
                           f"{(on or date.today()).strftime('%d/%m/%Y')}")
    if plan.synthetic:
        # in both languages whatever the report's: whoever opens the file must not miss it
        document.add_paragraph("SỐ LIỆU MÔ PHỎNG — KHÔNG PHẢI KẾT QUẢ KHẢO SÁT / "
                               "SYNTHETIC DATA — NOT SURVEY RESULTS", style="Intense Quote")
    pictures = list(images or [])
    order = {id(f): i for i, f in enumerate(plan.figures)}
    shown = 0
    for block in plan.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, block.level)
        elif isinstance(block, Paragraph):
            document.add_paragraph(block.text, style=PARAGRAPH_STYLES.get(block.style, "Normal"))
        elif isinstance(block, Table):
            _table(document, block, language)
        elif isinstance(block, Figure):
            at = order[id(block)]
            image = pictures[at] if at < len(pictures) else None
            if not image:
                continue
            shown += 1
            holder = document.add_paragraph(style="Hình")
            holder.add_run().add_picture(io.BytesIO(image), width=Cm(FIGURE_WIDTH))
            document.add_paragraph(f"{_t('Biểu đồ', 'Figure', language)} {shown}. "
                                   f"{block.title}", style="Caption")
    document.save(str(out) if isinstance(out, Path) else out)
