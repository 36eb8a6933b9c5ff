"""Campaign management: list, create, edit, targets, close/reopen, access codes, QR codes.

Plain access codes exist only in the response to the POST that generated them (a CSV download
or the printable slips page, both sent ``Cache-Control: no-store``): the database keeps keyed
hashes only, and nothing keeps the plain codes on the server, not even in a session.
"""
from __future__ import annotations

import csv
import io
from datetime import time
from urllib.parse import quote, urlsplit

from flask import (Response, abort, current_app, flash, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from analysis.exports.cells import neutralise_row
from survey.auth.access import current_user
from survey.campaigns import manage_bp as bp
from survey.campaigns.forms import (ActionForm, CampaignCreateForm, CampaignSettingsForm,
                                    codes_form, targets_form)
from survey.errors import render_error
from survey.extensions import db
from survey.i18n import current_locale
from survey.models import AccessCodeBatch, AccessMode, Campaign, QuestionnaireVersion, StaffUser
from survey.questionnaire import banners, label_text
from survey.services.access_codes import batch_usage, generate_batch
from survey.services.settings import anonymity_floor
from survey.services.pool import release_due
from survey.services.audit import record
from survey.services.campaigns import (CampaignSettings, CampaignState, Limits, campaign_link,
                                       campaign_state, close_campaign, create_campaign,
                                       current_targets, from_local, limits_from, list_campaigns,
                                       published_versions, reopen_campaign, set_targets,
                                       target_cells, to_local, update_campaign)
from survey.services import ownership, synthetic
from survey.services.errors import ServiceError
from survey.services.monitor import status_counts
from survey.services.qr import qr_png, qr_svg

END_OF_DAY = time(23, 59)


def state_labels() -> dict[CampaignState, str]:
    return {
        CampaignState.OPEN: _("Đang mở"),
        CampaignState.NOT_YET_OPEN: _("Chưa mở"),
        CampaignState.CLOSED: _("Đã đóng"),
        CampaignState.FULL: _("Đã đủ phiếu"),
    }


def limits() -> Limits:
    """The platform's anonymity limits from the app's config."""
    return limits_from(current_app.config)


def get_campaign(campaign_id: int) -> Campaign:
    """The campaign, or 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _forbidden(message: str) -> None:
    """Stop with 403 and say why."""
    body, code = render_error(403, message)
    abort(make_response(body, code))


@bp.before_request
def _campaign_owner_or_shared():
    """Every route naming a campaign needs the right to manage it (owner, shared with, or
    admin): registered after the blueprint's role guard, so it runs second. A campaign that
    does not exist is 404 for everyone."""
    campaign_id = (request.view_args or {}).get("campaign_id")
    if campaign_id is None:
        return None
    if db.session.get(Campaign, campaign_id) is None:
        abort(404)
    if not ownership.can_manage(db.session, current_user(), campaign_id):
        _forbidden(_("Đợt khảo sát này thuộc về một người thiết kế khác. Hãy đề nghị người tạo "
                     "đợt chia sẻ nó với bạn."))
    return None


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


def public_base() -> str:
    """``PUBLIC_BASE_URL``, else the address this request was served on (scheme, host and
    port, as the proxy passed them when ``TRUSTED_PROXIES`` is set). A loopback base is replaced
    by the request's host when staff reach the server under another name: a link to 127.0.0.1
    printed on a slip would lead nowhere."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if not configured or (_is_loopback(configured) and not _is_loopback(request.url_root)):
        return request.url_root
    return configured


def public_link(campaign: Campaign) -> str:
    """The respondent link on :func:`public_base`."""
    return campaign_link(campaign, public_base())


def _language() -> str:
    return current_locale()


def code_dimensions(campaign: Campaign) -> list[tuple[str, str, list[tuple[int, str]]]]:
    """Banner dimensions a code batch may be labelled with: (dimension, label, options)."""
    language = _language()
    out = []
    for item in banners(campaign.version.definition):
        options = [(int(o["code"]), label_text(o.get("label"), language))
                   for o in item.get("options") or [] if not o.get("missing")]
        out.append((str(item.get("dimension") or item["id"]),
                    label_text(item.get("label"), language), options))
    return out


# ----------------------------------------------------------------------------- list

@bp.route("/")
def index():
    """The campaigns the signed-in user manages (every campaign for an admin)."""
    campaigns = list_campaigns(db.session,
                               ownership.managed_campaign_ids(db.session, current_user()))
    counts = status_counts(db.session, [c.id for c in campaigns])
    rows = [(c, campaign_state(db.session, c), counts[c.id]) for c in campaigns]
    return render_template("campaigns/index.html", rows=rows, state_labels=state_labels())


# ----------------------------------------------------------------------------- create / edit

def _settings_from(form: CampaignSettingsForm) -> CampaignSettings | None:
    """Settings from a validated form, or None after putting errors on the fields."""
    ok = True
    for day, at in ((form.opens_date, form.opens_time), (form.closes_date, form.closes_time)):
        if at.data is not None and day.data is None:
            day.errors = list(day.errors) + [_("Cần nhập ngày đi kèm với giờ.")]
            ok = False
    if not ok:
        return None
    return CampaignSettings(
        title=form.title.data or "",
        access_mode=AccessMode(form.access_mode.data),
        opens_at=from_local(form.opens_date.data, form.opens_time.data),
        closes_at=from_local(form.closes_date.data, form.closes_time.data or END_OF_DAY),
        max_responses=form.max_responses.data,
        disclosure_threshold=form.disclosure_threshold.data,
        device_storage=bool(form.device_storage.data),
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CampaignCreateForm()
    versions = published_versions(db.session)
    form.version.choices = [
        SelectChoice(v.id, _("%(title)s — phiên bản %(number)s", title=v.questionnaire.title,
                                number=v.number))
        for v in versions]
    if request.method == "GET":
        form.disclosure_threshold.data = limits().default_threshold
        chosen = request.args.get("version", type=int)
        if chosen:
            form.version.data = chosen
    problems: list[str] = []
    if form.validate_on_submit():
        settings = _settings_from(form)
        version = db.session.get(QuestionnaireVersion, form.version.data)
        if settings is not None and version is not None:
            try:
                campaign = create_campaign(
                    db.session, version, form.slug.data.strip(), settings.title,
                    settings.access_mode, settings.opens_at, settings.closes_at,
                    settings.max_responses, settings.disclosure_threshold, actor=current_user(),
                    limits=limits(), device_storage=settings.device_storage)
            except ServiceError as exc:
                db.session.rollback()
                problems.append(exc.translated())
            else:
                db.session.commit()
                flash(_("Đã tạo đợt khảo sát «%(title)s».", title=campaign.title), "success")
                return redirect(url_for(".detail", campaign_id=campaign.id))
    status = 400 if request.method == "POST" else 200
    return render_template("campaigns/form.html", form=form, problems=problems, campaign=None,
                           has_versions=bool(versions)), status


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id: int):
    campaign = get_campaign(campaign_id)
    form = CampaignSettingsForm(obj=campaign if request.method == "GET" else None)
    if request.method == "GET":
        form.access_mode.data = campaign.access_mode.value
        for prefix in ("opens", "closes"):
            local = to_local(getattr(campaign, f"{prefix}_at"))
            getattr(form, f"{prefix}_date").data = local.date() if local else None
            getattr(form, f"{prefix}_time").data = local.time().replace(second=0, microsecond=0) if local else None
    problems: list[str] = []
    if form.validate_on_submit():
        settings = _settings_from(form)
        if settings is not None:
            try:
                changed = update_campaign(db.session, campaign, settings, actor=current_user(),
                                          limits=limits())
            except ServiceError as exc:
                db.session.rollback()
                problems.append(exc.translated())
            else:
                db.session.commit()
                flash(_("Đã lưu thay đổi.") if changed else _("Không có gì thay đổi."), "success")
                return redirect(url_for(".detail", campaign_id=campaign.id))
    status = 400 if request.method == "POST" else 200
    return render_template("campaigns/form.html", form=form, problems=problems,
                           campaign=campaign, has_versions=True), status


# ----------------------------------------------------------------------------- detail

def _translated(refusal: ServiceError | None) -> str | None:
    return refusal.translated() if refusal is not None else None


def render_detail(campaign: Campaign, targets=None, codes=None, status: int = 200):
    cells = target_cells(campaign.version, _language())
    targets = targets or targets_form(cells, current_targets(db.session, campaign))
    dimensions = code_dimensions(campaign)
    codes = codes or codes_form(dimensions, max(campaign.disclosure_threshold, 50))
    batches = list(db.session.scalars(
        select(AccessCodeBatch).where(AccessCodeBatch.campaign_id == campaign.id)
        .order_by(AccessCodeBatch.id)))
    k = max(anonymity_floor(current_app.config), campaign.disclosure_threshold)
    usage = {batch.id: batch_usage(db.session, batch, k) for batch in batches}
    attribute_labels = {dim: (label, dict(options)) for dim, label, options in dimensions}
    counts = status_counts(db.session, [campaign.id])[campaign.id]
    target_groups: list[tuple[str, list]] = []
    for index, cell in enumerate(cells):
        if not target_groups or target_groups[-1][0] != cell.dimension_label:
            target_groups.append((cell.dimension_label, []))
        target_groups[-1][1].append((index, cell))
    return render_template(
        "campaigns/detail.html", campaign=campaign, state=campaign_state(db.session, campaign),
        state_labels=state_labels(), link=public_link(campaign), counts=counts, cells=cells,
        target_groups=target_groups,
        targets=targets, codes=codes, dimensions=dimensions, batches=batches, usage=usage,
        attribute_labels=attribute_labels, action=ActionForm(), AccessMode=AccessMode,
        loopback=_is_loopback(public_base()),
        members=ownership.members(db.session, campaign),
        can_share=ownership.can_share(db.session, current_user(), campaign.id),
        shareable=ownership.shareable_designers(db.session, campaign),
        synthetic_refusal=_translated(synthetic.fill_refusal(db.session, campaign)),
        synthetic_max=synthetic.MAX_RESPONSES,
    ), status


@bp.route("/<int:campaign_id>")
def detail(campaign_id: int):
    return render_detail(get_campaign(campaign_id))


@bp.route("/<int:campaign_id>/targets", methods=["POST"])
def save_targets(campaign_id: int):
    campaign = get_campaign(campaign_id)
    cells = target_cells(campaign.version, _language())
    form = targets_form(cells, {})
    if not form.validate_on_submit():
        return render_detail(campaign, targets=form, status=400)
    values = {(cell.dimension, cell.code): form[f"t{index}"].data
              for index, cell in enumerate(cells)}
    try:
        n = set_targets(db.session, campaign, values, actor=current_user())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.translated(), "error")
        return render_detail(campaign, targets=form, status=400)
    db.session.commit()
    flash(_("Đã lưu %(n)s chỉ tiêu.", n=n), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id, _anchor="targets"))


