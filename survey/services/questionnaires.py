"""Importing questionnaires and publishing immutable versions."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Questionnaire, QuestionnaireVersion, StaffUser
from survey.questionnaire import content_hash, load_file
from survey.services.audit import record


def _title(definition: dict[str, Any]) -> str:
    title = definition.get("title")
    if isinstance(title, dict):
        return str(title.get("vi") or next(iter(title.values()), ""))
    return str(title or definition.get("id", ""))


def save_draft(session: Session, definition: dict[str, Any],
               actor: StaffUser | None = None) -> Questionnaire:
    """Create the questionnaire named by ``definition['id']`` or replace its working draft."""
    slug = definition["id"]
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))
    if questionnaire is None:
        questionnaire = Questionnaire(slug=slug, title=_title(definition))
        session.add(questionnaire)
    questionnaire.title = _title(definition)
    questionnaire.draft = definition
    session.flush()
    record(session, actor, "questionnaire.save", f"questionnaire:{questionnaire.id}")
    return questionnaire


def latest_version(session: Session, questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire.id)
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )


def publish(session: Session, questionnaire: Questionnaire,
            actor: StaffUser | None = None) -> QuestionnaireVersion:
    """Freeze the draft as a new version; returns the latest version if nothing changed."""
    if questionnaire.draft is None:
        raise ValueError("Questionnaire has no draft to publish.")
    digest = content_hash(questionnaire.draft)
    latest = latest_version(session, questionnaire)
    if latest is not None and latest.content_hash == digest:
        return latest
    number = (session.scalar(
        select(func.max(QuestionnaireVersion.number))
        .where(QuestionnaireVersion.questionnaire_id == questionnaire.id)
    ) or 0) + 1
    version = QuestionnaireVersion(
        questionnaire=questionnaire, number=number, definition=questionnaire.draft,
        content_hash=digest, published_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    record(session, actor, "questionnaire.publish", f"questionnaire:{questionnaire.id}",
           {"version": number, "hash": digest})
    return version


def load_shipped(session: Session, directory: str | Path) -> list[QuestionnaireVersion]:
    """Load and publish every ``*.yaml`` definition in ``directory`` (idempotent)."""
    versions = []
    for path in sorted(Path(directory).glob("*.yaml")):
        questionnaire = save_draft(session, load_file(path))
        versions.append(publish(session, questionnaire))
    return versions
