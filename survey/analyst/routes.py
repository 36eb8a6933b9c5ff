"""The analyst's workspace: campaigns, the table builder (table + chart + downloads), the sample
description, and export jobs.

Row-level files (one row per response) are for the analyst role only — an admin manages accounts
and does not need the microdata — and every export is written to the audit log.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl, urlencode

from flask import (abort, current_app, jsonify, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from plotly.utils import PlotlyJSONEncoder
from werkzeug.datastructures import MultiDict

from analysis.charts import figure_for
from analysis.results import NumericSummary
from analysis.disclosure import DisclosureRefused
from analysis.exports.grid import grid_for
from survey.analyst import bp
from survey.analyst.forms import ExportForm
from survey.auth.access import current_user
from survey.extensions import db
from survey.models import Campaign, Role
from survey.questionnaire import label_text
from survey.services import audit
from survey.services import export_jobs as jobs
from survey.services import tabulation as service
from survey.services.exports import TABLE_FORMATS, file_stem, run_export


def _campaign_or_404(campaign_id: int) -> Campaign:
    """The campaign ``campaign_id``; aborts with 404 when there is none."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _language() -> str:
    from survey.i18n import current_locale
    return current_locale()


def _chart_json(figure) -> str:
    """Figure JSON safe inside ``<script type="application/json">`` (no ``</script>``)."""
    text = json.dumps(figure.to_plotly_json(), cls=PlotlyJSONEncoder)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _all_hidden(grid) -> bool:
    """Whether every body cell of ``grid`` is suppressed (nothing of the table is published)."""
    cells = [cell for _label, row in grid.rows for cell in row]
    return bool(cells) and all(cell.suppressed for cell in cells)


def _job_dir() -> Path:
    """The export jobs' directory from the app's config."""
    return jobs.export_dir(current_app.config.get("EXPORT_DIR"), current_app.instance_path)


def can_export_rows() -> bool:
    user = current_user()
    return user is not None and user.role == Role.ANALYST


@bp.route("/")
def index():
    return render_template("analyst/index.html", campaigns=service.campaigns(db.session),
                           synthetic_ids=service.synthetic_campaigns(db.session))


