"""The survey platform's Flask application factory.

``create_app`` sets configuration, binds extensions and registers blueprints: nothing else.
No database writes, no migrations and no network calls happen at start-up. It lives in a module
of its own so that ``import survey`` pulls in no Flask: :mod:`analysis` imports the pure layer
(``survey.questionnaire`` and ``survey.schema``) without the web application.
"""
from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(config: Any = None) -> Flask:
    """Build the app. ``config`` is a config class/object or a mapping of overrides."""
    app = Flask(__name__, instance_relative_config=True)

    from survey.config import Config, ensure_secret_key, sqlite_default_uri

    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    os.makedirs(app.instance_path, exist_ok=True)
    database_configured = bool(app.config.get("SQLALCHEMY_DATABASE_URI"))
    if not database_configured:
        app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_default_uri(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        if database_configured:
            # A shared database means a real deployment, maybe several app servers: a key made
            # up here would differ on each, breaking sessions, access codes and the sign-in
            # count across them.
            raise RuntimeError(
                "SECRET_KEY is not set. With DATABASE_URL set, every app server must be given "
                "the same SECRET_KEY (see docs/deploy.md); refusing to start with a key of its "
                "own.")
        app.config["SECRET_KEY"] = ensure_secret_key(app.instance_path)

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from survey import database, i18n, security, errors, cli, static_gzip

    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    static_gzip.init_app(app)

    from survey.respond import bp as respond_bp
    from survey.auth import bp as auth_bp
    from survey.designer import bp as designer_bp
    from survey.analyst import bp as analyst_bp
    from survey.admin import bp as admin_bp
    from survey.campaigns import bp as campaigns_bp
    from survey.entry import bp as entry_bp
    from survey.paper import bp as paper_bp

    app.register_blueprint(respond_bp)
    app.register_blueprint(auth_bp, url_prefix="/staff")
    app.register_blueprint(designer_bp, url_prefix="/staff/designer")
    app.register_blueprint(analyst_bp, url_prefix="/staff/analyst")
    app.register_blueprint(admin_bp, url_prefix="/staff/admin")
    app.register_blueprint(campaigns_bp, url_prefix="/staff/campaigns")
    app.register_blueprint(entry_bp, url_prefix="/staff/entry")
    app.register_blueprint(paper_bp, url_prefix="/staff/paper")
    return app