@bp.route("/<int:campaign_id>/close", methods=["POST"])
def close(campaign_id: int):
    campaign = get_campaign(campaign_id)
    if ActionForm().validate_on_submit():
        close_campaign(db.session, campaign, actor=current_user())
        db.session.commit()
        release_due(db.session)  # fieldwork is over: whatever waits enters the results
        flash(_("Đã đóng đợt khảo sát: không nhận thêm phiếu."), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/reopen", methods=["POST"])
def reopen(campaign_id: int):
    campaign = get_campaign(campaign_id)
    if ActionForm().validate_on_submit():
        try:
            reopen_campaign(db.session, campaign, actor=current_user())
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.translated(), "error")
        else:
            db.session.commit()
            flash(_("Đã mở lại đợt khảo sát (không có thời điểm kết thúc)."), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id))


# ----------------------------------------------------------------------------- sample data

@bp.route("/<int:campaign_id>/synthetic", methods=["POST"])
def fill_synthetic(campaign_id: int):
    """Fill a demo or not-yet-open campaign with synthetic responses (survey.services.synthetic)."""
    campaign = get_campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        n = int(request.form.get("responses", "200"))
    except ValueError:
        n = 0
    try:
        synthetic.fill(db.session, campaign, n, actor=current_user())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.translated(), "error")
    else:
        db.session.commit()
        flash(_("Đã thêm %(n)s phiếu mô phỏng (không phải kết quả khảo sát).", n=n), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id, _anchor="synthetic"))


