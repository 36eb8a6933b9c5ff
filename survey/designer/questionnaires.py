"""The designer's questionnaires: the list, creating one, uploading a YAML or XLSForm file (and
the XLSForm import report), the overview of a draft, and its general information."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from survey.auth.access import current_user
from survey.designer import bp, files
from survey.questionnaire import editing
from survey.designer.drafting import (STALE, apply_edit, author_names, in_words, is_stale,
                                      questionnaire_or_404, spread, store_draft, validate_edit)
from survey.designer.forms import (ITEM_TYPE_LABELS, ActionForm, DiffForm, MetaForm,
                                   NewQuestionnaireForm, PageForm, UploadForm, meta_form_data)
from survey.extensions import db
from survey.models import AuditLog, Questionnaire
from survey.questionnaire import content_hash
from survey.services import questionnaires as qservice
from survey.services.audit import record


# --------------------------------------------------------------------------- list, create, upload

@bp.route("/")
def index():
    return _index_page(NewQuestionnaireForm(formdata=None), UploadForm(formdata=None))


def _index_page(new_form: NewQuestionnaireForm, upload_form: UploadForm,
                upload_errors: list[str] | None = None, status: int = 200):
    questionnaires = list(db.session.scalars(select(Questionnaire).order_by(Questionnaire.slug)))
    rows = []
    for q in questionnaires:
        latest = q.versions[-1] if q.versions else None
        changed = q.draft is not None and (latest is None
                                           or latest.content_hash != content_hash(q.draft))
        rows.append({"q": q, "latest": latest, "changed": changed})
    authors = author_names([v for q in questionnaires for v in q.versions])
    return render_template("designer/index.html", rows=rows, new_form=new_form,
                           upload_form=upload_form, upload_errors=upload_errors or [],
                           authors=authors), status


@bp.route("/new", methods=["POST"])
def create():
    form = NewQuestionnaireForm()
    if form.validate_on_submit():
        slug = form.slug.data.strip()
        if db.session.scalar(select(Questionnaire).where(Questionnaire.slug == slug)):
            form.slug.errors = [*form.slug.errors, _("Đã có phiếu hỏi với mã %(slug)s.",
                                                     slug=slug)]
        else:
            outcome = validate_edit(editing.new_definition(slug, form.title()),
                                                 editing.meta_fields())
            if outcome.ok:
                questionnaire = qservice.save_draft(db.session, outcome.definition,
                                                    actor=current_user())
                record(db.session, current_user(), "questionnaire.create",
                       f"questionnaire:{questionnaire.id}", {"slug": slug})
                db.session.commit()
                flash(_("Đã tạo phiếu hỏi %(slug)s.", slug=slug), "info")
                return redirect(url_for(".edit", qid=questionnaire.id))
            for name, messages in outcome.by_field.items():
                target = getattr(form, name, None) or form.slug
                target.errors = [*target.errors, *messages]
            form.slug.errors = [*form.slug.errors, *outcome.general]
    return _index_page(form, UploadForm(formdata=None), status=400)


@bp.route("/upload", methods=["POST"])
def upload():
    """Create a questionnaire from a YAML or XLSForm file, or replace the draft of the one with
    the same id. Nothing is stored unless the whole file is valid."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(NewQuestionnaireForm(formdata=None), form, status=400)
    storage = form.file.data
    try:
        result = files.read_upload(storage.filename or "", storage.stream, current_app.config.get(
            "DESIGNER_MAX_UPLOAD_BYTES", files.MAX_UPLOAD_BYTES))
    finally:
        storage.close()  # large uploads are spooled to a temporary file
    if result.errors:
        return _index_page(NewQuestionnaireForm(formdata=None), form,
                           upload_errors=in_words(result.errors), status=400)
    questionnaire = qservice.save_draft(db.session, result.definition, actor=current_user())
    details: dict[str, Any] = {"file": result.name}
    if result.report is not None:
        details["xlsform_report"] = files.report_details(result.report)
    record(db.session, current_user(), "questionnaire.upload",
           f"questionnaire:{questionnaire.id}", details)
    db.session.commit()
    flash(_("Đã nhập tệp %(name)s vào bản nháp của phiếu %(slug)s.", name=result.name,
            slug=questionnaire.slug), "info")
    if result.report is not None:  # an XLSForm: what was dropped and converted, on one page
        return redirect(url_for(".import_report", qid=questionnaire.id))
    for note in result.dropped:
        flash(_("Không chuyển được: %(note)s", note=note), "error")
    for note in result.notes:
        flash(note, "info")
    return redirect(url_for(".edit", qid=questionnaire.id))


