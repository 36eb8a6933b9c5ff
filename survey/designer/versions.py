"""Publishing the draft, the published versions, comparing two of them, downloading one (YAML or
XLSForm), and the live preview."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from survey.auth.access import current_user
from survey.designer import bp, files
from survey.designer import preview as pv
from survey.designer.drafting import (STALE, author_names, is_stale, questionnaire_or_404,
                                      validate_edit)
from survey.designer.forms import ITEM_TYPE_LABELS, ActionForm, DiffForm
from survey.extensions import db
from survey.models import Questionnaire, QuestionnaireVersion
from survey.services import questionnaires as qservice


def _version_or_404(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion:
    """Published version ``number``; aborts with 404 when there is none."""
    version = db.session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id,
        QuestionnaireVersion.number == number))
    if version is None:
        abort(404)
    return version




# --------------------------------------------------------------------------- publish, versions

@bp.route("/q/<int:qid>/publish", methods=["POST"])
def publish(qid: int):
    questionnaire = questionnaire_or_404(qid)
    if not ActionForm().validate_on_submit():
        abort(400)
    if is_stale(questionnaire):
        flash(str(STALE), "error")
        return redirect(url_for(".edit", qid=qid))
    missing = files.missing_labels(questionnaire.draft)
    if missing:  # an XLSForm imported without labels: placeholders are never published
        flash(_("Chưa phát hành: còn %(n)s nhãn tiếng Việt phải viết (xem danh sách bên dưới).",
                n=len(missing)), "error")
        return redirect(url_for(".edit", qid=qid, _anchor="missing-labels"))
    outcome = validate_edit(questionnaire.draft)
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
    questionnaire = questionnaire_or_404(qid)
    v = _version_or_404(questionnaire, number)
    return render_template("designer/version.html", q=questionnaire, v=v, d=v.definition,
                           authors=author_names([v]), type_labels=ITEM_TYPE_LABELS)


@bp.route("/q/<int:qid>/diff")
def diff(qid: int):
    """What changed between two versions (or a version and the draft)."""
    questionnaire = questionnaire_or_404(qid)
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
    questionnaire = questionnaire_or_404(qid)
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
    questionnaire = questionnaire_or_404(qid)
    return pv.show(questionnaire)
