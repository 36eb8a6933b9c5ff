"""Questionnaire definitions: load, normalise, validate, hash. Pure Python: no Flask, no database.

The canonical form of a definition is a plain dict (see ``docs/questionnaire-format.md``);
it is what gets stored in ``QuestionnaireVersion.definition`` and what ``analysis`` reads.

Modules: :mod:`.expressions` (the skip-logic language), :mod:`.model` (the canonical form:
vocabulary, normalisation, helpers), :mod:`.validator` (checks by concern), :mod:`.loader`
(YAML with line numbers), :mod:`.xlsform` (XLSForm import/export), :mod:`.versions` (what
changed between two definitions), :mod:`.storage` (answers to rows and back). The runtime that
shows and checks pages (:mod:`.runtime`) needs Flask-Babel and is not imported here.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from survey.questionnaire.errors import DefinitionError
from survey.questionnaire.expressions import ExpressionError, evaluate, is_true, parse, references
from survey.questionnaire.loader import dump_yaml, load_file, load_text, read_file
from survey.questionnaire.model import (banners, find_item, item_variables, iter_items,
                                        iter_pages, label_text, missing_codes, normalize,
                                        option_codes, variables)
from survey.questionnaire.validator import check, validate
from survey.questionnaire.versions import Change, diff
from survey.questionnaire.xlsform import ImportResult, from_xlsx, to_xlsx

__all__ = [
    "DefinitionError", "ExpressionError", "content_hash", "load_file", "load_text", "read_file",
    "normalize", "validate", "check", "parse", "evaluate", "is_true", "references", "iter_items",
    "iter_pages", "find_item", "item_variables", "variables", "option_codes", "missing_codes",
    "banners", "label_text", "dump_yaml", "diff", "Change", "to_xlsx", "from_xlsx",
    "ImportResult",
]


def content_hash(definition: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON: equal meaning gives an equal hash, whatever the key order."""
    payload = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
