"""Static JS, CSS and SVG gzipped once and served to browsers that accept it (survey.static_gzip):
the same bytes once decompressed, a representation of their own (ETag, Vary), 304 on
revalidation, and the plain file for everyone else."""
from __future__ import annotations

import gzip

import pytest

from tests.respond.support import ROOT

STATIC = ROOT / "survey" / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.mark.parametrize("name", ["respond.js", "pages.js", "respond.css", "favicon.svg"])
def test_gzipped_when_accepted(client, name):
    response = client.get(f"/static/{name}", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data) == (STATIC / name).read_bytes()
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.headers["ETag"].endswith('-gz"')
    assert "no-cache" in response.headers["Cache-Control"]


def test_revalidation_gets_304_for_either_representation(client):
    packed = client.get("/static/respond.css", headers=GZIP)
    again = client.get("/static/respond.css",
                       headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    with client.get("/static/respond.css") as plain:  # a file: closed with the response
        assert "Content-Encoding" not in plain.headers
        assert plain.data == (STATIC / "respond.css").read_bytes()
        assert "Accept-Encoding" in plain.headers["Vary"]
    assert plain.headers["ETag"] != packed.headers["ETag"]  # never confused in a cache
    assert client.get("/static/respond.css",
                      headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    # The plain file's ETag does not validate the gzipped one, nor the other way round.
    assert client.get("/static/respond.css", headers={
        **GZIP, "If-None-Match": plain.headers["ETag"]}).status_code == 200
    since = client.get("/static/respond.css", headers={
        **GZIP, "If-Modified-Since": packed.headers["Last-Modified"]})
    assert since.status_code == 304


def test_refused_gzip_ranges_and_other_types_stay_plain(client):
    with client.get("/static/respond.js", headers={"Accept-Encoding": "gzip;q=0"}) as refused:
        assert "Content-Encoding" not in refused.headers
    with client.get("/static/respond.js", headers={**GZIP, "Range": "bytes=0-9"}) as ranged:
        assert ranged.status_code == 206 and "Content-Encoding" not in ranged.headers
        assert ranged.data == (STATIC / "respond.js").read_bytes()[:10]


def test_missing_and_outside_files_are_404(client):
    assert client.get("/static/nothing.js", headers=GZIP).status_code == 404
    assert client.get("/static/../config.py", headers=GZIP).status_code == 404


def test_compressed_once_per_file(app, client):
    client.get("/static/respond.js", headers=GZIP)
    packed = app.extensions["static_gzip"]
    first = next(iter(packed.entries.values()))
    client.get("/static/respond.js", headers=GZIP)
    assert next(iter(packed.entries.values())) is first
