"""Respondent pages assembled from cached parts (page frames, question fragments) are the same
HTML as pages rendered in full: two apps on one database, one with ``RESPOND_RENDER_CACHE`` off,
show every step of real flagship walks (both languages, randomised rankings, skip logic) and
must differ only in the per-request CSRF token."""
from __future__ import annotations

import random
import re

from werkzeug.datastructures import MultiDict

from bench.load import page_form
from survey.questionnaire import load_file
from survey.questionnaire.runtime import rules as logic
from tests.conftest import make_app
from tests.respond.support import FLAGSHIP, make_flagship_campaign, make_rich_campaign, rich_definition

TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')
STEP_URL = re.compile(r'<body data-url="([^"]+)"')


def _plain(html: str) -> str:
    """Without the values that differ by design: the CSRF token (fresh per render), the
    ``data-url`` a POST's answer carries (a GET of the same step has none), and ``data-done``
    (the thank-you answering a submission is the acknowledgement; a GET of /done is not)."""
    html = re.sub(r' data-url="[^"]*"| data-done(?=[ >])', "", html)
    return TOKEN.sub('name="csrf_token" value=""', html)


def _cookies(client) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())


def test_cached_pages_are_the_full_render(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    cached = make_app(url, tmp_path, SECRET_KEY="one key for both")
    full = make_app(url, tmp_path, SECRET_KEY="one key for both", RESPOND_RENDER_CACHE=False)
    with cached.app_context():
        make_flagship_campaign("demo")
        make_rich_campaign("thu")  # a skipped page: the progress ("page 2 of 3") varies
    definitions = {"demo": load_file(FLAGSHIP), "thu": rich_definition()}
    rng = random.Random(11)
    compared = 0

    def same_as_full(client, html: str, path: str) -> None:
        """``html`` (from the cached app) equals the full render of ``path`` and the cached
        app's own GET of it."""
        nonlocal compared
        reference = full.test_client(use_cookies=False).get(path, headers={"Cookie": _cookies(client)})
        assert reference.status_code == 200, (path, reference.status_code)
        assert _plain(html) == _plain(reference.get_data(as_text=True)), path
        again = client.get(path)
        assert _plain(again.get_data(as_text=True)) == _plain(html), path
        compared += 1

    for walk in range(16):
        slug = "demo" if walk % 2 else "thu"
        definition = definitions[slug]
        client = cached.test_client()
        if walk % 3 == 2:
            client.get(f"/s/{slug}?lang=en")
        intro = client.get(f"/s/{slug}")
        same_as_full(client, intro.get_data(as_text=True), f"/s/{slug}")
        html = client.post(f"/s/{slug}/start", data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                    intro.get_data(as_text=True)).group(1)}).get_data(as_text=True)
        answers: dict = {}
        while "/p/" in (step := STEP_URL.search(html).group(1)):
            same_as_full(client, html, step)
            page = definition["pages"][int(step.rsplit("/", 1)[1]) - 1]
            limits = {item["id"]: item.get("max_length") for item in page["items"]}
            fields = [(k, str(v)[:limits.get(k) or None]) for k, v in page_form(page, answers, rng)]
            # What the page script sends: every question and option shown after answering.
            shown = " ".join(sorted(logic.offer_tokens(page, answers)))
            form = [("csrf_token", re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)),
                    ("_shown", shown), ("action", "next")] + fields
            response = client.post(step, data=MultiDict(form))
            assert response.status_code == 200, (step, response.status_code)
            html = response.get_data(as_text=True)
        assert step.endswith("/review")
        token = re.search(r'name="st" value="([^"]+)"', html).group(1)
        done = client.post(f"/s/{slug}/submit", data={
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1), "st": token})
        assert done.status_code == 200
        same_as_full(client, done.get_data(as_text=True), f"/s/{slug}/done")
    # Every walk: the intro, the thank-you and at least the pages always shown.
    assert compared >= 8 * (8 + 2) + 8 * (2 + 2)
    # The frames and fragments live in the one per-version cache (survey.respond.versions).
    versions = list(cached.extensions["respond_versions"].entries.values())
    frames = {key: entry for version in versions for key, entry in version.frames.store.entries.items()}
    assert frames and all(entry is not False for entry in frames.values())
    assert all(version.frames is None and version.fragments is None
               for version in full.extensions["respond_versions"].entries.values())
    # Shuffled rankings made pages that were put together item by item.
    assert any("item" in key for version in versions for key in version.fragments.entries)
