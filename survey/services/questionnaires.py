"""Importing questionnaires and publishing immutable versions.

A questionnaire has one editable draft and any number of published versions. Publishing
validates the draft and freezes a copy of its canonical form with its content hash; a draft
whose hash equals the latest version's is not published again, so "publish" is idempotent.
Editing after publishing only ever changes the draft: versions are never updated, and each
response points at the version it answered.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Questionnaire, QuestionnaireVersion, StaffUser
from survey.questionnaire import DefinitionError, check, content_hash, load_file
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
    """Freeze the draft as a new version; returns the latest version if nothing changed.

    Raises :class:`ValueError` without a draft and :class:`DefinitionError` (a ``ValueError``)
    when the draft is not valid — an invalid draft is never published.
    """
    if questionnaire.draft is None:
        raise ValueError("Questionnaire has no draft to publish.")
    definition, errors = check(copy.deepcopy(questionnaire.draft), questionnaire.slug)
    if errors:
        raise DefinitionError(errors)
    digest = content_hash(definition)
    latest = latest_version(session, questionnaire)
    if latest is not None and latest.content_hash == digest:
        return latest
    number = (session.scalar(
        select(func.max(QuestionnaireVersion.number))
        .where(QuestionnaireVersion.questionnaire_id == questionnaire.id)
    ) or 0) + 1
    version = QuestionnaireVersion(
        questionnaire=questionnaire, number=number, definition=definition,
        content_hash=digest, published_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    record(session, actor, "questionnaire.publish", f"questionnaire:{questionnaire.id}",
           {"version": number, "hash": digest})
    return version


def has_unpublished_changes(session: Session, questionnaire: Questionnaire) -> bool:
    """The draft differs from the latest published version (or nothing is published yet)."""
    if questionnaire.draft is None:
        return False
    latest = latest_version(session, questionnaire)
    if latest is None:
        return True
    definition, errors = check(copy.deepcopy(questionnaire.draft))
    return bool(errors) or content_hash(definition) != latest.content_hash


def by_slug(session: Session, slug: str) -> Questionnaire | None:
    return session.scalar(select(Questionnaire).where(Questionnaire.slug == slug))


HISTORY_DIR = "history"


def shipped_history(path: str | Path) -> list[Path]:
    """Earlier published versions of a shipped definition, oldest first:
    ``history/<stem>.v<N>.yaml`` next to it (``ne-tranh-trach-nhiem.v1.yaml``)."""
    path = Path(path)
    found = []
    for old in path.parent.joinpath(HISTORY_DIR).glob(f"{path.stem}.v*.yaml"):
        number = old.name[len(path.stem) + 2:-len(".yaml")]
        if number.isdigit():
            found.append((int(number), old))
    return [old for _, old in sorted(found)]


def load_shipped(session: Session, directory: str | Path) -> list[QuestionnaireVersion]:
    """Load and publish every ``*.yaml`` definition in ``directory`` (idempotent).

    A questionnaire that has no published version yet first gets its earlier shipped versions
    (``history/<stem>.v<N>.yaml``, in order), so version numbers mean the same content in
    every installation: the flagship's version 1 is the text its first responses answered,
    version 2 the current file. Where versions exist already, only the current file is
    published (a new version when it changed). Returns the versions published or confirmed,
    history first."""
    versions = []
    for path in sorted(Path(directory).glob("*.yaml")):
        definition = load_file(path)
        existing = by_slug(session, definition["id"])
        if existing is None or latest_version(session, existing) is None:
            for old in shipped_history(path):
                earlier = load_file(old)
                if earlier["id"] != definition["id"]:
                    continue
                versions.append(publish(session, save_draft(session, earlier)))
        questionnaire = save_draft(session, definition)
        versions.append(publish(session, questionnaire))
    return versions
