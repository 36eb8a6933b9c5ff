"""The questionnaire designer: list, create, edit, upload, download, preview, publish, compare.

Each edit view reads its form, builds the changed definition with :mod:`.editing`, and stores it
as the questionnaire's draft only when the validator finds no problem; otherwise the form comes
back with the problems beside their fields and the draft stays as it was.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.auth.access import current_user
from survey.designer import bp, editing, files
from survey.designer import preview as pv
from survey.designer.messages import plain
from survey.designer.forms import (ITEM_TYPE_LABELS, ActionForm, DiffForm, ItemForm, MetaForm,
                                   NewQuestionnaireForm, OptionListForm, PageForm, UploadForm,
                                   item_form_data, meta_form_data, option_rows_data, options_of,
                                   page_form_data)
from survey.extensions import db
from survey.i18n import current_locale
from survey.models import AuditLog, Questionnaire, QuestionnaireVersion, StaffUser
from survey.questionnaire import content_hash, label_text
from survey.services import questionnaires as qservice
from survey.services.audit import record


# --------------------------------------------------------------------------- lookups

def _questionnaire_or_404(qid: int) -> Questionnaire:
    """The questionnaire ``qid``; aborts with 404 when there is none (or it has no draft)."""
    questionnaire = db.session.get(Questionnaire, qid)
    if questionnaire is None or questionnaire.draft is None:
        abort(404)
    g.designer_questionnaire = questionnaire
    return questionnaire


STALE = _l("Bản nháp vừa được thay đổi ở nơi khác (người khác hoặc một thẻ khác) nên chưa lưu "
           "gì. Hãy mở lại trang để thấy bản mới nhất rồi làm lại.")


def _stale(questionnaire: Questionnaire) -> bool:
    """Was the draft changed since the page that posted this form was shown?

    Every edit form carries the content hash of the draft it was built from (``base``); saving
    over a newer draft would silently drop someone else's work, so such a post is refused."""
    base = request.form.get("base")
    return bool(base) and base != content_hash(questionnaire.draft)


@bp.context_processor
def _draft_base() -> dict[str, Any]:
    questionnaire = g.get("designer_questionnaire")
    if questionnaire is None or questionnaire.draft is None:
        return {}
    return {"base_hash": request.form.get("base") or content_hash(questionnaire.draft)}


def _version_or_404(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion:
    """Published version ``number``; aborts with 404 when there is none."""
    version = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id,
        QuestionnaireVersion.number == number))
    if version is None:
        abort(404)
    return version


def _authors(versions: list[QuestionnaireVersion]) -> dict[int, str]:
    ids = {v.published_by_id for v in versions if v.published_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(StaffUser.id, StaffUser.username)
                                   .where(StaffUser.id.in_(ids))).tuples().all())


def _in_words(messages: list[str]) -> list[str]:
    """Validator messages in plain Vietnamese on Vietnamese pages (see :mod:`.messages`)."""
    return [plain(m) for m in messages] if current_locale() == "vi" else list(messages)


def _checked(outcome: editing.Outcome) -> editing.Outcome:
    outcome.general = _in_words(outcome.general)
    outcome.by_field = {name: _in_words(ms) for name, ms in outcome.by_field.items()}
    return outcome


def _apply(draft: dict[str, Any], change, fields=None) -> editing.Outcome:
    return _checked(editing.apply(draft, change, fields))


def _validate(candidate: Any, fields=None) -> editing.Outcome:
    return _checked(editing.validate_candidate(candidate, fields))


def _save(questionnaire: Questionnaire, definition: dict[str, Any]) -> None:
    """Store a validated definition as the draft (audited) and commit."""
    qservice.save_draft(db.session, definition, actor=current_user())
    db.session.commit()


def _label(value: Any) -> str:
    return label_text(value, current_locale())


@bp.app_template_filter("qlabel")
def _qlabel_filter(value: Any) -> str:
    return _label(value)


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
    authors = _authors([v for q in questionnaires for v in q.versions])
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
            outcome = _validate(editing.new_definition(slug, form.title()),
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
                           upload_errors=_in_words(result.errors), status=400)
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
    questionnaire = _questionnaire_or_404(qid)
    entry = _last_import(questionnaire)
    view = files.report_view(entry.details) if entry is not None and entry.details else None
    return render_template("designer/import_report.html", q=questionnaire, report=view,
                           entry=entry, missing=files.missing_labels(questionnaire.draft))


