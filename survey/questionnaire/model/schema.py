"""The questionnaire format's vocabulary: the kinds of item, the keys each level of a definition
may hold and their canonical order, defaults and the shapes of ids.

Kept apart so that every reader of the format (normaliser, validator, XLSForm import and export,
the designer's forms and YAML writer) takes the same words from one place.
"""
from __future__ import annotations

import re

from survey.questionnaire.expressions.tree import FUNCTIONS, KEYWORDS

ITEM_TYPES = ("note", "single", "multiple", "grid", "ranking", "numeric", "text")
CHOICE_TYPES = frozenset({"single", "multiple", "grid", "ranking"})

TOP_KEYS = ("id", "languages", "title", "introduction", "anonymity", "thank_you",
            "estimated_minutes", "option_lists", "report", "pages")
PAGE_KEYS = ("id", "title", "relevant", "report", "items")
COMMON_ITEM_KEYS = ("id", "type", "label", "hint", "required", "relevant", "constraint",
                    "constraint_message", "report")
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "note": (),
    "single": ("options", "options_from", "appearance", "randomize", "role", "dimension"),
    "multiple": ("options", "options_from", "min_select", "max_select", "randomize"),
    "grid": ("rows", "options", "options_from", "randomize"),
    "ranking": ("options", "options_from", "top", "randomize"),
    "numeric": ("min", "max", "decimals"),
    "text": ("max_length", "multiline"),
}
#: A key another kind of item uses, and the key meaning the same here ("did you mean").
KEYS_INSTEAD: dict[str, dict[str, str]] = {
    "ranking": {"max_select": "top", "min_select": "top"},
    "multiple": {"top": "max_select"},
    "single": {"max_select": "type: multiple", "min_select": "type: multiple",
               "top": "type: ranking", "rows": "type: grid"},
}
OPTION_KEYS = ("code", "label", "other", "missing", "exclusive", "relevant", "name")
OPTION_FLAGS = ("other", "missing", "exclusive")
ROW_KEYS = ("id", "label", "report")
REPORT_KEYS = ("outline", "compare", "banners", "highlight")
OUTLINE_KEYS = ("id", "title", "sections")
SECTION_KEYS = ("id", "title")
COMPARE_KEYS = ("item", "groups")
GROUP_KEYS = ("label", "codes")
APPEARANCES = ("radio", "dropdown")
ITEM_ORDER = ("id", "type", "role", "dimension", "label", "hint", "required", "relevant",
              "constraint", "constraint_message", "appearance", "rows", "options_from",
              "options", "min_select", "max_select", "top", "randomize", "min", "max",
              "decimals", "multiline", "max_length", "report")
TEXT_MAX_LENGTH = {False: 250, True: 2000}  # default max_length by `multiline`
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")

# Shapes of ids and limits, which the validator enforces and the XLSForm import follows when it
# makes ids of its own.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
ITEM_ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ROW_ID_RE = re.compile(r"^[A-Za-z0-9_]+$")
DIMENSION_RE = re.compile(r"^[a-z][a-z0-9_]*$")
REPORT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
MAX_ITEM_ID = 40
MAX_VARIABLE = 64  # answer.variable column
RESERVED = set(KEYWORDS) | set(FUNCTIONS) | {"count"}
MAX_DECIMALS = 6
MAX_TEXT_LENGTH = 10_000
