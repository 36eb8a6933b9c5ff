"""Tables and charts that read well for every item kind × every banner (issue 25, point 5): a
grid by a banner of thirteen groups names its rows without repeating the stem, its legend names
the groups by their labels (never codes 1–13), the plot is tall enough for every bar and wrapped
label, tick labels get their own margin, and the top margin holds the whole wrapped title."""
from __future__ import annotations

import random
from typing import Any

import pytest

from analysis import FrameSource, crosstab, likert, multiple, numeric, ranking, wide_frame
from analysis.charts import _legend_rows, _lines, figure_for
from analysis.exports.grid import grid_for

FIELDS = ["Đất đai", "Tài nguyên và môi trường", "Xây dựng", "Giao thông vận tải",
          "Đầu tư công", "Đấu thầu, mua sắm công", "Tài chính, ngân sách", "Y tế",
          "Giáo dục và đào tạo", "Thủ tục hành chính", "Chuyển đổi số", "Nội vụ, tổ chức cán bộ",
          "Lĩnh vực khác"]
STEM = ("Theo anh/chị, mỗi hành vi sau đây phổ biến đến mức nào ở cơ quan, đơn vị nơi anh/chị "
        "đang công tác trong ba năm gần đây, kể cả những trường hợp chưa bị phát hiện hoặc xử lý")
BEHAVIOURS = ["Không đề xuất hoặc không làm hết việc được giao",
              "Để hồ sơ, thủ tục của người dân và doanh nghiệp kéo dài",
              "Trả lời chung chung, né tránh, không rõ trách nhiệm",
              "Đẩy việc lên cấp trên hoặc sang cơ quan khác",
              "Xin ý kiến cả những việc thuộc thẩm quyền của mình",
              "Lạm dụng lấy ý kiến liên ngành để né trách nhiệm",
              "Né tránh phê bình thẳng thắn trong họp, kiểm điểm",
              "Sao chép khuôn mẫu, thiếu chủ động sáng tạo",
              "Đi muộn, làm việc riêng trong giờ hành chính",
              "Tự đánh giá chỉ liệt kê thành tích"]


