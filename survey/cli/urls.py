from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from survey.config import command_line_base_url
from survey.extensions import db
from survey.models import Campaign


@click.command("urls")
@with_appcontext
@click.option("--base", default=None, help="Base URL the server is reached at.")
def urls_command(base: str | None) -> None:
    """Print where to go: respondent links of campaigns and the staff login."""
    base = (base or command_line_base_url(current_app.config.get("PUBLIC_BASE_URL"))).rstrip("/")
    click.echo("")
    for campaign in db.session.scalars(select(Campaign).order_by(Campaign.id)):
        click.echo(f"Phiếu khảo sát / Respondent link ({campaign.title}): {base}/s/{campaign.slug}")
    click.echo(f"Đăng nhập quản trị / Staff login: {base}/staff/login")
    click.echo("")
