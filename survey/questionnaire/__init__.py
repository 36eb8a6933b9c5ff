"""Questionnaire definitions: load, validate, hash. Pure Python: no Flask, no database.

The canonical form of a definition is a plain dict (see ``docs/questionnaire-format.md``);
it is what gets stored in ``QuestionnaireVersion.definition`` and what ``analysis`` reads.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml


class DefinitionError(ValueError):
    """A definition could not be loaded or is invalid. ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


def content_hash(definition: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON: equal meaning gives an equal hash, whatever the key order."""
    payload = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def load_file(path: str | Path) -> dict[str, Any]:
    """Load a YAML definition. Raises :class:`DefinitionError` naming the file on any problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DefinitionError([f"{path.name}: {exc}"]) from exc
    if not isinstance(data, dict) or not data.get("id"):
        raise DefinitionError([f"{path.name}: not a questionnaire definition (no 'id')"])
    return data
