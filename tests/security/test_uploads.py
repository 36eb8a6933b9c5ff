"""Uploads: a request over ``MAX_CONTENT_LENGTH`` gets the Vietnamese 413 page naming the limit;
malformed workbooks, zip bombs and YAML alias bombs sent to the designer's upload are refused
with a clear message, quickly, and nothing is stored."""
from __future__ import annotations

import io
import time
import zipfile

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Questionnaire, Role
from tests.helpers import csrf_from, login, make_user

UPLOAD = "/staff/designer/upload"


@pytest.fixture
def designer(app, client):
    with app.app_context():
        make_user("thiet-ke", Role.DESIGNER)
    assert login(client, "thiet-ke").status_code == 302
    return client


def _questionnaires(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(Questionnaire))
        db.session.remove()
        return n


def _upload(client, name: str, payload: bytes):
    """POST the file; the response is read and closed (closing it closes the request's spooled
    upload files, as the WSGI server does after every response)."""
    token = csrf_from(client.get("/staff/designer/").get_data(as_text=True))
    # Encoded here, in memory: the test client would spool a large body to a temporary file it
    # never closes (a ResourceWarning under ``filterwarnings = error``).
    boundary, body = encode_multipart(MultiDict({
        "csrf_token": token, "file": FileStorage(io.BytesIO(payload), filename=name)}))
    with client.post(UPLOAD, data=body,
                     content_type=f"multipart/form-data; boundary={boundary}") as response:
        response.get_data()
    return response


def _xlsx(parts: dict[str, bytes | int]) -> bytes:
    """A zip with the parts of an .xlsx; an int part is that many zero bytes, streamed in."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            if isinstance(content, int):
                with archive.open(name, "w", force_zip64=True) as part:
                    chunk = b"<c><v>0</v></c>" * 65536
                    for _ in range(content // len(chunk)):
                        part.write(chunk)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


WORKBOOK_PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
}


def test_a_request_over_the_limit_gets_the_vietnamese_413_page(app, designer):
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    before = _questionnaires(app)
    response = _upload(designer, "phieu.yaml", b"a: b\n" * 200_000)  # ~1 MB
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Tệp quá lớn" in html and "256 KB" in html
    assert response.headers["Content-Type"].startswith("text/html")
    assert _questionnaires(app) == before
    # The same limit protects respondent pages: a huge form post is refused, not parsed.
    with designer.post("/s/any/start", data={"x": "y" * 300_000}) as response:
        assert response.status_code == 413


@pytest.mark.parametrize("name,payload", [
    ("hong.xlsx", b"PK\x03\x04 this is not really a zip"),
    ("ngau-nhien.xlsx", bytes(range(256)) * 64),
    ("rong.xlsx", b""),
    ("thieu-phan.xlsx", _xlsx({"xl/workbook.xml": b"<workbook/>"})),
    ("xml-hong.xlsx", _xlsx({**WORKBOOK_PARTS, "xl/worksheets/sheet1.xml": b"<sheetData><row"})),
    ("hong.yaml", b"id: [unclosed\n  - : :\n\t\x00"),
    ("nhi-phan.yaml", b"\xff\xfe\x00\x00garbage"),
    ("la.exe", b"MZ\x90\x00"),
])
def test_malformed_files_are_refused_cleanly(app, designer, name, payload):
    before = _questionnaires(app)
    response = _upload(designer, name, payload)
    assert response.status_code == 400, response.status_code
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html or "form-errors" in html
    assert _questionnaires(app) == before


def test_zip_bomb_is_refused_without_unpacking_it(app, designer):
    bomb = _xlsx({**WORKBOOK_PARTS, "xl/worksheets/sheet1.xml": 300 * 1024 * 1024})
    assert len(bomb) < 2 * 1024 * 1024  # small on the wire, 300 MB unpacked
    before = _questionnaires(app)
    started = time.perf_counter()
    response = _upload(designer, "bom.xlsx", bomb)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400
    assert "zip" in response.get_data(as_text=True).lower()
    assert elapsed < 10, elapsed  # refused from the archive's directory, not by unpacking
    assert _questionnaires(app) == before


def test_yaml_alias_bomb_is_refused_quickly(app, designer):
    """Billion laughs: nested aliases that expand to 10^8 strings if anything walks them."""
    lines = ['a0: &a0 "ha"']
    for level in range(1, 9):
        refs = ", ".join(f"*a{level - 1}" for _ in range(10))
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("id: bom\ntitle: *a8\npages: []")
    before = _questionnaires(app)
    started = time.perf_counter()
    response = _upload(designer, "bom.yaml", "\n".join(lines).encode())
    assert time.perf_counter() - started < 10
    assert response.status_code == 400
    assert _questionnaires(app) == before
