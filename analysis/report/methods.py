"""The methods section: the sample and its make-up, weighting, margins of error with the design
effect, disclosure control, the tests used, and the limitations a reader must weigh.

Margin of error, 95%, for a share p on n respondents: ±1.96 √(deff · p(1 − p) / n) percentage
points, shown at p = 50% (the largest); deff is the Kish design effect of the weights
(1 + CV² of the weights; 1 unweighted) and n/deff the effective sample size. It treats the
respondents as a simple random sample apart from the weighting — which an open-link survey is
not; the limitations say so.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from analysis import tables as T
from analysis.disclosure import DisclosureRefused
from analysis.report import wording as W
from analysis.report.blocks import Block, Heading, Paragraph, Table
from analysis.report.outline import Outline
from analysis.results import SUPPRESSED_MARK
from survey.questionnaire import banners

__all__ = ["methods_blocks", "margin_of_error", "Z95"]

Z95 = 1.959963984540054


def margin_of_error(n: float, deff: float = 1.0, p: float = 0.5) -> float:
    """Half-width of the 95% interval of a share, in percentage points."""
    if n <= 0:
        return math.nan
    return 100 * Z95 * math.sqrt(deff * p * (1 - p) / n)


def _t(vi: str, en: str, language: str) -> str:
    return en if language == "en" else vi


def _sample_table(source, definition, flt, weights, k, language) -> tuple[Table, list[str]]:
    header = [_t("Đặc điểm", "Characteristic", language),
              _t("Phương án", "Category", language), "n", "%"]
    if weights is not None:
        header.append(_t("% gia quyền", "Weighted %", language))
    rows: list[list[str]] = []
    withheld: list[str] = []
    names = W.DIMENSION_NAMES.get(language, W.DIMENSION_NAMES["vi"])
    for item in banners(definition):
        try:
            plain = T.frequencies(source, item["id"], flt=flt, k=k, language=language)
            weighted = T.frequencies(source, item["id"], flt=flt, weights=weights, k=k,
                                     language=language) if weights is not None else None
        except DisclosureRefused as refused:
            withheld.append(f"{item['id']}: {refused.message.text(language)}")
            continue
        dimension = names.get(item.get("dimension"), "")
        name = f"{item['id']}. {dimension[:1].upper()}{dimension[1:]}" if dimension \
            else item["id"]
        first = True
        for i, record in enumerate(plain.table.to_dict("records")):
            row = [name if first else "", record["label"],
                   SUPPRESSED_MARK if record["suppressed"] else str(int(record["n"])),
                   W.pct(record["percent"], language)]
            if weighted is not None:
                row.append(W.pct(weighted.table.iloc[i]["percent"], language))
            rows.append(row)
            first = False
    notes = [_t(f"{SUPPRESSED_MARK}: ô dưới ngưỡng bảo mật (và ô ẩn bổ sung).",
                f"{SUPPRESSED_MARK}: a cell under the disclosure threshold (or complementary).",
                language)]
    return Table("sample", _t("Cơ cấu mẫu khảo sát", "Sample make-up", language), header, rows,
                 notes, "sample", 4.0), withheld


def _moe_table(source, outline: Outline, flt, n_total: int, deff: float, k, language) -> Table:
    header = [_t("Nhóm", "Group", language), _t("Số người trả lời (n)", "Respondents (n)",
                                                language),
              _t("n hiệu dụng (n/deff)", "Effective n (n/deff)", language),
              _t("Sai số tối đa (± điểm %)", "Margin of error (± points)", language)]
    groups: list[tuple[str, float]] = [(_t("Toàn bộ mẫu", "Whole sample", language), n_total)]
    layout = source.layout
    if outline.comparison is not None:
        column = layout.column(outline.comparison.item)
        counts = source.aggregate([column], (), flt)
        for group in outline.comparison.groups:
            groups.append((group.label, float(counts[counts[column].isin(group.codes)]["n"].sum())))
    if outline.test_banners:
        first = outline.test_banners[0]
        column = layout.column(first)
        counts = source.aggregate([column], (), flt)
        labels = layout.option_labels(first, language)
        for code in labels:
            if code in layout.missing(first):
                continue
            groups.append((labels[code], float(counts[counts[column] == code]["n"].sum())))
    rows = []
    for label, n in groups:
        if k and 0 < n < k:
            rows.append([label, SUPPRESSED_MARK, SUPPRESSED_MARK, SUPPRESSED_MARK])
            continue
        rows.append([label, str(int(n)), W.number(n / deff, 0, language),
                     W.number(margin_of_error(n, deff), 1, language) if n else "—"])
    notes = [_t(f"Độ tin cậy 95%, tỷ lệ 50% (sai số lớn nhất); hệ số thiết kế deff = "
                f"{W.number(deff, 2, language)}.",
                f"95% confidence, a 50% share (the largest error); design effect deff = "
                f"{W.number(deff, 2, language)}.", language)]
    return Table("moe", _t("Sai số chọn mẫu tối đa theo nhóm", "Maximum sampling error by group",
                           language), header, rows, notes, "moe", 6.0,
                 {"groups": groups, "deff": deff})


def methods_blocks(source, definition: Mapping[str, Any], outline: Outline, flt, weights,
                   k: int | None, deff: float, n_total: int, language: str,
                   campaign: str = "", synthetic: bool = False,
                   filter_note: str = "") -> list[Block]:
    blocks: list[Block] = [Heading(_t("Phương pháp", "Method", language), 1, "methods")]
    blocks.append(Heading(_t("Mẫu khảo sát và cơ cấu mẫu", "Sample and its make-up", language),
                          2, "methods:sample"))
    complete_only = getattr(flt, "complete_only", True)
    if complete_only:
        text = _t(f"Báo cáo dựa trên {n_total} phiếu hợp lệ (đã hoàn thành)",
                  f"The report rests on {n_total} valid (complete) responses", language)
    else:
        text = _t(f"Báo cáo dựa trên {n_total} phiếu, gồm cả phiếu chưa hoàn thành",
                  f"The report rests on {n_total} responses, partial ones included", language)
    if campaign:
        text += _t(f" của đợt khảo sát “{campaign}”", f" of the campaign “{campaign}”", language)
    text += (f"; {filter_note}" if filter_note else "") + ". "
    text += _t("Phiếu chưa hoàn thành (người trả lời chọn gửi khi chưa trả lời hết) không được "
               "tính.", "Partial responses (sent unfinished by the respondent) are not included.",
               language) if complete_only else _t(
        "Phiếu chưa hoàn thành là phiếu người trả lời chọn gửi khi chưa trả lời hết; câu chưa "
        "trả lời được để trống và không tính vào cơ số của câu đó.", "A partial response was "
        "sent unfinished by the respondent; its unanswered questions are left empty and not "
        "counted in their bases.", language)
    blocks.append(Paragraph(text))
    if synthetic:
        blocks.append(Paragraph(_t(
            "SỐ LIỆU MÔ PHỎNG: các phiếu của đợt này do máy sinh ra để thử báo cáo, không phải ý "
            "kiến của người trả lời; không được trích dẫn như kết quả khảo sát.",
            "SYNTHETIC DATA: these responses were generated to try the report; they are nobody's "
            "answers and must not be cited as survey results.", language), "note"))
    sample, withheld = _sample_table(source, definition, flt, weights, k, language)
    blocks.append(sample)
    for line in withheld:
        blocks.append(Paragraph(line, "note"))

    blocks.append(Heading(_t("Gia quyền", "Weighting", language), 2, "methods:weights"))
    if weights is None:
        blocks.append(Paragraph(_t(
            "Số liệu không gia quyền: mỗi phiếu có trọng số như nhau. Cơ cấu mẫu ở bảng trên có "
            "thể khác cơ cấu của đội ngũ cán bộ, công chức, viên chức; tỷ lệ chung vì vậy phản "
            "ánh những người đã trả lời.",
            "Unweighted: every response counts the same. The sample's make-up may differ from "
            "the workforce's, so overall shares describe those who answered.", language)))
    else:
        report = getattr(weights, "report", None)
        diag = getattr(report, "diagnostics", {}) or {}
        variables = ", ".join(getattr(weights, "variables", ()) or ())
        text = _t(f"Số liệu được gia quyền theo cơ cấu tổng thể (cào bằng lặp — raking) theo "
                  f"{variables}. ", f"Figures are weighted to population margins (raking) on "
                  f"{variables}. ", language)
        if diag:
            text += _t(f"Quyền số từ {W.number(diag.get('min', math.nan), 3, language)} đến "
                       f"{W.number(diag.get('max', math.nan), 3, language)}; cỡ mẫu hiệu dụng "
                       f"(Kish) {W.number(diag.get('n_effective', math.nan), 0, language)}; "
                       f"hệ số thiết kế do gia quyền deff = {W.number(deff, 2, language)}.",
                       f"Weights from {W.number(diag.get('min', math.nan), 3, language)} to "
                       f"{W.number(diag.get('max', math.nan), 3, language)}; effective sample "
                       f"size (Kish) {W.number(diag.get('n_effective', math.nan), 0, language)}; "
                       f"design effect of weighting deff = {W.number(deff, 2, language)}.",
                       language)
        blocks.append(Paragraph(text))

    blocks.append(Heading(_t("Sai số chọn mẫu", "Sampling error", language), 2, "methods:moe"))
    blocks.append(Paragraph(_t(
        "Sai số tối đa của một tỷ lệ ở độ tin cậy 95% là ±1,96·√(deff·p(1 − p)/n) điểm phần "
        "trăm, lớn nhất khi p = 50%; deff là hệ số thiết kế do gia quyền (bằng 1 khi không gia "
        "quyền). Cách tính coi người trả lời như một mẫu ngẫu nhiên đơn giản (ngoài gia quyền).",
        "The 95% margin of error of a share is ±1.96·√(deff·p(1 − p)/n) points, largest at "
        "p = 50%; deff is the design effect of weighting (1 unweighted). It treats the "
        "respondents as a simple random sample apart from the weighting.", language)))
    blocks.append(_moe_table(source, outline, flt, n_total, deff, k, language))

    blocks.append(Heading(_t("Kiểm định thống kê", "Statistical tests", language), 2,
                          "methods:tests"))
    blocks.append(Paragraph(_t(
        "Mỗi nhận định về khác biệt dựa trên một kiểm định: so sánh hai nhóm (lãnh đạo, quản lý "
        "với người không giữ chức vụ) bằng kiểm định z hai tỷ lệ; khác biệt theo cấp, lĩnh vực, "
        "chức vụ, ngạch bằng kiểm định khi-bình phương Pearson trên bảng có / không chọn theo "
        "nhóm. Giá trị p của mọi kiểm định trong cùng một mục được hiệu chỉnh Holm; chỉ khác "
        "biệt có p hiệu chỉnh dưới 0,05 được nêu là có ý nghĩa. Nhóm cao nhất, thấp nhất chỉ được "
        "nêu tên khi chính hai nhóm đó khác biệt có ý nghĩa (kiểm định z, hiệu chỉnh "
        "Bonferroni). Với số liệu gia quyền, thống kê được chia cho deff (hiệu chỉnh thiết kế "
        "bậc một).",
        "Every statement of a difference rests on a test: two groups (leaders and managers "
        "against staff) by a two-proportion z-test; differences by level, field, position and "
        "grade by Pearson's chi-square on the chose / did not choose table. The p-values of one "
        "section are Holm-adjusted; only adjusted p under 0.05 is called significant. Highest "
        "and lowest groups are named only when they differ significantly themselves (z-test, "
        "Bonferroni). Weighted statistics are divided by deff (first-order design correction).",
        language)))

    blocks.append(Heading(_t("Kiểm soát công bố", "Disclosure control", language), 2,
                          "methods:disclosure"))
    blocks.append(Paragraph(_t(
        f"Không công bố ô hoặc cơ sở nào dưới {k} người trả lời; ô bị ẩn ghi “{SUPPRESSED_MARK}”, "
        "kèm ô ẩn bổ sung để không suy ngược được từ tổng; nhóm có ô bị ẩn không được kiểm định. "
        "Ý kiến ghi bằng lời chỉ được trích dẫn khi phân tích viên đã duyệt và văn bản không "
        "còn tên người, tên cơ quan, địa danh, số liệu cụ thể hay địa chỉ liên hệ.",
        f"No cell or base under {k} respondents is published; suppressed cells show "
        f"“{SUPPRESSED_MARK}”, with complementary cells so they cannot be recovered from totals; "
        "a group with a hidden cell is not tested. Written answers are quoted only when the "
        "analyst approved them and no name, agency, place, figure or address remains.",
        language) if k else _t("Báo cáo nội bộ: không áp dụng ngưỡng bảo mật.",
                               "Internal report: no disclosure threshold.", language)))

    blocks.append(Heading(_t("Hạn chế", "Limitations", language), 2, "methods:limits"))
    limits = [
        _t("Khảo sát qua đường dẫn mở không chọn mẫu ngẫu nhiên: người tự nguyện trả lời có thể "
           "khác người không trả lời; sai số ở trên chỉ mang tính tham khảo.",
           "An open-link survey has no random sample: volunteers may differ from the others; "
           "the margins above are indicative only.", language),
        _t("Số liệu là ý kiến tự đánh giá; câu hỏi về chính mình (B6, B6b) có thể bị trả lời "
           "thấp hơn thực tế do tâm lý mong muốn được đánh giá tốt, dù phiếu ẩn danh.",
           "Answers are self-reports; questions about oneself (B6, B6b) may be under-reported "
           "out of social desirability, anonymity notwithstanding.", language),
        _t("Khác biệt có ý nghĩa thống kê không có nghĩa là quan hệ nhân quả; nhiều kiểm định "
           "làm tăng khả năng khác biệt ngẫu nhiên, đã được hạn chế bằng hiệu chỉnh Holm.",
           "A significant difference is not a causal relation; many tests raise the chance of "
           "a chance finding, limited by Holm's adjustment.", language),
        _t("Ô và nhóm nhỏ bị ẩn để bảo vệ người trả lời, nên một số so sánh không thực hiện "
           "được.", "Small cells and groups are hidden to protect respondents, so some "
           "comparisons cannot be made.", language),
    ]
    if synthetic:
        limits.insert(0, _t("Số liệu mô phỏng: mọi con số trong báo cáo này chỉ để thử "
                            "nghiệm.", "Synthetic data: every figure here is for trial only.",
                            language))
    blocks += [Paragraph(line, "bullet") for line in limits]
    return blocks
