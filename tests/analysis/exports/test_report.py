"""The Word report, read back with python-docx: the plan's outline (Phụ lục 5), findings whose
every stated difference is backed by its test (recomputed here by hand), leaders compared with
staff in every section, quotes that pass the identifying-detail check, named styles only."""
from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import docx
import numpy as np
import pytest
from docx.shared import Cm

from analysis import FrameSource
from analysis.layout import layout_for
from analysis.quotes import identifying_details, quotable
from analysis.report import OpenAnswers, plan_report, report_figures, write_report
from analysis.report.blocks import Paragraph
from analysis.report.findings import Split, chi_square_2xg, holm, two_proportion_z
from analysis.report.methods import margin_of_error
from analysis.synthetic import synthetic_wide
from survey.questionnaire import find_item, load_file

FLAGSHIP = Path(__file__).resolve().parents[3] / "questionnaires" / "ne-tranh-trach-nhiem.yaml"
LEADERS, STAFF = (1, 2, 3), (4,)
BAD_QUOTE = "Anh Tuấn ở Sở Xây dựng tỉnh Quảng Nam đã ký 3 văn bản rồi bỏ đó."
GOOD_QUOTES = ("Cần bảo vệ thực chất người dám nghĩ, dám làm vì lợi ích chung.",
               "Đánh giá cán bộ phải dựa vào kết quả công việc cụ thể, không hình thức.")
ON = date(2026, 11, 20)


@pytest.fixture(scope="module")
def definition():
    return load_file(FLAGSHIP)


@pytest.fixture(scope="module")
def frame(definition):
    """600 synthetic responses, with two planted differences: leaders report B2.1 "Rất thường
    xuyên" far more often than staff, and communes (A2 = 3) rate overlapping laws (D1.1) as
    very influential more than the other levels."""
    frame = synthetic_wide(definition, 600, seed=5)
    layout = layout_for(definition)
    rng = np.random.default_rng(2)
    leader = frame[layout.column("A4")].isin(LEADERS).to_numpy()
    planted = leader & (rng.random(len(frame)) < 0.6)
    frame.loc[planted, layout.column("B2.1")] = 5.0
    commune = (frame[layout.column("A2")] == 3).to_numpy()
    frame.loc[commune & (rng.random(len(frame)) < 0.6), layout.column("D1.1")] = 4.0
    return frame


@pytest.fixture(scope="module")
def open_answers():
    return {"E5": OpenAnswers(
        "E5", received=240, coded=200, columns=("Chung", "Lãnh đạo, quản lý",
                                                 "Không giữ chức vụ lãnh đạo, quản lý"),
        bases=(200, 70, 110),
        codes=(("Bảo vệ người dám làm", (80, 30, 41)), ("Hoàn thiện thể chế", (60, 20, 35)),
               ("Đánh giá thực chất", (45, 3, 38))),
        quotes=(BAD_QUOTE, *GOOD_QUOTES)),
        "B3.other": OpenAnswers(
            "B3.other", received=30, coded=30, columns=("Chung", "Lãnh đạo, quản lý",
                                                        "Không giữ chức vụ lãnh đạo, quản lý"),
            bases=(30, 12, 18), codes=(("Quản lý thị trường", (18, 7, 11)),
                                       ("Bảo hiểm xã hội", (12, 5, 7))))}


@pytest.fixture(scope="module")
def plan(definition, frame, open_answers):
    return plan_report(FrameSource(definition, frame), definition, campaign="Đợt thử",
                       open_answers=open_answers)


@pytest.fixture(scope="module")
def document(plan, tmp_path_factory):
    from analysis.charts import render_images

    path = tmp_path_factory.mktemp("report") / "bao-cao.docx"
    write_report(plan, path, images=render_images(report_figures(plan), "png"), on=ON)
    return docx.Document(path)


def headings(document) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in document.paragraphs
            if p.style.name.startswith("Heading")]


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def table_numbered(document, number: int):
    """The docx table whose caption is "Bảng N."."""
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"
                and p.text.startswith("Bảng ")]
    index = next(i for i, c in enumerate(captions) if c.startswith(f"Bảng {number}."))
    return document.tables[index]