# --------------------------------------------------------------------------- overview

@bp.route("/q/<int:qid>")
def edit(qid: int):
    questionnaire = _questionnaire_or_404(qid)
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
        versions=versions, authors=_authors(versions), draft_hash=draft_hash,
        unpublished=latest is None or latest.content_hash != draft_hash,
        action=ActionForm(), page_form=PageForm(formdata=None,
                                                id=editing.next_page_id(questionnaire.draft)),
        type_labels=ITEM_TYPE_LABELS, diff_form=diff_form, xlsform=files.xlsform_available(),
        list_users={name: editing.option_list_users(questionnaire.draft, name)
                    for name in questionnaire.draft.get("option_lists") or {}})


# --------------------------------------------------------------------------- metadata

@bp.route("/q/<int:qid>/meta", methods=["GET", "POST"])
def meta(qid: int):
    questionnaire = _questionnaire_or_404(qid)
    form = MetaForm(data=meta_form_data(questionnaire.draft)) if request.method == "GET" \
        else MetaForm()
    general: list[str] = []
    if form.validate_on_submit() and _stale(questionnaire):
        general = [str(STALE)]
    elif form.validate_on_submit():
        outcome = _apply(questionnaire.draft, editing.replace_meta(form.to_meta()),
                                editing.meta_fields())
        if outcome.ok:
            _save(questionnaire, outcome.definition)
            flash(_("Đã lưu thông tin chung."), "info")
            return redirect(url_for(".edit", qid=qid))
        general = _spread(form, outcome)
    status = 400 if request.method == "POST" else 200
    return render_template("designer/meta.html", q=questionnaire, form=form,
                           general=general), status


def _spread(form, outcome: editing.Outcome) -> list[str]:
    """Put each problem beside its field; return those that belong to no field of ``form``."""
    general = list(outcome.general)
    for name, messages in outcome.by_field.items():
        field = form._fields.get(name)
        if field is None:
            general.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    return general


# --------------------------------------------------------------------------- items

def _item_page(questionnaire: Questionnaire, form: ItemForm, page_id: str,
               item_id: str | None, general: list[str], row_errors: dict[str, list[str]],
               status: int):
    return render_template("designer/item.html", q=questionnaire, form=form, page_id=page_id,
                           item_id=item_id, general=general, row_errors=row_errors,
                           pages=questionnaire.draft["pages"]), status


def _hold_back(questionnaire: Questionnaire, form: ItemForm | OptionListForm) -> list[str] | None:
    """Why a table editor POST (item or option list) saves nothing, or None when it may save:
    the "more rows" button (adds blank rows), a form with field errors, or a stale draft
    (the general message to show). A bad CSRF token is a 400."""
    if request.form.get("more"):
        for _n in range(5):
            form.options.append_entry()
        if isinstance(form, ItemForm):
            form.rows.append_entry()
        return []
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return []
    if _stale(questionnaire):
        return [str(STALE)]
    return None


def _item_submit(questionnaire: Questionnaire, form: ItemForm, page_id: str,
                 item_id: str | None):
    """Handle an item editor POST: more rows, or save (new or existing item)."""
    held = _hold_back(questionnaire, form)
    if held is not None:
        return None, held, {}
    item, option_rows, grid_rows = form.to_item()
    draft = questionnaire.draft
    if item_id is None:
        after = request.args.get("after")
        change = editing.insert_item(page_id, item, after=after)
        where = editing.insert_position(draft, page_id, after)
    else:
        change = editing.replace_item(item_id, item)
        where = editing.locate_item(draft, item_id)
    fields = editing.item_fields(*where, option_rows=option_rows, grid_rows=grid_rows) \
        if where else {}
    outcome = _apply(draft, change, fields)
    if outcome.ok:
        _save(questionnaire, outcome.definition)
        return item["id"], [], {}
    row_errors: dict[str, list[str]] = {}
    for name in [n for n in outcome.by_field if n.startswith(("options", "rows"))]:
        row_errors[name] = outcome.by_field.pop(name)
    general = _spread(form, outcome)
    return None, general, row_errors


