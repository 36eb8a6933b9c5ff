"""``flask questionnaire …``: validate, import, publish, export and load the shipped definitions."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from survey.extensions import db
from survey.questionnaire import DefinitionError, iter_items, iter_pages, read_file
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


@questionnaire_cli.command("validate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def validate_command(path: Path) -> None:
    """Check a YAML or XLSForm (.xlsx) definition; print every problem (exit code 1 if any)."""
    try:
        definition, notes = read_file(path)
    except DefinitionError as exc:
        for message in exc.errors:
            click.echo(message, err=True)
        click.echo(f"{path.name}: {len(exc.errors)} problem(s) found.", err=True)
        raise SystemExit(1)
    for note in notes:
        click.echo(f"note: {note}")
    items = sum(1 for item in iter_items(definition) if item["type"] != "note")
    pages = sum(1 for _ in iter_pages(definition))
    click.echo(f"{path.name}: valid — {definition['id']}, {pages} pages, {items} questions.")