def _options(labels: list[str], missing: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    return [{"code": i, "label": {"vi": text}, **({"missing": True} if i in missing else {})}
            for i, text in enumerate(labels, start=1)]


DEFINITION = {"id": "bo-cuc", "title": {"vi": "Bố cục"}, "languages": ["vi"], "pages": [{
    "id": "P", "items": [
        {"id": "A2", "type": "single", "role": "banner", "dimension": "level",
         "label": {"vi": "Cấp công tác"}, "options": _options(["Trung ương", "Tỉnh", "Xã"])},
        {"id": "A3", "type": "single", "role": "banner", "dimension": "field",
         "label": {"vi": "Lĩnh vực công tác chính"}, "options": _options(FIELDS)},
        {"id": "B1", "type": "single", "label": {"vi": STEM},
         "options": _options(["Rất phổ biến", "Phổ biến", "Ít", "Không có"])},
        {"id": "B2", "type": "grid", "label": {"vi": STEM},
         "rows": [{"id": str(i), "label": {"vi": text}} for i, text in
                  enumerate(BEHAVIOURS, start=1)],
         "options": _options(["Không có", "Hiếm", "Thỉnh thoảng", "Phổ biến", "Rất phổ biến",
                              "Khó trả lời"], missing=(6,))},
        {"id": "B3", "type": "multiple", "label": {"vi": "Những lĩnh vực hay xảy ra nhất"},
         "max_select": 3, "options": _options(FIELDS)},
        {"id": "D3", "type": "ranking", "top": 3, "label": {"vi": "Ba nguyên nhân chính"},
         "options": _options(["Thể chế chồng chéo", "Sợ sai, sợ kỷ luật", "Thu nhập thấp",
                              "Người đứng đầu thiếu gương mẫu"])},
        {"id": "A8", "type": "numeric", "label": {"vi": "Số năm công tác"}, "min": 0,
         "max": 45},
    ]}]}


@pytest.fixture(scope="module")
def source():
    rng = random.Random(3)
    answers = []
    for _ in range(2600):
        answers.append({
            "A2": rng.randint(1, 3), "A3": rng.randint(1, 13), "B1": rng.randint(1, 4),
            "B2": {str(i): rng.randint(1, 6) for i in range(1, 11)},
            "B3": rng.sample(range(1, 14), rng.randint(1, 3)),
            "D3": rng.sample(range(1, 5), 3), "A8": rng.randint(0, 45)})
    return FrameSource(DEFINITION, wide_frame(DEFINITION, answers))


def _result(source, item: str, banner: str):
    kind = next(i["type"] for i in DEFINITION["pages"][0]["items"] if i["id"] == item)
    if kind == "single":
        return crosstab(source, item, banner, k=5)
    return {"grid": likert, "multiple": multiple, "ranking": ranking,
            "numeric": numeric}[kind](source, item, banner, k=5)


ITEMS = ["B1", "B2", "B3", "D3", "A8"]
BANNERS = {"A2": ["Trung ương", "Tỉnh", "Xã"], "A3": FIELDS}


@pytest.mark.parametrize("banner", list(BANNERS))
@pytest.mark.parametrize("item", ITEMS)
def test_every_item_kind_by_every_banner_reads_well(source, item, banner):
    result = _result(source, item, banner)
    grid = grid_for(result, "percent", "vi", {"A2": "Cấp công tác",
                                              "A3": "Lĩnh vực công tác chính"})
    for label, _cells in grid.rows:
        assert not label.startswith(STEM), label  # the stem is the title, not every row's
    if item != "A8":
        assert list(grid.columns) == BANNERS[banner] or item == "B1"
    figure = figure_for(result)
    if item == "A8":
        assert figure is None  # a numeric summary is a table only
        return
    layout = figure.layout
    # The whole wrapped title fits in the top margin.
    assert layout.margin.t >= 30 + 20 * _lines(layout.title.text)
    assert layout.yaxis.automargin and layout.xaxis.automargin
    names = [t.name for t in figure.data if t.showlegend is not False]
    if item in ("B2", "B3", "D3"):  # one trace per banner group: the legend names the groups
        assert [n.replace("<br>", " ") for n in names] == BANNERS[banner]
        assert not any(n.strip().isdigit() for n in names)
        categories = len(figure.data[0].y)
        # every bar of every group has room, plus the margins and the legend's lines
        assert layout.height >= categories * 12 * len(figure.data) + 22 * _legend_rows(figure)
        assert layout.margin.b >= 70 + 22 * _legend_rows(figure)
    assert layout.legend.yref == "container"


def test_the_stem_is_stripped_only_where_it_is_the_prefix(source):
    grid = grid_for(_result(source, "B2", "A3"))
    assert [label for label, _ in grid.rows] == BEHAVIOURS


@pytest.mark.browser
def test_grid_by_thirteen_groups_in_the_browser(app, live_server, browser, artifacts_dir):
    """As the analyst sees B2 × A3: the table is not cut (full width, scrolling sideways with
    its row labels kept), the page is not thousands of pixels of repeated stems, the legend
    names the fields, the y-axis labels do not overlap and the title is inside the chart."""
    from analysis.layout import layout_for
    from analysis.synthetic import store, synthetic_wide
    from survey.extensions import db
    from survey.models import Role
    from tests.helpers import PASSWORD, make_campaign, make_user

    with app.app_context():
        campaign = make_campaign("bo-cuc", definition=DEFINITION)
        wide = synthetic_wide(DEFINITION, 1500, seed=5, campaign_id=campaign.id)
        store(db.engine, layout_for(DEFINITION), wide, campaign.version_id, campaign.id)
        make_user("phantich", Role.ANALYST)
        url = f"{live_server.url}/staff/analyst/c/{campaign.id}/?item=B2&banner=A3"
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(f"{live_server.url}/staff/login")
    page.fill("#username", "phantich")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.goto(url)
    page.wait_for_selector("#chart .main-svg")
    page.screenshot(path=str(artifacts_dir / "grid-by-field.png"), full_page=True)
    # The table has the whole width of the page, with every column reachable.
    main = page.locator("main").bounding_box()
    holder = page.locator(".result-table").bounding_box()
    assert holder["width"] >= 0.95 * (main["width"] - 40)
    row_labels = page.locator("table.grid tbody th").all_inner_texts()
    assert row_labels[:len(BEHAVIOURS)] == BEHAVIOURS
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4500, height
    # The legend names the groups.
    legend = page.evaluate("""() => Array.from(document.querySelectorAll('#chart .legendtext'))
        .map(t => t.textContent.trim())""")
    assert " ".join(legend).split() == " ".join(FIELDS).split()
    # Tick labels of the y axis do not overlap one another.
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll('#chart .ytick text'))
        .map(t => { const r = t.getBoundingClientRect(); return [r.top, r.bottom]; })""")
    boxes.sort()
    assert len(boxes) == len(BEHAVIOURS)
    for (_top_a, bottom_a), (top_b, _bottom_b) in zip(boxes, boxes[1:]):
        assert bottom_a <= top_b + 1, boxes
    # The title is inside the chart, not cut at its top.
    chart = page.locator("#chart .main-svg").first.bounding_box()
    title = page.locator("#chart .gtitle").bounding_box()
    assert title["y"] >= chart["y"] - 1 and title["x"] >= chart["x"] - 1
    page.context.close()
