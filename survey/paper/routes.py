"""Print views. A PDF is made on request and not kept: a questionnaire's sheet ids and a batch's
plain access codes exist only in the response that carries them (``Cache-Control: no-store``).
"""
from __future__ import annotations

from flask import Response, abort, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from survey.auth.access import current_user
from survey.errors import render_error
from survey.extensions import db
from survey.models import AccessCode, AccessCodeBatch, Campaign, QuestionnaireVersion
from survey.paper import bp
from survey.services import ownership
from survey.services.audit import record
from survey.services.paper_print import MAX_COPIES, PrintError, questionnaire_pdf, slips_pdf


class PrintForm(FlaskForm):
    copies = IntegerField(_l("Số bản in có mã phiếu riêng"), default=0, validators=[
        Optional(), NumberRange(min=0, max=MAX_COPIES,
                                message=_l("Số bản in phải từ 0 đến %(n)s.", n=MAX_COPIES))])


class SlipsForm(FlaskForm):
    batch = HiddenField(validators=[InputRequired()])
    codes = TextAreaField(validators=[InputRequired()])


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _version(version_id: int) -> QuestionnaireVersion:
    """The published version, or 404."""
    version = db.session.get(QuestionnaireVersion, version_id)
    if version is None:
        abort(404)
    return version


def _refuse(message: str, status: int = 503):
    body, code = render_error(status, message)
    return make_response(body, code)


@bp.route("/versions/<int:version_id>", methods=["GET", "POST"])
def version(version_id: int):
    """The print page of a version: a sheet without ids (numbered when received), or copies
    each with a fresh random sheet id (not stored)."""
    version = _version(version_id)
    form = PrintForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("paper/print.html", version=version, form=form), 400
        copies = form.copies.data or 0
        try:
            data = questionnaire_pdf(version.definition, version.number, copies)
        except PrintError:
            return _refuse(_("Không in được: máy chủ thiếu trình duyệt Chromium hoặc trình "
                             "duyệt gặp lỗi. Hãy báo quản trị viên."))
        record(db.session, current_user(), "paper.print", f"version:{version.id}",
               {"copies": copies})
        db.session.commit()
        return _pdf(data, f"phieu-{version.questionnaire.slug}-v{version.number}.pdf")
    return render_template("paper/print.html", version=version, form=form)


@bp.route("/campaigns/<int:campaign_id>/slips.pdf", methods=["POST"])
def slips(campaign_id: int):
    """Slips of a batch just generated: the codes come back from the one-time slips page; each
    must be an unused code of that batch (the server never stored them in plain)."""
    from survey.campaigns.routes import public_link
    from survey.services.access_codes import code_hash, normalize_code
    from survey.services.qr import qr_svg

    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if not ownership.can_manage(db.session, current_user(), campaign.id):
        body, code = render_error(403, _("Bạn không quản lý đợt khảo sát này."))
        abort(make_response(body, code))
    form = SlipsForm()
    if not form.validate_on_submit():
        return _refuse(_("Thiếu danh sách mã: hãy tạo lô mã mới rồi tải PDF ngay trên trang mã."),
                       400)
    batch = db.session.get(AccessCodeBatch, int(form.batch.data)) if \
        (form.batch.data or "").isdigit() else None
    codes = [line.strip() for line in form.codes.data.splitlines() if line.strip()]
    if batch is None or batch.campaign_id != campaign.id or not codes or len(codes) > batch.size:
        return _refuse(_("Danh sách mã không thuộc lô mã của đợt khảo sát này."), 400)
    hashes = {code_hash(c) for c in codes}
    found = db.session.query(AccessCode.code_hash).filter(
        AccessCode.batch_id == batch.id, AccessCode.code_hash.in_(hashes)).count()
    if found != len(hashes) or any(len(normalize_code(c)) != 10 for c in codes):
        return _refuse(_("Danh sách mã không thuộc lô mã của đợt khảo sát này."), 400)
    try:
        data = slips_pdf(campaign.title, public_link(campaign), codes, qr_svg(public_link(campaign)))
    except PrintError:
        return _refuse(_("Không in được: máy chủ thiếu trình duyệt Chromium hoặc trình duyệt gặp "
                         "lỗi. Hãy báo quản trị viên."))
    return _pdf(data, f"ma-truy-cap-{campaign.slug}-lo-{batch.id}.pdf")

