"""``flask respond …``: the respondent flow's maintenance, run daily from a timer (see
docs/deploy.md): let due submissions into the results, delete expired drafts."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from survey.extensions import db
from survey.models import Campaign
from survey.services.drafts import purge_expired
from survey.services.pool import release_due, waiting

respond_cli = AppGroup("respond", help="Respondent flow maintenance.")


@respond_cli.command("purge-drafts")
def purge_drafts_command() -> None:
    """Delete drafts past their expiry date (DRAFT_RETENTION_DAYS after their last change)."""
    retention = int(current_app.config.get("DRAFT_RETENTION_DAYS", 14))
    drafts, receipts = purge_expired(db.session, receipt_days=max(retention, 1) * 2)
    db.session.commit()
    click.echo(f"Deleted {drafts} expired drafts and {receipts} old submission receipts.")


@respond_cli.command("release")
@click.option("--all", "everything", is_flag=True,
              help="Release everything waiting, whatever the day and the count (fieldwork over).")
def release_command(everything: bool) -> None:
    """Let due submissions of the holding pool into the results, in shuffled batches (run it
    daily from a timer; staff pages also run it). See survey/services/pool.py."""
    batches = release_due(db.session, everything=everything)
    for batch in batches:
        click.echo(f"campaign {batch.campaign_id}: {batch.count} responses entered the results "
                   f"(day {batch.stamp.isoformat()})")
    ids = list(db.session.scalars(select(Campaign.id)))
    left = sum(waiting(db.session, ids).values()) if ids else 0
    db.session.rollback()
    click.echo(f"{sum(b.count for b in batches)} released; {left} still waiting.")
