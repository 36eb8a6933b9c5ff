"""``flask campaign …``: create and list campaigns, generate access codes, open the demo, rebuild
the monitor's banner tallies.

Dates on the command line are Vietnam time (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``), as on the
staff pages; they are stored in UTC. Plain access codes go to the output file (or stdout) once
and are never stored.
"""
from __future__ import annotations

import csv
import sys
from datetime import datetime, time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from analysis.exports.cells import neutralise_row
from survey.config import command_line_base_url
from survey.extensions import db
from survey.models import AccessMode, Campaign, Questionnaire, QuestionnaireVersion
from survey.services.access_codes import generate_batch
from survey.services.settings import anonymity_floor
from survey.services.campaigns import (campaign_link, campaign_state, create_campaign,
                                       ensure_demo_campaign, from_local, limits_from, to_local)
from survey.services.errors import ServiceError
from survey.services.monitor import rebuild_banner_tallies, status_counts
from survey.services import synthetic
from survey.services.questionnaires import latest_version
from survey.services.synthetic import MAX_RESPONSES as MAX_SYNTHETIC

campaign_cli = AppGroup("campaign", help="Campaigns and access codes.")


def _local_moment(value: str | None, end_of_day: bool = False) -> datetime | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
        at = parsed.time() if pattern != "%Y-%m-%d" else (time(23, 59) if end_of_day else time(0))
        return from_local(parsed.date(), at)
    raise click.BadParameter(f"{value!r}: expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM' (Vietnam time)")


def _find_campaign(slug_or_id: str) -> Campaign:
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug_or_id))
    if campaign is None and slug_or_id.isdigit():
        campaign = db.session.get(Campaign, int(slug_or_id))
    if campaign is None:
        raise click.ClickException(f"No campaign {slug_or_id!r} (give its link name or id).")
    return campaign


@campaign_cli.command("create")
@click.option("--questionnaire", "questionnaire_slug", help="Questionnaire id; its latest version.")
@click.option("--version", "version_id", type=int, help="Published version id (instead of --questionnaire).")
@click.option("--slug", required=True, help="Link name: /s/<slug>.")
@click.option("--title", required=True)
@click.option("--access", type=click.Choice([m.value for m in AccessMode]), default="open",
              show_default=True)
@click.option("--opens", help="Opening time, Vietnam time.")
@click.option("--closes", help="Closing time, Vietnam time (a bare date closes at 23:59).")
@click.option("--max-responses", type=int)
@click.option("--threshold", type=int, help="Disclosure threshold (default: DISCLOSURE_THRESHOLD).")
def create_command(questionnaire_slug, version_id, slug, title, access, opens, closes,
                   max_responses, threshold) -> None:
    """Create a campaign on a published questionnaire version."""
    if version_id is not None:
        version = db.session.get(QuestionnaireVersion, version_id)
    elif questionnaire_slug:
        questionnaire = db.session.scalar(
            select(Questionnaire).where(Questionnaire.slug == questionnaire_slug))
        version = latest_version(db.session, questionnaire) if questionnaire else None
    else:
        raise click.UsageError("Give --questionnaire or --version.")
    if version is None:
        raise click.ClickException("No published version found.")
    try:
        campaign = create_campaign(db.session, version, slug, title, AccessMode(access),
                                   _local_moment(opens), _local_moment(closes, end_of_day=True),
                                   max_responses, threshold,
                                   limits=limits_from(current_app.config))
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.translated()) from None
    db.session.commit()
    base = command_line_base_url(current_app.config.get("PUBLIC_BASE_URL"))
    click.echo(f"Campaign {campaign.id}: {campaign_link(campaign, base)}")


@campaign_cli.command("list")
def list_command() -> None:
    """One line per campaign: id, link name, state, completes/partials, dates (Vietnam time)."""
    campaigns = list(db.session.scalars(select(Campaign).order_by(Campaign.id)))
    counts = status_counts(db.session, [c.id for c in campaigns])
    if not campaigns:
        click.echo("No campaigns.")
    for c in campaigns:
        opens, closes = to_local(c.opens_at), to_local(c.closes_at)
        click.echo("\t".join([
            str(c.id), c.slug, campaign_state(db.session, c).value, c.access_mode.value,
            f"{counts[c.id].complete} complete", f"{counts[c.id].partial} partial",
            opens.strftime("%Y-%m-%d %H:%M") if opens else "-",
            closes.strftime("%Y-%m-%d %H:%M") if closes else "-", c.title,
        ]))


