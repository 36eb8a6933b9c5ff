"""gunicorn's access log with a fixed line: method, path (no query string), status, bytes sent,
duration in milliseconds. Nothing else: no IP address, user agent, referrer or time of day (a
time next to a path could point at a person; see ``gunicorn.conf.py``).

gunicorn's own ``Logger.access`` builds a dictionary of every request header, response header
and WSGI environ entry for each request, to fill whatever ``access_log_format`` asks for; on the
respondent flow that cost about as much as the rest of gunicorn's request handling. This line
needs five values, so it takes just those.
"""
from __future__ import annotations

from gunicorn.glogging import Logger


class AccessLogger(Logger):
    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        millis = request_time.seconds * 1000 + request_time.microseconds // 1000
        self.access_log.info("%s %s %s %s %sms", environ.get("REQUEST_METHOD"),
                             environ.get("PATH_INFO"), status, getattr(resp, "sent", None), millis)
