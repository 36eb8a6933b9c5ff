"""Print-ready A4 PDFs: the paper questionnaire of a published version, and access-code slips.

Debian's Chromium prints an HTML page we render ourselves (Playwright drives it headless, with
``executable_path`` pointing at the system browser: nothing is downloaded). The page uses only
fonts installed on the machine (DejaVu Serif/Sans Condensed, from Debian's ``fonts-dejavu-core``
and ``fonts-dejavu-extra``: full Vietnamese coverage), prints in black and white, and keeps
every question on one page (``break-inside: avoid``).

What the sheet says comes from the definition: numbered questions with their option codes
beside the boxes, grids as tables, "chọn tối đa 3", ranking boxes, the routing written out
from the skip logic and the option filters as instructions (:mod:`.paper_wording`), space for
open answers. A sheet may carry a fresh random sheet id (:mod:`.sheet_ids`), which is not
stored: it says nothing about who received the sheet.
"""
from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from flask import current_app, has_request_context, render_template
from markupsafe import Markup

from survey.questionnaire import iter_pages, label_text
from survey.services.paper_wording import describe, number_text, routes, skip_targets
from survey.services.sheet_ids import format_sheet_id, new_sheet_id

__all__ = ["PrintError", "questionnaire_pdf", "questionnaire_html", "slips_pdf", "html_to_pdf",
           "MAX_COPIES", "chromium_path"]

MAX_COPIES = 500
_CSS = Path(__file__).resolve().parent.parent / "static" / "paper.css"
_FOOTER = ('<div style="width:100%;font-family:\'DejaVu Sans Condensed\',\'DejaVu Sans\',sans-serif;'
           'font-size:7.5pt;color:#000;padding:0 15mm;display:flex;justify-content:space-between">'
           '<span>{left}</span><span>{page} <span class="pageNumber"></span>/'
           '<span class="totalPages"></span></span></div>')


class PrintError(RuntimeError):
    """The PDF could not be made (no Chromium on this machine, or it failed)."""


def chromium_path() -> str:
    return os.environ.get("CHROMIUM", "/usr/bin/chromium")


# ------------------------------------------------------------------------------ the sheet

@dataclass
class OptionLine:
    code: int
    text: str
    other: bool = False
    exclusive: bool = False
    route: str | None = None  # "→ Chuyển sang câu E1"


@dataclass
class OptionGroup:
    rule: str | None  # the option filter in words, or None
    options: list[OptionLine] = field(default_factory=list)


@dataclass
class PrintItem:
    item: dict[str, Any]
    number: str
    text: str
    hint: str
    kind: str
    instruction: str  # "chọn một", "chọn tối đa 3", …
    filter: str | None  # "Chỉ trả lời nếu …; nếu không, chuyển sang câu …"
    groups: list[OptionGroup] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    digits: int = 0
    lines: int = 0


@dataclass
class PrintPage:
    title: str
    filter: str | None
    items: list[PrintItem]


def _instruction(item: Mapping[str, Any]) -> str:
    kind = item["type"]
    if kind == "single":
        return "Chọn một phương án"
    if kind == "multiple":
        limit = item.get("max_select")
        return f"Chọn tối đa {limit} phương án" if limit else "Có thể chọn nhiều phương án"
    if kind == "grid":
        return "Mỗi dòng chọn một mức"
    if kind == "ranking":
        top = item.get("top")
        return (f"Ghi số thứ tự 1, 2{', 3' if (top or 0) >= 3 else ''}… vào ô của {top} phương án "
                f"được xếp hạng cao nhất (1 = quan trọng nhất)")
    if kind == "numeric":
        low, high = item.get("min"), item.get("max")
        if low is not None and high is not None:
            return f"Ghi một số từ {number_text(low)} đến {number_text(high)}"
        return "Ghi một số"
    if kind == "text":
        return "Ghi rõ ý kiến"
    return ""


