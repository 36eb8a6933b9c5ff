"""HTTP/1.1 for the load generator (:mod:`bench.load`), spoken over plain sockets: one ``send``
per request, and of the response only what the walk reads (status, length or chunking,
``Connection``, ``Location``, ``Set-Cookie``, gzip), picked out by one regex. :class:`Browser`
is one respondent's cookie jar and kept-alive connection, used blocking by
:func:`bench._load_walk.complete_one` and non-blocking by the loop of :mod:`bench._load_loop`.
"""
from __future__ import annotations

import http.client
import re
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

TIMEOUT = 30.0
# The only response headers the walk reads (each header line follows a CRLF).
_HEADERS = re.compile(rb"\r\n(content-length|transfer-encoding|connection|location|set-cookie|"
                      rb"content-encoding)[ \t]*:"
                      rb"[ \t]*([^\r\n]*)", re.IGNORECASE)

Request = tuple[str, str, str, "bytes | None"]  # kind, method, path, url-encoded form
Reply = tuple[int, "str | None", bytes]  # status, Location, body


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    completes: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            self.requests += 1


class ReplyParser:
    """One HTTP/1.1 response read off a connection, fed as bytes arrive. Only what the walk
    needs is read from the headers: status, length or chunking, ``Connection``,
    ``Location`` and ``Set-Cookie``."""

    __slots__ = ("data", "start", "status", "length", "chunked", "will_close", "location",
                 "cookies", "body", "gzip")

    def __init__(self) -> None:
        self.data = b""
        self.start = -1  # where the body starts, once the headers are in
        self.body: bytes | None = None

    def feed(self, data: bytes) -> bool:
        """Take bytes; True once the response is complete (then ``body`` is set)."""
        self.data += data
        if self.start < 0:
            end = self.data.find(b"\r\n\r\n")
            if end < 0:
                return False
            self._headers(self.data[:end + 2])
            self.start = end + 4
        if self.length is not None:
            if len(self.data) - self.start < self.length:
                return False
            self.body = self.data[self.start:self.start + self.length]
        elif self.chunked:
            self.body = _dechunked(self.data, self.start)
        if self.body is not None and self.gzip:
            self.body = zlib.decompress(self.body, 31)
            self.gzip = False
        return self.body is not None

    def eof(self) -> None:
        """The server closed the connection: the end of a body without a length, or an error."""
        if not self.data:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        if self.start >= 0 and self.length is None and not self.chunked:
            self.body = self.data[self.start:]
            if self.gzip:
                self.body = zlib.decompress(self.body, 31)
            return
        raise http.client.IncompleteRead(self.data)

    def _headers(self, head: bytes) -> None:
        status_line = head[:head.find(b"\r\n")]
        version, _, rest = status_line.partition(b" ")
        try:
            self.status = int(rest[:3])
        except ValueError:
            raise http.client.BadStatusLine(status_line.decode("latin-1")) from None
        length, self.location, self.chunked, connection, self.cookies = None, None, False, b"", []
        self.gzip = False
        for name, value in _HEADERS.findall(head):
            name, value = name.lower(), value.rstrip()
            if name == b"content-length":
                length = int(value)
            elif name == b"set-cookie":
                self.cookies.append(value.decode("latin-1"))
            elif name == b"connection":
                connection = value.lower()
            elif name == b"location":
                self.location = value.decode("latin-1")
            elif name == b"content-encoding":
                self.gzip = value.lower() == b"gzip"
            else:
                self.chunked = b"chunked" in value.lower()
        self.length = None if self.chunked else length
        if self.status in (204, 304) or 100 <= self.status < 200:
            self.length = 0
        self.will_close = connection == b"close" or (version == b"HTTP/1.0" and connection != b"keep-alive") \
            or (self.length is None and not self.chunked)


def _dechunked(data: bytes, at: int) -> bytes | None:
    """The body of a chunked response starting at ``at``, or None while incomplete."""
    parts = []
    while True:
        eol = data.find(b"\r\n", at)
        if eol < 0:
            return None
        size = int(data[at:eol].split(b";", 1)[0], 16)
        if size == 0:  # trailers, if any, then an empty line
            if data[eol + 2:eol + 4] == b"\r\n" or data.find(b"\r\n\r\n", eol) >= 0:
                return b"".join(parts)
            return None
        if len(data) < eol + 2 + size + 2:
            return None
        parts.append(data[eol + 2:eol + 2 + size])
        at = eol + 2 + size + 2


class Browser:
    """One respondent's browser: a cookie jar and one kept-alive HTTP/1.1 connection (reopened
    when the server closes it). :meth:`request` is blocking; the loop of :func:`run_load` uses
    :meth:`message` and :meth:`absorb` with its own non-blocking sockets."""

    def __init__(self, base: str, address: str, stats: Stats | None, timeout: float = TIMEOUT):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.address, self.stats, self.timeout = address, stats, timeout
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        # The headers every request carries, in the order http.client sends them.
        # gzip, as browsers ask: respondent pages then come compressed (the server's cost).
        self._host = f"Host: {self.host}:{self.port}\r\nAccept-Encoding: gzip\r\n".encode("latin-1")
        self._fixed = (f"X-Forwarded-For: {address}\r\nX-Forwarded-Proto: http\r\n"
                       f"Accept-Language: vi\r\n").encode("latin-1")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def message(self, method: str, path: str, body: bytes | None) -> bytes:
        """The request, headers and body, to go out in one ``send``."""
        head = f"{method} {path} HTTP/1.1\r\n".encode("ascii") + self._host
        if body is not None:
            head += b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        head += self._fixed
        if self.cookies:
            head += ("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items())
                     + "\r\n").encode("latin-1")
        if body is None:
            return head + b"\r\n"
        return head + b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" + body

    def absorb(self, reply: ReplyParser) -> None:
        """Cookies set or cleared by a response."""
        for value in reply.cookies:
            name, _, rest = value.partition("=")
            low = value.lower()
            if "max-age=0" in low or "expires=thu, 01 jan 1970" in low:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = rest.split(";", 1)[0]

    def fetch(self, kind: str, method: str, path: str, body: bytes | None = None) -> Reply:
        """One request, blocking; ``body`` is the url-encoded form."""
        message = self.message(method, path, body)
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection((self.host, self.port), self.timeout)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.sendall(message)
                reply = ReplyParser()
                while True:
                    data = self.sock.recv(262144)
                    if not data:
                        reply.eof()
                        break
                    if reply.feed(data):
                        break
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had already closed: reconnect once.
                self.close()
                if attempt == 2 or method == "POST":
                    raise
            except BaseException:
                self.close()
                raise
        elapsed = time.perf_counter() - started
        if self.stats is not None:
            self.stats.record(kind, elapsed)
        self.absorb(reply)
        if reply.will_close:
            self.close()
        return reply.status, reply.location, reply.body

    def request(self, kind: str, method: str, path: str,
                form: dict[str, Any] | list[tuple[str, Any]] | None = None) -> tuple[int, str | None, str]:
        """One request with a form (a dict or a list of pairs), blocking; the page as text."""
        body = None if form is None else urlencode(form, doseq=True).encode()
        status, location, page = self.fetch(kind, method, path, body)
        return status, location, page.decode("utf-8", "replace")
