"""``flask questionnaire …``: validate, import, publish, export and load the shipped definitions."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from survey.extensions import db
from survey.questionnaire import (DefinitionError, diff, dump_yaml, iter_items, iter_pages,
                                  read_file, to_xlsx)
from survey.services.questionnaires import (by_slug, latest_version, load_shipped, publish,
                                            save_draft)

questionnaire_cli = AppGroup("questionnaire", help="Questionnaire definitions and versions.")


def _fail(exc: DefinitionError, name: str) -> None:
    for message in exc.errors:
        click.echo(message, err=True)
    click.echo(f"{name}: {len(exc.errors)} problem(s) found; nothing was changed.", err=True)
    db.session.rollback()
    raise SystemExit(1)


def _report_version(slug: str, version, previous) -> None:
    if previous is not None and version.id == previous.id:
        click.echo(f"{slug}: unchanged, still version {version.number} "
                   f"({version.content_hash[:12]})")
        return
    click.echo(f"{slug}: published version {version.number} ({version.content_hash[:12]})")
    if previous is not None:
        for change in diff(previous.definition, version.definition):
            click.echo(f"  {change.kind:8} {change.item or '-':6} {change.what}")


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
        raise SystemExit(1) from None
    for note in notes:
        click.echo(f"note: {note}")
    items = sum(1 for item in iter_items(definition) if item["type"] != "note")
    pages = sum(1 for _ in iter_pages(definition))
    click.echo(f"{path.name}: valid — {definition['id']}, {pages} pages, {items} questions.")


@questionnaire_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--publish", "publish_now", is_flag=True, help="Publish the draft straight away.")
def import_command(path: Path, publish_now: bool) -> None:
    """Import a YAML or XLSForm file as the draft of the questionnaire it names."""
    try:
        definition, notes = read_file(path)
        existing = by_slug(db.session, definition["id"])
        previous = latest_version(db.session, existing) if existing else None
        questionnaire = save_draft(db.session, definition)
        version = publish(db.session, questionnaire) if publish_now else None
    except DefinitionError as exc:
        _fail(exc, path.name)
        return
    db.session.commit()
    for note in notes:
        click.echo(f"note: {note}")
    click.echo(f"{questionnaire.slug}: draft saved from {path.name}")
    if version is not None:
        _report_version(questionnaire.slug, version, previous)


@questionnaire_cli.command("publish")
@click.argument("path_or_slug")
def publish_command(path_or_slug: str) -> None:
    """Publish a file (imported first) or the current draft of the questionnaire SLUG."""
    path = Path(path_or_slug)
    try:
        if path.is_file():
            definition, notes = read_file(path)
            for note in notes:
                click.echo(f"note: {note}")
            questionnaire = save_draft(db.session, definition)
        else:
            questionnaire = by_slug(db.session, path_or_slug)
            if questionnaire is None:
                raise click.ClickException(f"No file and no questionnaire named {path_or_slug!r}.")
            if questionnaire.draft is None:
                raise click.ClickException(f"{path_or_slug} has no draft to publish.")
        previous = latest_version(db.session, questionnaire)
        version = publish(db.session, questionnaire)
    except DefinitionError as exc:
        _fail(exc, path_or_slug)
        return
    db.session.commit()
    _report_version(questionnaire.slug, version, previous)


@questionnaire_cli.command("export")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default="yaml",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: SLUG.yaml / SLUG.xlsx; '-' = standard output, "
                   "YAML only).")
@click.option("--version", "number", type=int, help="A published version (default: latest).")
@click.option("--draft", is_flag=True, help="Export the working draft instead of a version.")
def export_command(slug: str, fmt: str, output: Path | None, number: int | None,
                   draft: bool) -> None:
    """Write a questionnaire as YAML or XLSForm."""
    questionnaire = by_slug(db.session, slug)
    if questionnaire is None:
        raise click.ClickException(f"No questionnaire named {slug!r}.")
    if draft:
        definition = questionnaire.draft
        if definition is None:
            raise click.ClickException(f"{slug} has no draft.")
    else:
        versions = {v.number: v for v in questionnaire.versions}
        if number is not None and number not in versions:
            raise click.ClickException(f"{slug} has no version {number}.")
        if not versions:
            raise click.ClickException(f"{slug} has no published version; use --draft.")
        definition = versions[number if number is not None else max(versions)].definition
    try:
        content = dump_yaml(definition).encode("utf-8") if fmt == "yaml" else to_xlsx(definition)
    except DefinitionError as exc:
        _fail(exc, slug)
        return
    if output is not None and str(output) == "-":
        if fmt == "xlsx":
            raise click.ClickException("An .xlsx workbook cannot go to standard output; use -o.")
        click.echo(content.decode("utf-8"), nl=False)
        return
    output = output or Path(f"{slug}.{fmt}")
    output.write_bytes(content)
    click.echo(f"{slug}: written to {output}")
