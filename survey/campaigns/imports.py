"""Importing data collected with KoboToolbox or ODK into a campaign (admin, designer).

A staff page on the campaign: the data export (``.xlsx`` or ``.csv``) and, optionally, the
XLSForm it was collected with; the POST is CSRF-protected and guarded like every campaign
management page (designer or admin who may manage this campaign). The files are read with the
same limits and guards as the designer's XLSForm upload (a size limit read before anything else,
a display-safe file name, a zip-bomb check, every problem a message, never a 500), then
:func:`survey.services.data_import.import_data` stores what it kept, exactly once, through the
holding pool. The page shows the report: imported, already there, refused with reasons, every
column dropped and why.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from survey.auth.access import current_user
from survey.campaigns import manage_bp as bp
from survey.campaigns.routes import get_campaign
from survey.designer.files import MAX_UPLOAD_BYTES, display_name
from survey.extensions import db
from survey.i18n import current_locale
from survey.services.audit import record
from survey.services.data_import import import_data, import_secret

EXPORT_SUFFIXES = (".xlsx", ".csv")


class ImportDataForm(FlaskForm):
    export = FileField(_l("Tệp dữ liệu xuất từ KoboToolbox/ODK (.xlsx hoặc .csv)"),
                       validators=[FileRequired(_l("Cần chọn tệp dữ liệu."))])
    form = FileField(_l("Biểu mẫu XLSForm đã dùng để thu (.xlsx, không bắt buộc)"))


def _read(storage, limit: int, suffixes: tuple[str, ...], errors: list[str]
          ) -> tuple[str, bytes | None]:
    """The upload's display name and bytes, or ``None`` with a message in ``errors``."""
    name = display_name(storage.filename or "")
    try:
        if not name.lower().endswith(suffixes):
            errors.append(_("Tệp %(name)s không đúng loại (cần %(kinds)s).", name=name,
                            kinds=", ".join(suffixes)))
            return name, None
        data = storage.stream.read(limit + 1)
    finally:
        storage.close()  # large uploads are spooled to a temporary file
    if len(data) > limit:
        errors.append(_("Tệp %(name)s lớn hơn %(kb)s KB.", name=name, kb=max(1, limit // 1024)))
        return name, None
    return name, data


@bp.route("/<int:campaign_id>/import", methods=["GET", "POST"])
def import_responses(campaign_id: int):
    """Import a KoboToolbox/ODK data export into the campaign; show what was done."""
    from survey.questionnaire.xlsform_data import MAX_EXPORT_BYTES

    campaign = get_campaign(campaign_id)
    form = ImportDataForm()
    outcome, errors, status = None, [], 200
    if form.is_submitted():
        if not form.validate():
            status = 400
        else:
            export_name, export = _read(form.export.data, MAX_EXPORT_BYTES, EXPORT_SUFFIXES,
                                        errors)
            form_name, form_bytes = None, None
            if form.form.data and getattr(form.form.data, "filename", ""):
                form_name, form_bytes = _read(form.form.data, current_app.config.get(
                    "DESIGNER_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES), (".xlsx",), errors)
            if errors:
                status = 400
            else:
                outcome = import_data(db.session, campaign, export, export_name, form_bytes,
                                      form_name, import_secret(current_app.config["SECRET_KEY"]))
                if outcome.ok and outcome.imported:
                    record(db.session, current_user(), "campaign.import_data",
                           f"campaign:{campaign.id}",
                           {"imported": outcome.imported, "already": outcome.already,
                            "refused": outcome.refused})
                    db.session.commit()
                status = 200 if outcome.ok else 400
    lang = "vi" if current_locale() == "vi" else "en"
    headings = {"refused": _("Từ chối"), "dropped": _("Không lưu"),
                "changed": _("Đã chuyển đổi"), "note": _("Ghi chú")}
    return render_template(
        "campaigns/import_data.html", campaign=campaign, form=form, errors=errors,
        outcome=outcome, sections=outcome.sections(lang) if outcome else [],
        headings=headings), status