def build_pages(definition: Mapping[str, Any], language: str = "vi") -> list[PrintPage]:
    arrows: dict[tuple[str, int], str | None] = {(r.item, r.code): r.target
                                                 for r in routes(definition)}
    out = []
    for page in iter_pages(definition):
        page_filter = None
        if page.get("relevant"):
            page_filter = f"Phần này chỉ dành cho người trả lời có {describe(page['relevant'])}."
        items = []
        for item in page.get("items") or []:
            kind = item["type"]
            text = label_text(item.get("label"), language)
            hint = label_text(item.get("hint"), language) if item.get("hint") else ""
            if kind == "note":
                items.append(PrintItem(item, "", text, hint, kind, "", None))
                continue
            rule = None
            if item.get("relevant"):
                target = skip_targets(definition, item["id"])
                rest = f"; nếu không, chuyển sang câu {target}" if target else \
                    "; nếu không, anh/chị đã trả lời xong phiếu"
                rule = f"Chỉ trả lời nếu {describe(item['relevant'])}{rest}."
            view = PrintItem(item, item["id"], text, hint, kind, _instruction(item), rule)
            groups: list[OptionGroup] = []
            for option in item.get("options") or []:
                if kind == "ranking" and option.get("missing"):
                    continue
                condition = option.get("relevant")
                wording = f"Chỉ dành cho người có {describe(condition)}" if condition else None
                if not groups or groups[-1].rule != wording:
                    groups.append(OptionGroup(wording))
                target = arrows.get((item["id"], option["code"]), "")
                route = None if target == "" else (
                    f"→ Chuyển sang câu {target}" if target else "→ Kết thúc phiếu")
                groups[-1].options.append(OptionLine(
                    option["code"], label_text(option.get("label"), language),
                    bool(option.get("other")), bool(option.get("exclusive")), route))
            view.groups = groups
            view.rows = [(str(row["id"]), label_text(row.get("label"), language))
                         for row in item.get("rows") or []]
            if kind == "numeric":
                high = item.get("max")
                view.digits = max(2, len(str(int(abs(high)))) if high is not None else 4) + \
                    (int(item.get("decimals") or 0) and int(item.get("decimals") or 0) + 1)
            if kind == "text":
                view.lines = 7 if item.get("multiline") else 2
            items.append(view)
        out.append(PrintPage(label_text(page.get("title"), language) if page.get("title")
                             else "", page_filter, items))
    return out


def _render(template: str, **context: Any) -> str:
    """``render_template``, also from the command line (the app's context processors read the
    request: a blank one stands in)."""
    if has_request_context():
        return render_template(template, **context)
    with current_app.test_request_context():
        return render_template(template, **context)


def questionnaire_html(definition: Mapping[str, Any], version_number: int | None,
                       sheet_id: str | None = None, language: str = "vi") -> str:
    """The printable page (a full HTML document with its CSS inline; needs an app context)."""
    text = lambda key: label_text(definition.get(key), language) if definition.get(key) else ""  # noqa: E731
    return _render(
        "paper/questionnaire.html", css=Markup(_CSS.read_text(encoding="utf-8")),
        title=text("title"), introduction=text("introduction"), anonymity=text("anonymity"),
        thank_you=text("thank_you"), minutes=definition.get("estimated_minutes"),
        pages=build_pages(definition, language), sheet_id=sheet_id,
        version=version_number, slug=definition.get("id", ""))


def questionnaire_pdf(definition: Mapping[str, Any], version_number: int | None,
                      copies: int = 0, language: str = "vi") -> bytes:
    """The A4 PDF: one sheet without an id (``copies`` 0; the keyer numbers it when the box
    is received), or ``copies`` sheets each with a fresh random sheet id."""
    if copies < 0 or copies > MAX_COPIES:
        raise PrintError(f"copies must be 0–{MAX_COPIES}")
    ids = [format_sheet_id(new_sheet_id()) for _i in range(copies)] or [None]
    documents = [questionnaire_html(definition, version_number, sheet_id, language)
                 for sheet_id in ids]
    left = f"{definition.get('id', '')} · phiên bản {version_number}" if version_number else \
        str(definition.get("id", ""))
    return html_to_pdf(documents, left, "Trang")


# ------------------------------------------------------------------------------ slips

def slips_pdf(campaign_title: str, link: str, codes: list[str], qr_svg: bytes) -> bytes:
    """Access-code slips, eight to an A4 page, each with the link's QR code and one code."""
    import base64

    qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg).decode("ascii")
    html = _render("paper/slips.html", css=Markup(_CSS.read_text(encoding="utf-8")),
                           title=campaign_title, link=link, codes=codes, qr=qr)
    return html_to_pdf([html], campaign_title[:80], "Trang")


# ------------------------------------------------------------------------------ Chromium

def _print(documents: list[str], footer: str) -> list[bytes]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=chromium_path(), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # the page needs nothing from outside
            for html in documents:
                page.set_content(html, wait_until="load")
                out.append(page.pdf(format="A4", print_background=True,
                                    display_header_footer=True,
                                    header_template="<span></span>", footer_template=footer,
                                    margin={"top": "14mm", "bottom": "16mm", "left": "16mm",
                                            "right": "14mm"}))
        finally:
            browser.close()
    return out


def html_to_pdf(documents: list[str], footer_left: str, page_word: str) -> bytes:
    """Print each HTML document to A4 with Chromium and join them into one PDF.

    Runs the browser in a thread of its own: Playwright's sync API refuses a thread that runs
    an event loop already (a test's browser driver, an async caller). Raises
    :class:`PrintError` when Chromium is missing or fails."""
    from html import escape

    if not os.path.exists(chromium_path()):
        raise PrintError(f"Chromium not found at {chromium_path()}")
    footer = _FOOTER.format(left=escape(footer_left), page=escape(page_word))
    try:
        with ThreadPoolExecutor(1) as pool:
            parts = pool.submit(_print, documents, footer).result()
    except Exception as exc:  # noqa: BLE001 - any browser failure is one kind of refusal
        raise PrintError(str(exc)) from exc
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
