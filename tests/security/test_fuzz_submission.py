"""Property-based fuzzing of the respondent endpoints (hypothesis), on both databases.

A respondent's browser can send anything: missing fields, unknown fields, repeated fields,
huge or non-numeric codes, NUL bytes, right-to-left marks, numbers in other scripts, a forged
``_shown`` or ``action``, a submission token of any length. Whatever arrives, on every page and
on the submission: never a 500, and never a partial write — every stored response is a whole,
valid questionnaire with exactly one receipt, and a draft only ever holds answers that the
storage layer accepts.
"""
from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import NoResultFound
from werkzeug.datastructures import MultiDict

from bench.load import CSRF, SUBMIT_TOKEN, page_form
from survey.extensions import db
from survey.models import Answer, Draft, Response, ResponsePool, SubmissionReceipt
from survey.questionnaire import load_file
from survey.questionnaire.storage import answer_rows, answers_from_rows
from survey.questionnaire.runtime import rules as logic
from tests.helpers import make_campaign, open_draft, release_all
from tests.respond.support import FLAGSHIP, rich_definition

DEFINITIONS = {"flagship": lambda: load_file(FLAGSHIP), "rich": rich_definition}


def field_names(definition) -> list[str]:
    names = ["_shown", "action", "st", "csrf_token", "code"]
    for page in definition["pages"]:
        for item in page.get("items") or []:
            iid = item["id"]
            names += [iid, f"{iid}.other"]
            names += [f"{iid}.{row['id']}" for row in item.get("rows") or []]
            names += [f"{iid}.rank.{r}" for r in range(1, 6)]
    return names


def values(definition) -> st.SearchStrategy[str]:
    codes = sorted({str(o["code"]) for p in definition["pages"] for i in p.get("items") or []
                    for o in i.get("options") or []})
    text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
    return st.one_of(
        st.sampled_from(codes),
        st.integers(-10 ** 12, 10 ** 12).map(str),
        st.sampled_from(["", " ", "1e309", "NaN", "-0", "0x10", "1,5", "١", "１", "\x00", "7\x00",
                         "\u202e1", "<script>alert(1)</script>", "next", "back", "save",
                         "A5:1 B7 E4", "9" * 400]),
        text,
    )


def form_strategy(definition) -> st.SearchStrategy[list[tuple[str, str]]]:
    name = st.one_of(st.sampled_from(field_names(definition)),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30))
    return st.lists(st.tuples(name, values(definition)), max_size=40)


def _leads_to(response, here: str) -> str:
    """The step a reply leads to: a redirect's target, the step a POST rendered in reply
    (``data-url``), or ``here``."""
    if response.status_code in (301, 302, 303):
        return response.headers["Location"]
    match = re.search(r'<body data-url="([^"]+)"', response.text)
    return match.group(1) if match else here


def _invariants(app, definition, client) -> None:
    """Every accepted submission is whole and valid; receipts match submissions one to one; the
    client's draft holds only answers storage accepts (the submission would not fail half-way)."""
    with app.app_context(), app.test_request_context():
        waiting = db.session.scalar(select(func.count()).select_from(ResponsePool))
        release_all()
        responses = list(db.session.scalars(select(Response)))
        assert db.session.scalar(select(func.count()).select_from(SubmissionReceipt)) == len(responses)
        assert waiting <= len(responses)
        for response in responses:
            rows = list(db.session.scalars(select(Answer).where(Answer.response_id == response.id)))
            assert rows, "a response without answers"
            answers = answers_from_rows(definition, rows)
            assert logic.validate_all(definition, answers, "vi") is None, answers
        cookie = client.get_cookie("rt", path="/s/fuzz")
        if cookie is not None and db.session.scalar(select(func.count()).select_from(Draft)):
            try:
                draft = open_draft(client, "fuzz")
            except NoResultFound:  # the cookie of a draft already sent
                draft = None
            if draft is not None:
                answer_rows(definition, logic.prune(definition, dict(draft.answers or {})))
        db.session.remove()


@pytest.mark.parametrize("which", sorted(DEFINITIONS))
def test_fuzzed_pages_and_submissions_never_fail_or_half_write(any_app, which):
    definition = DEFINITIONS[which]()
    # All fuzzing comes from one address; the per-address limits protect the public site.
    any_app.config.update(RESPOND_RATE_LIMIT="1000000/minute",
                          RESPOND_CODE_RATE_LIMIT="1000000/minute")
    with any_app.app_context():
        make_campaign("fuzz", definition)
    fuzz_form = form_strategy(definition)

    # No shrinking: the database keeps what earlier examples stored, so a replay is not the same
    # run; a failure is reported with the request that caused it (``note``) instead.
    @settings(max_examples=15, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def run(data):
        client = any_app.test_client()
        intro = client.get("/s/fuzz")
        assert intro.status_code == 200
        started = client.post("/s/fuzz/start", data={"csrf_token": CSRF.search(intro.text).group(1)})
        assert started.status_code == 200  # page 1, rendered in reply
        location = _leads_to(started, "/s/fuzz")
        rng = random.Random(data.draw(st.integers(0, 10 ** 6), label="seed"))
        answers: dict = {}
        for _step in range(data.draw(st.integers(1, 2 * len(definition["pages"]) + 2), label="steps")):
            path = location[location.index("/s/"):] if "/s/" in location else location
            page_view = client.get(path, follow_redirects=True)
            assert page_view.status_code < 500, (path, page_view.status_code)
            html = page_view.text
            csrf = CSRF.search(html)
            if csrf is None:
                break  # the thank-you page: nothing more to post
            fuzzed = data.draw(fuzz_form, label="form")
            honest = data.draw(st.booleans(), label="honest")
            if "/review" in page_view.request.path:
                token = SUBMIT_TOKEN.search(html).group(1)
                form = [("csrf_token", csrf.group(1)), ("st", token)]
                if not honest:
                    form = [("csrf_token", csrf.group(1))] + fuzzed
                response = client.post("/s/fuzz/submit", data=MultiDict(form))
            else:
                number = int(page_view.request.path.rsplit("/", 1)[1])
                page = definition["pages"][number - 1]
                form = page_form(page, answers, rng) if honest else []
                shown = " ".join(sorted(logic.offer_tokens(page, answers)))
                form = [("csrf_token", csrf.group(1)), ("_shown", shown)] + form + fuzzed
                if not any(k == "action" for k, _ in form):
                    form.append(("action", "next"))
                response = client.post(page_view.request.path, data=MultiDict(form))
            note(f"{page_view.request.path} {form!r} -> {response.status_code}")
            assert response.status_code < 500, (page_view.request.path, response.status_code)
            assert response.status_code in (200, 303, 400, 404, 409, 410, 413, 422), \
                response.status_code
            location = _leads_to(response, page_view.request.path)
        _invariants(any_app, definition, client)

    run()
