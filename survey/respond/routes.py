"""Respondent pages (public, no login). Placeholder introduction until the flow lands."""
from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select

from survey.extensions import db
from survey.models import Campaign
from survey.respond import bp


@bp.route("/")
def home():
    return render_template("respond/home.html")


@bp.route("/s/<slug>")
def start(slug: str):
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        abort(404)
    return render_template("respond/intro.html", campaign=campaign,
                           definition=campaign.version.definition)