@bp.route("/<int:campaign_id>/synthetic/remove", methods=["POST"])
def remove_synthetic(campaign_id: int):
    """Delete the campaign's synthetic responses; real responses are never touched."""
    campaign = get_campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    removed = synthetic.remove(db.session, campaign, actor=current_user())
    flash(_("Đã xóa %(n)s phiếu mô phỏng.", n=removed), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id, _anchor="synthetic"))


# ----------------------------------------------------------------------------- sharing

def _share_target(campaign: Campaign, user_id: int | None) -> StaffUser:
    """The designer named by a share form; 403 unless the signed-in user may share."""
    if not ownership.can_share(db.session, current_user(), campaign.id):
        _forbidden(_("Chỉ người tạo đợt khảo sát hoặc quản trị viên mới chia sẻ được đợt này."))
    target = db.session.get(StaffUser, user_id) if user_id else None
    if target is None:
        abort(400)
    return target


@bp.route("/<int:campaign_id>/share", methods=["POST"])
def share(campaign_id: int):
    campaign = get_campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    target = _share_target(campaign, request.form.get("user_id", type=int))
    try:
        ownership.share(db.session, campaign, target, actor=current_user())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.translated(), "error")
    else:
        db.session.commit()
        flash(_("Đã chia sẻ đợt khảo sát với %(username)s.", username=target.username),
              "success")
    return redirect(url_for(".detail", campaign_id=campaign.id, _anchor="sharing"))