def vi(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


# ------------------------------------------------------------------ outline

def test_headings_follow_the_plans_outline(document, definition):
    found = headings(document)
    top = [text for level, text in found if level == 1]
    assert top == ["Tóm tắt kết quả chính", "Phương pháp", "I. Thực trạng", "II. Nguyên nhân",
                   "III. Nhiệm vụ, giải pháp", "IV. Đề xuất, kiến nghị"]
    methods = [t for level, t in found[found.index((1, "Phương pháp")) + 1:] if level == 2][:6]
    assert methods == ["Mẫu khảo sát và cơ cấu mẫu", "Gia quyền", "Sai số chọn mẫu",
                       "Kiểm định thống kê", "Kiểm soát công bố", "Hạn chế"]
    outline = definition["report"]["outline"]
    expected = []
    for part in outline:
        expected.append((1, f"{part['id']}. {part['title']['vi']}"))
        for number, section in enumerate(part["sections"], start=1):
            expected.append((2, f"{number}. {section['title']['vi']}"))
    assert found[found.index((1, "I. Thực trạng")):] == expected
    assert document.paragraphs[0].text == "Báo cáo kết quả khảo sát"
    assert "Ngày lập báo cáo: 20/11/2026" in texts(document)


def test_summary_comes_first_and_cites_tables(document):
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Tóm tắt kết quả chính")
    end = next(i for i, p in enumerate(paragraphs) if p.text == "Phương pháp")
    bullets = [p.text for p in paragraphs[start:end] if p.style.name == "List Bullet"]
    assert len(bullets) >= 8
    assert all(re.search(r"Bảng \d+", b) for b in bullets)
    assert any("Lãnh đạo, quản lý" in b for b in bullets)  # the planted difference


# ------------------------------------------------------------------ findings and their tests

def test_a_leader_staff_finding_matches_its_table_and_a_hand_computed_z(document, frame,
                                                                          definition, plan):
    layout = layout_for(definition)
    subject = "Không thực hiện, hoặc thực hiện không đến nơi đến chốn, công việc được giao"
    sentence = next(t for t in texts(document)
                    if t.startswith("Tỷ lệ chọn") and subject in t and "nhóm “Lãnh đạo" in t)
    assert "cao hơn có ý nghĩa thống kê" in sentence
    assert "kiểm định z hai tỷ lệ" in sentence
    # by hand: leaders vs staff, B2.1 in {4, 5} among valid answers (98 and blanks left out)
    values, position = frame[layout.column("B2.1")], frame[layout.column("A4")]
    valid = values.isin([1, 2, 3, 4, 5])
    shares, bases = [], []
    for codes in (LEADERS, STAFF):
        group = valid & position.isin(codes)
        bases.append(int(group.sum()))
        shares.append(float(values[group].isin([4, 5]).mean()))
    pooled = (shares[0] * bases[0] + shares[1] * bases[1]) / sum(bases)
    z = (shares[0] - shares[1]) / math.sqrt(pooled * (1 - pooled) * (1 / bases[0] + 1 / bases[1]))
    assert f"{vi(100 * shares[0])}% so với {vi(100 * shares[1])}%" in sentence
    assert f"z = {vi(z, 2)}" in sentence
    raw_p = math.erfc(abs(z) / math.sqrt(2))
    result = next(b.data for b in plan.blocks if isinstance(b, Paragraph)
                  and isinstance(b.data, Split) and b.data.indicator.key == "B2.1"
                  and b.data.test == "z")
    assert result.p == pytest.approx(raw_p) and result.p_adjusted >= raw_p
    assert result.p_adjusted < 0.05
    # the table the sentence cites holds the same numbers
    number = int(re.search(r"Bảng (\d+)\)\.$", sentence).group(1))
    table = table_numbered(document, number)
    header = [c.text for c in table.rows[0].cells]
    assert header[1:3] == ["Lãnh đạo, quản lý", "Không giữ chức vụ lãnh đạo, quản lý"]
    row = next(r for r in table.rows if subject in r.cells[0].text)
    cells = [c.text for c in row.cells]
    assert cells[1:5] == [f"{vi(100 * shares[0])}%", f"{vi(100 * shares[1])}%",
                          vi(100 * (shares[0] - shares[1])), vi(z, 2)]
    assert cells[5].endswith("*")


def test_a_banner_finding_is_a_hand_computed_chi_square(document, frame, definition):
    layout = layout_for(definition)
    sentence = next(t for t in texts(document) if "khác biệt có ý nghĩa thống kê theo cấp" in t)
    match = re.search(r"chọn (.+?) (?:với “(.+?)” \(câu (\w+)\)|ở câu (\w+)) khác biệt", sentence)
    answers = re.findall(r"“([^”]+)”", match.group(1))
    item_id = match.group(3) or match.group(4)
    item = find_item(definition, item_id)
    variable = item_id if item["type"] == "single" else f"{item_id}." + next(
        r["id"] for r in item["rows"] if r["label"]["vi"] == match.group(2))
    codes = [o["code"] for o in item["options"] if o["label"]["vi"] in answers]
    valid_codes = [o["code"] for o in item["options"] if not o.get("missing")]
    values, level = frame[layout.column(variable)], frame[layout.column("A2")]
    observed = []
    labels = []
    for option in find_item(definition, "A2")["options"]:
        if option.get("missing"):
            continue
        group = values.isin(valid_codes) & (level == option["code"])
        yes = int(values[group].isin(codes).sum())
        observed.append([yes, int(group.sum()) - yes])
        labels.append(option["label"]["vi"])
    observed = np.array(observed, dtype=float).T
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0) / observed.sum()
    x2 = float(((observed - expected) ** 2 / expected).sum())
    assert f"χ²({observed.shape[1] - 1}) = {vi(x2, 2)}" in sentence
    shares = observed[0] / observed.sum(axis=0)
    if "cao nhất ở" in sentence:
        assert f"cao nhất ở “{labels[int(np.argmax(shares))]}” ({vi(100 * shares.max())}%)" \
            in sentence
        assert f"thấp nhất ở “{labels[int(np.argmin(shares))]}” ({vi(100 * shares.min())}%)" \
            in sentence