@bp.route("/c/<int:campaign_id>/")
def table(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    definition = campaign.version.definition
    language = _language()
    problem = None
    grid = chart = result = None
    empty_reason = chart_note = None
    try:
        wanted = service.table_request(definition, request.args)
    except service.RequestError as error:
        wanted, problem = None, _("Yêu cầu không hợp lệ: %(field)s.", field=str(error))
    if wanted is not None:
        source = service.source_for(db.engine, campaign)
        flt = wanted.analysis_filter(campaign)
        try:
            weights = service.weights_for(db.session, campaign, source, flt) \
                if wanted.weighted else None
            result = service.build_table(source, definition, wanted, flt, weights,
                                         campaign.disclosure_threshold, language)
        except DisclosureRefused as refused:
            problem = refused.message.text(language)
        else:
            grid = grid_for(result, wanted.mode, language,
                            service.banner_labels(definition, language))
            figure = figure_for(result, wanted.mode, wanted.barmode, language)
            chart = _chart_json(figure) if figure is not None else None
            if _all_hidden(grid):
                empty_reason = _(
                    "Mọi ô của bảng đều bị ẩn: mỗi nhóm có dưới %(k)s người trả lời (ngưỡng "
                    "bảo mật của đợt). Hãy bỏ hoặc đổi biến phân tổ, gộp nhóm, nới bộ lọc, hoặc "
                    "chờ thêm phiếu.", k=campaign.disclosure_threshold)
            if figure is None and not isinstance(result, NumericSummary):
                chart_note = _("Không vẽ biểu đồ: không có ô nào được công bố.")
    query = urlencode(wanted.query(), doseq=True) if wanted else ""
    return render_template(
        "analyst/table.html", campaign=campaign, wanted=wanted, grid=grid, chart=chart,
        problem=problem, empty_reason=empty_reason, chart_note=chart_note,
        filter_parts=service.describe_filter(definition, wanted, language) if wanted else [],
        items=service.item_choices(definition, language),
        banner_items=service.banner_items(definition),
        banner_options=service.banner_choices(definition, language),
        label_text=label_text, language=language, query=query,
        table_formats=TABLE_FORMATS,
        row_formats=jobs.ROW_LEVEL, can_export_rows=can_export_rows(),
        has_targets=bool(service.margins_from_targets(db.session, campaign)),
        weighted_requested=bool(wanted and wanted.weighted))


@bp.route("/c/<int:campaign_id>/sample")
def sample(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    definition = campaign.version.definition
    language = _language()
    source = service.source_for(db.engine, campaign)
    flt = service.TableRequest(item="").analysis_filter(campaign)
    weights = service.weights_for(db.session, campaign, source, flt)
    rows = service.sample_description(source, definition, flt, weights,
                                      campaign.disclosure_threshold, language)
    described = []
    for item, plain, weighted in rows:
        if isinstance(plain, DisclosureRefused):
            described.append((item, None, None, plain.message.text(language)))
        else:
            described.append((item, grid_for(plain, "count", language),
                              grid_for(weighted, "count", language) if weighted else None, ""))
    return render_template("analyst/sample.html", campaign=campaign, described=described,
                           weighted=weights is not None, label_text=label_text,
                           language=language)


@bp.route("/c/<int:campaign_id>/export", methods=["POST"])
def export(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    fmt = form.fmt.data
    row_level = fmt in jobs.ROW_LEVEL
    if row_level and not can_export_rows():
        abort(403)
    args = MultiDict(parse_qsl(form.query.data or "", keep_blank_values=False))
    try:
        wanted = service.table_request(campaign.version.definition, args)
    except service.RequestError:
        abort(400)
    if fmt in TABLE_FORMATS and wanted is None:
        abort(400)
    include_text = bool(form.include_text.data) and row_level
    user = current_user()
    audit.record(db.session, user, "analysis.export", target=f"campaign:{campaign.id}",
                 details={"format": fmt, "row_level": row_level, "include_text": include_text,
                          "query": form.query.data or ""})
    db.session.commit()
    language = _language()
    campaign_id = campaign.id

    def work(out, progress):
        run_export(fmt, db.session.get(Campaign, campaign_id), out, progress,
                   session=db.session, request=wanted, include_text=include_text,
                   language=language)

    job_id = jobs.start(current_app._get_current_object(), _job_dir(), user.id, fmt,
                        file_stem(campaign, fmt, wanted,
                                  service.is_synthetic(db.session, campaign)), work,
                        synchronous=bool(current_app.config.get("EXPORTS_SYNCHRONOUS")))
    return redirect(url_for("analyst.job", job_id=job_id))


def _job_or_404(job_id: str) -> dict:
    """The job's state when it exists and belongs to the signed-in user; 404 otherwise (a job
    of another user is not acknowledged to exist)."""
    state = jobs.read(_job_dir(), job_id)
    user = current_user()
    if state is None or user is None or state["user_id"] != user.id:
        abort(404)
    return state


@bp.route("/jobs/<job_id>")
def job(job_id: str):
    state = _job_or_404(job_id)
    return render_template("analyst/job.html", state=state)


@bp.route("/jobs/<job_id>/status")
def job_status(job_id: str):
    state = _job_or_404(job_id)
    return jsonify({"status": state["status"], "done": state["done"], "total": state["total"],
                    "message": state.get("message", ""),
                    "download": url_for("analyst.job_download", job_id=job_id)
                    if state["status"] == "done" else None})


@bp.route("/jobs/<job_id>/download")
def job_download(job_id: str):
    state = _job_or_404(job_id)
    job_dir = _job_dir()
    jobs.cleanup(job_dir)
    path = jobs.output_path(job_dir, state)
    if state["status"] == "done" and not path.exists() and jobs.row_level(state):
        abort(410)  # downloaded once already, or expired: row-level files are not kept
    if state["status"] != "done" or not path.exists():
        abort(404)
    source: Path | BinaryIO = path
    if jobs.row_level(state):  # every answer, open text included: not kept once delivered
        source = path.open("rb")  # the open file streams on; its name is gone at once
        path.unlink()
    return send_file(source, mimetype=jobs.FORMATS[state["format"]][1], as_attachment=True,
                     download_name=state["filename"], max_age=0)