def _find(draft: dict[str, Any], item_id: str) -> dict[str, Any] | None:
    where = editing.locate_item(draft, item_id)
    return draft["pages"][where[0]]["items"][where[1]] if where else None


@bp.route("/q/<int:qid>/pages/<page_id>/items/new", methods=["GET", "POST"])
def new_item(qid: int, page_id: str):
    questionnaire = _questionnaire_or_404(qid)
    if editing.locate_page(questionnaire.draft, page_id) is None:
        abort(404)
    if request.method == "GET":
        kind = request.args.get("type", "single")
        form = ItemForm(formdata=None, id=editing.next_item_id(questionnaire.draft),
                        type=kind if kind in ITEM_TYPE_LABELS else "single")
        form.offer_lists(questionnaire.draft.get("option_lists") or {})
        form.pad()
        return _item_page(questionnaire, form, page_id, None, [], {}, 200)
    form = ItemForm()
    form.offer_lists(questionnaire.draft.get("option_lists") or {})
    saved, general, row_errors = _item_submit(questionnaire, form, page_id, None)
    if saved:
        flash(_("Đã thêm câu hỏi %(id)s.", id=saved), "info")
        return redirect(url_for(".edit", qid=qid, _anchor=f"item-{saved}"))
    form.pad()
    return _item_page(questionnaire, form, page_id, None, general, row_errors,
                      200 if request.form.get("more") else 400)


@bp.route("/q/<int:qid>/items/<item_id>", methods=["GET", "POST"])
def item(qid: int, item_id: str):
    questionnaire = _questionnaire_or_404(qid)
    where = editing.locate_item(questionnaire.draft, item_id)
    if where is None:
        abort(404)
    page_id = questionnaire.draft["pages"][where[0]]["id"]
    if request.method == "GET":
        form = ItemForm(formdata=None, data=item_form_data(_find(questionnaire.draft, item_id)))
        form.offer_lists(questionnaire.draft.get("option_lists") or {})
        form.pad()
        return _item_page(questionnaire, form, page_id, item_id, [], {}, 200)
    form = ItemForm()
    form.offer_lists(questionnaire.draft.get("option_lists") or {})
    saved, general, row_errors = _item_submit(questionnaire, form, page_id, item_id)
    if saved:
        flash(_("Đã lưu câu hỏi %(id)s.", id=saved), "info")
        return redirect(url_for(".edit", qid=qid, _anchor=f"item-{saved}"))
    form.pad()
    return _item_page(questionnaire, form, page_id, item_id, general, row_errors,
                      200 if request.form.get("more") else 400)


def _structural(qid: int, change, done: str, anchor: str | None = None) -> Response:
    """Apply a move/delete edit posted by a button; flash the outcome; back to the overview."""
    questionnaire = _questionnaire_or_404(qid)
    if not ActionForm().validate_on_submit():
        abort(400)
    if _stale(questionnaire):
        flash(str(STALE), "error")
        return redirect(url_for(".edit", qid=qid, _anchor=anchor))
    outcome = _apply(questionnaire.draft, change)
    if outcome.ok:
        _save(questionnaire, outcome.definition)
        flash(done, "info")
    elif outcome.general == ["edge"]:
        flash(_("Không thể chuyển thêm theo hướng này."), "error")
    else:
        flash(_("Không thực hiện được vì phiếu hỏi sẽ không còn hợp lệ:"), "error")
        for message in outcome.all_messages():
            flash(message, "error")
    return redirect(url_for(".edit", qid=qid, _anchor=anchor))


def _step() -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return -1 if direction == "up" else 1


def _item_exists_or_404(qid: int, item_id: str) -> None:
    if editing.locate_item(_questionnaire_or_404(qid).draft, item_id) is None:
        abort(404)


def _page_exists_or_404(qid: int, page_id: str) -> None:
    if editing.locate_page(_questionnaire_or_404(qid).draft, page_id) is None:
        abort(404)


