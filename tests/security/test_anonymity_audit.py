"""Anonymity audit: respondents answer in real Chromium (one with a one-time access code, one who
saves and resumes with a resume code), then every column of every table and every log line is
scanned for what could tie a response to a person: an IP address, a user agent, a time of day,
an access code, a resume code. The schema itself is checked too: nothing references a response
but its answers, a response references no code, draft or receipt, response ids are random.
A second test runs the real gunicorn with the project's configuration and reads its logs.
"""
from __future__ import annotations

import logging
import random
import re
from datetime import date, datetime

import pytest
from sqlalchemy import inspect, select, text

from analysis.disclosure import DisclosureRefused
from bench.load import CSRF, Browser, complete_one, page_form
from survey.services import tabulation as analyst_service
from survey.extensions import db
from survey.models import AccessMode, Campaign
from survey.questionnaire.runtime import rules as logic
from survey.services.access_codes import generate_batch
from tests.helpers import make_campaign, small_definition
from tests.security.browser_flow import FILL, answer_everything

USER_AGENT = "Mozilla/5.0 (Linux; Android 9) AnonAuditAgent/7.3 Zalo/24"
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
# Tables whose rows belong to respondents (or could be matched to them).
RESPONDENT_TABLES = {"response", "answer", "draft", "submission_receipt", "page_reach",
                     "access_code"}


def _all_values(app) -> dict[str, list[tuple[str, object]]]:
    """Every (column, value) of every table, read through SQLAlchemy inspection."""
    out: dict[str, list[tuple[str, object]]] = {}
    with app.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)]
            rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = [(col, value) for row in rows for col, value in zip(columns, row)]
        db.session.remove()
    return out


def _forbidden_strings(codes: list[str]) -> list[str]:
    variants = []
    for code in codes:
        variants += [code, code.replace("-", ""), code.lower(), code.replace("-", "").lower()]
    return variants + ["127.0.0.1", "AnonAuditAgent", "Zalo/24", "Android 9"]


def _scan(values: dict[str, list[tuple[str, object]]], forbidden: list[str]) -> list[str]:
    problems = []
    for table, pairs in values.items():
        for column, value in pairs:
            shown = str(value)
            for word in forbidden:
                if word and word in shown:
                    problems.append(f"{table}.{column} contains {word!r}")
            if table in RESPONDENT_TABLES:
                if isinstance(value, datetime):
                    problems.append(f"{table}.{column} holds a moment: {value!r}")
                elif isinstance(value, str) and column != "answers" and TIME_OF_DAY.search(shown):
                    problems.append(f"{table}.{column} looks like a time of day: {shown[:60]!r}")
                if isinstance(value, str) and IPV4.search(shown):
                    problems.append(f"{table}.{column} looks like an IP address: {shown[:60]!r}")
    return problems


@pytest.mark.browser
def test_nothing_stored_or_logged_ties_a_response_to_a_person(app, live_server, browser, caplog):
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        make_campaign("mot")
        coded = make_campaign("mak", small_definition("mak"), access_mode=AccessMode.CODE)
        _batch, codes = generate_batch(db.session, coded, 5, "Lô kiểm tra")
        db.session.commit()
    context = browser.new_context(user_agent=USER_AGENT)
    page = context.new_page()
    resume_codes: list[str] = []
    try:
        for _ in range(5):
            answer_everything(page, live_server.url, "mot")
        # With a one-time access code.
        page.goto(f"{live_server.url}/s/mak")
        page.fill("input[name=code]", codes[0])
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url("**/s/mak/all")  # the page script runs: one document
        page.evaluate(FILL)
        page.locator("button[name=action][value=send]").click()  # its only page: "Gửi"
        page.wait_for_url("**/s/mak/done")
        # Saves half-way and comes back on another device with the resume code.
        page.goto(f"{live_server.url}/s/mot")
        page.locator("form button[type=submit]").first.click()
        page.wait_for_url("**/s/mot/all")
        page.locator("button[name=action][value=save]").click()
        page.wait_for_load_state()
        shown = page.input_value("#rc")
        assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", shown), shown
        resume_codes.append(shown)
        other = browser.new_context(user_agent=USER_AGENT)
        # The other device goes on page by page and through the review, so that flow is audited
        # too (with the page script, a resume code reopens the one document).
        app.config["RESPOND_CLIENT_PAGING"] = False
        try:
            tab = other.new_page()
            tab.goto(f"{live_server.url}/s/mot/resume")
            tab.fill("input[name=code]", resume_codes[0])
            tab.locator("form button[type=submit]").first.click()
            tab.wait_for_url("**/s/mot/p/1")
            tab.evaluate(FILL)
            tab.locator("button[name=action][value=next]").click()
            tab.wait_for_url("**/s/mot/review")
            tab.locator("form button[type=submit]").first.click()
            tab.wait_for_url("**/s/mot/done")
        finally:
            app.config["RESPOND_CLIENT_PAGING"] = True
            other.close()
    finally:
        context.close()

    from tests.helpers import release_all

    assert release_all(app) == 7  # the holding pool's batch enters the results
    values = _all_values(app)
    assert len([1 for col, _ in values["response"] if col == "id"]) == 7
    assert values["response_pool"] == []
    assert values["draft"] == []  # submitted drafts are gone, not kept beside the response
    problems = _scan(values, _forbidden_strings(codes[:1] + resume_codes))
    assert problems == []

    # Logs of the app itself (every logger but the development server's own request log, which
    # production does not use: gunicorn's access log is checked in the next test).
    app_lines = [r.getMessage() for r in caplog.records if r.name != "werkzeug"]
    for line in app_lines:
        for word in _forbidden_strings(codes[:1] + resume_codes):
            assert word not in line, line

    # The schema: only answers (and the analyst's codes for open answers) point at a response;
    # a response points at no code, batch or draft.
    with app.app_context():
        inspector = inspect(db.engine)
        for table in inspector.get_table_names():
            for fk in inspector.get_foreign_keys(table):
                if fk["referred_table"] == "response":
                    assert table in ("answer", "coding_assignment", "coding_quote"), table
        referred = {fk["referred_table"] for fk in inspector.get_foreign_keys("response")}
        assert referred <= {"campaign", "questionnaire_version"}, referred
        for table in RESPONDENT_TABLES:
            for column in inspector.get_columns(table):
                name = column["name"].lower()
                assert not any(w in name for w in ("ip", "agent", "addr", "remote", "host")) \
                    or name in {"expires_on"}, f"{table}.{name}"
                assert "DATETIME" not in str(column["type"]).upper() and \
                    "TIMESTAMP" not in str(column["type"]).upper(), f"{table}.{name}"
        # Response ids: 128 random bits, not a counter; no rowid order on SQLite either.
        ids = [value for col, value in values["response"] if col == "id"]
        numbers = sorted(int(i, 16) for i in ids)
        assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
        assert min(b - a for a, b in zip(numbers, numbers[1:])) > 2 ** 64
        ddl = db.session.execute(text(
            "SELECT sql FROM sqlite_master WHERE name = 'response'")).scalar()
        assert "WITHOUT ROWID" in ddl.upper()
        submitted = {value for col, value in values["response"] if col == "submitted_on"}
        assert all(isinstance(d, (date, str)) and not isinstance(d, datetime) for d in submitted)

    # Published tables: a base below the campaign's threshold is refused.
    with app.app_context():
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "mak"))
        wanted = analyst_service.TableRequest(item="q1", banner="level")
        source = analyst_service.source_for(db.engine, campaign)
        with pytest.raises(DisclosureRefused):
            analyst_service.build_table(source, campaign.version.definition, wanted,
                                        wanted.analysis_filter(campaign), None,
                                        campaign.disclosure_threshold, "vi")
        db.session.remove()


