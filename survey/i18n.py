"""Language selection: Vietnamese unless the visitor chose English with the visible switch.

The choice is kept in the session cookie only; nothing about it is stored in the database.
Every blueprint may add its own translation catalogue directory; Flask-Babel merges them.
"""
from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, g, has_request_context, request, session

from survey.extensions import babel


def select_locale() -> Locale:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return _locale(chosen)
    if session.get("lang") in languages:
        return _locale(session["lang"])
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


_LOCALES: dict[str, Locale] = {}


def _locale(code: str) -> Locale:
    """The parsed locale, kept per code: Flask-Babel parses a selector's string on every request,
    and Babel checks for the locale's data file on disk each time (a ``stat`` per request)."""
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def translation_directories(app: Flask) -> str:
    root = Path(app.root_path)
    dirs = [root / "translations", *sorted(root.glob("*/translations"))]
    return ";".join(str(d) for d in dirs)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(app))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals["current_locale"] = current_locale


def _translations():
    """The request's catalogue, looked up once per request.

    Flask-Babel's template callables find it anew for every string (context, locale, domain and
    cache key each time): about a tenth of a millisecond per string, and a respondent page has
    dozens. The language cannot change after the first lookup in a request (Flask-Babel keeps
    the locale per request too), so keeping the catalogue on ``g`` changes no output.
    """
    from flask_babel import get_translations

    if not has_request_context():
        return get_translations()
    translations = g.get("_i18n_translations")
    if translations is None:
        translations = g._i18n_translations = get_translations()
    return translations


def current_locale() -> str:
    """The request's language code (cached per request: templates ask for it several times)."""
    from flask_babel import get_locale

    if not has_request_context():
        locale = get_locale()
        return str(locale) if locale else "vi"
    code = g.get("_i18n_locale")
    if code is None:
        locale = get_locale()
        code = g._i18n_locale = str(locale) if locale else "vi"
    return code
