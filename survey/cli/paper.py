"""``flask questionnaire print``: the paper questionnaire of a published version as an A4 PDF."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from survey.extensions import db
from survey.models import QuestionnaireVersion
from survey.services.paper_print import MAX_COPIES, PrintError, questionnaire_pdf
from survey.services.questionnaires import by_slug, latest_version


@click.command("print")
@click.argument("slug")
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the latest published).")
@click.option("--copies", type=click.IntRange(0, MAX_COPIES), default=0, show_default=True,
              help="Sheets with a fresh random sheet id each (0: one sheet without an id).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF file to write (default: phieu-SLUG-vN.pdf).")
@with_appcontext
def print_command(slug: str, number: int | None, copies: int, output: Path | None) -> None:
    """Print a published version of questionnaire SLUG to an A4 PDF (Debian's Chromium)."""
    questionnaire = by_slug(db.session, slug)
    if questionnaire is None:
        raise click.ClickException(f"no questionnaire {slug!r}")
    if number is None:
        version = latest_version(db.session, questionnaire)
    else:
        version = db.session.scalar(select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.number == number))
    if version is None:
        raise click.ClickException(f"{slug}: no published version"
                                   + (f" {number}" if number else ""))
    try:
        data = questionnaire_pdf(version.definition, version.number, copies)
    except PrintError as exc:
        raise click.ClickException(f"printing failed: {exc}") from exc
    output = output or Path(f"phieu-{slug}-v{version.number}.pdf")
    output.write_bytes(data)
    from pypdf import PdfReader

    pages = len(PdfReader(str(output)).pages)
    click.echo(f"{output}: {slug} version {version.number}, {pages} pages"
               + (f", {copies} sheets with ids" if copies else ""))