@campaign_cli.command("codes")
@click.argument("campaign_ref")
@click.option("--size", type=int, required=True, help="Number of codes (≥ the disclosure threshold).")
@click.option("--label", default="", help="Batch label (e.g. the receiving unit).")
@click.option("--attr", "attrs", multiple=True, metavar="DIMENSION=CODE",
              help="Batch attribute from a banner dimension, e.g. --attr level=2 (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="CSV file to write (default: stdout).")
def codes_command(campaign_ref, size, label, attrs, output) -> None:
    """Generate a batch of one-time access codes; the plain codes are written once, here."""
    campaign = _find_campaign(campaign_ref)
    attributes: dict[str, int | str] = {}
    for attr in attrs:
        key, sep, value = attr.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{attr!r}: expected DIMENSION=CODE", param_hint="--attr")
        attributes[key.strip()] = int(value) if value.strip().lstrip("-").isdigit() else value.strip()
    try:
        batch, codes = generate_batch(db.session, campaign, size, label, attributes or None,
                                      secret=current_app.config["SECRET_KEY"],
                                      floor=anonymity_floor(current_app.config))
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.translated()) from None
    db.session.commit()
    base = command_line_base_url(current_app.config.get("PUBLIC_BASE_URL"))
    link = campaign_link(campaign, base)
    handle = open(output, "w", newline="", encoding="utf-8-sig") if output else sys.stdout
    try:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["ma_truy_cap", "duong_dan", "lo", "nhan_lo"])
        for code in codes:
            writer.writerow(neutralise_row([code, link, batch.id, batch.label]))
    finally:
        if output:
            handle.close()
    if output:
        click.echo(f"Batch {batch.id}: {len(codes)} codes written to {output}", err=True)


@campaign_cli.command("demo")
@click.option("--responses", "responses", type=click.IntRange(1, MAX_SYNTHETIC),
              help="Fill the campaign with this many synthetic responses (marked as such, kept "
                   "out of real results).")
@click.option("--remove", "remove", is_flag=True,
              help="Remove the campaign's synthetic responses (real ones are never touched).")
@click.option("--campaign", "campaign_ref",
              help="Another campaign (link name or id), demo or not yet open, instead of the demo.")
@click.option("--seed", type=int, help="Random seed of the synthetic responses.")
def demo_command(responses, remove, campaign_ref, seed) -> None:
    """Open the demo campaign of the flagship questionnaire if it is not open yet; with
    --responses N fill it (or --campaign) with N synthetic responses, with --remove take them
    out again."""
    if campaign_ref:
        campaign = _find_campaign(campaign_ref)
    else:
        campaign = ensure_demo_campaign(db.session, limits_from(current_app.config))
        db.session.commit()
        if campaign is None:
            raise click.ClickException("The flagship questionnaire is not loaded; run `flask questionnaire load-shipped`.")
        click.echo(f"Demo campaign: /s/{campaign.slug}")
    if remove:
        removed = synthetic.remove(db.session, campaign)
        click.echo(f"{campaign.slug}: {removed} synthetic responses removed")
    if responses:
        try:
            synthetic.fill(db.session, campaign, responses, seed=seed)
        except ServiceError as exc:
            db.session.rollback()
            raise click.ClickException(exc.translated()) from None
        db.session.commit()
        click.echo(f"{campaign.slug}: {responses} synthetic responses added (marked "
                   f"'synthetic', kept out of real results)")


@campaign_cli.command("rebuild-tallies")
@click.argument("campaign_ref", required=False)
def rebuild_tallies_command(campaign_ref) -> None:
    """Recompute the monitor's completes per banner category from the stored answers, for one
    campaign (link name or id) or, without one, for every campaign. Safe while fieldwork runs."""
    campaigns = ([_find_campaign(campaign_ref)] if campaign_ref else
                 list(db.session.scalars(select(Campaign).order_by(Campaign.id))))
    for campaign in campaigns:
        rows = rebuild_banner_tallies(db.session, campaign)
        db.session.commit()  # one campaign per transaction: the lock is held briefly
        click.echo(f"{campaign.slug}: {rows} banner tally rows")
    if not campaigns:
        click.echo("No campaigns.")
