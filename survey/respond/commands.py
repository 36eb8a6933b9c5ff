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