@bp.route("/q/<int:qid>/items/<item_id>/move", methods=["POST"])
def move_item(qid: int, item_id: str):
    _item_exists_or_404(qid, item_id)
    return _structural(qid, editing.move_item(item_id, _step()),
                       _("Đã chuyển câu hỏi %(id)s.", id=item_id), f"item-{item_id}")


@bp.route("/q/<int:qid>/items/<item_id>/delete", methods=["POST"])
def delete_item(qid: int, item_id: str):
    _item_exists_or_404(qid, item_id)
    return _structural(qid, editing.delete_item(item_id), _("Đã xoá câu hỏi %(id)s.", id=item_id))


# --------------------------------------------------------------------------- shared option lists

def _option_list_page(questionnaire: Questionnaire, form: OptionListForm, name: str | None,
                      general: list[str], row_errors: dict[str, list[str]], status: int):
    users = editing.option_list_users(questionnaire.draft, name) if name else []
    return render_template("designer/option_list.html", q=questionnaire, form=form, name=name,
                           users=users, general=general, row_errors=row_errors), status


def _option_list_submit(questionnaire: Questionnaire, form: OptionListForm,
                        name: str | None) -> tuple[str | None, list[str], dict[str, list[str]]]:
    """Handle an option list editor POST: more rows, or save (new or existing list)."""
    held = _hold_back(questionnaire, form)
    if held is not None:
        return None, held, {}
    new_name = form.name.data.strip()
    options, option_rows = options_of(form.options)
    outcome = _apply(questionnaire.draft, editing.save_option_list(new_name, options, name),
                     editing.option_list_fields(new_name, option_rows))
    if outcome.ok:
        _save(questionnaire, outcome.definition)
        return new_name, [], {}
    if outcome.general == ["taken"]:
        form.name.errors = [*form.name.errors,
                            _("Đã có danh sách tên %(name)s.", name=new_name)]
        return None, [], {}
    row_errors = {n: outcome.by_field.pop(n) for n in list(outcome.by_field)
                  if n.startswith("options")}
    return None, _spread(form, outcome), row_errors


@bp.route("/q/<int:qid>/lists/new", methods=["GET", "POST"])
def new_option_list(qid: int):
    questionnaire = _questionnaire_or_404(qid)
    if request.method == "GET":
        form = OptionListForm(formdata=None)
        form.pad()
        return _option_list_page(questionnaire, form, None, [], {}, 200)
    form = OptionListForm()
    saved, general, row_errors = _option_list_submit(questionnaire, form, None)
    if saved:
        flash(_("Đã thêm danh sách phương án %(name)s.", name=saved), "info")
        return redirect(url_for(".edit", qid=qid, _anchor="option-lists"))
    form.pad()
    return _option_list_page(questionnaire, form, None, general, row_errors,
                             200 if request.form.get("more") else 400)


def _option_list_or_404(questionnaire: Questionnaire, name: str) -> list[dict[str, Any]]:
    options = (questionnaire.draft.get("option_lists") or {}).get(name)
    if options is None:
        abort(404)
    return options


@bp.route("/q/<int:qid>/lists/<name>", methods=["GET", "POST"])
def option_list(qid: int, name: str):
    questionnaire = _questionnaire_or_404(qid)
    options = _option_list_or_404(questionnaire, name)
    if request.method == "GET":
        form = OptionListForm(formdata=None, data={"name": name,
                                                   "options": option_rows_data(options)})
        form.pad()
        return _option_list_page(questionnaire, form, name, [], {}, 200)
    form = OptionListForm()
    saved, general, row_errors = _option_list_submit(questionnaire, form, name)
    if saved:
        users = editing.option_list_users(questionnaire.draft, saved)
        flash(_("Đã lưu danh sách phương án %(name)s (dùng ở %(n)s câu hỏi).",
                name=saved, n=len(users)), "info")
        return redirect(url_for(".edit", qid=qid, _anchor="option-lists"))
    form.pad()
    return _option_list_page(questionnaire, form, name, general, row_errors,
                             200 if request.form.get("more") else 400)


