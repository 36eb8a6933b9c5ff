"""Page weight of the respondent flow: bytes and requests per page of the flagship questionnaire.

Starts the app on loopback (werkzeug, threaded) over a temporary, migrated SQLite database with
the flagship questionnaire and an open campaign, then walks every page in headless Chromium
(Debian's /usr/bin/chromium through Playwright) with the browser cache disabled, so each row is
a cold load: HTML + CSS + JS as sent by the app itself (gzipped when the browser accepts it: HTML
by the respondent blueprint, static files by ``survey.static_gzip``; nothing in front of the
app). Budget: ≤ 30 KB and ≤ 4 requests per page.

Service workers are blocked while the pages are measured (a worker answering from its cache
would hide the bytes); the campaign's worker is measured on its own afterwards: what its one-time
install fetches in the background after the introduction (once per device and questionnaire
version), counted at the app (response bodies as sent).

    .venv/bin/python bench/page_weight.py [--viewport 360x640] [--no-js | --paged]

With JavaScript the whole questionnaire comes as one document (``respond/whole.html``), measured
as one page; ``--paged`` measures the page-by-page flow a browser with the script gets when
client paging is switched off (and after a server-side error).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402
from werkzeug.wsgi import ClosingIterator  # noqa: E402

BUDGET_BYTES = 30 * 1024
BUDGET_REQUESTS = 4

FILL = """() => {
  const form = document.getElementById('form');
  const visible = e => !e.disabled && !e.closest('[hidden]');
  const done = new Set();
  for (const e of form.elements) {
    if (!e.name || !visible(e) || e.type === 'hidden' || e.type === 'submit') continue;
    if (e.type === 'radio' || e.type === 'checkbox') {
      if (!done.has(e.name)) { e.checked = true; done.add(e.name); e.dispatchEvent(new Event('change', {bubbles: true})); }
    } else if (e.tagName === 'SELECT') {
      const m = e.name.match(/\\.rank\\.(\\d+)$/);
      const values = [...e.options].filter(o => o.value && !o.disabled).map(o => o.value);
      e.value = values[m ? Number(m[1]) - 1 : 0];
      e.dispatchEvent(new Event('change', {bubbles: true}));
    } else if (e.classList.contains('num')) { e.value = '30'; }
    else if (e.name.endsWith('.other')) { e.value = ''; }
    else { e.value = 'Ý kiến'; }
  }
}"""


def build_app(tmp: Path):
    from flask_migrate import upgrade

    from survey.app import create_app
    from survey.extensions import db
    from survey.services.campaigns import ensure_demo_campaign, limits_from
    from survey.services.questionnaires import load_shipped

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'weight.sqlite3'}",
                      "SECRET_KEY": "page-weight-bench", "RESPOND_RATE_LIMIT": ""})
    app.instance_path = str(tmp)
    with app.app_context():
        upgrade()
        load_shipped(db.session, ROOT / "questionnaires")
        ensure_demo_campaign(db.session, limits_from(app.config))
        db.session.commit()
    return app


class Meter:
    """Counts requests and body bytes by kind for one page load."""

    def __init__(self, page):
        self.rows: list[tuple[str, str, int]] = []
        self.known: dict[str, int] = {}
        self.page = page
        page.on("requestfinished", self._done)

    def _done(self, request) -> None:
        size = request.sizes()["responseBodySize"]
        if size == 0 and request.resource_type in ("stylesheet", "script"):
            # Served from Chromium's memory cache: count it as a cold load would.
            if request.url not in self.known:  # as sent: gzipped when the browser accepts it
                sent = self.page.request.get(request.url, headers={"Accept-Encoding": "gzip"})
                self.known[request.url] = int(sent.headers.get("content-length")
                                              or len(sent.body()))
            size = self.known[request.url]
        self.rows.append((request.resource_type, request.url, size))

    def reset(self) -> None:
        self.rows.clear()

    def summary(self) -> dict[str, int]:
        out = {"document": 0, "stylesheet": 0, "script": 0, "other": 0}
        for kind, _url, size in self.rows:
            out[kind if kind in out else "other"] += size
        out["total"] = sum(size for _k, _u, size in self.rows)
        out["requests"] = len(self.rows)
        return out


class BodyMeter:
    """Bytes of response bodies the app sends, by (method, path): what a service worker fetches
    never shows among the page's own requests."""

    def __init__(self, app) -> None:
        self.rows: list[tuple[str, str, int]] = []
        self.lock = threading.Lock()
        inner = app.wsgi_app

        def counted(environ, start_response):
            key = (environ["REQUEST_METHOD"], environ["PATH_INFO"])
            sizes = [0]

            def body():
                for chunk in inner(environ, start_response):
                    sizes[0] += len(chunk)
                    yield chunk

            def done():
                with self.lock:
                    self.rows.append((*key, sizes[0]))
            return ClosingIterator(body(), [done])
        app.wsgi_app = counted

    def take(self) -> list[tuple[str, str, int]]:
        with self.lock:
            rows, self.rows = self.rows, []
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewport", default="360x640")
    parser.add_argument("--no-js", action="store_true", help="JavaScript disabled")
    parser.add_argument("--paged", action="store_true",
                        help="with JavaScript, pages one by one (RESPOND_CLIENT_PAGING off)")
    args, _rest = parser.parse_known_args()
    width, height = (int(v) for v in args.viewport.split("x"))

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="page-weight-"))
    app = build_app(tmp)
    app.config["RESPOND_CLIENT_PAGING"] = not args.paged
    bodies = BodyMeter(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    results: list[tuple[str, dict[str, int]]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": width, "height": height},
                                          java_script_enabled=not args.no_js,
                                          service_workers="block")
            page = context.new_page()
            context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
            meter = Meter(page)

            def load(name: str, path: str | None = None) -> None:
                page.wait_for_load_state("networkidle")
                meter.reset()
                page.goto(base + path) if path else page.reload()
                page.wait_for_load_state("networkidle")
                results.append((name, meter.summary()))
                if "-v" in sys.argv[1:]:
                    print(name, meter.rows, file=sys.stderr)

            load("intro", "/s/demo")
            load("privacy", "/s/demo/privacy")
            page.goto(base + "/s/demo")
            page.get_by_role("button", name="Bắt đầu trả lời").click()
            page.wait_for_load_state()

            def step() -> str:
                """The step shown: a POST answers with the next step, whose own URL the page
                names in ``data-url`` (the address bar keeps the POST's URL with JS off)."""
                return page.evaluate("() => document.body.dataset.url || location.pathname")

            one_document = step().endswith("/all")
            if one_document:
                # The script runs: the whole questionnaire comes in one document and its pages
                # turn without a request; "Gửi" on the last sends it (answered: thank-you).
                load("all 8 pages", step())
                meter.reset()
                for _turn in range(30):
                    page.evaluate(FILL)
                    page.locator("button[name=action][value=next]:visible, "
                                 "button[name=action][value=send]:visible").first.click()
                    page.wait_for_timeout(50)
                    if not step().endswith("/all"):
                        break
                page.wait_for_load_state("networkidle")
                turned = meter.summary()
                # The one POST, and the thank-you's revalidated files (stylesheet, script, icon).
                assert turned["requests"] <= 4, meter.rows
            # The first page with every error shown (the heaviest state of a page): the POST
            # answering the empty form is the page load here.
            if "/p/1" in step():
                page.wait_for_load_state("networkidle")
                meter.reset()
                page.get_by_role("button", name="Tiếp tục", exact=True).click()
                page.wait_for_load_state("networkidle")
                results.append(("page 1 + errors", meter.summary()))
            number = 1
            while "/p/" in step():
                load(f"page {number} ({step().rsplit('/', 1)[-1]})", step())
                page.evaluate(FILL)  # evaluation still works with JS off
                before = step()
                page.get_by_role("button", name="Tiếp tục", exact=True).click()
                page.wait_for_load_state()
                if step() == before:  # follow-up questions revealed without JS
                    page.evaluate(FILL)
                    page.get_by_role("button", name="Tiếp tục", exact=True).click()
                    page.wait_for_load_state()
                number += 1
            if not one_document:
                load("review", "/s/demo/review")
                page.get_by_role("button", name="Gửi câu trả lời").click()
                page.wait_for_load_state()
            load("thank-you", "/s/demo/done")
            load("resume form", "/s/demo/resume")
            worker: list[tuple[str, str, int]] = []
            if not args.no_js:  # the campaign's service worker, installed by the introduction
                fresh = browser.new_context(viewport={"width": width, "height": height})
                visit = fresh.new_page()
                bodies.take()
                visit.goto(base + "/s/demo")
                visit.evaluate("""async () => {
                    await navigator.serviceWorker.ready;
                    while (!(await caches.keys()).length) await new Promise(go => setTimeout(go, 50));
                }""")
                visit.wait_for_timeout(300)
                worker = bodies.take()  # the page's own requests, then the worker's
                paths = [path for _m, path, _s in worker]
                worker = worker[paths.index("/s/demo/sw.js"):] if "/s/demo/sw.js" in paths else []
                fresh.close()
            browser.close()
    finally:
        server.shutdown()

    mode = "JS off" if args.no_js else "JS on, page by page" if args.paged else "JS on"
    print(f"Respondent page weight, flagship questionnaire, {width}x{height}, {mode}, cold cache")
    print(f"{'page':<16}{'HTML':>8}{'CSS':>8}{'JS':>8}{'other':>8}{'total':>9}{'KB':>7}{'req':>5}  ok")
    worst = 0
    for name, s in results:
        ok = s["total"] <= BUDGET_BYTES and s["requests"] <= BUDGET_REQUESTS
        worst = max(worst, s["total"])
        print(f"{name:<16}{s['document']:>8}{s['stylesheet']:>8}{s['script']:>8}{s['other']:>8}"
              f"{s['total']:>9}{s['total'] / 1024:>7.1f}{s['requests']:>5}  {'yes' if ok else 'NO'}")
    print(f"budget: {BUDGET_BYTES} bytes and {BUDGET_REQUESTS} requests per page; heaviest "
          f"{worst} bytes")
    if worker:
        print(f"service worker install (once per device and version, in the background): "
              f"{sum(size for *_k, size in worker)} bytes of bodies in {len(worker)} requests: "
              + ", ".join(f"{path} {size}" for _m, path, size in worker))
    return 0 if all(s["total"] <= BUDGET_BYTES and s["requests"] <= BUDGET_REQUESTS
                    for _n, s in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
