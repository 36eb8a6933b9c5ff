"""What every designer view shares: the questionnaire named in the URL (404 without a draft), the
stale-draft guard, and applying an edit to the draft, storing it only when the validator finds no
problem (:mod:`.editing` builds the changed definition; this module checks, words and stores it).
"""
from __future__ import annotations

from typing import Any

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from survey.auth.access import current_user
from survey.designer import bp
from survey.questionnaire import editing
from survey.designer.messages import plain
from survey.extensions import db
from survey.i18n import current_locale
from survey.models import Questionnaire, QuestionnaireVersion, StaffUser
from survey.questionnaire import content_hash, label_text
from survey.services import questionnaires as qservice


def questionnaire_or_404(qid: int) -> Questionnaire:
    """The questionnaire ``qid``; aborts with 404 when there is none (or it has no draft)."""
    questionnaire = db.session.get(Questionnaire, qid)
    if questionnaire is None or questionnaire.draft is None:
        abort(404)
    g.designer_questionnaire = questionnaire
    return questionnaire


STALE = _l("Bản nháp vừa được thay đổi ở nơi khác (người khác hoặc một thẻ khác) nên chưa lưu "
           "gì. Hãy mở lại trang để thấy bản mới nhất rồi làm lại.")


def is_stale(questionnaire: Questionnaire) -> bool:
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


def author_names(versions: list[QuestionnaireVersion]) -> dict[int, str]:
    """Who published each of ``versions``: user id → user name."""
    ids = {v.published_by_id for v in versions if v.published_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(StaffUser.id, StaffUser.username)
                                   .where(StaffUser.id.in_(ids))).tuples().all())


def in_words(messages: list[str]) -> list[str]:
    """Validator messages in plain Vietnamese on Vietnamese pages (see :mod:`.messages`)."""
    return [plain(m) for m in messages] if current_locale() == "vi" else list(messages)


def _checked(outcome: editing.Outcome) -> editing.Outcome:
    outcome.general = in_words(outcome.general)
    outcome.by_field = {name: in_words(ms) for name, ms in outcome.by_field.items()}
    return outcome


def apply_edit(draft: dict[str, Any], change, fields=None) -> editing.Outcome:
    """``change`` applied to a copy of ``draft`` and validated; problems in the page's words."""
    return _checked(editing.apply(draft, change, fields))


def validate_edit(candidate: Any, fields=None) -> editing.Outcome:
    """A whole candidate definition validated; problems in the page's words."""
    return _checked(editing.validate_candidate(candidate, fields))


def store_draft(questionnaire: Questionnaire, definition: dict[str, Any]) -> None:
    """Store a validated definition as the draft (audited) and commit."""
    qservice.save_draft(db.session, definition, actor=current_user())
    db.session.commit()


def spread(form, outcome: editing.Outcome) -> list[str]:
    """Put each problem beside its field; return those that belong to no field of ``form``."""
    general = list(outcome.general)
    for name, messages in outcome.by_field.items():
        field = form._fields.get(name)
        if field is None:
            general.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    return general


@bp.app_template_filter("qlabel")
def _qlabel_filter(value: Any) -> str:
    """A label in the page's language (templates: ``{{ item.label|qlabel }}``)."""
    return label_text(value, current_locale())