@bp.route("/q/<int:qid>/lists/<name>/delete", methods=["POST"])
def delete_option_list(qid: int, name: str):
    questionnaire = _questionnaire_or_404(qid)
    _option_list_or_404(questionnaire, name)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = redirect(url_for(".edit", qid=qid, _anchor="option-lists"))
    if _stale(questionnaire):
        flash(str(STALE), "error")
        return back
    outcome = _apply(questionnaire.draft, editing.delete_option_list(name))
    if outcome.ok:
        _save(questionnaire, outcome.definition)
        flash(_("Đã xoá danh sách phương án %(name)s.", name=name), "info")
    elif outcome.general == ["used"]:
        flash(_("Không xoá được: danh sách %(name)s đang được dùng ở câu %(items)s.", name=name,
                items=", ".join(editing.option_list_users(questionnaire.draft, name))), "error")
    else:
        flash(_("Không thực hiện được vì phiếu hỏi sẽ không còn hợp lệ:"), "error")
        for message in outcome.all_messages():
            flash(message, "error")
    return back


# --------------------------------------------------------------------------- pages

@bp.route("/q/<int:qid>/pages/new", methods=["POST"])
def new_page(qid: int):
    """Add a page. A page may not be empty, so it starts with a note the designer can edit."""
    questionnaire = _questionnaire_or_404(qid)
    form = PageForm()
    if form.validate_on_submit() and _stale(questionnaire):
        general = [str(STALE)]
    elif form.validate_on_submit():
        page = form.to_page()
        page["items"] = [editing.starter_note(  # in the questionnaire's languages
            editing.next_item_id(questionnaire.draft, prefix=f"{page['id']}_N"),
            page.get("title"), questionnaire.draft.get("languages") or ("vi",))]
        index = len(questionnaire.draft["pages"])
        outcome = _apply(questionnaire.draft, editing.add_page(page),
                                editing.page_fields(index))
        if outcome.ok:
            _save(questionnaire, outcome.definition)
            flash(_("Đã thêm trang %(id)s.", id=page["id"]), "info")
            return redirect(url_for(".edit", qid=qid, _anchor=f"page-{page['id']}"))
        general = _spread(form, outcome)
    else:
        if form.csrf_token.errors:
            abort(400)
        general = []
    return render_template("designer/page.html", q=questionnaire, form=form, page_id=None,
                           general=general), 400


@bp.route("/q/<int:qid>/pages/<page_id>", methods=["GET", "POST"])
def page(qid: int, page_id: str):
    questionnaire = _questionnaire_or_404(qid)
    index = editing.locate_page(questionnaire.draft, page_id)
    if index is None:
        abort(404)
    if request.method == "GET":
        form = PageForm(formdata=None,
                        data=page_form_data(questionnaire.draft["pages"][index]))
        return render_template("designer/page.html", q=questionnaire, form=form,
                               page_id=page_id, general=[])
    form = PageForm()
    general: list[str] = []
    if form.validate_on_submit() and _stale(questionnaire):
        general = [str(STALE)]
    elif form.validate_on_submit():
        outcome = _apply(questionnaire.draft,
                                editing.replace_page(page_id, form.to_page()),
                                editing.page_fields(index))
        if outcome.ok:
            _save(questionnaire, outcome.definition)
            flash(_("Đã lưu trang %(id)s.", id=form.id.data), "info")
            return redirect(url_for(".edit", qid=qid, _anchor=f"page-{form.id.data}"))
        general = _spread(form, outcome)
    elif form.csrf_token.errors:
        abort(400)
    return render_template("designer/page.html", q=questionnaire, form=form, page_id=page_id,
                           general=general), 400


@bp.route("/q/<int:qid>/pages/<page_id>/move", methods=["POST"])
def move_page(qid: int, page_id: str):
    _page_exists_or_404(qid, page_id)
    return _structural(qid, editing.move_page(page_id, _step()),
                       _("Đã chuyển trang %(id)s.", id=page_id), f"page-{page_id}")


@bp.route("/q/<int:qid>/pages/<page_id>/delete", methods=["POST"])
def delete_page(qid: int, page_id: str):
    _page_exists_or_404(qid, page_id)
    return _structural(qid, editing.delete_page(page_id),
                       _("Đã xoá trang %(id)s.", id=page_id))


# --------------------------------------------------------------------------- publish, versions