def test_no_sentence_states_a_difference_its_test_does_not_support(plan):
    stated = [b for b in plan.blocks if isinstance(b, Paragraph) and isinstance(b.data, Split)
              and b.data.test]
    assert stated
    for block in stated:
        claims = "có ý nghĩa thống kê" in block.text and "không" not in block.text.split(
            "có ý nghĩa")[0][-12:]
        assert claims == block.data.significant, block.text
        if "cao nhất ở" in block.text:
            assert block.data.pair_p < 0.05
    for block in plan.blocks:
        if isinstance(block, Paragraph) and block.style == "finding" and \
                "khác biệt có ý nghĩa thống kê" in block.text and "Tỷ lệ" in block.text:
            assert isinstance(block.data, Split) and block.data.significant, block.text
    for result in plan.results.values():
        for split in result.compares + result.banners:
            if split.p is not None:
                assert (split.p_adjusted < 0.05) == split.significant


def test_every_section_compares_leaders_with_staff(document, plan):
    groups = ("“Lãnh đạo, quản lý”", "“Không giữ chức vụ lãnh đạo, quản lý”")
    for section_id, result in plan.results.items():
        compared = [b for b in result.blocks if isinstance(b, Paragraph)
                    and all(g in b.text for g in groups)]
        assert compared, section_id
    for table in plan.tables:
        if table.kind in ("distribution", "coded", "compare"):
            assert "Lãnh đạo, quản lý" in table.header, table.title


# ------------------------------------------------------------------ open answers and quotes

def test_quotes_pass_the_identifying_detail_check(document):
    quotes = [p.text for p in document.paragraphs if p.style.name == "Trích dẫn ý kiến"]
    assert [q.strip("“”") for q in quotes] == list(GOOD_QUOTES)
    for quote in quotes:
        assert quotable(quote.strip("“”")), identifying_details(quote)
    assert not any("Tuấn" in t or "Quảng Nam" in t for t in texts(document))
    kinds = {d.kind for d in identifying_details(BAD_QUOTE)}
    assert {"person", "unit", "place", "number"} <= kinds


def test_coded_open_answers_tabulate_like_a_multiple_choice(document):
    sentence = next(t for t in texts(document) if t.startswith("Câu E5:"))
    assert "240 người trả lời ghi ý kiến, 200 ý kiến đã được mã hóa" in sentence
    assert "“Bảo vệ người dám làm” (40,0%)" in sentence
    number = int(re.search(r"Bảng (\d+)\)\.$", sentence).group(1))
    table = table_numbered(document, number)
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["Nhóm ý kiến", "n", "Chung", "Lãnh đạo, quản lý",
                       "Không giữ chức vụ lãnh đạo, quản lý"]
    assert rows[1] == ["Bảo vệ người dám làm", "80", "40,0%", "42,9%", "37,3%"]
    assert rows[3][3] == "x"  # 3 leaders: under k, suppressed (with a complementary cell)
    assert sum(cell == "x" for cell in rows[1] + rows[2] + rows[3]) >= 2


# ------------------------------------------------------------------ methods

