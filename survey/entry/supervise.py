"""The supervisor's side of paper entry (admins, and designers for the campaigns they manage):
opening entry and its verification share, boxes of sheets, keyer statistics, discarding a
keying its keyer abandoned."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from survey.auth.access import current_user
from survey.entry import supervise_bp as bp
from survey.entry.forms import ActionForm, BatchForm, SettingsForm
from survey.entry.routes import _forbidden, render_campaign
from survey.extensions import db
from survey.models import Campaign, EntrySettings, PaperKeying, PaperSheet
from survey.services import ownership, paper_batches, paper_release
from survey.services import paper_entry as pe
from survey.services.audit import record


@bp.before_request
def _manager_only():
    """Every route naming a campaign or a keying needs the right to manage its campaign."""
    args = request.view_args or {}
    campaign_id = args.get("campaign_id")
    if "keying_id" in args:
        keying = db.session.get(PaperKeying, args["keying_id"])
        if keying is None:
            abort(404)
        campaign_id = db.session.get(PaperSheet, keying.sheet_id).campaign_id
    if campaign_id is None:
        return None
    if db.session.get(Campaign, campaign_id) is None:
        abort(404)
    if not ownership.can_manage(db.session, current_user(), campaign_id):
        _forbidden(_("Chỉ người quản lý đợt khảo sát này mới giám sát việc nhập phiếu."))
    return None


def _render_settings(campaign: Campaign, form: SettingsForm, batch_form: BatchForm,
                     status: int = 200):
    return render_template("entry/settings.html", campaign=campaign, form=form,
                           batch_form=batch_form,
                           settings=db.session.get(EntrySettings, campaign.id),
                           batches=paper_batches.batches(db.session, campaign),
                           waiting=paper_release.waiting(db.session, campaign.id)), status


@bp.route("/<int:campaign_id>/settings", methods=["GET", "POST"])
def settings(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    current = db.session.get(EntrySettings, campaign.id)
    form = SettingsForm(obj=current) if request.method == "GET" else SettingsForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render_settings(campaign, form, BatchForm(), 400)
        try:
            paper_batches.save_settings(db.session, campaign, form.verify_percent.data,
                                        form.finished.data, current_user())
            db.session.flush()
            moved = paper_release.hand_over(db.session, campaign)
        except pe.EntryError as exc:
            db.session.rollback()
            form.verify_percent.errors = [str(exc)]
            return _render_settings(campaign, form, BatchForm(), 400)
        db.session.commit()
        if moved:
            paper_release.scrub(db.session)
        flash(_("Đã lưu cài đặt nhập phiếu giấy."), "success")
        if moved:
            flash(_("%(n)d phiếu đã thống nhất được chuyển vào kết quả, ở mục «Đã nhận, chờ vào "
                    "kết quả» của đợt khảo sát. Như mọi phiếu nhận được, chúng hiện trong bảng "
                    "phân tích khi vào kết quả theo lô trộn: sau khi hết ngày và đủ số phiếu theo "
                    "ngưỡng bảo mật, hoặc khi đợt khảo sát đóng.", n=moved), "success")
        return redirect(url_for(".settings", campaign_id=campaign.id))
    return _render_settings(campaign, form, BatchForm())


@bp.route("/<int:campaign_id>/batches", methods=["POST"])
def create_batch(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    form = BatchForm()
    current = db.session.get(EntrySettings, campaign.id)
    if not form.validate_on_submit():
        return _render_settings(campaign, SettingsForm(obj=current), form, 400)
    try:
        batch = paper_batches.create_batch(db.session, campaign, form.label.data or "",
                                           form.received.data, current_user())
    except pe.EntryError as exc:
        db.session.rollback()
        form.received.errors = list(form.received.errors) + [str(exc)]
        return _render_settings(campaign, SettingsForm(obj=current), form, 400)
    db.session.commit()
    flash(_("Đã thêm lô %(label)s (%(n)s phiếu).", label=batch.label or f"#{batch.id}",
            n=batch.received), "success")
    return redirect(url_for(".settings", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/keyers")
def keyers(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    return render_template("entry/keyers.html", campaign=campaign,
                           stats=paper_batches.keyer_stats(db.session, campaign),
                           totals=paper_batches.entry_totals(db.session, campaign))


@bp.route("/keying/<keying_id>/discard", methods=["POST"])
def discard(keying_id: str):
    keying = db.session.get(PaperKeying, keying_id)
    campaign_id = db.session.get(PaperSheet, keying.sheet_id).campaign_id
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        pe.discard(db.session, keying)
    except pe.EntryError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        record(db.session, current_user(), "entry.discard", f"campaign:{campaign_id}")
        db.session.commit()
        paper_release.scrub(db.session)
        flash(_("Đã hủy lượt nhập dở: phiếu có thể được nhập lại từ đầu."), "success")
    return redirect(url_for("entry.key.campaign", campaign_id=campaign_id))


__all__ = ["settings", "create_batch", "keyers", "discard", "render_campaign"]
