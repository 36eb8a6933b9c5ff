"""Live preview: the respondent's page, rendered by the respondent's own code.

Nothing is stored: the answers typed so far travel in a hidden field of the preview form, so
skip logic, option filters and validation behave exactly as for a respondent, and closing the
tab forgets everything.
"""
from __future__ import annotations

import json
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from survey.i18n import current_locale
from survey.models import Questionnaire
from survey.questionnaire import iter_pages, label_text
from survey.questionnaire.runtime import rules as logic
from survey.questionnaire.runtime.render import render_page

MAX_STATE_BYTES = 200_000


def _answers_from(text: str | None) -> dict[str, Any]:
    """The answers carried by the preview form; anything malformed reads as no answers."""
    if not text or len(text) > MAX_STATE_BYTES:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _definition(questionnaire: Questionnaire) -> tuple[dict[str, Any], int | None]:
    number = request.args.get("version", type=int)
    if number is not None:
        for version in questionnaire.versions:
            if version.number == number:
                return version.definition, number
    return questionnaire.draft, None


def _step(definition: dict[str, Any], answers: dict[str, Any], index: int, step: int) -> int:
    """The next (step=1) or previous (step=-1) visible page; len(pages) means the end."""
    shown = logic.visible_pages(definition, answers)
    if step > 0:
        later = [i for i in shown if i > index]
        return later[0] if later else len(list(iter_pages(definition)))
    earlier = [i for i in shown if i < index]
    return earlier[-1] if earlier else index


def show(questionnaire: Questionnaire):
    definition, number = _definition(questionnaire)
    pages = list(iter_pages(definition))
    language = current_locale()
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    notice = None
    page_input = None
    index = max(0, min(request.args.get("page", 1, type=int) - 1, len(pages) - 1))
    if request.method == "POST":
        answers = _answers_from(request.form.get("_answers"))
        index = max(0, min(request.form.get("_page", 0, type=int), len(pages) - 1))
        page_input = logic.parse_page(pages[index], request.form, answers)
        answers = logic.prune(definition, logic.merge(answers, page_input))
        action = request.form.get("action", "next")
        if action == "back":
            index, page_input = _step(definition, answers, index, -1), None
        elif action == "restart":
            answers, index, page_input = {}, 0, None
        else:
            errors = logic.validate_page(pages[index], answers, page_input, language)
            if not errors:
                index, page_input = _step(definition, answers, index, 1), None
    finished = index >= len(pages)
    if not finished and index not in logic.visible_pages(definition, answers):
        index = _step(definition, answers, index, 1)
        finished = index >= len(pages)
    items_html = None
    page = None
    if not finished:
        page = pages[index]
        items_html = render_page(definition, index, answers, errors, language,
                                 raw=page_input.raw if page_input else None,
                                 ranks=page_input.ranks if page_input else None)
    shown = logic.visible_pages(definition, answers)
    position = sum(1 for i in shown if i <= index) if index in shown else len(shown)
    status = 422 if errors else 200
    return render_template(
        "designer/preview.html", q=questionnaire, definition=definition, number=number,
        page=page, index=index, items_html=items_html, errors=errors, notice=notice,
        finished=finished, position=position, total=max(len(shown), 1),
        answers_json=json.dumps(answers, ensure_ascii=False, separators=(",", ":")),
        answers=answers, pages=pages, text=lambda value: label_text(value, language),
        heading=_("Xem trước"),
    ), status
