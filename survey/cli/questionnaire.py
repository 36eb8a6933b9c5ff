from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from survey.extensions import db
from survey.questionnaire import DefinitionError
from survey.services.questionnaires import load_shipped

questionnaire_cli = AppGroup("questionnaire", help="Questionnaire definitions and versions.")


@questionnaire_cli.command("load-shipped")
def load_shipped_command() -> None:
    """Load and publish every questionnaire shipped in questionnaires/ (idempotent)."""
    try:
        versions = load_shipped(db.session, current_app.config["QUESTIONNAIRE_DIR"])
    except DefinitionError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for version in versions:
        click.echo(f"{version.questionnaire.slug}: version {version.number} ({version.content_hash[:12]})")
