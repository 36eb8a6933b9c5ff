from __future__ import annotations

import click
from flask.cli import AppGroup

from survey.extensions import db
from survey.services.campaigns import ensure_demo_campaign

campaign_cli = AppGroup("campaign", help="Campaigns and access codes.")


@campaign_cli.command("demo")
def demo_command() -> None:
    """Open the demo campaign of the flagship questionnaire if it is not open yet."""
    campaign = ensure_demo_campaign(db.session)
    db.session.commit()
    if campaign is None:
        raise click.ClickException("The flagship questionnaire is not loaded; run `flask questionnaire load-shipped`.")
    click.echo(f"Demo campaign: /s/{campaign.slug}")
