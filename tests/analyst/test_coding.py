"""Coding open answers in the analyst workspace: a coding frame, several codes per answer,
search, suggestions, the coded variable crossed like a multiple choice, quotes approved only
without identifying detail, and all of it in the Word report. Coded answers carry no arrival
order or time."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from survey.extensions import db
from survey.models import (Answer, AuditLog, CodingAssignment, CodingCode, CodingQuote,
                           Response, Role)
from survey.questionnaire import load_file
from tests.helpers import csrf_from, login, make_campaign, make_user

FLAGSHIP = Path(__file__).resolve().parents[2] / "questionnaires" / "ne-tranh-trach-nhiem.yaml"
PROPOSALS = [
    "Cần bảo vệ người dám nghĩ dám làm",
    "Phải bảo vệ cán bộ dám nghĩ, dám làm vì lợi ích chung",
    "Hoàn thiện thể chế, sửa luật chồng chéo",
    "Anh Tuấn ở Sở Xây dựng tỉnh Quảng Nam đùn đẩy hồ sơ",
    "Đánh giá cán bộ thực chất theo kết quả",
]


@pytest.fixture
def coded_app(app):
    """A flagship campaign with 60 responses: A4 alternates leaders and staff; one in ten
    writes a proposal (E5) — one in three, four of each text —, two an "other" field."""
    app.config["EXPORTS_SYNCHRONOUS"] = True
    with app.app_context():
        campaign = make_campaign("de-xuat", definition=load_file(FLAGSHIP))
        for i in range(60):
            response = Response(campaign_id=campaign.id, version_id=campaign.version_id,
                                submitted_on=date(2026, 10, 1))
            db.session.add(response)
            db.session.flush()
            rows = [Answer(variable="A4", code=1 if i % 2 else 4),
                    Answer(variable="A2", code=1 + i % 3), Answer(variable="B1", code=1 + i % 5)]
            if i % 3 == 0:
                rows.append(Answer(variable="E5", text=PROPOSALS[(i // 3) % len(PROPOSALS)]))
            if i in (1, 2):
                rows.append(Answer(variable="B3", position=1, code=13, text="Quản lý thị trường"))
            for row in rows:
                row.response_id = response.id
            db.session.add_all(rows)
        db.session.commit()
        make_user("phantich", Role.ANALYST)
        make_user("quantri", Role.ADMIN)
        app.campaign_id = campaign.id
    return app


@pytest.fixture
def analyst(coded_app):
    client = coded_app.test_client()
    login(client, "phantich")
    return client


def _url(app, tail=""):
    return f"/staff/analyst/c/{app.campaign_id}/coding{tail}"


def _post(client, page_url, action, data):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data})


def _frame(app) -> dict[str, int]:
    with app.app_context():
        return {c.label: c.id for c in db.session.scalars(select(CodingCode))}


def _add_codes(client, app, *labels):
    for label in labels:
        response = _post(client, _url(app, "/E5"), _url(app, "/E5/codes"), {"label": label})
        assert response.status_code == 302
    return _frame(app)


def _answer_ids(client, app, query="") -> list[str]:
    html = client.get(_url(app, "/E5") + query).get_data(as_text=True)
    return re.findall(r'id="a-([0-9a-f]{32})"', html)


def test_index_lists_every_text_variable_and_admins_see_no_free_text(analyst, coded_app):
    html = analyst.get(_url(coded_app)).get_data(as_text=True)
    assert "E5" in html and "B3.other" in html and "B7.other" in html
    admin = coded_app.test_client()
    login(admin, "quantri")
    assert admin.get(_url(coded_app)).status_code == 403
    assert admin.get(_url(coded_app, "/E5")).status_code == 403
    assert analyst.get(_url(coded_app, "/X9")).status_code == 404


def test_codes_several_per_answer_and_the_coded_table(analyst, coded_app):
    frame = _add_codes(analyst, coded_app, "Bảo vệ người dám làm", "Thể chế", "Đánh giá")
    ids = _answer_ids(analyst, coded_app)
    assert len(ids) == 20
    html = analyst.get(_url(coded_app, "/E5")).get_data(as_text=True)
    for response_id in ids:
        text = re.search(rf'id="a-{response_id}".*?<blockquote>(.*?)</blockquote>', html,
                         re.S).group(1)
        codes = []
        if "bảo vệ" in text.lower():
            codes.append(frame["Bảo vệ người dám làm"])
        if "thể chế" in text.lower() or "kết quả" in text:
            codes += [frame["Thể chế"], frame["Đánh giá"]] if "kết quả" in text else \
                [frame["Thể chế"]]
        response = _post(analyst, _url(coded_app, "/E5"),
                         _url(coded_app, f"/E5/answers/{response_id}"),
                         {"code": [str(c) for c in codes]})
        assert response.status_code == 302
    with coded_app.app_context():
        given = db.session.scalars(select(CodingAssignment)).all()
        assert len(given) == 8 + 4 + 4 * 2  # four answers of each proposal
    page = analyst.get(_url(coded_app, "/E5?banner=A4")).get_data(as_text=True)
    assert "Bảng mã hóa" in page and "Người đứng đầu cơ quan, đơn vị" in page
    overall = analyst.get(_url(coded_app, "/E5")).get_data(as_text=True)
    assert "<td class=\"num\">50.0</td>" in overall  # 8 of 16 coded answers (complement hidden)


def test_search_filters_and_suggestions(analyst, coded_app):
    frame = _add_codes(analyst, coded_app, "Bảo vệ người dám làm")
    found = _answer_ids(analyst, coded_app, "?q=bảo vệ")
    assert len(found) == 8
    assert _answer_ids(analyst, coded_app, "?q=BẢO")  # case-insensitive where the engine is
    first = found[0]
    _post(analyst, _url(coded_app, "/E5"), _url(coded_app, f"/E5/answers/{first}"),
          {"code": [str(frame["Bảo vệ người dám làm"])]})
    assert first not in _answer_ids(analyst, coded_app, "?show=uncoded")
    assert _answer_ids(analyst, coded_app, f"?show={frame['Bảo vệ người dám làm']}") == [first]
    html = analyst.get(_url(coded_app, "/E5?q=bảo vệ")).get_data(as_text=True)
    suggested = [block for block in html.split('class="coding-answer"')[1:]
                 if "gợi ý" in block]
    assert suggested  # the other "bảo vệ…" answers are suggested the same code


def test_a_quote_is_approved_only_without_identifying_detail(analyst, coded_app):
    html = analyst.get(_url(coded_app, "/E5?q=Tuấn")).get_data(as_text=True)
    bad = re.findall(r'id="a-([0-9a-f]{32})"', html)[0]
    assert "tên người" in html  # the check is shown beside the answer
    response = _post(analyst, _url(coded_app, "/E5"), _url(coded_app, f"/E5/answers/{bad}"),
                     {"approve": "1", "quote": PROPOSALS[3]})
    assert response.status_code == 302
    with coded_app.app_context():
        quote = db.session.scalar(select(CodingQuote))
        assert quote is None or not quote.approved
    reworded = "Có nơi đùn đẩy hồ sơ giữa các cơ quan"
    _post(analyst, _url(coded_app, "/E5"), _url(coded_app, f"/E5/answers/{bad}"),
          {"approve": "1", "quote": reworded})
    with coded_app.app_context():
        quote = db.session.scalar(select(CodingQuote))
        assert quote.approved and quote.text == reworded


def test_the_report_has_the_coded_table_and_only_checked_quotes(analyst, coded_app, tmp_path):
    frame = _add_codes(analyst, coded_app, "Bảo vệ người dám làm", "Thể chế")
    for response_id in _answer_ids(analyst, coded_app, "?q=bảo vệ"):
        _post(analyst, _url(coded_app, "/E5"), _url(coded_app, f"/E5/answers/{response_id}"),
              {"code": [str(frame["Bảo vệ người dám làm"])], "approve": "1"})
    bad = _answer_ids(analyst, coded_app, "?q=Tuấn")[0]
    with coded_app.app_context():  # approved before a rule existed: the report checks again
        db.session.add(CodingQuote(response_id=bad, variable="E5", text=PROPOSALS[3],
                                   approved=True))
        db.session.commit()
    out = tmp_path / "bao-cao.docx"
    result = coded_app.test_cli_runner().invoke(args=["analysis", "export", "de-xuat",
                                                      "--format", "docx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = docx.Document(out)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Câu E5: 20 người trả lời ghi ý kiến, 8 ý kiến đã được mã hóa" in text
    quotes = [p.text for p in document.paragraphs if p.style.name == "Trích dẫn ý kiến"]
    assert quotes and all("Tuấn" not in q and "Quảng Nam" not in q for q in quotes)
    assert any("bảo vệ" in q.lower() for q in quotes)


def test_coded_answers_carry_no_order_or_time(analyst, coded_app):
    frame = _add_codes(analyst, coded_app, "Thể chế")
    [one] = _answer_ids(analyst, coded_app, "?q=thể chế")[:1]
    _post(analyst, _url(coded_app, "/E5"), _url(coded_app, f"/E5/answers/{one}"),
          {"code": [str(frame["Thể chế"])], "approve": "1"})
    with coded_app.app_context():
        for model in (CodingAssignment, CodingQuote, CodingCode):
            kinds = {type(c.type).__name__ for c in model.__table__.columns}
            assert not kinds & {"DateTime", "Date", "TIMESTAMP"}, model
        assignment = db.session.scalar(select(CodingAssignment))
        assert re.fullmatch(r"[0-9a-f]{32}", assignment.id) and assignment.id != one
        if db.engine.dialect.name == "sqlite":
            for table in ("coding_assignment", "coding_quote"):
                ddl = db.session.execute(sa.text(
                    "SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}).scalar()
                assert "WITHOUT ROWID" in ddl.upper()
        logged = db.session.scalars(select(AuditLog).where(
            AuditLog.action == "analysis.coding")).all()
        assert logged and all(one not in str(entry.details) for entry in logged)


def test_every_coding_post_needs_csrf(analyst, coded_app):
    assert analyst.post(_url(coded_app, "/E5/codes"), data={"label": "x"}).status_code == 400
    with coded_app.app_context():
        assert db.session.scalar(select(CodingCode)) is None


def test_the_workspace_word_report_is_the_outlined_report(analyst, coded_app):
    """The workspace's Word report (a background job) is the same report as the command
    line's: the plan's outline, the coded proposals included."""
    import io

    frame = _add_codes(analyst, coded_app, "Bảo vệ người dám làm")
    for response_id in _answer_ids(analyst, coded_app, "?q=bảo vệ"):
        _post(analyst, _url(coded_app, "/E5"), _url(coded_app, f"/E5/answers/{response_id}"),
              {"code": [str(frame["Bảo vệ người dám làm"])]})
    table_page = f"/staff/analyst/c/{coded_app.campaign_id}/"
    response = _post(analyst, table_page, f"{table_page}export",
                     {"fmt": "report-docx", "query": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    status = analyst.get(response.headers["Location"] + "/status").get_json()
    assert status["status"] == "done", status
    download = analyst.get(status["download"])
    document = docx.Document(io.BytesIO(download.data))
    download.close()
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["Tóm tắt kết quả chính", "Phương pháp", "I. Thực trạng",
                        "II. Nguyên nhân", "III. Nhiệm vụ, giải pháp", "IV. Đề xuất, kiến nghị"]
    assert any(p.text.startswith("Câu E5: 20 người trả lời ghi ý kiến, 8 ý kiến")
               for p in document.paragraphs)