def _last_import(questionnaire: Questionnaire) -> AuditLog | None:
    """The audit entry of the questionnaire's latest upload."""
    return db.session.scalar(
        select(AuditLog).where(AuditLog.action == "questionnaire.upload",
                               AuditLog.target == f"questionnaire:{questionnaire.id}")
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(1))


@bp.route("/q/<int:qid>/import-report")
def import_report(qid: int):
    """What the latest XLSForm upload dropped and converted, the name → code tables, and the
    labels still to be written before the draft can be published."""
    questionnaire = questionnaire_or_404(qid)
    entry = _last_import(questionnaire)
    view = files.report_view(entry.details) if entry is not None and entry.details else None
    return render_template("designer/import_report.html", q=questionnaire, report=view,
                           entry=entry, missing=files.missing_labels(questionnaire.draft))


# --------------------------------------------------------------------------- overview

@bp.route("/q/<int:qid>")
def edit(qid: int):
    questionnaire = questionnaire_or_404(qid)
    versions = list(reversed(questionnaire.versions))
    latest = versions[0] if versions else None
    draft_hash = content_hash(questionnaire.draft)
    diff_form = DiffForm(formdata=None)
    choices = [("draft", _("Bản nháp"))] + [(str(v.number), _("Phiên bản %(n)s", n=v.number))
                                            for v in versions]
    diff_form.old.choices = diff_form.new.choices = choices
    diff_form.new.data = "draft"
    diff_form.old.data = str(latest.number) if latest else "draft"
    entry = _last_import(questionnaire)
    return render_template(
        "designer/questionnaire.html", q=questionnaire, d=questionnaire.draft,
        missing=files.missing_labels(questionnaire.draft),
        import_report=entry is not None and bool((entry.details or {}).get("xlsform_report")),
        versions=versions, authors=author_names(versions), draft_hash=draft_hash,
        unpublished=latest is None or latest.content_hash != draft_hash,
        action=ActionForm(), page_form=PageForm(formdata=None,
                                                id=editing.next_page_id(questionnaire.draft)),
        type_labels=ITEM_TYPE_LABELS, diff_form=diff_form, xlsform=files.xlsform_available(),
        list_users={name: editing.option_list_users(questionnaire.draft, name)
                    for name in questionnaire.draft.get("option_lists") or {}})


# --------------------------------------------------------------------------- metadata

@bp.route("/q/<int:qid>/meta", methods=["GET", "POST"])
def meta(qid: int):
    questionnaire = questionnaire_or_404(qid)
    form = MetaForm(data=meta_form_data(questionnaire.draft)) if request.method == "GET" \
        else MetaForm()
    general: list[str] = []
    if form.validate_on_submit() and is_stale(questionnaire):
        general = [str(STALE)]
    elif form.validate_on_submit():
        outcome = apply_edit(questionnaire.draft, editing.replace_meta(form.to_meta()),
                                editing.meta_fields())
        if outcome.ok:
            store_draft(questionnaire, outcome.definition)
            flash(_("Đã lưu thông tin chung."), "info")
            return redirect(url_for(".edit", qid=qid))
        general = spread(form, outcome)
    status = 400 if request.method == "POST" else 200
    return render_template("designer/meta.html", q=questionnaire, form=form,
                           general=general), status
