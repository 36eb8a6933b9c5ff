"""Edits to a questionnaire draft, checked before anything is kept.

Every edit works on a deep copy of the canonical draft and runs the questionnaire validator
(:func:`survey.questionnaire.check`) over the result. Only a definition without problems comes
back as :attr:`Outcome.definition`; otherwise the caller gets the problems and keeps the old
draft, so an invalid edit changes nothing.

To show a problem beside the form field that caused it, we hand ``check`` a *locations* map
from the paths of the edited node (``("pages", 0, "items", 3, "options", 2)``) to field names.
The validator reports the longest known prefix of each problem's path, which we read back here.
Pure Python: no Flask, no database.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from survey.questionnaire import check

__all__ = ["Outcome", "apply", "item_fields", "page_fields", "meta_fields", "locate_item",
           "locate_page", "move_item", "move_page", "delete_item", "delete_page",
           "replace_item", "insert_item", "new_definition", "starter_note", "set_report"]

_SOURCE = "\x00draft"
_MARK = "@"
_MESSAGE_RE = re.compile(r"^\x00draft(?:: @(?P<field>[\w.-]+))?:\s*(?P<message>.*)$", re.S)
Path = tuple[Any, ...]


@dataclass
class Outcome:
    """The result of an edit: the new canonical definition when it is valid, else problems.

    ``by_field`` maps a form field name (``label_vi``, ``options-2``) to its messages;
    ``general`` holds the problems that belong to no field of the form being edited.
    """

    definition: dict[str, Any] | None
    by_field: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.definition is not None

    def all_messages(self) -> list[str]:
        return [*self.general, *(m for ms in self.by_field.values() for m in ms)]


def apply(draft: Mapping[str, Any], change: Callable[[dict[str, Any]], None],
          fields: Mapping[Path, str] | None = None) -> Outcome:
    """Run ``change`` on a copy of ``draft`` and validate the result.

    ``change`` mutates the copy in place and may raise :class:`EditError` (a refusal with a
    plain message, e.g. moving the first page up). ``fields`` maps node paths to form field
    names for inline messages.
    """
    candidate = copy.deepcopy(dict(draft))
    try:
        change(candidate)
    except EditError as exc:
        return Outcome(None, general=[str(exc)])
    return validate_candidate(candidate, fields)


def validate_candidate(candidate: Any, fields: Mapping[Path, str] | None = None) -> Outcome:
    """Validate a whole (possibly shorthand) definition, routing messages to form fields."""
    locations = {tuple(path): _MARK + name for path, name in (fields or {}).items()}
    definition, messages = check(candidate, _SOURCE, locations)
    if not messages:
        return Outcome(definition)
    outcome = Outcome(None)
    for text in messages:
        match = _MESSAGE_RE.match(text)
        if match is None:
            outcome.general.append(text)
            continue
        message = match.group("message").strip()
        name = match.group("field")
        if name:
            outcome.by_field.setdefault(name, []).append(message)
        else:
            outcome.general.append(message)
    return outcome


class EditError(ValueError):
    """An edit that cannot be made at all (the message says why, in the UI language)."""


# --------------------------------------------------------------------------- field maps

ITEM_SCALAR_FIELDS = ("id", "type", "required", "relevant", "constraint", "appearance",
                      "dimension", "min_select", "max_select", "top", "min", "max",
                      "decimals", "max_length", "multiline", "randomize")


def item_fields(page_index: int, item_index: int, option_rows: list[int] | None = None,
                grid_rows: list[int] | None = None) -> dict[Path, str]:
    """Paths of an item's parts → item editor field names.

    ``option_rows[k]`` is the form row that produced option ``k`` (blank form rows are skipped
    when building the item, so the two numberings can differ); likewise ``grid_rows``.
    """
    base: Path = ("pages", page_index, "items", item_index)
    fields: dict[Path, str] = {base: "item"}
    for name in ITEM_SCALAR_FIELDS:
        fields[base + (name,)] = name
    fields[base + ("role",)] = "banner"
    for key in ("label", "hint", "constraint_message"):
        fields[base + (key,)] = f"{key}_vi"
        fields[base + (key, "vi")] = f"{key}_vi"
        fields[base + (key, "en")] = f"{key}_en"
    fields[base + ("options",)] = "options"
    fields[base + ("options_from",)] = "options"
    for k, row in enumerate(option_rows or []):
        fields[base + ("options", k)] = f"options-{row}"
    fields[base + ("rows",)] = "rows"
    for k, row in enumerate(grid_rows or []):
        fields[base + ("rows", k)] = f"rows-{row}"
    return fields


def page_fields(page_index: int) -> dict[Path, str]:
    base: Path = ("pages", page_index)
    return {base: "page", base + ("id",): "id", base + ("title",): "title_vi",
            base + ("title", "vi"): "title_vi", base + ("title", "en"): "title_en",
            base + ("relevant",): "relevant"}


def meta_fields() -> dict[Path, str]:
    fields: dict[Path, str] = {("estimated_minutes",): "estimated_minutes", ("id",): "slug"}
    for key in ("title", "introduction", "anonymity", "thank_you"):
        fields[(key,)] = f"{key}_vi"
        fields[(key, "vi")] = f"{key}_vi"
        fields[(key, "en")] = f"{key}_en"
    return fields


# --------------------------------------------------------------------------- lookups

def locate_item(definition: Mapping[str, Any], item_id: str) -> tuple[int, int] | None:
    """(page index, item index) of the item, or None."""
    for p, page in enumerate(definition.get("pages") or []):
        for i, item in enumerate(page.get("items") or []):
            if item.get("id") == item_id:
                return p, i
    return None


def locate_page(definition: Mapping[str, Any], page_id: str) -> int | None:
    for p, page in enumerate(definition.get("pages") or []):
        if page.get("id") == page_id:
            return p
    return None


# --------------------------------------------------------------------------- edits

# Content of a new questionnaire (data in the source language, edited by the designer like any
# other text): respondents must always be told what is and is not recorded.
DEFAULT_INTRODUCTION = {
    "vi": "Xin cảm ơn anh/chị đã dành thời gian trả lời phiếu khảo sát này.",
    "en": "Thank you for taking the time to answer this survey."}
DEFAULT_ANONYMITY = {
    "vi": "Phiếu khảo sát không hỏi tên. Hệ thống không lưu địa chỉ IP hay thông tin thiết bị "
          "của anh/chị; kết quả chỉ được công bố dưới dạng số liệu tổng hợp.",
    "en": "The survey does not ask your name. The system stores neither your IP address nor "
          "anything about your device; results are published only as aggregate figures."}
STARTER_NOTE = {"vi": "Ghi chú đầu trang", "en": "Page note"}
FIRST_PAGE = {"vi": "Trang 1", "en": "Page 1"}


def new_definition(slug: str, title: dict[str, str]) -> dict[str, Any]:
    """A minimal valid questionnaire in Vietnamese and English: a default introduction and
    anonymity statement in both, and one page holding a note (a page cannot be empty)."""
    return {"id": slug, "title": title, "languages": ["vi", "en"],
            "introduction": dict(DEFAULT_INTRODUCTION), "anonymity": dict(DEFAULT_ANONYMITY),
            "pages": [{"id": "P1", "title": dict(FIRST_PAGE),
                       "items": [starter_note("N1", {"vi": title.get("vi") or slug,
                                                     "en": title.get("en") or slug},
                                              ("vi", "en"))]}]}


def starter_note(item_id: str, text: Mapping[str, str] | str | None = None,
                 languages: Any = ("vi",)) -> dict[str, Any]:
    """The note a new page starts with, in each language of the questionnaire (never in the
    language of the designer's screen): ``text`` (the page title), else "Ghi chú đầu trang" /
    "Page note"."""
    given = text if isinstance(text, Mapping) else ({"vi": text} if text else {})
    label = {"vi": given.get("vi") or STARTER_NOTE["vi"]}
    if "en" in (languages or ()) or given.get("en"):
        label["en"] = given.get("en") or STARTER_NOTE["en"]
    return {"id": item_id, "type": "note", "label": label}


def _with_languages(definition: dict[str, Any], node: Any) -> None:
    """Declare English when the edited node carries English text (labels must be declared)."""
    def has_en(value: Any) -> bool:
        if isinstance(value, dict):
            return ("en" in value and isinstance(value["en"], str)) or any(
                has_en(v) for v in value.values())
        if isinstance(value, list):
            return any(has_en(v) for v in value)
        return False

    languages = list(definition.get("languages") or ["vi"])
    if "en" not in languages and has_en(node):
        languages.append("en")
    definition["languages"] = languages


def _keep_report(old: Mapping[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The item form has no report section: an edited item keeps its place in the report
    outline (``report``, and each grid row's, matched by row id)."""
    new = dict(new)
    if "report" in old and "report" not in new:
        new["report"] = old["report"]
    places = {row["id"]: row["report"] for row in old.get("rows") or [] if "report" in row}
    if places and new.get("rows"):
        new["rows"] = [{**row, "report": places[row["id"]]}
                       if row.get("id") in places and "report" not in row else row
                       for row in new["rows"]]
    return new


def replace_item(item_id: str, item: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        where = locate_item(d, item_id)
        if where is None:
            raise EditError(item_id)
        old = d["pages"][where[0]]["items"][where[1]]
        d["pages"][where[0]]["items"][where[1]] = _keep_report(old, item)
        _with_languages(d, item)
    return change


def set_report(spec: dict[str, Any] | None,
               places: Mapping[str, str | None]) -> Callable[[dict[str, Any]], None]:
    """Set the report outline (``None``: remove it) and each item's or grid row's section:
    ``places`` maps an item id (``B1``) or a grid row (``E1.3``) to a section id, or to None
    to leave it out of the report."""
    def change(d: dict[str, Any]) -> None:
        if spec is None:
            d.pop("report", None)
        else:
            d["report"] = spec
        for page in d["pages"]:
            for item in page["items"]:
                if item["id"] in places:
                    if places[item["id"]]:
                        item["report"] = places[item["id"]]
                    else:
                        item.pop("report", None)
                for row in item.get("rows") or []:
                    key = f"{item['id']}.{row['id']}"
                    if key in places:
                        if places[key]:
                            row["report"] = places[key]
                        else:
                            row.pop("report", None)
    return change


def insert_position(definition: Mapping[str, Any], page_id: str,
                    after: str | None = None) -> tuple[int, int] | None:
    """Where :func:`insert_item` puts a new item: (page index, item index), or None."""
    p = locate_page(definition, page_id)
    if p is None:
        return None
    position = len(definition["pages"][p].get("items") or [])
    if after is not None:
        where = locate_item(definition, after)
        if where is not None and where[0] == p:
            position = where[1] + 1
    return p, position


def insert_item(page_id: str, item: dict[str, Any],
                after: str | None = None) -> Callable[[dict[str, Any]], None]:
    """Add ``item`` at the end of page ``page_id`` (or right after item ``after``)."""
    def change(d: dict[str, Any]) -> None:
        where = insert_position(d, page_id, after)
        if where is None:
            raise EditError(page_id)
        d["pages"][where[0]]["items"].insert(where[1], item)
        _with_languages(d, item)
    return change


def move_item(item_id: str, step: int) -> Callable[[dict[str, Any]], None]:
    """Move an item one place up (-1) or down (+1); across a page boundary it becomes the last
    item of the previous page or the first of the next one."""
    def change(d: dict[str, Any]) -> None:
        where = locate_item(d, item_id)
        if where is None:
            raise EditError(item_id)
        p, i = where
        pages = d["pages"]
        items = pages[p]["items"]
        j = i + step
        if 0 <= j < len(items):
            items[i], items[j] = items[j], items[i]
            return
        q = p + step
        if not 0 <= q < len(pages):
            raise EditError("edge")
        item = items.pop(i)
        if step < 0:
            pages[q]["items"].append(item)
        else:
            pages[q]["items"].insert(0, item)
    return change


def delete_item(item_id: str) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        where = locate_item(d, item_id)
        if where is None:
            raise EditError(item_id)
        del d["pages"][where[0]]["items"][where[1]]
    return change


def replace_page(page_id: str, page: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """Replace a page's id/title/relevant, keeping its items."""
    def change(d: dict[str, Any]) -> None:
        p = locate_page(d, page_id)
        if p is None:
            raise EditError(page_id)
        old = d["pages"][p]
        kept = {"report": old["report"]} if "report" in old and "report" not in page else {}
        d["pages"][p] = {**page, **kept, "items": old["items"]}
        _with_languages(d, page)
    return change


def add_page(page: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        d["pages"].append(page)
        _with_languages(d, page)
    return change


def move_page(page_id: str, step: int) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        p = locate_page(d, page_id)
        if p is None:
            raise EditError(page_id)
        q = p + step
        if not 0 <= q < len(d["pages"]):
            raise EditError("edge")
        d["pages"][p], d["pages"][q] = d["pages"][q], d["pages"][p]
    return change


def delete_page(page_id: str) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        p = locate_page(d, page_id)
        if p is None:
            raise EditError(page_id)
        del d["pages"][p]
    return change


def replace_meta(meta: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """Set title, introduction, anonymity, thank-you text and estimated minutes (absent keys
    are removed)."""
    def change(d: dict[str, Any]) -> None:
        d["title"] = meta.get("title") or {}  # required: an empty one gets its message
        for key in ("introduction", "anonymity", "thank_you", "estimated_minutes"):
            if meta.get(key) in (None, {}):
                d.pop(key, None)
            else:
                d[key] = meta[key]
        _with_languages(d, meta)
    return change


def next_item_id(definition: Mapping[str, Any], prefix: str = "Q") -> str:
    """A free item id such as ``Q7`` for the new-item form."""
    taken = {item.get("id") for page in definition.get("pages") or []
             for item in page.get("items") or []}
    n = len(taken) + 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def next_page_id(definition: Mapping[str, Any]) -> str:
    taken = {page.get("id") for page in definition.get("pages") or []}
    n = len(taken) + 1
    while f"P{n}" in taken:
        n += 1
    return f"P{n}"


# --------------------------------------------------------------------------- shared option lists

def option_list_users(definition: Mapping[str, Any], name: str) -> list[str]:
    """Ids of the items whose options come from the shared list ``name``."""
    return [item["id"] for page in definition.get("pages") or []
            for item in page.get("items") or [] if item.get("options_from") == name]


def save_option_list(name: str, options: list[dict[str, Any]],
                     original: str | None = None) -> Callable[[dict[str, Any]], None]:
    """Create the shared list ``name`` (``original`` None) or replace list ``original``, renaming
    it to ``name``. Every item using the list gets the new options, so the validator checks them
    in place (a skip rule naming a removed code is caught like any other edit).

    Raises :class:`EditError` ``"taken"`` when another list already has the name, or the original
    name when that list is gone."""
    def change(d: dict[str, Any]) -> None:
        lists = dict(d.get("option_lists") or {})
        if original is not None and original not in lists:
            raise EditError(original)
        if name in lists and name != original:
            raise EditError("taken")
        if original is None:
            lists[name] = options
        else:  # keep the lists' order, the new name in the old one's place
            lists = {(name if key == original else key): (options if key == original else value)
                     for key, value in lists.items()}
        d["option_lists"] = lists
        for page in d.get("pages") or []:
            for item in page.get("items") or []:
                if original is not None and item.get("options_from") == original:
                    item["options_from"] = name
                if item.get("options_from") == name:
                    item["options"] = copy.deepcopy(options)
        _with_languages(d, options)
    return change


def delete_option_list(name: str) -> Callable[[dict[str, Any]], None]:
    """Remove an unused shared list. Raises :class:`EditError` ``"used"`` while items use it."""
    def change(d: dict[str, Any]) -> None:
        lists = dict(d.get("option_lists") or {})
        if name not in lists:
            raise EditError(name)
        if option_list_users(d, name):
            raise EditError("used")
        del lists[name]
        if lists:
            d["option_lists"] = lists
        else:
            d.pop("option_lists", None)
    return change


def option_list_fields(name: str, option_rows: list[int]) -> dict[Path, str]:
    """Paths of a shared list's parts → option list editor field names."""
    fields: dict[Path, str] = {("option_lists", name): "options"}
    for k, row in enumerate(option_rows):
        fields[("option_lists", name, k)] = f"options-{row}"
    return fields