def test_methods_state_sample_weighting_error_and_limits(document, plan):
    body = "\n".join(texts(document))
    assert "Báo cáo dựa trên 600 phiếu hợp lệ (đã hoàn thành) của đợt khảo sát “Đợt thử”" in body
    assert "Số liệu không gia quyền" in body and "Holm" in body and "khi-bình phương" in body
    moe = plan.table("moe")
    first = moe.rows[0]
    assert first[1] == "600" and first[3] == vi(100 * 1.959964 * math.sqrt(0.25 / 600))
    assert margin_of_error(400, 1.5) == pytest.approx(100 * 1.959964 * math.sqrt(1.5 * .25 / 400))
    sample = plan.table("sample")
    assert sample.rows[0][0] == "A1. Đối tượng"


# ------------------------------------------------------------------ layout and styles

def test_numbered_tables_and_figures_sized_for_a4(document, plan):
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    tables = [int(c.split()[1].rstrip(".")) for c in captions if c.startswith("Bảng ")]
    figures = [int(c.split()[2].rstrip(".")) for c in captions if c.startswith("Biểu đồ ")]
    assert tables == list(range(1, len(document.tables) + 1))
    assert figures == list(range(1, len(document.inline_shapes) + 1)) and len(figures) >= 10
    page = document.sections[0]
    assert abs(page.page_width - Cm(21.0)) < Cm(0.01) and abs(page.page_height - Cm(29.7)) < Cm(0.01)
    text_width = page.page_width - page.left_margin - page.right_margin
    assert all(shape.width <= text_width for shape in document.inline_shapes)
    assert all(plan.figures[i].figure.layout.width == 1000 for i in range(len(plan.figures)))


def test_only_named_styles_no_direct_formatting(document):
    allowed = {"Title", "Subtitle", "Normal", "Heading 1", "Heading 2", "Caption",
               "List Bullet", "Nhận định", "Ghi chú", "Trích dẫn ý kiến", "Hình",
               "Intense Quote"}
    for paragraph in document.paragraphs:
        assert paragraph.style.name in allowed, paragraph.style.name
        for run in paragraph.runs:
            assert run.bold is None and run.italic is None and run.font.size is None
    cell_styles = {p.style.name for t in document.tables for row in t.rows for c in row.cells
                   for p in c.paragraphs}
    assert cell_styles <= {"Chữ trong bảng", "Số trong bảng", "Đầu cột bảng"}
    assert all(t.style.name == "Table Grid" for t in document.tables)
    assert document.styles["Nhận định"].base_style.name == "Normal"


# ------------------------------------------------------------------ statistics

def test_holm_matches_a_hand_computed_example():
    # sorted p: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, None]) == [0.5, None]


def test_the_z_test_is_the_square_root_of_the_2x2_chi_square():
    # 30 of 100 against 45 of 120: textbook two-proportion test, no continuity correction
    z, p = two_proportion_z(0.30, 100, 45 / 120, 120)
    x2, df, p2 = chi_square_2xg([0.30, 45 / 120], [100, 120])
    assert z ** 2 == pytest.approx(x2) and p == pytest.approx(p2) and df == 1
    # p̄ = 75/220, se = √(p̄(1 − p̄)(1/100 + 1/120)) = 0.064182, z = −0.075/0.064182
    assert z == pytest.approx(-1.16855, abs=1e-4)
    from scipy.stats import chi2_contingency
    reference = chi2_contingency([[30, 45], [70, 75]], correction=False)
    assert x2 == pytest.approx(reference.statistic) and p2 == pytest.approx(reference.pvalue)
    half, _ = two_proportion_z(0.30, 100, 45 / 120, 120, deff=4)
    assert half == pytest.approx(z / 2)


def test_a_small_sample_hides_small_groups_and_never_tests_them(definition):
    frame = synthetic_wide(definition, 40, seed=8)
    plan = plan_report(FrameSource(definition, frame), definition, charts=False)
    for result in plan.results.values():
        for split in result.compares + result.banners + result.totals:
            for i in range(len(split.labels)):
                yes, no = split.yes[i], split.n[i] - split.yes[i]
                if 0 < yes < 5 or 0 < no < 5:
                    assert split.hidden[i] and math.isnan(split.share[i])
            assert sum(not h for h in split.hidden) >= 2 or split.p is None


def test_a_questionnaire_without_an_outline_is_reported_by_its_parts(definition):
    plain = {k: v for k, v in definition.items() if k != "report"}
    plan = plan_report(FrameSource(plain, synthetic_wide(plain, 200, seed=4)), plain,
                       charts=False)
    parts = [b.text for b in plan.blocks if getattr(b, "level", 0) == 1]
    assert parts[2:] == ["1. Thực trạng", "2. Tác hại, hậu quả", "3. Nguyên nhân",
                         "4. Giải pháp"]


