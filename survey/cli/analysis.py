"""``flask analysis …``: cross-tabs and banner books from the command line.

Thin: finds the campaign, builds a :class:`analysis.DatabaseSource` on the app's engine and calls
the :mod:`analysis` functions; the campaign's disclosure threshold applies to every output.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from analysis.exports.cells import neutralise_frame
from survey.extensions import db
from survey.models import Campaign

analysis_cli = AppGroup("analysis", help="Tables, weights and exports.")


def _campaign(slug: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise click.ClickException(f"No campaign {slug!r} (flask campaign … lists them).")
    return campaign


def _variable(definition: dict, name: str) -> str:
    """A banner given by its dimension (``level``; ``mode``: the collection mode) or any
    variable given by its id (``A2``, ``MODE``)."""
    from survey.services.tabulation import banner_items, find_variable

    for item in banner_items(definition):
        if item.get("dimension") == name:
            return item["id"]
    if find_variable(definition, name) is None:
        known = ", ".join(f"{b['dimension']} ({b['id']})" for b in banner_items(definition))
        raise click.ClickException(f"No item or banner {name!r}. Banners: {known}.")
    return name


def _setup(slug: str, weights_csv: str | None):
    from analysis import DatabaseSource, Filter
    from analysis.weighting import cell_weights, read_margins

    campaign = _campaign(slug)
    definition = campaign.version.definition
    source = DatabaseSource(db.engine, campaign.version_id, definition)
    flt = Filter(campaign_ids=(campaign.id,))
    weights = None
    if weights_csv:
        try:
            margins = {_variable(definition, name): series
                       for name, series in read_margins(weights_csv).items()}
            weights = cell_weights(source, margins, flt)
        except (ValueError, KeyError) as exc:
            raise click.ClickException(f"Weights: {exc}") from exc
        click.echo(weights.report.describe())
    return campaign, definition, source, flt, weights


@analysis_cli.command("crosstab")
@click.argument("campaign")
@click.argument("item")
@click.option("--by", "by", required=True, help="Banner: dimension (level) or item id (A2).")
@click.option("--by2", help="Second banner, nested inside the first.")
@click.option("--weights", "weights_csv", type=click.Path(exists=True, dir_okay=False),
              help="Population margins CSV (variable,code,target) to rake to.")
@click.option("--percent", type=click.Choice(["col_pct", "row_pct", "total_pct"]),
              default="col_pct", show_default=True)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def crosstab_command(campaign: str, item: str, by: str, by2: str | None,
                     weights_csv: str | None, percent: str, lang: str) -> None:
    """Print ITEM of CAMPAIGN by a banner, with tests, letters and disclosure control."""
    from analysis import DisclosureRefused, crosstab, multiple, numeric, ranking
    from analysis.text import render

    found, definition, source, flt, weights = _setup(campaign, weights_csv)
    item, by = _variable(definition, item), _variable(definition, by)
    by2 = _variable(definition, by2) if by2 else None
    kind = source.layout.item(item)["type"]
    k = found.disclosure_threshold
    try:
        if kind in ("single", "grid"):
            if kind == "grid" and "." not in item:
                raise click.ClickException(f"{item} is a grid: name a row, e.g. {item}.1")
            result = crosstab(source, item, by, by2, flt, weights, k=k, language=lang)
        elif kind == "multiple":
            result = multiple(source, item, by, flt, weights, k=k, language=lang)
        elif kind == "ranking":
            result = ranking(source, item, by, flt, weights, k=k, language=lang)
        elif kind == "numeric":
            result = numeric(source, item, by, flt, weights, k=k, language=lang)
        else:
            raise click.ClickException(f"{item} ({kind}) has no table")
    except DisclosureRefused as refused:
        raise click.ClickException(refused.message.text(lang)) from refused
    click.echo(render(result, lang, percent))


@analysis_cli.command("book")
@click.argument("campaign")
@click.option("--by", "banners", multiple=True, required=True,
              help="Banner (repeatable): dimension (level, field, rank) or item id.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="CSV file: one row per cell of every table.")
@click.option("--weights", "weights_csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def book_command(campaign: str, banners: tuple[str, ...], output: str,
                 weights_csv: str | None, lang: str) -> None:
    """Write every item of CAMPAIGN by every --by banner to a CSV (suppressed cells: x)."""
    from analysis import SUPPRESSED_MARK, banner_book

    found, definition, source, flt, weights = _setup(campaign, weights_csv)
    names = [_variable(definition, b) for b in banners]
    book = banner_book(source, names, flt=flt, weights=weights,
                       k=found.disclosure_threshold, language=lang)
    frame = book.to_frame()
    numbers = frame.select_dtypes("number").columns.difference(["row", "column", "option"])
    frame[numbers] = frame[numbers].astype(object)
    hidden = frame["suppressed"].fillna(False).astype(bool)
    frame.loc[hidden, numbers] = SUPPRESSED_MARK
    neutralise_frame(frame).to_csv(Path(output), index=False, encoding="utf-8-sig")
    click.echo(f"{len(book.tables)} tables, {len(frame)} cells → {output} "
               f"({book.seconds:.1f} s; disclosure threshold k = {found.disclosure_threshold})")
    for item, banner, message in book.errors:
        click.echo(f"  refused {item} × {banner or '—'}: {message.text(lang)}", err=True)


# The export command (issue 8) lives in its own module and registers itself on this group.
from survey.cli import analysis_export  # noqa: E402,F401