@bp.route("/q/<int:qid>/publish", methods=["POST"])
def publish(qid: int):
    questionnaire = _questionnaire_or_404(qid)
    if not ActionForm().validate_on_submit():
        abort(400)
    if _stale(questionnaire):
        flash(str(STALE), "error")
        return redirect(url_for(".edit", qid=qid))
    missing = files.missing_labels(questionnaire.draft)
    if missing:  # an XLSForm imported without labels: placeholders are never published
        flash(_("Chưa phát hành: còn %(n)s nhãn tiếng Việt phải viết (xem danh sách bên dưới).",
                n=len(missing)), "error")
        return redirect(url_for(".edit", qid=qid, _anchor="missing-labels"))
    outcome = _validate(questionnaire.draft)
    if not outcome.ok:  # an old draft stored before a stricter validator: never publish it
        flash(_("Bản nháp chưa hợp lệ nên chưa phát hành:"), "error")
        for message in outcome.all_messages():
            flash(message, "error")
        return redirect(url_for(".edit", qid=qid))
    latest = qservice.latest_version(db.session, questionnaire)
    version = qservice.publish(db.session, questionnaire, actor=current_user())
    db.session.commit()
    if latest is not None and version.id == latest.id:
        flash(_("Bản nháp không khác phiên bản %(n)s; không tạo phiên bản mới.",
                n=version.number), "info")
    else:
        flash(_("Đã phát hành phiên bản %(n)s.", n=version.number), "info")
    return redirect(url_for(".edit", qid=qid, _anchor="versions"))


@bp.route("/q/<int:qid>/versions/<int:number>")
def version(qid: int, number: int):
    questionnaire = _questionnaire_or_404(qid)
    v = _version_or_404(questionnaire, number)
    return render_template("designer/version.html", q=questionnaire, v=v, d=v.definition,
                           authors=_authors([v]), type_labels=ITEM_TYPE_LABELS)


@bp.route("/q/<int:qid>/diff")
def diff(qid: int):
    """What changed between two versions (or a version and the draft)."""
    questionnaire = _questionnaire_or_404(qid)
    versions = list(questionnaire.versions)
    choices = [("draft", _("Bản nháp"))] + [
        (str(v.number), _("Phiên bản %(n)s", n=v.number)) for v in reversed(versions)]
    form = DiffForm(request.args)
    form.old.choices = choices
    form.new.choices = choices
    if not request.args:
        form.new.data = "draft"
        form.old.data = str(versions[-1].number) if versions else "draft"
    elif not form.validate():
        abort(404)

    def definition(key: str) -> dict[str, Any]:
        if key == "draft":
            return questionnaire.draft
        return _version_or_404(questionnaire, int(key)).definition

    changes = files.compare(definition(form.old.data), definition(form.new.data))
    labels = dict(choices)
    kind_labels = {"added": _("Thêm mới"), "removed": _("Bỏ đi"), "changed": _("Sửa đổi"),
                   "moved": _("Chuyển chỗ")}
    return render_template("designer/diff.html", q=questionnaire, form=form, changes=changes,
                           kind_labels=kind_labels,
                           old_label=labels[form.old.data], new_label=labels[form.new.data])


# --------------------------------------------------------------------------- files

@bp.route("/q/<int:qid>/download.<fmt>")
def download(qid: int, fmt: str):
    """The draft, or ``?version=N``, as YAML or XLSForm."""
    questionnaire = _questionnaire_or_404(qid)
    number = request.args.get("version", type=int)
    definition = questionnaire.draft if number is None else \
        _version_or_404(questionnaire, number).definition
    suffix = "draft" if number is None else f"v{number}"
    name = f"{questionnaire.slug}-{suffix}"
    if fmt == "yaml":
        body, mimetype = files.to_yaml(definition).encode("utf-8"), "application/yaml"
    elif fmt == "xlsx":
        try:
            body = files.to_xlsx(definition)
        except LookupError:
            abort(404)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


# --------------------------------------------------------------------------- preview

@bp.route("/q/<int:qid>/preview", methods=["GET", "POST"])
def preview(qid: int):
    """The respondent's page, rendered by the respondent's own code; answers typed here are
    evaluated for skip logic and validation, then forgotten (nothing is stored)."""
    questionnaire = _questionnaire_or_404(qid)
    return pv.show(questionnaire)
