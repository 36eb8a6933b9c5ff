"""Helpers of the designer's tests: the area's address, a page's CSRF token, a stored draft,
uploading a file through the designer's form."""
from __future__ import annotations

import io

from sqlalchemy import select

from survey.extensions import db
from survey.models import Questionnaire
from tests.helpers import csrf_from

BASE = "/staff/designer"


def page_token(client, url=f"{BASE}/") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def draft_of(app, slug="thu") -> dict:
    with app.app_context():
        return db.session.scalar(select(Questionnaire.draft).where(Questionnaire.slug == slug))


def items_of(definition) -> dict:
    return {item["id"]: item for page in definition["pages"] for item in page["items"]}


def upload_file(client, content: bytes, name: str):
    return client.post(f"{BASE}/upload", data={
        "csrf_token": page_token(client), "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data")
