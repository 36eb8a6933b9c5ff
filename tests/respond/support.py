"""Builders for respondent-flow tests: campaigns on a rich test definition or the flagship, and a
small driver that walks the flow with the Flask test client."""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from survey.extensions import db
from survey.questionnaire import load_file, normalize
from tests.helpers import csrf_from, make_campaign

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = ROOT / "questionnaires" / "ne-tranh-trach-nhiem.yaml"


def opts(*pairs: tuple[int, str], **flags: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"code": code, "label": {"vi": text, "en": f"EN {text}"}} for code, text in pairs]


def rich_definition() -> dict[str, Any]:
    """Every item type, skip logic on a page and an item, an option filter, exclusive and other
    options, min/max select, a ranking with top 2, a constraint, numeric range and text length."""
    return normalize({
        "id": "rich",
        "languages": ["vi", "en"],
        "title": {"vi": "Phiếu thử đầy đủ", "en": "Full test form"},
        "introduction": {"vi": "Giới thiệu phiếu thử.", "en": "About the test form."},
        "anonymity": {"vi": "Không lưu tên.", "en": "No names kept."},
        "estimated_minutes": 5,
        "pages": [
            {"id": "P1", "title": {"vi": "Thông tin chung", "en": "Profile"}, "items": [
                {"id": "cat", "type": "single", "required": True, "label": {"vi": "Anh/chị là", "en": "You are"},
                 "options": opts((1, "Công chức"), (2, "Viên chức"))},
                {"id": "grade", "type": "single", "required": True, "label": {"vi": "Ngạch, hạng"},
                 "options": [
                     {"code": 1, "label": {"vi": "Chuyên viên"}, "relevant": "cat = 1"},
                     {"code": 11, "label": {"vi": "Hạng I"}, "relevant": "cat = 2"},
                     {"code": 20, "label": {"vi": "Khác"}}]},
                {"id": "age", "type": "numeric", "label": {"vi": "Tuổi"}, "min": 18, "max": 70,
                 "required": True},
                {"id": "head", "type": "single", "label": {"vi": "Có giữ chức vụ?"},
                 "options": opts((1, "Có"), (2, "Không"))},
                {"id": "staff", "type": "numeric", "label": {"vi": "Số người dưới quyền"},
                 "relevant": "head = 1", "required": True, "min": 1,
                 "constraint": ". <= 500", "constraint_message": {"vi": "Tối đa 500 người."}},
            ]},
            {"id": "P2", "title": {"vi": "Thực trạng"}, "relevant": "cat = 1", "items": [
                {"id": "fields", "type": "multiple", "label": {"vi": "Lĩnh vực"}, "min_select": 1,
                 "max_select": 2, "required": True,
                 "options": opts((1, "Đất đai"), (2, "Xây dựng"), (3, "Y tế")) + [
                     {"code": 13, "label": {"vi": "Khác (ghi rõ)"}, "other": True},
                     {"code": 98, "label": {"vi": "Không biết"}, "missing": True, "exclusive": True}]},
                {"id": "freq", "type": "grid", "required": True, "label": {"vi": "Mức độ"},
                 "rows": [{"id": "r1", "label": {"vi": "Đùn đẩy"}}, {"id": "r2", "label": {"vi": "Né tránh"}}],
                 "options": opts((1, "Ít"), (2, "Nhiều"))},
            ]},
            {"id": "P3", "title": {"vi": "Nguyên nhân"}, "items": [
                {"id": "rank", "type": "ranking", "top": 2, "label": {"vi": "Xếp hạng nguyên nhân"},
                 "required": True, "randomize": True,
                 "options": opts((1, "Lương"), (2, "Sợ sai"), (3, "Luật chồng chéo"), (4, "Thiếu gương mẫu"))},
                {"id": "idea", "type": "text", "max_length": 20, "label": {"vi": "Đề xuất"}},
            ]},
        ],
    })


def make_rich_campaign(slug: str = "thu", **kwargs):
    return make_campaign(slug, rich_definition(), **kwargs)


def make_flagship_campaign(slug: str = "demo", **kwargs):
    return make_campaign(slug, load_file(FLAGSHIP), **kwargs)


