"""The canonical questionnaire dict: its vocabulary, the normalisation of shorthands and the
small pure helpers that read it.

A designer's file may use shorthands (a plain string for a Vietnamese-only label, ``options_from``
naming a shared option list, omitted defaults). :func:`normalize` expands them into the canonical
form described in ``docs/questionnaire-format.md`` — the one form every other part of the platform
reads. Normalising a canonical dict again returns an equal dict.

The parts live in small modules, re-exported here as one public surface: :mod:`.schema` (kinds
of item, keys, orders, id shapes), :mod:`.problems` (problems and where they are),
:mod:`.reader` (reading single values), :mod:`.normalizer` (the canonical form) and
:mod:`.reading` (helpers over a canonical definition).
"""
from __future__ import annotations

from survey.questionnaire.model.normalizer import normalize, normalize_collect
from survey.questionnaire.model.problems import Path, Problem, Report
from survey.questionnaire.model.reading import (banners, find_item, item_variables, iter_items,
                                                iter_pages, label_text, missing_codes,
                                                option_codes, page_of_item, variables)
from survey.questionnaire.model.schema import (APPEARANCES, CHOICE_TYPES, COMMON_ITEM_KEYS,
                                               COMPARE_KEYS, GROUP_KEYS, ITEM_ORDER, ITEM_TYPES,
                                               KEYS_INSTEAD, LANGUAGE_RE, OPTION_FLAGS,
                                               OPTION_KEYS, OUTLINE_KEYS, PAGE_KEYS, REPORT_KEYS,
                                               ROW_KEYS, SECTION_KEYS, TEXT_MAX_LENGTH, TOP_KEYS,
                                               TYPE_KEYS)

__all__ = [
    "ITEM_TYPES", "CHOICE_TYPES", "Report", "normalize", "iter_pages", "iter_items", "find_item",
    "item_variables", "variables", "option_codes", "missing_codes", "banners", "label_text",
    "page_of_item",
    # the format's vocabulary (schema) and the problem report, for the format's own readers
    "Path", "Problem", "normalize_collect", "APPEARANCES", "COMMON_ITEM_KEYS", "COMPARE_KEYS",
    "GROUP_KEYS", "ITEM_ORDER", "KEYS_INSTEAD", "LANGUAGE_RE", "OPTION_FLAGS", "OPTION_KEYS",
    "OUTLINE_KEYS", "PAGE_KEYS", "REPORT_KEYS", "ROW_KEYS", "SECTION_KEYS", "TEXT_MAX_LENGTH",
    "TOP_KEYS", "TYPE_KEYS",
]