# ------------------------------------------------------------------ the command line

def test_flask_analysis_export_docx_writes_the_outlined_report(app, definition, tmp_path):
    """``flask analysis export --format docx``: the call site shared with the workspace, on
    responses stored in the database (the database source, not a DataFrame)."""
    from analysis.synthetic import store
    from survey.extensions import db
    from tests.helpers import make_campaign

    with app.app_context():
        campaign = make_campaign("bao-cao", definition=definition)
        wide = synthetic_wide(definition, 300, seed=9, campaign_id=campaign.id)
        store(db.engine, layout_for(definition), wide, campaign.version_id, campaign.id)
    out = tmp_path / "bao-cao.docx"
    result = app.test_cli_runner().invoke(args=["analysis", "export", "bao-cao", "--format",
                                                "docx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = docx.Document(out)
    top = [text for level, text in headings(document) if level == 1]
    assert top == ["Tóm tắt kết quả chính", "Phương pháp", "I. Thực trạng", "II. Nguyên nhân",
                   "III. Nhiệm vụ, giải pháp", "IV. Đề xuất, kiến nghị"]
    body = "\n".join(texts(document))
    assert "Báo cáo dựa trên 300 phiếu hợp lệ" in body
    assert "Câu E5 là câu hỏi mở; các ý kiến chưa được mã hóa" in body
    assert len(document.inline_shapes) >= 10
    book = tmp_path / "sach-bang.xlsx"
    result = app.test_cli_runner().invoke(args=["analysis", "export", "bao-cao", "--format",
                                                "xlsx", "-o", str(book)])
    assert result.exit_code == 0, result.output
    import openpyxl
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert "B1×A4" in sheets  # position is a banner of the banner book
    assert sheets.index("B1×A2") < sheets.index("B1×A3") < sheets.index("B1×A4") \
        < sheets.index("B1×A5")


def test_weighted_report_divides_the_tests_by_the_design_effect(definition, frame):
    """Raked to level margins: shares are weighted, bases are respondents, and z is the
    weighted two-proportion z divided by √deff (Kish), recomputed here by hand."""
    import pandas as pd

    from analysis.weighting import cell_weights

    source = FrameSource(definition, frame)
    margins = {"A2": pd.Series({1: 1000.0, 2: 3000.0, 3: 5000.0, 4: 1000.0})}
    weights = cell_weights(source, margins)
    plan = plan_report(source, definition, weights=weights, charts=False)
    deff = weights.report.diagnostics["deff_weighting"]
    assert plan.deff == pytest.approx(deff) and deff > 1
    body = "\n".join(b.text for b in plan.blocks if isinstance(b, Paragraph))
    assert f"deff = {vi(deff, 2)}" in body and "raking" in body
    layout = layout_for(definition)
    factor = weights.factors.set_index("A2")["weight"]
    w = frame[layout.column("A2")].map(factor).fillna(0.0)
    values, position = frame[layout.column("B2.1")], frame[layout.column("A4")]
    valid = values.isin([1, 2, 3, 4, 5])
    shares, bases = [], []
    for codes in (LEADERS, STAFF):
        group = valid & position.isin(codes)
        bases.append(int(group.sum()))
        shares.append(float((w[group] * values[group].isin([4, 5])).sum() / w[group].sum()))
    pooled = (shares[0] * bases[0] + shares[1] * bases[1]) / sum(bases)
    z = (shares[0] - shares[1]) / math.sqrt(pooled * (1 - pooled) * (1 / bases[0] + 1 / bases[1]))
    result = plan.results["I.1"].compares[0]
    assert result.indicator.key == "B2.1"
    assert result.statistic == pytest.approx(z / math.sqrt(deff))
    assert result.share == pytest.approx([100 * s for s in shares])


def test_other_answers_are_coded_in_their_items_section(document):
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index(next(t for t in paragraphs if t.startswith("1. Biểu hiện")))
    end = paragraphs.index("2. Tính chất, mức độ, tác hại, hậu quả")
    sentence = next(t for t in paragraphs[start:end] if t.startswith("Câu B3.other:"))
    assert "30 người trả lời ghi ý kiến, 30 ý kiến đã được mã hóa" in sentence
    assert "“Quản lý thị trường” (60,0%)" in sentence
