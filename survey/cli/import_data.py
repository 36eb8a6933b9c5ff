"""``flask campaign import-data``: responses collected with KoboToolbox or ODK into a campaign.

Kept apart from :mod:`survey.cli.campaign` and added to its group by :func:`survey.cli.init_app`.
The report (what was imported, already there, refused and why, every column dropped and why) is
printed in Vietnamese, or English with ``--lang en``, as ``flask analysis`` does.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from survey.extensions import db
from survey.models import Campaign
from survey.services.data_import import ImportOutcome, import_data, import_secret

HEADINGS = {
    "vi": {"refused": "Từ chối", "dropped": "Không lưu", "changed": "Đã chuyển đổi",
           "note": "Ghi chú",
           "summary": "Đã nhập: {imported} · đã có từ trước: {already} · dòng bị từ chối: "
                      "{refused}",
           "nothing": "Không nhập gì.",
           "too_large": "Tệp {name} lớn hơn {mb} MB.",
           "no_campaign": "Không có đợt khảo sát {ref!r} (hãy cho đường dẫn ngắn hoặc số của "
                          "đợt)."},
    "en": {"refused": "Refused", "dropped": "Not kept", "changed": "Converted", "note": "Notes",
           "summary": "Imported: {imported} · already there: {already} · rows refused: "
                      "{refused}",
           "nothing": "Nothing imported.",
           "too_large": "The file {name} is larger than {mb} MB.",
           "no_campaign": "No campaign {ref!r} (give its link name or id)."},
}
MAX_FORM_BYTES = 2 * 1024 * 1024


def render(outcome: ImportOutcome, lang: str) -> str:
    words = HEADINGS[lang]
    lines = [words["summary"].format(imported=outcome.imported, already=outcome.already,
                                     refused=outcome.refused)]
    for kind, texts in outcome.sections(lang):
        lines.append("")
        lines.append(f"{words[kind]}:")
        lines.extend(f"  - {text}" for text in texts)
    return "\n".join(lines)


def _read(path: str, limit: int, lang: str) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise click.ClickException(HEADINGS[lang]["too_large"].format(
            name=Path(path).name, mb=limit // (1024 * 1024)))
    return data


@click.command("import-data")
@click.argument("campaign_ref")
@click.argument("export", type=click.Path(exists=True, dir_okay=False))
@click.option("--form", "form_path", type=click.Path(exists=True, dir_okay=False),
              help="The XLSForm the data was collected with (default: the campaign's version "
                   "written as an XLSForm).")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@with_appcontext
def import_data_command(campaign_ref: str, export: str, form_path: str | None, lang: str) -> None:
    """Import a KoboToolbox/ODK data export (.xlsx or .csv) into a campaign, exactly once."""
    from survey.questionnaire.xlsform_data import MAX_EXPORT_BYTES

    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == campaign_ref))
    if campaign is None and campaign_ref.isdigit():
        campaign = db.session.get(Campaign, int(campaign_ref))
    if campaign is None:
        raise click.ClickException(HEADINGS[lang]["no_campaign"].format(ref=campaign_ref))
    data = _read(export, MAX_EXPORT_BYTES, lang)
    form = _read(form_path, MAX_FORM_BYTES, lang) if form_path else None
    outcome = import_data(db.session, campaign, data, Path(export).name, form,
                          Path(form_path).name if form_path else None,
                          import_secret(current_app.config["SECRET_KEY"]))
    if outcome.ok:
        from survey.services.audit import record

        if outcome.imported:
            record(db.session, None, "campaign.import_data", f"campaign:{campaign.id}",
                   {"imported": outcome.imported, "already": outcome.already,
                    "refused": outcome.refused})
            db.session.commit()
        click.echo(render(outcome, lang))
        return
    click.echo(render(outcome, lang), err=True)
    raise click.ClickException(HEADINGS[lang]["nothing"])
