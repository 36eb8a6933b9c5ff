"""The load loop of :func:`run_load`: all respondents driven by one thread and one ``epoll``
(no GIL hand-offs between 50 threads), each a non-blocking socket, the request in flight and its
walk (:func:`bench._load_walk.walk`) waiting for the reply; think times on a heap.
"""
from __future__ import annotations

import errno
import heapq
import http.client
import os
import random
import select
import socket
import time
from typing import Any, Generator
from urllib.parse import urlsplit

from bench._load_answers import plans_for
from bench._load_http import TIMEOUT, Browser, Reply, Request, Stats, ReplyParser
from bench._load_walk import walk

ORDER = ["intro GET", "start POST", "page POST", "submit POST", "send POST"]
_IN, _OUT, _TROUBLE = select.EPOLLIN, select.EPOLLOUT, select.EPOLLERR | select.EPOLLHUP


class _Respondent:
    """One of the ``clients`` concurrent respondents of :func:`run_load`, driven by the loop:
    a non-blocking socket, the request in flight and the walk waiting for its reply. When a
    walk ends (completed or failed) the same slot starts the next respondent."""

    def __init__(self, load: "_Load", n: int):
        self.load, self.rng = load, random.Random(load.seed * 1000 + n)
        self.browser: Browser | None = None
        self.walk: Generator[Request, Reply, str] | None = None
        self.request: Request = ("", "", "", None)
        self.pending = b""  # bytes of the request the socket has not taken yet
        self.waiting = False  # for the socket to take them (EPOLLOUT)
        self.retried = False
        self.reply = ReplyParser()
        self.started = self.due = 0.0

    def next(self) -> bool:
        """Start the next respondent; False when the run is over for this slot."""
        i = self.load.take()
        if i is None:
            return False
        address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        self.browser = Browser(self.load.base, address, None)
        self.walk = walk(self.load.slug, self.load.plans, self.rng, script=self.load.script)
        self.load.after_thinking(self, next(self.walk))
        return True

    def send(self, request: Request) -> None:
        self.request, self.retried = request, False
        self.started = time.perf_counter()
        self.due = self.started + TIMEOUT
        self._transmit()

    def _transmit(self) -> None:
        _, method, path, body = self.request
        self.pending = self.browser.message(method, path, body)
        self.reply = ReplyParser()
        sock = self.browser.sock
        if sock is None:
            sock = self.browser.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            code = sock.connect_ex(self.load.address)
            if code not in (0, errno.EINPROGRESS):
                raise ConnectionRefusedError(code, os.strerror(code))
            self.load.attach(sock, self)
            # On loopback the handshake is over when connect returns: send at once (a socket
            # still connecting refuses the bytes, and the loop waits until it is writable).
        self._write()

    def _write(self) -> None:
        try:
            sent = self.browser.sock.send(self.pending)
        except BlockingIOError:
            sent = 0
        self.pending = self.pending[sent:]
        if bool(self.pending) != self.waiting:  # wait for room in the socket, or stop waiting
            self.waiting = bool(self.pending)
            self.load.epoll.modify(self.browser.sock, _IN | _OUT if self.waiting else _IN)

    def on_event(self, events: int) -> None:
        try:
            if events & _OUT and self.pending:
                self._write()
            if events & (_IN | _TROUBLE):
                self._readable()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            # A kept-alive connection the server had already closed: a GET is sent again once.
            self._drop()
            if self.request[1] == "POST" or self.retried:
                self.fail(exc)
            else:
                self.retried = True
                try:
                    self._transmit()
                except Exception as again:
                    self.fail(again)
        except Exception as exc:  # report, keep going: one failure must not end the run
            self.fail(exc)

    def _readable(self) -> None:
        try:
            data = self.browser.sock.recv(262144)
        except BlockingIOError:
            return
        reply = self.reply
        if data:
            if not reply.feed(data):
                return
        else:
            reply.eof()
        stats = self.load.stats
        kind = self.request[0]
        done = self.load.now if self.load.now > self.started else time.perf_counter()
        stats.latencies[kind].append(done - self.started)
        stats.requests += 1
        self.browser.absorb(reply)
        if reply.will_close:
            self._drop()
        try:
            request = self.walk.send((reply.status, reply.location, reply.body))
        except StopIteration:
            stats.completes += 1
            self._finish()
            return
        self.load.after_thinking(self, request)

    def _drop(self) -> None:
        if self.browser.sock is not None:
            self.load.detach(self.browser.sock)
            self.browser.close()

    def fail(self, exc: BaseException) -> None:
        self.load.stats.errors.append(f"{type(exc).__name__}: {exc}")
        self._finish()

    def _finish(self) -> None:
        if self.browser is not None:
            self._drop()
        if self.walk is not None:
            self.walk.close()
        self.walk = self.browser = None
        self.load.ready.append(self)


