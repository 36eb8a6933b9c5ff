"""``flask analysis export CAMPAIGN --format … -o FILE``: the analyst's files from the command
line, with a progress bar. Registered on the ``analysis`` group (see :mod:`survey.cli.analysis`).

Row-level formats (csv, sav, dta) write one row per response; free text only with
``--include-text``. Every export is written to the audit log (actor: the operator's shell,
shown as no user).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from survey.cli.analysis import analysis_cli

CLI_FORMATS = {"csv": "csv", "sav": "sav", "dta": "dta", "xlsx": "book-xlsx",
               "docx": "report-docx", "codebook": "codebook", "codebook-html": "codebook-html",
               "tables-csv": "table-csv"}


class _Bar:
    """Adapts click's progress bar to the exports' ``set_total``/``advance``."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None

    def set_total(self, total: int) -> None:
        self.bar = click.progressbar(length=max(total, 1), label=self.label,
                                     show_pos=True, file=sys.stderr)
        self.bar.__enter__()

    def advance(self, amount: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@analysis_cli.command("export")
@click.argument("campaign")
@click.option("--format", "fmt", type=click.Choice(sorted(CLI_FORMATS)), required=True,
              help="csv/sav/dta: row-level data; xlsx: banner book; docx: Word report; "
                   "codebook (XLSX) or codebook-html.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="File to write (created only when complete).")
@click.option("--include-text", is_flag=True, help="Keep free-text answers in row-level files.")
@click.option("--item", help="With --format tables-csv: the item to tabulate.")
@click.option("--banner", help="With --format tables-csv: the banner to cross it by.")
def export_command(campaign: str, fmt: str, output: Path, include_text: bool,
                   item: str | None, banner: str | None) -> None:
    """Write CAMPAIGN's (id or slug) data, tables or report to a file."""
    from werkzeug.datastructures import MultiDict

    from analysis.disclosure import DisclosureRefused
    from survey.extensions import db
    from survey.services import audit
    from survey.services import tabulation as service
    from survey.services.campaigns import find_campaign
    from survey.services.exports import ExportError, run_export

    found = find_campaign(db.session, campaign)
    if found is None:
        raise click.ClickException(f"no campaign {campaign!r} (give its id or slug)")
    wanted = None
    if fmt == "tables-csv":
        if not item:
            raise click.ClickException("--format tables-csv needs --item")
        try:
            wanted = service.table_request(found.version.definition,
                                           MultiDict({"item": item, **({"banner": banner}
                                                                       if banner else {})}))
        except service.RequestError as error:
            raise click.ClickException(f"invalid {error}") from error
    internal = CLI_FORMATS[fmt]
    audit.record(db.session, None, "analysis.export", target=f"campaign:{found.id}",
                 details={"format": internal, "row_level": internal in ("csv", "sav", "dta"),
                          "include_text": include_text, "via": "cli"})
    db.session.commit()
    bar = _Bar(f"{found.slug} → {output.name}")
    try:
        run_export(internal, found, output, bar, session=db.session, request=wanted,
                   include_text=include_text)
    except (ExportError, DisclosureRefused) as error:
        message = getattr(error, "message", None)
        raise click.ClickException(message.vi if message is not None else str(error)) \
            from error
    finally:
        bar.close()
    click.echo(f"wrote {output}")
