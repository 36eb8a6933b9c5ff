"""Open answers in the report: the coded variable of a text item (E5) or of an "other — specify"
box (``B3.other``), tabulated like a multiple choice (overall and per comparison group), and a
few quotes the analyst approved — each checked again here for identifying details
(:mod:`analysis.quotes`), so a quote that fails the check never reaches the document."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from analysis import disclosure
from analysis.quotes import quotable
from analysis.report import wording as W
from analysis.report.blocks import Block, Paragraph, Table
from survey.questionnaire import label_text

__all__ = ["OpenAnswers", "open_blocks", "MAX_QUOTES"]

MAX_QUOTES = 5


@dataclass(frozen=True)
class OpenAnswers:
    """Coded answers of one text variable. ``columns``: "Chung" then the comparison groups;
    ``bases``: coded answers (respondents) per column; ``codes``: (label, answers per column),
    an answer counted once per code it carries; ``quotes``: texts the analyst approved."""

    key: str
    received: int
    coded: int
    columns: tuple[str, ...]
    bases: tuple[int, ...]
    codes: tuple[tuple[str, tuple[int, ...]], ...]
    quotes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def _table(ctx, data: OpenAnswers, key: str, title: str) -> Table:
    import numpy as np

    counts = np.array([c[1] for c in data.codes], dtype=float).reshape(len(data.codes),
                                                                        len(data.columns))
    hidden = np.zeros_like(counts, dtype=bool)
    if ctx.k and len(data.codes):
        mask, _ = disclosure.suppression_mask(counts[:, :1], ctx.k)
        hidden[:, 0] = mask[:-1, 0]
        if counts.shape[1] > 1:
            mask, _ = disclosure.suppression_mask(counts[:, 1:], ctx.k)
            hidden[:, 1:] = mask[:-1, :-1] | mask[-1:, :-1]
    header = [_t("Nhóm ý kiến", "Code", ctx.language), "n"] + list(data.columns)
    rows = []
    for i, (label, values) in enumerate(data.codes):
        row = [label, "x" if hidden[i, 0] else str(int(values[0]))]
        for j, base in enumerate(data.bases):
            share = math.nan if hidden[i, j] or not base else 100 * values[j] / base
            row.append(W.pct(share, ctx.language))
        rows.append(row)
    rows.append([_t("Số ý kiến đã mã hóa", "Coded answers", ctx.language), str(data.coded)]
                + ["x" if ctx.k and 0 < b < ctx.k else str(b) for b in data.bases])
    notes = [_t("% trên số ý kiến đã mã hóa của từng nhóm; một ý kiến có thể mang nhiều mã.",
                "% of coded answers in each group; an answer may carry several codes.",
                ctx.language)]
    return Table(key, title, header, rows, notes, "coded", 7.0, data)


def open_blocks(ctx, entry, section) -> list[Block]:
    """The coded table, its sentence and the approved quotes of the entry's open answers."""
    item = entry.item
    language = ctx.language
    blocks: list[Block] = []
    keys = [item["id"]] if item["type"] == "text" else [f"{item['id']}.other"]
    for name in keys:
        data: OpenAnswers | None = ctx.open_answers.get(name)
        label = label_text(item.get("label"), language)
        if data is None:
            if item["type"] == "text":
                blocks.append(Paragraph(_t(
                    f"Câu {name} là câu hỏi mở; các ý kiến chưa được mã hóa nên chưa được tổng "
                    "hợp trong báo cáo này (mã hóa trong không gian làm việc của phân tích viên).",
                    f"Question {name} is open; its answers are not coded yet, so they are not "
                    "summarised here (code them in the analyst workspace).", language), "note"))
            continue
        key = f"coded:{section.id}:{name}"
        what = label if item["type"] == "text" else _t(
            f"{label} — ý kiến ghi thêm ở phương án “khác”", f"{label} — “other” answers",
            language)
        title = _t(f"{name}. {what} (đã mã hóa)", f"{name}. {what} (coded)", language)
        table = _table(ctx, data, key, title)
        shown = [(row[0], row[2]) for row in table.rows[:-1] if row[2] != "x"]
        shown.sort(key=lambda r: -float(r[1].rstrip("%").replace(",", ".")))
        head = ", ".join(f"{W.quoted(label)} ({share})" for label, share in shown[:3])
        sentence = _t(f"Câu {name}: {data.received} người trả lời ghi ý kiến, {data.coded} ý "
                      f"kiến đã được mã hóa", f"Question {name}: {data.received} written "
                      f"answers, {data.coded} coded", language)
        if head:
            sentence += _t(f"; các nhóm ý kiến được nêu nhiều nhất là {head}",
                           f"; the most frequent codes: {head}", language)
        blocks.append(Paragraph(sentence + f" ({W.ref(key)}).", "finding", name, data))
        quotes = [q for q in data.quotes if quotable(q)][:MAX_QUOTES]
        if quotes:
            blocks.append(Paragraph(_t(
                "Một số ý kiến tiêu biểu (nguyên văn, đã được phân tích viên duyệt và kiểm tra "
                "không còn chi tiết giúp nhận ra người viết):",
                "Some typical answers (verbatim, approved by the analyst and checked for "
                "identifying details):", language), "body"))
            blocks += [Paragraph(W.quoted(q), "quote", name) for q in quotes]
        blocks.append(table)
    return blocks
