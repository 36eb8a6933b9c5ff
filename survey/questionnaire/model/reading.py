"""Reading a canonical definition: its pages and items in order, an item by id, the variables
its answers are stored under, option codes, banners and labels in a language.

Small pure functions on the canonical dict, shared by the runtime, the services and
:mod:`analysis`, so that "the items of a questionnaire" means one thing everywhere.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping


def iter_pages(definition: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    yield from definition.get("pages") or []


def iter_items(definition: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item in questionnaire order, notes included."""
    for page in iter_pages(definition):
        yield from page.get("items") or []


def find_item(definition: Mapping[str, Any], item_id: str) -> dict[str, Any] | None:
    """The item with this id (``B2.3`` finds grid ``B2``), or ``None``."""
    item_id = item_id.split(".", 1)[0]
    return next((item for item in iter_items(definition) if item.get("id") == item_id), None)


def page_of_item(definition: Mapping[str, Any], item_id: str) -> int | None:
    """0-based index of the page holding the item, or ``None``."""
    for index, page in enumerate(iter_pages(definition)):
        if any(item.get("id") == item_id for item in page.get("items") or []):
            return index
    return None


def item_variables(item: Mapping[str, Any]) -> list[str]:
    """Variable names under which the item's answers are stored in the ``answer`` table:
    none for a note, ``ITEM.ROW`` for each grid row, the item id otherwise."""
    if item.get("type") == "note":
        return []
    if item.get("type") == "grid":
        return [f"{item['id']}.{row['id']}" for row in item.get("rows") or []]
    return [item["id"]]


def variables(definition: Mapping[str, Any]) -> list[str]:
    """All stored variable names, in questionnaire order."""
    return [name for item in iter_items(definition) for name in item_variables(item)]


def option_codes(item: Mapping[str, Any]) -> list[int]:
    return [option["code"] for option in item.get("options") or []]


def missing_codes(item: Mapping[str, Any]) -> set[int]:
    """Codes marked ``missing`` ("don't know", "no answer"): excluded from valid percentages."""
    return {option["code"] for option in item.get("options") or [] if option.get("missing")}


def banners(definition: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Items marked ``role: banner`` in questionnaire order (their ``dimension`` names them)."""
    return [item for item in iter_items(definition) if item.get("role") == "banner"]


def label_text(label: Mapping[str, str] | str | None, language: str = "vi") -> str:
    """The label in ``language``, falling back to Vietnamese, then to any language."""
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    return label.get(language) or label.get("vi") or next(iter(label.values()), "")