@bp.route("/<int:campaign_id>/share/<int:user_id>/remove", methods=["POST"])
def unshare(campaign_id: int, user_id: int):
    campaign = get_campaign(campaign_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    target = _share_target(campaign, user_id)
    try:
        ownership.unshare(db.session, campaign, target, actor=current_user())
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.translated(), "error")
    else:
        db.session.commit()
        flash(_("Đã bỏ chia sẻ với %(username)s.", username=target.username), "success")
    return redirect(url_for(".detail", campaign_id=campaign.id, _anchor="sharing"))


# ----------------------------------------------------------------------------- access codes

def codes_csv(campaign: Campaign, batch: AccessCodeBatch, codes: list[str]) -> str:
    """CSV text (with a BOM, so Excel reads the Vietnamese label right) of a fresh batch."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["ma_truy_cap", "duong_dan", "lo", "nhan_lo"])
    link = public_link(campaign)
    for code in codes:  # the label is typed by staff: never let a spreadsheet run it
        writer.writerow(neutralise_row([code, link, batch.id, batch.label]))
    return out.getvalue()


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/<int:campaign_id>/codes", methods=["POST"])
def generate_codes(campaign_id: int):
    """Generate a batch; the response itself carries the plain codes, once."""
    campaign = get_campaign(campaign_id)
    dimensions = code_dimensions(campaign)
    form = codes_form(dimensions, campaign.disclosure_threshold)
    if not form.validate_on_submit():
        return render_detail(campaign, codes=form, status=400)
    attributes = {}
    for index, (dimension, _label, _options) in enumerate(dimensions):
        value = form[f"a{index}"].data
        if value:
            attributes[dimension] = int(value)
    try:
        batch, plain = generate_batch(db.session, campaign, form.size.data,
                                      form.label.data or "", attributes or None,
                                      actor=current_user(),
                                      secret=current_app.config["SECRET_KEY"],
                                      floor=anonymity_floor(current_app.config))
    except ServiceError as exc:
        db.session.rollback()
        form.size.errors = list(form.size.errors) + [exc.translated()]
        return render_detail(campaign, codes=form, status=400)
    output = "csv" if request.form.get("output") == "csv" else "slips"
    record(db.session, current_user(), "codes.export", f"campaign:{campaign.id}",
           {"batch": batch.id, "format": output, "size": batch.size})
    db.session.commit()
    text = codes_csv(campaign, batch, plain)
    filename = f"ma-truy-cap-{campaign.slug}-lo-{batch.id}.csv"
    if output == "csv":
        response = Response(text.encode("utf-8"), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return _no_store(response)
    attribute_labels = {dim: (label, dict(options)) for dim, label, options in dimensions}
    page = render_template("campaigns/codes.html", campaign=campaign, batch=batch, codes=plain,
                           link=public_link(campaign), filename=filename,
                           csv_href="data:text/csv;charset=utf-8," + quote(text),
                           attribute_labels=attribute_labels)
    return _no_store(Response(page, mimetype="text/html"))


# ----------------------------------------------------------------------------- QR codes

def _qr_response(data: bytes, mimetype: str, campaign: Campaign, extension: str) -> Response:
    response = Response(data, mimetype=mimetype)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = \
            f'attachment; filename="qr-{campaign.slug}.{extension}"'
    return response


@bp.route("/<int:campaign_id>/qr.svg")
def qr_svg_image(campaign_id: int):
    campaign = get_campaign(campaign_id)
    return _qr_response(qr_svg(public_link(campaign)), "image/svg+xml", campaign, "svg")


@bp.route("/<int:campaign_id>/qr.png")
def qr_png_image(campaign_id: int):
    campaign = get_campaign(campaign_id)
    return _qr_response(qr_png(public_link(campaign)), "image/png", campaign, "png")