def test_gunicorn_logs_carry_no_address_agent_time_or_code(tmp_path):
    """The real server with the project's gunicorn.conf.py: access and error logs after complete
    responses, a resume code and an access code hold no client address, agent, time of day
    (beside a request), query string or code."""
    from bench._server import Gunicorn, database, prepare

    with database("sqlite") as url:
        prepare(url)
        from survey.app import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-not-for-production"})
        with app.app_context():
            coded = make_campaign("mak", small_definition("mak"), access_mode=AccessMode.CODE)
            _batch, codes = generate_batch(db.session, coded, 5, "Lô")
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        from survey.questionnaire import load_file
        from tests.respond.support import FLAGSHIP

        flagship = load_file(FLAGSHIP)
        with Gunicorn(url, workers=2, log_dir=tmp_path) as server:
            for n in range(3):
                complete_one(server.base, "bench", flagship, random.Random(n), "203.0.113.9", None)
            browser = Browser(server.base, "203.0.113.9", None)
            status, _, html = browser.request("x", "GET", "/s/mak?utm_source=zalo&ref=anh-Minh")
            status, location, _ = browser.request(
                "x", "POST", "/s/mak/start", {"csrf_token": CSRF.search(html).group(1),
                                             "code": codes[0]})
            assert status == 200  # page 1, rendered in reply
            status, _, html = browser.request("x", "GET", "/s/mak/p/1")
            page = small_definition("mak")["pages"][0]
            answers: dict = {}
            form = page_form(page, answers, random.Random(1))
            status, _, html = browser.request(
                "x", "POST", "/s/mak/p/1", [("csrf_token", CSRF.search(html).group(1)),
                                           ("_shown", " ".join(sorted(logic.offer_tokens(page, answers)))),
                                           ("action", "save")] + form)
            resume = re.search(r'id="rc"[^>]*value="([A-Z0-9-]{14})"', html).group(1)
            other = Browser(server.base, "198.51.100.4", None)
            status, _, html = other.request("x", "GET", "/s/mak/resume")
            status, _, _ = other.request("x", "POST", "/s/mak/resume",
                                         {"csrf_token": CSRF.search(html).group(1), "code": resume})
            assert status == 303
            browser.close()  # kept-alive connections (gthread workers)
            other.close()
        access = (tmp_path / "access.log").read_text()
        errors = (tmp_path / "error.log").read_text()
    request_lines = [line for line in (access + errors).splitlines() if "/s/" in line]
    assert len(request_lines) >= 3 * 11  # 11 requests per flagship complete
    # survey.access_log's fixed line: method, path, status, bytes sent, duration.
    assert re.search(r"^POST /s/bench/submit 200 [1-9][0-9]* [0-9]+ms$", access, re.MULTILINE), access[-500:]
    for line in request_lines:
        assert not IPV4.search(line), line
        assert not TIME_OF_DAY.search(line), line
        assert "?" not in line and "utm_source" not in line and "anh-Minh" not in line, line
    everything = access + errors
    for word in ["203.0.113.9", "198.51.100.4", codes[0],
                 codes[0].replace("-", ""), resume, resume.replace("-", "")]:
        assert word not in everything, word
