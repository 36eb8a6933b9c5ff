"""Keying paper sheets: the campaigns open for entry, a campaign's entry page, the entry screen
(field by field, keyboard first), the comparison list and adjudication.

Views read the form, call :mod:`survey.services.paper_entry` and answer; a refusal changes
nothing and says why in the request's language. Values typed by one keyer are never shown to
the other keyer of the same sheet: the entry screen shows a keying's own values only, and the
comparison list shows both values only to someone who keyed neither.
"""
from __future__ import annotations

from typing import Any

from flask import (abort, current_app, flash, g, jsonify, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from sqlalchemy import select

from survey.auth.access import current_user
from survey.entry import key_bp as bp
from survey.entry.forms import ActionForm, OpenSheetForm
from survey.entry.views import field_views
from survey.errors import render_error
from survey.extensions import db
from survey.i18n import current_locale
from survey.models import (Campaign, EntrySettings, PaperBatch, PaperKeying, PaperSheet, Role,
                           StaffUser)
from survey.services import ownership, paper_batches, paper_release
from survey.services import paper_entry as pe
from survey.services import paper_fields as pf


@bp.app_template_filter("entry_reference")
def _reference_filter(reference: str) -> str:
    return pe.format_reference(reference)


def _forbidden(message: str) -> None:
    """Stop with 403 and say why."""
    body, code = render_error(403, message)
    abort(make_response(body, code))


def can_key(user: StaffUser, campaign: Campaign) -> bool:
    """Admins key everything; designers the campaigns they manage; data-entry clerks every
    campaign whose paper entry was opened."""
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.DESIGNER:
        return ownership.can_manage(db.session, user, campaign.id)
    return user.role is Role.DATA_ENTRY and db.session.get(EntrySettings, campaign.id) is not None


@bp.before_request
def _campaign_access():
    """Every route naming a campaign, a sheet or a keying needs the right to key for its
    campaign (registered after the role guard, so it runs second); unknown ones are 404."""
    args = request.view_args or {}
    campaign_id = args.get("campaign_id")
    if "keying_id" in args:
        keying = g.entry_keying = db.session.get(PaperKeying, args["keying_id"])
        if keying is None:
            abort(404)
        g.entry_sheet = db.session.get(PaperSheet, keying.sheet_id)
        campaign_id = g.entry_sheet.campaign_id
    if "sheet_id" in args:
        sheet = g.entry_sheet = db.session.get(PaperSheet, args["sheet_id"])
        if sheet is None:
            abort(404)
        campaign_id = sheet.campaign_id
    if campaign_id is None:
        return None
    # Kept on ``g`` for the view: the session's identity map holds objects weakly, so a view
    # asking for them again would load them again (the entry screen's field save is timed).
    campaign = g.entry_campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    if not can_key(current_user(), campaign):
        _forbidden(_("Bạn không có quyền nhập phiếu của đợt khảo sát này."))
    return None


def _language() -> str:
    return current_locale()


@bp.route("/")
def index():
    user = current_user()
    rows = db.session.execute(select(Campaign, EntrySettings).join(
        EntrySettings, EntrySettings.campaign_id == Campaign.id).order_by(Campaign.id)).all()
    open_rows = [(c, s, paper_batches.entry_totals(db.session, c)) for c, s in rows
                 if can_key(user, c)]
    manageable = []
    if user.role in (Role.ADMIN, Role.DESIGNER):
        opened = {c.id for c, _s in rows}
        manageable = [c for c in db.session.scalars(select(Campaign).order_by(Campaign.id))
                      if c.id not in opened and ownership.can_manage(db.session, user, c.id)]
    return render_template("entry/index.html", rows=open_rows, manageable=manageable,
                           supervisor=user.role in (Role.ADMIN, Role.DESIGNER))


def _open_form(campaign: Campaign, batches: list[Any]) -> OpenSheetForm:
    form = OpenSheetForm()
    form.batch.choices = [(b.batch.id, f"{b.label} ({b.batch.received})") for b in batches]
    return form


def render_campaign(campaign: Campaign, form: OpenSheetForm | None = None, status: int = 200):
    user = current_user()
    batches = paper_batches.batches(db.session, campaign)
    sheets = paper_batches.waiting_sheets(db.session, campaign)
    names = dict(db.session.execute(select(StaffUser.id, StaffUser.username)).all())
    mine = [s for s in sheets if s.open_keyer == user.id]
    page = render_template(
        "entry/campaign.html", campaign=campaign,
        settings=db.session.get(EntrySettings, campaign.id), batches=batches,
        totals=paper_batches.entry_totals(db.session, campaign), sheets=sheets, mine=mine,
        names=names, form=form or _open_form(campaign, batches), action=ActionForm(),
        waiting=paper_release.waiting(db.session, campaign.id),
        can_supervise=ownership.can_manage(db.session, user, campaign.id))
    return page, status


@bp.route("/<int:campaign_id>/")
def campaign(campaign_id: int):
    return render_campaign(db.session.get(Campaign, campaign_id))


@bp.route("/<int:campaign_id>/open", methods=["POST"])
def open_sheet(campaign_id: int):
    campaign = db.session.get(Campaign, campaign_id)
    batches = paper_batches.batches(db.session, campaign)
    form = _open_form(campaign, batches)
    if not form.validate_on_submit():
        return render_campaign(campaign, form, 400)
    batch = db.session.get(PaperBatch, form.batch.data)
    if batch is None or batch.campaign_id != campaign.id:
        form.batch.errors = [_("Lô phiếu không thuộc đợt khảo sát này.")]
        return render_campaign(campaign, form, 400)
    try:
        keying = pe.open_sheet(db.session, campaign, batch, form.reference.data, current_user(),
                               current_app.config["SECRET_KEY"])
    except pe.EntryError as exc:
        db.session.rollback()
        form.reference.errors = [str(exc)]
        return render_campaign(campaign, form, 400)
    db.session.commit()
    return redirect(url_for(".keying", keying_id=keying.id))


# ------------------------------------------------------------------------------ entry screen

def _context(keying: PaperKeying) -> tuple[PaperSheet, Campaign, PaperBatch, pf.Plan]:
    sheet = db.session.get(PaperSheet, keying.sheet_id)
    campaign = db.session.get(Campaign, sheet.campaign_id)
    return sheet, campaign, db.session.get(PaperBatch, sheet.batch_id), pe.plan_of(campaign)


def _mine(keying: PaperKeying) -> None:
    if keying.keyer_id != current_user().id:
        _forbidden(_("Phiếu này đang được người khác nhập: hai người không nhập cùng một phiếu "
                     "một lúc, và không ai xem được số liệu người khác đã nhập."))


def _states_json(plan: pf.Plan, evaluation: pf.Evaluation) -> dict[str, list[Any]]:
    return {name: [state.status, state.error or state.why or ""]
            for name, state in evaluation.states.items()}


def _progress(evaluation: pf.Evaluation) -> dict[str, int]:
    states = evaluation.states.values()
    return {"done": sum(1 for s in states if s.status in (pf.KEYED, pf.BLANK)),
            "total": sum(1 for s in states if s.status != pf.SKIPPED)}


def render_keying(keying: PaperKeying, problems: list[str] | None = None,
                  raw_override: dict[str, str] | None = None, status: int = 200):
    sheet, campaign, batch, plan = _context(keying)
    values = pe.values_of(db.session, keying)
    evaluation = pf.evaluate(plan, {**values, **(raw_override or {})}, _language())
    discordant: dict[str, Any] = {}
    if keying.pass_no == pe.PASS_ADJUDICATION:
        keyings = {k.pass_no: k for k in db.session.scalars(
            select(PaperKeying).where(PaperKeying.sheet_id == sheet.id))}
        discordant = {d.name: d for d in pe.discords(
            plan, pe.values_of(db.session, keyings[1]), pe.values_of(db.session, keyings[2]),
            _language())}
    page = render_template(
        "entry/keying.html", keying=keying, sheet=sheet, campaign=campaign, batch=batch,
        fields=field_views(plan, evaluation, _language(), raw_override),
        progress=_progress(evaluation), problems=problems or [], discordant=discordant,
        action=ActionForm(), first=evaluation.first())
    return page, status


@bp.route("/keying/<keying_id>")
def keying(keying_id: str):
    keying = db.session.get(PaperKeying, keying_id)
    _mine(keying)
    if keying.finished:
        flash(_("Lượt nhập này đã hoàn tất."), "success")
        return redirect(url_for(".campaign", campaign_id=_context(keying)[1].id))
    return render_keying(keying)


@bp.route("/keying/<keying_id>/field", methods=["POST"])
def save_field(keying_id: str):
    """One typed field, saved at once (the entry screen's script posts each field as the
    keyer leaves it). JSON: the states of every field after it, or the refusal."""
    keying = g.entry_keying  # loaded by the access check, with its sheet and campaign
    _mine(keying)
    plan = pe.plan_of(g.entry_campaign)
    name = (request.form.get("field") or "")[:80]
    text = request.form.get("value") or ""
    try:
        saved = pe.save_field(db.session, keying, plan, name, text, current_user(), _language())
    except pe.EntryError as exc:
        db.session.rollback()
        return jsonify(ok=False, field=name, error=str(exc)), 422
    db.session.commit()
    names = [spec.name for spec in plan.fields]
    after = names[names.index(name) + 1:] if name in names else []
    states = saved.evaluation.states
    if keying.pass_no == pe.PASS_ADJUDICATION:  # only the fields still to key from the paper
        following = next((n for n in after + names if states[n].status == pf.TODO), None)
    else:
        following = next((n for n in after if states[n].status != pf.SKIPPED), None)
    return jsonify(ok=True, field=name, states=_states_json(plan, saved.evaluation),
                   cleared=saved.cleared, next=following, progress=_progress(saved.evaluation))


@bp.route("/keying/<keying_id>", methods=["POST"])
def save_all(keying_id: str):
    """Without the script: every field of the form, in keying order; refused ones are shown
    with their reason and the others are kept."""
    keying = db.session.get(PaperKeying, keying_id)
    _mine(keying)
    if not ActionForm().validate_on_submit():
        abort(400)
    _sheet, _campaign, _batch, plan = _context(keying)
    values = pe.values_of(db.session, keying)
    problems, refused = [], {}
    for spec in plan.fields:
        if f"f-{spec.name}" not in request.form:
            continue
        text = request.form.get(f"f-{spec.name}", "")
        if values.get(spec.name) == text.strip():
            continue
        # An empty box not keyed yet: "not answered on paper" only when a keyer without the
        # script finishes the sheet (they saw every box); the script keys blanks itself.
        if spec.name not in values and not text.strip() and \
                (request.form.get("js") or not request.form.get("finish")):
            continue
        try:
            saved = pe.save_field(db.session, keying, plan, spec.name, text, current_user(),
                                  _language(), values=values)
        except pe.EntryError as exc:
            problems.append(f"{spec.label}: {exc}")
            refused[spec.name] = text
            continue
        values[spec.name] = text.strip()
        for gone in saved.cleared:
            values.pop(gone, None)
    db.session.commit()
    if request.form.get("finish") and not problems:
        return _finish(keying)
    if problems:
        return render_keying(keying, problems, refused, 400)
    flash(_("Đã lưu."), "success")
    return redirect(url_for(".keying", keying_id=keying.id))


def _finish(keying: PaperKeying):
    sheet, campaign, _batch, plan = _context(keying)
    reference = sheet.reference
    try:
        done = pe.finish(db.session, keying, plan, current_user(),
                         current_app.config["SECRET_KEY"], _language())
    except pe.EntryError as exc:
        db.session.rollback()
        return render_keying(keying, [str(exc)], status=400)
    db.session.commit()
    if done.outcome == "agreed":
        paper_release.scrub(db.session)
    shown = pe.format_reference(reference)
    messages = {
        "agreed": _("Phiếu %(ref)s đã hoàn tất và được thống nhất.", ref=shown),
        "second": _("Đã nhập xong phiếu %(ref)s. Cảm ơn!", ref=shown),
        "discordant": _("Đã nhập xong phiếu %(ref)s; hai lần nhập khác nhau ở %(n)s ô: phiếu "
                        "chờ đối chiếu.", ref=shown, n=done.discordant),
    }
    flash(messages[done.outcome], "success")
    return redirect(url_for(".campaign", campaign_id=campaign.id, _anchor="open"))


@bp.route("/keying/<keying_id>/finish", methods=["POST"])
def finish(keying_id: str):
    keying = db.session.get(PaperKeying, keying_id)
    _mine(keying)
    if not ActionForm().validate_on_submit():
        abort(400)
    return _finish(keying)


# ------------------------------------------------------------------------------ comparison

@bp.route("/<int:campaign_id>/compare")
def compare(campaign_id: int):
    """Only the discordant sheets, and in each only the discordant fields; the values only to
    someone who keyed neither keying."""
    campaign = db.session.get(Campaign, campaign_id)
    user = current_user()
    plan = pe.plan_of(campaign)
    rows = []
    for waiting in paper_batches.waiting_sheets(db.session, campaign):
        if waiting.state not in ("discordant", "adjudicating"):
            continue
        keyings = {k.pass_no: k for k in db.session.scalars(
            select(PaperKeying).where(PaperKeying.sheet_id == waiting.sheet.id))}
        involved = user.id in waiting.keyers
        differ = [] if involved else pe.discords(
            plan, pe.values_of(db.session, keyings[1]), pe.values_of(db.session, keyings[2]),
            _language())
        rows.append((waiting, involved, differ))
    names = dict(db.session.execute(select(StaffUser.id, StaffUser.username)).all())
    return render_template("entry/compare.html", campaign=campaign, rows=rows, names=names,
                           action=ActionForm(), labels=field_views(plan, None, _language()))


@bp.route("/sheet/<sheet_id>/adjudicate", methods=["POST"])
def adjudicate(sheet_id: str):
    sheet = db.session.get(PaperSheet, sheet_id)
    campaign = db.session.get(Campaign, sheet.campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        keying, _differ = pe.start_adjudication(db.session, sheet, pe.plan_of(campaign),
                                                current_user(), _language())
    except pe.EntryError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".compare", campaign_id=campaign.id))
    db.session.commit()
    return redirect(url_for(".keying", keying_id=keying.id))