def where(response) -> str:
    """The step a response leads to: a redirect's target, or the URL of the step rendered in
    reply to a POST (``data-url``, see :mod:`survey.respond.views`), or the request's own path."""
    if response.status_code in (302, 303):
        return response.headers["Location"]
    match = re.search(r'<body data-url="([^"]+)"', response.get_data(as_text=True))
    return match.group(1) if match else response.request.path


class Respondent:
    """One respondent's browser, as a Flask test client. A POST that moves on answers with the
    next step rendered (200); :func:`where` tells which step that is."""

    def __init__(self, client, slug: str):
        self.client, self.slug = client, slug
        self.last = None

    def get(self, path: str):
        self.last = self.client.get(path)
        return self.last

    def html(self) -> str:
        return self.last.get_data(as_text=True)

    def start(self, code: str | None = None):
        page = self.get(f"/s/{self.slug}")
        data = {"csrf_token": csrf_from(page.get_data(as_text=True))}
        if code is not None:
            data["code"] = code
        self.last = self.client.post(f"/s/{self.slug}/start", data=data)
        return self.last

    def follow(self):
        assert self.last.status_code in (302, 303), self.last.status_code
        return self.get(self.last.headers["Location"])

    def at(self) -> str:
        """Where the last response leads (see :func:`where`)."""
        return where(self.last)

    def answer(self, number: int, data: dict[str, Any], action: str = "next", shown: str | None = None):
        page = self.get(f"/s/{self.slug}/p/{number}")
        assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
        html = page.get_data(as_text=True)
        form = {"csrf_token": csrf_from(html), "action": action,
                "_shown": shown if shown is not None else
                re.search(r'name="_shown" value="([^"]*)"', html).group(1)}
        form.update(data)
        self.last = self.client.post(f"/s/{self.slug}/p/{number}", data=form)
        return self.last

    def submit(self, token: str | None = None):
        page = self.get(f"/s/{self.slug}/review")
        assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
        html = page.get_data(as_text=True)
        token = token or re.search(r'name="st" value="([^"]+)"', html).group(1)
        self.last = self.client.post(f"/s/{self.slug}/submit",
                                     data={"csrf_token": csrf_from(html), "st": token})
        return self.last, token, csrf_from(html)


def stored(app) -> list[dict[str, Any]]:
    """Every stored response as {variable: [(position, code, number, text)…]} dicts."""
    from sqlalchemy import select

    from survey.models import Answer, Response
    from tests.helpers import release_all

    with app.app_context():
        release_all()
        out = []
        for response in db.session.scalars(select(Response)):
            rows: dict[str, list] = {}
            for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id)
                                        .order_by(Answer.variable, Answer.position)):
                rows.setdefault(a.variable, []).append((a.position, a.code, a.number, a.text))
            out.append(rows)
        return out


def review_form(client, slug: str = "thu") -> tuple[dict[str, str], str]:
    """The submission form of a fresh review page and the browser's cookies, to post it from
    another connection (a second tab, a double tap)."""
    html = client.get(f"/s/{slug}/review").get_data(as_text=True)
    form = {"csrf_token": csrf_from(html),
            "st": re.search(r'name="st" value="([^"]+)"', html).group(1)}
    cookie = "; ".join(f"{name}={client.get_cookie(name, path=path).value}"
                       for name, path in (("rt", f"/s/{slug}"), ("session", "/")))
    return form, cookie


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def submit_together(app, posts: list[tuple[dict[str, str], str]], *also,
                    slug: str = "thu") -> list[int]:
    """POST every (form, cookie) of ``posts`` to the submission URL of a live server at the same
    instant (a barrier), with the callables ``also`` released at that instant too; return the
    HTTP statuses. An exception in ``also`` is raised here, not lost in its thread."""
    from tests.conftest import LiveServer

    server = LiveServer(app).start()
    opener = urllib.request.build_opener(_NoRedirect)
    statuses: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(posts) + len(also))

    def post(form, cookie):
        request = urllib.request.Request(server.url + f"/s/{slug}/submit",
                                         data=urllib.parse.urlencode(form).encode(),
                                         headers={"Cookie": cookie})
        barrier.wait()
        try:
            statuses.append(opener.open(request, timeout=60).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    def run(task):
        barrier.wait()
        try:
            task()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=post, args=p) for p in posts]
    threads += [threading.Thread(target=run, args=(task,)) for task in also]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    if errors:
        raise errors[0]
    return statuses