class _Load:
    """The loop of :func:`run_load`: ``clients`` respondents on one thread and one epoll."""

    def __init__(self, base: str, slug: str, definition: dict[str, Any], clients: int,
                 completes: int, duration: float, seed: int, script: bool = False,
                 think: float = 0.0):
        parts = urlsplit(base)
        self.base, self.slug, self.seed, self.script = base, slug, seed, script
        self.address = (parts.hostname, parts.port or 80)
        self.plans = plans_for(definition)
        self.stats = Stats(latencies={kind: [] for kind in ORDER})
        self.completes, self.deadline = completes, time.monotonic() + duration
        self.counter = 0
        self.now = 0.0  # when the last poll returned
        self.epoll = select.epoll()
        self.sockets: dict[int, _Respondent] = {}  # by file descriptor
        self.ready = [_Respondent(self, n) for n in range(clients)]  # slots to (re)start
        self.think = think  # mean seconds a respondent waits before each request
        self.thinking: list[tuple[float, int, _Respondent, Request]] = []  # a heap, by when
        self.rng = random.Random(seed)

    def after_thinking(self, respondent: _Respondent, request: Request) -> None:
        """Send ``request`` now, or after an exponentially distributed think time."""
        if not self.think:
            respondent.send(request)
            return
        when = time.perf_counter() + self.rng.expovariate(1 / self.think)
        respondent.due = float("inf")  # no request out: nothing to time out while thinking
        heapq.heappush(self.thinking, (when, id(respondent), respondent, request))

    def attach(self, sock: socket.socket, respondent: _Respondent) -> None:
        self.epoll.register(sock, _IN)
        respondent.waiting = False
        self.sockets[sock.fileno()] = respondent

    def detach(self, sock: socket.socket) -> None:
        self.sockets.pop(sock.fileno(), None)
        try:
            self.epoll.unregister(sock)
        except (KeyError, OSError):  # failed before it was registered
            pass

    def take(self) -> int | None:
        """The number of the next respondent, or None when the run is over."""
        if self.counter >= self.completes or time.monotonic() >= self.deadline:
            return None
        self.counter += 1
        return self.counter - 1

    def run(self) -> None:
        active = len(self.ready)
        poll, sockets, ready = self.epoll.poll, self.sockets, self.ready
        sweep = time.perf_counter() + 1
        try:
            while True:
                while ready:
                    slot = ready.pop()
                    try:
                        started = slot.next()
                    except Exception as exc:  # the first request could not even go out
                        slot.fail(exc)
                        continue
                    if not started:
                        active -= 1
                if not active:
                    break
                thinking = self.thinking
                wait = 1.0 if not thinking else \
                    min(1.0, max(0.0, thinking[0][0] - time.perf_counter()))
                events = poll(wait)
                # A reply is in when poll returns: its time, however long the batch takes.
                self.now = now = time.perf_counter()
                for fd, happened in events:
                    respondent = sockets.get(fd)
                    if respondent is not None:  # else closed by an earlier event of this batch
                        respondent.on_event(happened)
                while thinking and thinking[0][0] <= now:
                    _, _, respondent, request = heapq.heappop(thinking)
                    try:
                        respondent.send(request)
                    except Exception as exc:
                        respondent.fail(exc)
                if now > sweep:  # requests that never got an answer
                    sweep = now + 1
                    for respondent in [r for r in sockets.values() if r.due < now]:
                        respondent.fail(TimeoutError("timed out"))
        finally:
            for respondent in list(sockets.values()):
                respondent.browser.close()
            self.epoll.close()


def run_load(base: str, slug: str, definition: dict[str, Any], clients: int, completes: int,
             duration: float, seed: int = 1, script: bool = False,
             think: float = 0.0) -> tuple[Stats, float]:
    """``clients`` concurrent respondents complete responses until ``completes`` are done or
    ``duration`` s have passed (walks under way then finish); ``script``: browsers whose page
    script runs (see :func:`bench._load_walk.walk`); ``think``: mean seconds each respondent
    waits before each request (exponentially distributed; 0: none, every client always has a
    request out)."""
    load = _Load(base, slug, definition, clients, completes, duration, seed, script, think)
    started = time.perf_counter()
    load.run()
    stats = load.stats
    stats.latencies = {kind: values for kind, values in stats.latencies.items() if values}
    return stats, time.perf_counter() - started
