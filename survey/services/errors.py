"""The one error a service raises when it refuses a change, and the one way its message is
translated.

A service does not know who reads its refusal: a staff page in Vietnamese or English, or an
operator's terminal. So it raises :class:`ServiceError` with the Vietnamese source message (the
msgid, marked with :func:`N_` for extraction) and the values to fill in; the caller renders it
with :meth:`ServiceError.translated`, once, where the language is known.
"""
from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import force_locale, gettext


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (it is translated when shown)."""
    return message


def translate(message: str, **values: Any) -> str:
    """``message`` in the request's language; the Vietnamese source outside a request (the
    command line, tests), where no visitor has chosen a language."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


class ServiceError(ValueError):
    """A service refused: nothing was written, and the message says why.

    ``template`` is the Vietnamese source message with ``%(name)s`` placeholders, ``values``
    fills them, ``field`` names the form field the problem belongs to (or None). ``str()`` is
    the Vietnamese message (what the error *is*, for logs and tests); views show
    :meth:`translated`.
    """

    def __init__(self, template: str, field: str | None = None, **values: Any):
        self.template = template
        self.field = field
        self.values = values
        super().__init__(self.source())

    def source(self) -> str:
        """The Vietnamese message with its placeholders filled."""
        return self.template % self.values if self.values else self.template

    def translated(self, locale: str | None = None) -> str:
        """The message in ``locale``, else in the request's language (Vietnamese outside a
        request). ``locale`` needs an app context (the catalogues are the app's)."""
        if locale is not None:
            with force_locale(locale):
                return gettext(self.template, **self.values)
        return translate(self.template, **self.values)

    def __str__(self) -> str:
        return self.source()
