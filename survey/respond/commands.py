"""``flask respond purge-drafts``: delete expired drafts and old submission receipts."""
from __future__ import annotations

import click
from flask import current_app

from survey.extensions import db
from survey.respond import bp
from survey.services.drafts import purge_expired

bp.cli.short_help = "Respondent flow maintenance."


@bp.cli.command("purge-drafts")
def purge_drafts_command() -> None:
    """Delete drafts past their expiry date (DRAFT_RETENTION_DAYS after their last change)."""
    retention = int(current_app.config.get("DRAFT_RETENTION_DAYS", 14))
    drafts, receipts = purge_expired(db.session, receipt_days=max(retention, 1) * 2)
    db.session.commit()
    click.echo(f"Deleted {drafts} expired drafts and {receipts} old submission receipts.")


@bp.cli.command("release")
@click.option("--all", "everything", is_flag=True,
              help="Release everything waiting, whatever the day and the count (fieldwork over).")
def release_command(everything: bool) -> None:
    """Let due submissions of the holding pool into the results, in shuffled batches (run it
    daily from a timer; staff pages also run it). See survey/services/pool.py."""
    from survey.services.pool import release_due, waiting
    from survey.models import Campaign
    from sqlalchemy import select

    batches = release_due(db.session, everything=everything)
    for batch in batches:
        click.echo(f"campaign {batch.campaign_id}: {batch.count} responses entered the results "
                   f"(day {batch.stamp.isoformat()})")
    ids = list(db.session.scalars(select(Campaign.id)))
    left = sum(waiting(db.session, ids).values()) if ids else 0
    db.session.rollback()
    click.echo(f"{sum(b.count for b in batches)} released; {left} still waiting.")
