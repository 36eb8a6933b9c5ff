"""One function per downloadable file, shared by the analyst pages (in a background job) and
``flask analysis export`` (with a progress bar).

Published formats (tables, charts, banner book, report) go through disclosure control with the
campaign's threshold; row-level formats are for the analyst role only and are audit-logged by
the caller.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from analysis import banner_book
from analysis.charts import figure_for, render_images
from analysis.exports import count_responses, export_rows
from analysis.exports.report import plan_report, report_figures, write_report
from analysis.exports.workbook import tables_csv, write_book_xlsx
from analysis.synthetic import NOTICE
from sqlalchemy.orm import Session

from survey import clock
from survey.models import Campaign
from survey.questionnaire import banners, label_text
from survey.services import tabulation

TABLE_FORMATS = ("table-xlsx", "table-csv", "chart-png", "chart-svg")


class ProgressSink(Protocol):
    def set_total(self, total: int) -> None: ...
    def advance(self, amount: int = 1) -> None: ...


class ExportError(ValueError):
    """The export cannot be made (e.g. a chart for a numeric summary); message in Vietnamese."""


def run_export(fmt: str, campaign: Campaign, out: Path, progress: ProgressSink, *,
               session: Session, request: tabulation.TableRequest | None = None,
               include_text: bool = False, language: str = "vi") -> None:
    """Write ``fmt`` for ``campaign`` (and ``request`` for table/chart formats) to ``out``,
    reading through ``session`` (and its engine).

    A campaign with synthetic data only (``tabulation.is_synthetic``) is marked in every file:
    the notes of a workbook, a column of a tidy CSV, the chart's title, the report's title page
    and method, and the file name of row-level files (:func:`file_stem`).

    Raises :class:`ExportError`, ``DisclosureRefused`` (base under k) or ``ValueError``."""
    definition = campaign.version.definition
    fake = tabulation.is_synthetic(session, campaign)
    k = campaign.disclosure_threshold
    engine = session.get_bind()
    if fmt in ("csv", "sav", "dta", "codebook", "codebook-html"):
        selection = (request.selection(campaign) if request is not None else
                     tabulation.TableRequest(item="").selection(campaign))
        weights = None
        if request is not None and request.weighted and fmt in ("csv", "sav", "dta"):
            source = tabulation.source_for(engine, campaign)
            weights = tabulation.weights_for(session, campaign, source,
                                          request.analysis_filter(campaign))
        progress.set_total(count_responses(engine, selection))
        export_rows(engine, definition, selection, fmt, out, include_text=include_text,
                    weights=weights, threshold=k, progress=progress.advance)
        return
    source = tabulation.source_for(engine, campaign)
    if fmt in TABLE_FORMATS:
        if request is None:
            raise ExportError("Chưa chọn bảng.")
        progress.set_total(2)
        flt = request.analysis_filter(campaign)
        weights = tabulation.weights_for(session, campaign, source, flt) \
            if request.weighted else None
        result = tabulation.build_table(source, definition, request, flt, weights, k, language)
        progress.advance()
        if fmt == "table-xlsx":
            write_book_xlsx([result], out, title=label_text(definition.get("title"), language),
                            mode=request.mode, language=language,
                            notes=[_filter_note(campaign, request, fake)],
                            labels=tabulation.banner_labels(definition, language))
        elif fmt == "table-csv":
            out.write_bytes(tables_csv([result], NOTICE if fake else ""))
        else:
            figure = figure_for(result, request.mode, request.barmode, language)
            if figure is None:
                raise ExportError("Bảng này không có biểu đồ.")
            if fake:
                title = figure.layout.title.text or ""
                figure.update_layout(title_text=f"{NOTICE}<br>{title}" if title else NOTICE)
            out.write_bytes(render_images([figure], fmt.split("-")[1])[0])
        progress.advance()
        return
    flt = (request.analysis_filter(campaign) if request is not None else
           tabulation.TableRequest(item="").analysis_filter(campaign))
    weights = tabulation.weights_for(session, campaign, source, flt) \
        if request is not None and request.weighted else None
    if fmt == "book-xlsx":
        wanted_dimensions = ("level", "field", "position", "rank", "category")
        by_dimension = {b.get("dimension"): b["id"] for b in banners(definition)}
        banner_ids = [by_dimension[d] for d in wanted_dimensions if d in by_dimension] or \
            [b["id"] for b in banners(definition)][:3]
        progress.set_total(2)
        book = banner_book(source, banner_ids, flt=flt, weights=weights, k=k,
                           language=language)
        progress.advance()
        write_book_xlsx(list(book.tables), out,
                        title=label_text(definition.get("title"), language),
                        notes=[_filter_note(campaign, request, fake)], language=language,
                        refused=[(i, b, m.text(language)) for i, b, m in book.errors],
                        labels=tabulation.banner_labels(definition, language))
        progress.advance()
        return
    if fmt == "report-docx":
        progress.set_total(3)
        plan = plan_report(source, definition, flt=flt, weights=weights, k=k,
                           language=language, campaign=campaign.title, synthetic=fake,
                           open_answers=tabulation.open_answers(session, campaign, language),
                           filter_note=_report_filter(request))
        progress.advance()
        figures = report_figures(plan)
        images = render_images(figures, "png") if figures else []
        progress.advance()
        write_report(plan, out, images=images, campaign=campaign.title, on=clock.today())
        progress.advance()
        return
    raise ExportError(f"Định dạng không hỗ trợ: {fmt}")


def _filter_note(campaign: Campaign, request: tabulation.TableRequest | None,
                 synthetic: bool = False) -> str:
    parts = [NOTICE] if synthetic else []
    parts += [f"Đợt khảo sát: {campaign.title}", "số liệu không gia quyền"
             if request is None or not request.weighted else "có gia quyền",
             f"ngưỡng công bố k = {campaign.disclosure_threshold}"]
    if request is not None:
        if request.values:
            parts.append("lọc: " + "; ".join(f"{v} ∈ {{{', '.join(map(str, c))}}}"
                                             for v, c in request.values.items()))
        if request.date_from or request.date_to:
            parts.append(f"ngày: {request.date_from or '…'} – {request.date_to or '…'}")
    parts.append(_included(request))
    return ", ".join(parts) + "."


def _included(request: tabulation.TableRequest | None) -> str:
    """Which responses count, in words: completes only (the default), or partials too."""
    if request is not None and request.partials:
        return "gồm cả phiếu chưa hoàn thành (gửi khi chưa trả lời hết)"
    return "chỉ phiếu hoàn thành"


def _report_filter(request: tabulation.TableRequest | None) -> str:
    """The filters of a report, in words ("" when it covers the whole campaign)."""
    if request is None:
        return ""
    parts = []
    if request.values:
        parts.append("lọc: " + "; ".join(f"{v} ∈ {{{', '.join(map(str, c))}}}"
                                         for v, c in request.values.items()))
    if request.date_from or request.date_to:
        parts.append(f"ngày: {request.date_from or '…'} – {request.date_to or '…'}")
    if request.partials:
        parts.append(_included(request))
    return ", ".join(parts)


def file_stem(campaign: Campaign, fmt: str, request: Any = None,
              synthetic: bool = False) -> str:
    """The download's file name without extension; ``-synthetic`` for synthetic data."""
    stem = f"{campaign.slug}-{fmt}" + ("-synthetic" if synthetic else "")
    if request is not None and fmt in TABLE_FORMATS:
        stem += f"-{request.item}" + (f"-{request.banner}" if request.banner else "")
    return stem
