"""Coding open answers in the analyst workspace: build a coding frame per text variable (E5 and
every "other — specify"), give answers codes (several per answer; suggestions from similar coded
answers; search; plain keyboard-operable forms, digits toggle codes when the script runs), cross
the coded variable by a banner like a multiple choice, and approve quotes for the report.

Free text is where people name themselves: these pages are for the analyst role only (like
row-level exports), and a quote is approved only when it passes the identifying-detail check.
The audit log records what was done to which variable, never to which response.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from analysis import coding as C
from analysis.disclosure import DisclosureRefused
from analysis.exports.grid import grid_for
from analysis.quotes import identifying_details
from survey.analyst import bp
from survey.analyst.routes import _campaign_or_404, _language, can_export_rows
from survey.auth.access import current_user
from survey.extensions import db
from survey.models import Answer, Campaign, CodingAssignment, CodingCode, CodingQuote, Response
from survey.questionnaire import banners, label_text
from survey.services import audit

PAGE_SIZE = 20


def _variable_or_404(campaign: Campaign, key: str) -> C.TextVariable:
    if not can_export_rows():
        abort(403)
    found = next((v for v in C.text_variables(campaign.version.definition, _language())
                  if v.key == key), None)
    if found is None:
        abort(404)
    return found


def _csrf_only():
    from flask_wtf import FlaskForm
    return FlaskForm()


def _back(campaign: Campaign, key: str, anchor: str = "") -> str:
    args = {k: v for k, v in request.form.items() if k.startswith("back_") and v}
    query = urlencode({k[5:]: v for k, v in args.items()})
    url = url_for("analyst.coding", campaign_id=campaign.id, key=key)
    return url + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else "")


def _record(campaign: Campaign, key: str, action: str) -> None:
    audit.record(db.session, current_user(), "analysis.coding", target=f"campaign:{campaign.id}",
                 details={"variable": key, "action": action})


@bp.route("/c/<int:campaign_id>/coding")
def coding_index(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if not can_export_rows():
        abort(403)
    rows = []
    with db.engine.connect() as conn:
        for variable in C.text_variables(campaign.version.definition, _language()):
            received = C.texts(conn, campaign.id, variable, limit=0)[0]
            codes = C.codes_of(conn, campaign.id, variable.key)
            coded = db.session.scalar(
                select(func.count(func.distinct(CodingAssignment.response_id)))
                .join(CodingCode, CodingCode.id == CodingAssignment.code_id)
                .where(CodingCode.campaign_id == campaign.id,
                       CodingCode.variable == variable.key)) or 0
            rows.append((variable, received, len(codes), coded))
    return render_template("analyst/coding_index.html", campaign=campaign, rows=rows,
                           form=_csrf_only())


@bp.route("/c/<int:campaign_id>/coding/<key>")
def coding(campaign_id: int, key: str):
    campaign = _campaign_or_404(campaign_id)
    variable = _variable_or_404(campaign, key)
    definition = campaign.version.definition
    language = _language()
    search = (request.args.get("q") or "").strip()[:200]
    show = request.args.get("show", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    banner = request.args.get("banner") or None
    banner_items = {b["id"]: b for b in banners(definition)}
    if banner not in banner_items:
        banner = None
    with db.engine.connect() as conn:
        frame = C.codes_of(conn, campaign.id, key)
        code_ids = {code for code, _ in frame}
        wanted = [int(show)] if show.isdigit() and int(show) in code_ids else None
        total, answers = C.texts(conn, campaign.id, variable, search, wanted,
                                 show == "uncoded", (page - 1) * PAGE_SIZE, PAGE_SIZE)
        given = C.assigned(conn, code_ids, [rid for rid, _ in answers])
        sample = C.texts(conn, campaign.id, variable, limit=400)[1]
        sample_codes = C.assigned(conn, code_ids, [rid for rid, _ in sample])
        coded = [(text, sample_codes[rid]) for rid, text in sample if rid in sample_codes]
        grid = problem = None
        if frame:
            options = [(o["code"], label_text(o.get("label"), language))
                       for o in (banner_items[banner].get("options") or [])
                       if not o.get("missing")] if banner else []
            try:
                result = C.crosstab(conn, campaign.id, variable, frame, banner,
                                    label_text(banner_items[banner].get("label"), language)
                                    if banner else "", options, campaign.disclosure_threshold)
                grid = grid_for(result, "percent", language,
                                {b: label_text(i.get("label"), language)
                                 for b, i in banner_items.items()})
            except DisclosureRefused as refused:
                problem = refused.message.text(language)
    quotes = {q.response_id: q for q in db.session.scalars(select(CodingQuote).where(
        CodingQuote.variable == key, CodingQuote.response_id.in_([r for r, _ in answers])))}
    items = []
    for response_id, text in answers:
        mine = given.get(response_id, set())
        quote = quotes.get(response_id)
        shown = quote.text if quote else text
        items.append({"id": response_id, "text": text, "codes": mine,
                      "suggested": [c for c in C.suggest(text, coded) if c not in mine],
                      "quote": quote, "quote_text": shown,
                      "details": identifying_details(shown)})
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "analyst/coding.html", campaign=campaign, variable=variable, frame=frame,
        items=items, total=total, page=page, pages=pages, search=search, show=show,
        banner=banner, banner_options=[(b, f"{b}. {label_text(i.get('label'), language)}")
                                       for b, i in banner_items.items()],
        grid=grid, problem=problem, form=_csrf_only(),
        back={"q": search, "show": show, "page": page if page > 1 else "", "banner": banner or ""})


@bp.route("/c/<int:campaign_id>/coding/<key>/codes", methods=["POST"])
def coding_add_code(campaign_id: int, key: str):
    campaign = _campaign_or_404(campaign_id)
    _variable_or_404(campaign, key)
    if not _csrf_only().validate_on_submit():
        abort(400)
    label = (request.form.get("label") or "").strip()[:200]
    existing = set(db.session.scalars(select(CodingCode.label).where(
        CodingCode.campaign_id == campaign.id, CodingCode.variable == key)))
    if not label:
        flash(_("Hãy nhập tên mã."), "error")
    elif label in existing:
        flash(_("Đã có mã “%(label)s”.", label=label), "error")
    else:
        position = db.session.scalar(select(func.max(CodingCode.position)).where(
            CodingCode.campaign_id == campaign.id, CodingCode.variable == key)) or 0
        db.session.add(CodingCode(campaign_id=campaign.id, variable=key, label=label,
                                  position=position + 1))
        _record(campaign, key, "add-code")
        db.session.commit()
        flash(_("Đã thêm mã “%(label)s”.", label=label), "info")
    return redirect(_back(campaign, key, "frame"))


@bp.route("/c/<int:campaign_id>/coding/<key>/codes/<int:code_id>", methods=["POST"])
def coding_edit_code(campaign_id: int, key: str, code_id: int):
    campaign = _campaign_or_404(campaign_id)
    _variable_or_404(campaign, key)
    if not _csrf_only().validate_on_submit():
        abort(400)
    code = db.session.get(CodingCode, code_id)
    if code is None or code.campaign_id != campaign.id or code.variable != key:
        abort(404)
    if request.form.get("action") == "delete":
        db.session.delete(code)
        _record(campaign, key, "delete-code")
        flash(_("Đã xoá mã “%(label)s” và các lượt gán mã này.", label=code.label), "info")
    else:
        label = (request.form.get("label") or "").strip()[:200]
        if label and label != code.label:
            code.label = label
            _record(campaign, key, "rename-code")
            flash(_("Đã đổi tên mã."), "info")
    db.session.commit()
    return redirect(_back(campaign, key, "frame"))


@bp.route("/c/<int:campaign_id>/coding/<key>/answers/<response_id>", methods=["POST"])
def coding_answer(campaign_id: int, key: str, response_id: str):
    campaign = _campaign_or_404(campaign_id)
    variable = _variable_or_404(campaign, key)
    if not _csrf_only().validate_on_submit():
        abort(400)
    text = db.session.scalar(select(Answer.text).join(Response, Response.id == Answer.response_id)
                             .where(Response.campaign_id == campaign.id,
                                    Answer.response_id == response_id,
                                    Answer.variable == variable.item,
                                    *( [Answer.code == variable.option]
                                       if variable.option is not None else []),
                                    Answer.text.is_not(None)))
    if not text:
        abort(404)
    frame = {c.id for c in db.session.scalars(select(CodingCode).where(
        CodingCode.campaign_id == campaign.id, CodingCode.variable == key))}
    wanted = {int(c) for c in request.form.getlist("code") if c.isdigit()} & frame
    current = {a.code_id: a for a in db.session.scalars(select(CodingAssignment).where(
        CodingAssignment.response_id == response_id, CodingAssignment.code_id.in_(frame)))}
    for code_id, assignment in current.items():
        if code_id not in wanted:
            db.session.delete(assignment)
    for code_id in wanted - set(current):
        db.session.add(CodingAssignment(code_id=code_id, response_id=response_id))
    quote = db.session.scalar(select(CodingQuote).where(CodingQuote.response_id == response_id,
                                                        CodingQuote.variable == key))
    approve = request.form.get("approve") == "1"
    quoted = (request.form.get("quote") or "").strip()[:2000] or text
    if approve:
        details = identifying_details(quoted)
        if details:
            approve = False
            flash(_("Chưa duyệt trích dẫn: còn chi tiết có thể giúp nhận ra người viết (%(what)s). "
                    "Hãy sửa đoạn trích rồi duyệt lại.",
                    what="; ".join(f"{d.reason}: “{d.text}”" for d in details)), "error")
    if quote is None and (approve or quoted != text):
        quote = CodingQuote(response_id=response_id, variable=key, text=quoted)
        db.session.add(quote)
    if quote is not None:
        quote.text, quote.approved = quoted, approve
    _record(campaign, key, "code-answer")
    db.session.commit()
    return redirect(_back(campaign, key, request.form.get("next") or ""))
