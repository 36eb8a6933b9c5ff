"""Golden fixtures of the questionnaire runtime and the expression evaluator: inputs and the
outputs they must give, as data (see ``README.md`` beside this file).

What is observed of an input is defined once, here, and used both to record a fixture
(``regenerate.py``) and to check the code against it (the ``test_*_golden.py`` tests): a rule can
then change in one place, the code, and the fixture diff shows every answer set it affects.

Values are stored as JSON with their Python type kept (``encode``): the rules' results must be
equal down to ``1`` versus ``1.0`` versus ``True``, tuple versus list, and key order.
"""
from __future__ import annotations

import json
import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from survey.questionnaire import iter_pages

HERE = Path(__file__).resolve().parent
RULES = ("flagship", "rich", "logic")  # rules-NAME.json: one definition and its cases each
EXPRESSIONS = "expressions"


# --------------------------------------------------------------------------- typed JSON

def encode(value: Any) -> Any:
    """``value`` as JSON data that :func:`decode` turns back into an equal value of the same
    types: tuples, sets, dicts with keys other than text and non-finite floats get a tag."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, list):
        return [encode(each) for each in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(each) for each in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": [encode(each) for each in sorted(value, key=repr)]}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: encode(each) for key, each in value.items()}
        return {"$dict": [[encode(key), encode(each)] for key, each in value.items()]}
    raise TypeError(f"no golden encoding for {type(value).__name__}: {value!r}")


def decode(data: Any) -> Any:
    if isinstance(data, list):
        return [decode(each) for each in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        tag, inner = next(iter(data.items()))
        if tag == "$float":
            return float(inner)
        if tag == "$tuple":
            return tuple(decode(each) for each in inner)
        if tag == "$set":
            return {decode(each) for each in inner}
        if tag == "$dict":
            return {decode(key): decode(each) for key, each in inner}
    return {key: decode(each) for key, each in data.items()}


def outcome(function: Callable[..., Any], *args: Any,
            shape: Callable[[Any], Any] = encode) -> Any:
    """The encoded result, or ``{"$raises": name}``: the same exception is an equal outcome."""
    try:
        result = function(*args)
    except Exception as exc:  # noqa: BLE001 - which exception is part of the behaviour
        return {"$raises": type(exc).__name__}
    return shape(result)


def same(actual: Any, expected: Any) -> bool:
    """Equal as stored JSON: types (``1`` is not ``1.0`` is not ``true``) and key order count."""
    return json.dumps(actual, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


# --------------------------------------------------------------------------- what is observed

@dataclass(frozen=True)
class Rules:
    """The page rules under observation. ``option_displayed`` takes the page (not the set of
    its ids) so that implementations with either signature can be observed."""

    prune: Callable[..., Any]
    visible_pages: Callable[..., Any]
    validate_all: Callable[..., Any]
    page_visible: Callable[..., Any]
    visible_items: Callable[..., Any]
    visible_options: Callable[..., Any]
    offer_tokens: Callable[..., Any]
    validate_page: Callable[..., Any]
    option_displayed: Callable[..., Any]


def current_rules() -> Rules:
    from survey.questionnaire.runtime import rules

    def displayed(option: Mapping[str, Any], page: Mapping[str, Any],
                  answers: Mapping[str, Any]) -> bool:
        return rules.option_displayed(option, {item["id"] for item in page.get("items") or []},
                                      answers)

    return Rules(rules.prune, rules.visible_pages, rules.validate_all, rules.page_visible,
                 rules.visible_items, rules.visible_options, rules.offer_tokens,
                 rules.validate_page, displayed)


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def _codes(options: list[dict[str, Any]]) -> list[int]:
    return [option["code"] for option in options]


def _filtered(item: Mapping[str, Any]) -> bool:
    return any(option.get("relevant") for option in item.get("options") or [])


def observe_state(rules: Rules, definition: Mapping[str, Any],
                  answers: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the page rules say of one answers dict. Per page (lists in page order):
    shown or not, the ids of its shown items, its offer tokens, its errors. ``options``: the
    codes offered by each item with an option filter; ``displayed``: the filtered options
    displayed (``ITEM:CODE``), whether or not their item is shown."""
    pages = list(iter_pages(definition))
    displayed = []
    for page in pages:
        for item in page.get("items") or []:
            displayed += [f"{item['id']}:{option['code']}" for option in item.get("options") or []
                          if option.get("relevant") and rules.option_displayed(option, page, answers)]
    return {
        "visible_pages": outcome(rules.visible_pages, definition, answers),
        "validate_all": outcome(rules.validate_all, definition, answers),
        "page_visible": [outcome(rules.page_visible, page, answers) for page in pages],
        "items": [outcome(rules.visible_items, page, answers, shape=_ids) for page in pages],
        "tokens": [outcome(rules.offer_tokens, page, answers, shape=sorted) for page in pages],
        "errors": [outcome(rules.validate_page, page, answers) for page in pages],
        "options": {item["id"]: outcome(rules.visible_options, item, answers, shape=_codes)
                    for page in pages for item in page.get("items") or [] if _filtered(item)},
        "displayed": displayed,
    }


def observe_rules(rules: Rules, definition: Mapping[str, Any],
                  answers: Mapping[str, Any]) -> dict[str, Any]:
    """``pruned``: what prune keeps; ``states``: :func:`observe_state` of the answers as given,
    then (unless prune raised) of the pruned answers, as the equivalence test checked both."""
    pruned = outcome(rules.prune, definition, answers)
    states = [observe_state(rules, definition, answers)]
    if not (isinstance(pruned, dict) and "$raises" in pruned):
        states.append(observe_state(rules, definition, decode(pruned)))
    return {"pruned": pruned, "states": states}


def observe_expression(evaluate: Callable[..., Any], is_true: Callable[..., Any], expr: Any,
                       answers: Mapping[str, Any], current: Any) -> dict[str, Any]:
    return {"evaluate": outcome(evaluate, expr, answers, current),
            "is_true": outcome(is_true, expr, answers, current)}


# --------------------------------------------------------------------------- files

def path(name: str) -> Path:
    return HERE / (f"{name}.json" if name == EXPRESSIONS else f"rules-{name}.json")


def load(name: str) -> dict[str, Any]:
    with path(name).open(encoding="utf-8") as handle:
        return json.load(handle)


def dump(name: str, about: str, cases: list[dict[str, Any]],
         definition: Mapping[str, Any] | None = None) -> None:
    """One case per line, so that a regenerated fixture's diff names the cases that changed."""
    def line(data: Any) -> str:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    parts = ["{", f'"about":{line(about)},']
    if definition is not None:
        parts.append(f'"definition":{line(encode(definition))},')
    parts.append('"cases":[')
    parts += [line(case) + ("," if index < len(cases) - 1 else "") for index, case in enumerate(cases)]
    parts += ["]", "}"]
    path(name).write_text("\n".join(parts) + "\n", encoding="utf-8")


def babel_app() -> Any:
    """A Flask app with the platform's language set-up and nothing else: what the runtime needs
    (messages, number formats), without the database, blueprints or the analysis packages."""
    from flask import Flask

    from survey import i18n
    from survey.config import Config

    app = Flask("survey")
    app.config.from_object(Config)
    app.config["SECRET_KEY"] = "golden"
    i18n.init_app(app)
    return app


@contextmanager
def vietnamese(app: Any) -> Iterator[None]:
    """A request in Vietnamese: the messages are Flask-Babel's, in the source language."""
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        yield
