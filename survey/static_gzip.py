"""Static scripts, stylesheets and SVG travel gzipped when the browser accepts it.

Why here and not in front of the app: the platform is often run with nothing in front of
gunicorn (a ministry's server room, a VM), and a respondent's phone on a weak connection pays
for every byte of the page budget (30 KB per page, see ``bench/page_weight.py``). The respondent
pages' HTML is compressed per response by the respondent blueprint; static files are the same
for everyone, so each is compressed once, at the best level, and kept in memory (the whole
folder is a few megabytes, most of it the staff charts' library, itself ~1 MB gzipped).

The gzipped representation has an ETag of its own (the hash of the compressed bytes, marked
``-gz``), so a cache never mixes it with the plain file's, and ``Vary: Accept-Encoding`` on both
representations; conditional requests (``If-None-Match``, ``If-Modified-Since``) still get 304.
A range request, or a browser that does not accept gzip, gets Flask's own static response.
"""
from __future__ import annotations

import hashlib
import mimetypes
import os
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Flask, Response, abort, current_app, request
from werkzeug.security import safe_join

COMPRESSIBLE = {".js", ".css", ".svg"}
EXTENSION = "static_gzip"


@dataclass(frozen=True)
class Packed:
    """One static file, gzipped: valid while the file keeps its size and modification time."""

    mtime_ns: int
    size: int
    body: bytes
    etag: str


class PackedFiles:
    """Gzipped static files by path, compressed on first request. Bounded by the static
    folder itself (only files that exist there are ever packed)."""

    def __init__(self) -> None:
        self.entries: dict[str, Packed] = {}
        self.lock = threading.Lock()

    def get(self, path: str, stat: os.stat_result) -> Packed:
        entry = self.entries.get(path)
        if entry is not None and entry.mtime_ns == stat.st_mtime_ns and entry.size == stat.st_size:
            return entry
        with open(path, "rb") as handle:
            raw = handle.read()
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing, no file time in it
        body = packer.compress(raw) + packer.flush()
        entry = Packed(stat.st_mtime_ns, stat.st_size, body,
                       hashlib.sha256(body).hexdigest()[:24] + "-gz")
        with self.lock:
            self.entries[path] = entry
        return entry


def _packed() -> PackedFiles:
    files = current_app.extensions.get(EXTENSION)
    if files is None:
        files = current_app.extensions.setdefault(EXTENSION, PackedFiles())
    return files


def _wants_gzip() -> bool:
    return request.accept_encodings.quality("gzip") > 0 and "Range" not in request.headers


def send_static(filename: str) -> Response:
    """The ``static`` endpoint: gzipped for JS, CSS and SVG when accepted, else Flask's own."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    compressible = os.path.splitext(filename)[1].lower() in COMPRESSIBLE
    if not (compressible and _wants_gzip()):
        response = app.send_static_file(filename)
        if response.status_code == 304:  # werkzeug drops the open file unclosed on a 304
            response.close()
        if compressible:
            response.vary.add("Accept-Encoding")
        return response
    path = safe_join(app.static_folder, filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    stat = os.stat(path)
    entry = _packed().get(path, stat)
    response = Response(entry.body, mimetype=mimetypes.guess_type(filename)[0])
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(entry.etag)
    response.last_modified = datetime.fromtimestamp(int(stat.st_mtime), timezone.utc)
    response.cache_control.no_cache = True
    max_age = app.get_send_file_max_age(filename)
    if max_age:  # as Flask's own static files: revalidated unless a max age is configured
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Serve the app's ``static`` endpoint through :func:`send_static` (the URL rule stays
    Flask's own, so ``url_for('static', …)`` is unchanged)."""
    if app.has_static_folder:
        app.view_functions["static"] = send_static
