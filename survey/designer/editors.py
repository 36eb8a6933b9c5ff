"""The draft's editors: items (the table editor for options and grid rows), shared option lists
and pages, with the move and delete buttons of the overview.

Each view reads its form, builds the changed definition with :mod:`.editing`, and stores it as
the draft only when the validator finds no problem; otherwise the form comes back with the
problems beside their fields and the draft stays as it was.
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from survey.designer import bp
from survey.questionnaire import editing
from survey.designer.drafting import (STALE, apply_edit, is_stale, questionnaire_or_404, spread,
                                      store_draft)
from survey.designer.forms import (ITEM_TYPE_LABELS, ActionForm, ItemForm, OptionListForm,
                                   PageForm, item_form_data, option_rows_data, options_of,
                                   page_form_data)
from survey.models import Questionnaire


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
    if is_stale(questionnaire):
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
    outcome = apply_edit(draft, change, fields)
    if outcome.ok:
        store_draft(questionnaire, outcome.definition)
        return item["id"], [], {}
    row_errors: dict[str, list[str]] = {}
    for name in [n for n in outcome.by_field if n.startswith(("options", "rows"))]:
        row_errors[name] = outcome.by_field.pop(name)
    general = spread(form, outcome)
    return None, general, row_errors


def _find(draft: dict[str, Any], item_id: str) -> dict[str, Any] | None:
    where = editing.locate_item(draft, item_id)
    return draft["pages"][where[0]]["items"][where[1]] if where else None


@bp.route("/q/<int:qid>/pages/<page_id>/items/new", methods=["GET", "POST"])
def new_item(qid: int, page_id: str):
    questionnaire = questionnaire_or_404(qid)
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
    questionnaire = questionnaire_or_404(qid)
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
    questionnaire = questionnaire_or_404(qid)
    if not ActionForm().validate_on_submit():
        abort(400)
    if is_stale(questionnaire):
        flash(str(STALE), "error")
        return redirect(url_for(".edit", qid=qid, _anchor=anchor))
    outcome = apply_edit(questionnaire.draft, change)
    if outcome.ok:
        store_draft(questionnaire, outcome.definition)
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
    if editing.locate_item(questionnaire_or_404(qid).draft, item_id) is None:
        abort(404)


def _page_exists_or_404(qid: int, page_id: str) -> None:
    if editing.locate_page(questionnaire_or_404(qid).draft, page_id) is None:
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
    outcome = apply_edit(questionnaire.draft, editing.save_option_list(new_name, options, name),
                     editing.option_list_fields(new_name, option_rows))
    if outcome.ok:
        store_draft(questionnaire, outcome.definition)
        return new_name, [], {}
    if outcome.general == ["taken"]:
        form.name.errors = [*form.name.errors,
                            _("Đã có danh sách tên %(name)s.", name=new_name)]
        return None, [], {}
    row_errors = {n: outcome.by_field.pop(n) for n in list(outcome.by_field)
                  if n.startswith("options")}
    return None, spread(form, outcome), row_errors


@bp.route("/q/<int:qid>/lists/new", methods=["GET", "POST"])
def new_option_list(qid: int):
    questionnaire = questionnaire_or_404(qid)
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
    questionnaire = questionnaire_or_404(qid)
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
    questionnaire = questionnaire_or_404(qid)
    _option_list_or_404(questionnaire, name)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = redirect(url_for(".edit", qid=qid, _anchor="option-lists"))
    if is_stale(questionnaire):
        flash(str(STALE), "error")
        return back
    outcome = apply_edit(questionnaire.draft, editing.delete_option_list(name))
    if outcome.ok:
        store_draft(questionnaire, outcome.definition)
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
    questionnaire = questionnaire_or_404(qid)
    form = PageForm()
    if form.validate_on_submit() and is_stale(questionnaire):
        general = [str(STALE)]
    elif form.validate_on_submit():
        page = form.to_page()
        page["items"] = [editing.starter_note(  # in the questionnaire's languages
            editing.next_item_id(questionnaire.draft, prefix=f"{page['id']}_N"),
            page.get("title"), questionnaire.draft.get("languages") or ("vi",))]
        index = len(questionnaire.draft["pages"])
        outcome = apply_edit(questionnaire.draft, editing.add_page(page),
                                editing.page_fields(index))
        if outcome.ok:
            store_draft(questionnaire, outcome.definition)
            flash(_("Đã thêm trang %(id)s.", id=page["id"]), "info")
            return redirect(url_for(".edit", qid=qid, _anchor=f"page-{page['id']}"))
        general = spread(form, outcome)
    else:
        if form.csrf_token.errors:
            abort(400)
        general = []
    return render_template("designer/page.html", q=questionnaire, form=form, page_id=None,
                           general=general), 400


@bp.route("/q/<int:qid>/pages/<page_id>", methods=["GET", "POST"])
def page(qid: int, page_id: str):
    questionnaire = questionnaire_or_404(qid)
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
    if form.validate_on_submit() and is_stale(questionnaire):
        general = [str(STALE)]
    elif form.validate_on_submit():
        outcome = apply_edit(questionnaire.draft,
                                editing.replace_page(page_id, form.to_page()),
                                editing.page_fields(index))
        if outcome.ok:
            store_draft(questionnaire, outcome.definition)
            flash(_("Đã lưu trang %(id)s.", id=form.id.data), "info")
            return redirect(url_for(".edit", qid=qid, _anchor=f"page-{form.id.data}"))
        general = spread(form, outcome)
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
