"""The report outline of a questionnaire, edited in the designer: the ``report:`` block (the
outline, the groups compared in every section, the tested banners, the highlighted answers) as
YAML text, and beside every item — and every grid row — the section of the report it belongs to.

A minimal form: the block is the format's own YAML (docs/questionnaire-format.md, "Report
outline"), checked by the questionnaire validator like every other edit; nothing is saved
unless the whole draft stays valid.
"""
from __future__ import annotations

from typing import Any

import yaml
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from survey.designer import bp
from survey.questionnaire import editing
from survey.designer.drafting import (STALE, apply_edit, is_stale, questionnaire_or_404,
                                      store_draft)
from survey.questionnaire import dump_yaml, iter_items, label_text

REPORTED = ("single", "grid", "multiple", "ranking", "text")


class OutlineForm(FlaskForm):
    outline = TextAreaField(_l("Dàn ý báo cáo (YAML)"), validators=[Length(max=50_000)])


def _block(definition: dict[str, Any]) -> str:
    """The ``report:`` block as YAML, in the layout of the shipped files."""
    spec = definition.get("report")
    if not spec:
        return ""
    text = dump_yaml(definition)  # "report:" comes right before "pages:" (canonical order)
    start = text.index("\nreport:\n") + 1
    end = text.index("\npages:", start)
    return text[start + len("report:\n"):end].rstrip() + "\n"


def _rows(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per reported item (and per grid row): key, label, current section."""
    rows = []
    for item in iter_items(definition):
        if item["type"] not in REPORTED or item.get("role") == "banner":
            continue
        rows.append({"key": item["id"], "label": label_text(item.get("label")),
                     "section": item.get("report", ""), "row": False})
        for row in item.get("rows") or []:
            rows.append({"key": f"{item['id']}.{row['id']}", "label": label_text(row["label"]),
                         "section": row.get("report", ""), "row": True})
    return rows


def _sections(definition: dict[str, Any]) -> list[tuple[str, str]]:
    spec = definition.get("report") or {}
    found = []
    for part in spec.get("outline") or []:
        found.append((part["id"], f"{part['id']}. {label_text(part.get('title'))}"))
        for section in part.get("sections") or []:
            found.append((section["id"], f"{section['id']}. {label_text(section.get('title'))}"))
    return found


@bp.route("/q/<int:qid>/report", methods=["GET", "POST"])
def report_outline(qid: int):
    questionnaire = questionnaire_or_404(qid)
    draft = questionnaire.draft
    form = OutlineForm(data={"outline": _block(draft)}) if request.method == "GET" \
        else OutlineForm()
    general: list[str] = []
    if form.validate_on_submit() and is_stale(questionnaire):
        general = [str(STALE)]
    elif form.validate_on_submit():
        try:
            spec = yaml.safe_load(form.outline.data or "") or None
        except yaml.YAMLError as error:
            spec, general = None, [_("Dàn ý không đọc được (YAML): %(e)s", e=str(error))]
        if not general:
            places = {row["key"]: (request.form.get(f"place-{row['key']}") or None)
                      for row in _rows(draft)}
            outcome = apply_edit(draft, editing.set_report(spec, places))
            if outcome.ok:
                store_draft(questionnaire, outcome.definition)
                flash(_("Đã lưu dàn ý báo cáo."), "info")
                return redirect(url_for(".report_outline", qid=qid))
            general = outcome.all_messages()
    return render_template("designer/report_outline.html", q=questionnaire, form=form,
                           general=general, rows=_rows(draft), sections=_sections(draft),
                           posted=request.form if request.method == "POST" else None)
