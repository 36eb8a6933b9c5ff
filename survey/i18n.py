"""Language selection: Vietnamese unless the visitor chose English with the visible switch.

The choice is kept in the session cookie only; nothing about it is stored in the database.
Every blueprint may add its own translation catalogue directory; Flask-Babel merges them.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request, session

from survey.extensions import babel


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def translation_directories(app: Flask) -> str:
    root = Path(app.root_path)
    dirs = [root / "translations", *sorted(root.glob("*/translations"))]
    return ";".join(str(d) for d in dirs)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", translation_directories(app))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["current_locale"] = current_locale


def current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else "vi"
