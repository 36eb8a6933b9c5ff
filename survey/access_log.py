"""gunicorn's access log with a fixed line: method, path (no query string), status, bytes sent,
duration in milliseconds, control characters escaped. Nothing else: no IP address, user agent, referrer or time of day (a
time next to a path could point at a person; see ``gunicorn.conf.py``).

gunicorn's own ``Logger.access`` builds a dictionary of every request header, response header
and WSGI environ entry for each request, to fill whatever ``access_log_format`` asks for; on the
respondent flow that cost about as much as the rest of gunicorn's request handling. This line
needs five values, so it takes just those.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def escape_control(text: object) -> str:
    """``text`` with control characters (and the backslash) written as ``\\xNN``: a URL with
    an encoded newline cannot forge a second log line."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", str(text))


class AccessLogger(Logger):
    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        millis = request_time.seconds * 1000 + request_time.microseconds // 1000
        self.access_log.info("%s %s %s %s %sms", escape_control(environ.get("REQUEST_METHOD")),
                             escape_control(environ.get("PATH_INFO")), status,
                             getattr(resp, "sent", None), millis)
