"""Rendering one questionnaire page to HTML: shared by the respondent flow and the designer's
live preview, so a designer sees exactly what a respondent will see.

:func:`render_page` returns the page's questions as an HTML fragment (fieldsets and inputs,
no ``<form>`` element, no buttons): callers wrap it in their own form. It needs an app and a
request context (Flask-Babel, Jinja). The optional script ``static/respond.js`` reads the
``data-rel`` attributes (conditions as JSON syntax trees) to show and hide items instantly;
without it the server applies the same rules when the page is sent.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple

from flask import render_template
from flask_babel import get_locale, gettext
from markupsafe import Markup

from survey.questionnaire import iter_pages, label_text
from survey.questionnaire.expressions import (BoolOp, Call, Compare, Current, Literal, Node, Not,
                                              Reference, parse, referenced_items)
from survey.questionnaire.runtime import rules as logic

__all__ = ["render_page", "render_all", "condition_json", "page_plan", "ItemView", "OptionView",
           "RowView", "FragmentCache", "FrameCache"]


def _tree(node: Node) -> Any:
    if isinstance(node, Literal):
        return ["v", node.value]
    if isinstance(node, Reference):
        return ["r", node.item, node.row]
    if isinstance(node, Current):
        return ["."]
    if isinstance(node, Not):
        return ["not", _tree(node.operand)]
    if isinstance(node, BoolOp):
        return [node.op, [_tree(op) for op in node.operands]]
    if isinstance(node, Compare):
        return ["c", node.op, _tree(node.left), _tree(node.right)]
    if isinstance(node, Call):
        return ["f", node.function, [_tree(arg) for arg in node.args]]
    raise TypeError(node)  # pragma: no cover


def condition_json(expr: str) -> str:
    """A condition as a compact JSON syntax tree for ``respond.js``."""
    return json.dumps(_tree(parse(expr)), ensure_ascii=False, separators=(",", ":"))


class OptionView(NamedTuple):
    """One option as the template reads it: every attribute present and the label already in
    the page's language. (On a plain dict Jinja's ``option.relevant`` costs two caught
    exceptions when the key is absent, and a grid reads each option once per row.)"""

    code: int
    text: str
    relevant: str | None
    other: bool
    exclusive: bool
    missing: bool


class RowView(NamedTuple):
    id: Any
    text: str


def _option_view(option: Mapping[str, Any], language: str) -> OptionView:
    return OptionView(option["code"], label_text(option.get("label"), language),
                      option.get("relevant"), bool(option.get("other")),
                      bool(option.get("exclusive")), bool(option.get("missing")))


@dataclass
class ItemView:
    """One item as the template sees it: the item, whether it is shown now, the condition the
    script re-evaluates (``None`` when the server alone decides), options in display order."""

    item: dict[str, Any]
    shown: bool
    rel: str | None
    options: list[tuple[OptionView, bool, str | None]]
    rows: list[RowView]
    slots: int
    error: str | None


def page_plan(definition: Mapping[str, Any], page_index: int, answers: Mapping[str, Any],
              errors: Mapping[str, str] | None = None, seed: int | None = None,
              language: str = "vi") -> tuple[list[ItemView], dict[str, Any]]:
    """Items to render on the page and the earlier answers the script needs.

    An item (or option) whose condition reads a question on this same page is rendered even
    when hidden, so the script can reveal it; one whose condition reads only earlier pages is
    decided here and left out when false.
    """
    page = list(iter_pages(definition))[page_index]
    return _plan(page, {item["id"] for item in page.get("items") or []}, answers, errors, seed,
                 language)


def _plan(page: Mapping[str, Any], here: set[str], answers: Mapping[str, Any],
          errors: Mapping[str, str] | None, seed: int | None,
          language: str) -> tuple[list[ItemView], dict[str, Any]]:
    """:func:`page_plan` of ``page`` where conditions reading the items ``here`` are left to the
    script (the page's own items; every item when the whole questionnaire is one document)."""
    context_ids: set[str] = set()
    views: list[ItemView] = []
    errors = errors or {}

    def dynamic(expr: str | None) -> str | None:
        if not expr:
            return None
        refs = referenced_items(expr)
        if refs & here:
            context_ids.update(refs - here)
            return condition_json(expr)
        return None

    for item in page.get("items") or []:
        shown = logic.is_true(item.get("relevant"), answers)
        rel = dynamic(item.get("relevant"))
        if not shown and rel is None:
            continue
        options = []
        for option in logic.arrange(item, item.get("options") or [], seed):
            offered = logic.option_displayed(option, here, answers)
            option_rel = dynamic(option.get("relevant"))
            if offered or option_rel is not None:
                options.append((_option_view(option, language), offered, option_rel))
        rows = [RowView(row["id"], label_text(row.get("label"), language))
                for row in logic.ordered_rows(item, seed)]
        views.append(ItemView(item=item, shown=shown, rel=rel, options=options, rows=rows,
                              slots=logic.ranking_slots(item, answers) if item.get("type") == "ranking" else 0,
                              error=errors.get(item["id"])))
    context = {key: answers[key] for key in sorted(context_ids) if key in answers}
    return views, context


class FragmentCache:
    """Rendered page fragments of published (immutable) questionnaire versions, in process memory.

    Most pages are rendered in the same state again and again: fresh (nothing answered yet),
    options in definition order, the same follow-ups offered. The fragment is a pure function
    of what :func:`render_page` hands the template, so the key is exactly that: the version,
    the page, both languages (labels and interface strings), the id prefix, the plan (every
    shown flag, option in display order with its text and condition, row, slot count and error),
    the script context, and this page's answers. A randomised order or an answer gives another
    key, never a wrong page. A page not seen in that state is put together from its items,
    each cached the same way (so a shuffled ranking re-renders that item only). Bounded: the
    least recently used entries go first.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        html = self.entries.get(key)
        if html is not None:
            with self.lock:  # least recently used goes first: randomised orders come and go
                if key in self.entries:
                    self.entries.move_to_end(key)
        return html

    def put(self, key: Any, html: Any) -> None:
        with self.lock:
            self.entries[key] = html
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def _page_answers(views: list[ItemView], answers: Mapping[str, Any]) -> str:
    """This page's answers (and "other" texts) as canonical JSON, for a cache key."""
    mine = {}
    for view in views:
        for key in (view.item["id"], view.item["id"] + ".other"):
            if key in answers:
                mine[key] = answers[key]
    return json.dumps(mine, sort_keys=True, ensure_ascii=False) if mine else ""


def render_page(definition: Mapping[str, Any], page_index: int, answers: Mapping[str, Any],
                errors: Mapping[str, str] | None = None, language: str = "vi",
                preview: bool = False, seed: int | None = None,
                raw: Mapping[str, str] | None = None, ranks: Mapping[str, list] | None = None,
                cache: FragmentCache | None = None, version: Any = None) -> Markup:
    """The questions of page ``page_index`` (0-based) as an HTML fragment.

    ``answers`` fill the inputs; ``errors`` (item id → message) are shown beside their items;
    ``raw`` is unparsable text typed into numeric boxes, shown back as typed; ``seed``
    randomises option order (``None``: definition order, as in a preview). ``preview=True``
    prefixes input names and ids with ``pv-`` so the fragment can sit inside a staff page
    without clashing with its fields. ``cache`` with ``version`` (the id of a published,
    immutable version — never for a definition being edited) reuses an identical earlier
    render (see :class:`FragmentCache`).
    """
    views, context = page_plan(definition, page_index, answers, errors, seed, language)
    prefix = "pv-" if preview else ""
    context_json = json.dumps(context, ensure_ascii=False, separators=(",", ":")) \
        .replace("<", "\\u003c") if context else ""
    return _assemble(views, answers, language, prefix, context_json, raw, ranks,
                     None if raw or ranks else cache, (version, page_index))


def _assemble(views: list[ItemView], answers: Mapping[str, Any], language: str, prefix: str,
              context_json: str, raw: Mapping[str, str] | None, ranks: Mapping[str, list] | None,
              cache: FragmentCache | None, where: tuple) -> Markup:
    """The items of ``views`` (and the script context) as HTML, from ``cache`` when it holds
    them. ``where`` (version, page or "all") keys the whole fragment; items are cached per
    version alone, so both ways of showing a questionnaire share them. Without a published
    version (``where[0]`` is ``None``: a definition being edited) nothing is cached."""
    def render(views: list[ItemView], context: str) -> Markup:
        return Markup(render_template(
            "respond/_items.html", views=views, answers=answers, language=language,
            raw=raw or {}, ranks=ranks or {}, prefix=prefix, context=context,
            label=lambda value: label_text(value, language),
        ))

    if cache is None or where[0] is None:
        return render(views, context_json)
    common = (where[0], language, str(get_locale()), prefix)
    key = common + (where[1:], context_json, _page_answers(views, answers),
                    tuple(map(_view_key, views)))
    html = cache.get(key)
    if html is not None:
        return html
    # A page seen for the first time in this state (often: a randomised option order) is put
    # together from its items, each cached on its own, so only the item that differs is
    # rendered: the template renders every item independently of the others.
    parts, misses = [], 0
    for view in views:
        item_key = common + ("item", _page_answers([view], answers), _view_key(view))
        part = cache.get(item_key)
        if part is None:
            part, misses = render([view], ""), misses + 1
            cache.put(item_key, part)
        parts.append(part)
    if context_json:
        parts.append(render([], context_json))
    html = Markup("").join(parts)
    if not misses:  # a state seen item by item before will come again; a new order may not
        cache.put(key, html)
    return html


_SECTION = Markup('<section class="pg" id="p-{n}" data-p="{n}"{rel}{hidden}>'
                  '<h1 tabindex="-1">{title}</h1>{items}\n</section>\n')


def render_all(definition: Mapping[str, Any], answers: Mapping[str, Any], language: str = "vi",
               seed: int | None = None, cache: FragmentCache | None = None,
               version: Any = None) -> Markup:
    """The whole questionnaire as one fragment, a ``<section data-p="N">`` per page, for a
    browser whose script turns the pages itself (``respond.js``): a complete then takes a few
    requests instead of one per page. Every condition and option filter goes to the script
    (``data-rel``), the page's own condition on its section, since any answer may now change
    what a later page shows; the server validates everything when the form comes back.
    Without the script the document is one long form that still works: items shown by the
    answers so far, the rest revealed by the server as on any page."""
    pages = list(iter_pages(definition))
    here = {item["id"] for page in pages for item in page.get("items") or []}
    out = []
    for number, page in enumerate(pages, 1):
        # Nothing answered yet (the document a start POST sends): the section is the same for
        # everyone who drew the same option orders (see logic.ORDERS), kept whole.
        fixed = None
        if not answers and cache is not None and version is not None:
            drawn = seed % logic.ORDERS if seed is not None and any(
                item.get("randomize") for item in page.get("items") or []) else None
            fixed = (version, "all-fresh", number, language, str(get_locale()), drawn)
            html = cache.get(fixed)
            if html is not None:
                out.append(html)
                continue
        views, _ = _plan(page, here, answers, None, seed, language)
        rel = page.get("relevant")
        out.append(_SECTION.format(
            n=number, rel=Markup(' data-rel="{}"').format(condition_json(rel)) if rel else "",
            hidden=Markup(" hidden") if rel and not logic.is_true(rel, answers) else "",
            title=label_text(page.get("title"), language) or gettext("Trang %(n)s", n=number),
            items=_assemble(views, answers, language, "", "", None, None, cache,
                            (version, "all", number))))
        if fixed is not None:
            cache.put(fixed, out[-1])
    return Markup("").join(out)


def _view_key(view: ItemView) -> tuple:
    return (view.item["id"], view.shown, view.rel, tuple(view.options), tuple(view.rows),
            view.slots, view.error)


class FrameCache:
    """Whole respondent pages of published versions, kept as text around a few per-request holes.

    A page's frame (layout, headings, buttons, footer, language switch) is the same for every
    respondent who sees that page in that language and state; only a few values differ per
    request: the CSRF token, the ``_shown`` list and the questions fragment (itself cached by
    :class:`FragmentCache`). Rendering the frame through Jinja cost about as much as the rest of
    a page POST, so it is rendered once with a unique marker in each hole, split at the markers,
    and later pages are the parts joined with this request's values.

    ``key`` must name everything else the template reads (the caller knows: version, page,
    language, method, progress, campaign slug and access mode…). A marker that does not come out
    exactly once (a template that prints a hole twice, or never) disables the cache for that key:
    the page is rendered in full, as before.
    """

    MARK = "\x00hole:{}\x00"

    def __init__(self, size: int = 1024) -> None:
        # The same bounded, least-recently-used store as the fragments; ``False`` marks a key
        # whose template cannot be split.
        self.store = FragmentCache(size)

    def render(self, key: Any, render: Any, values: Mapping[str, str]) -> str:
        """The page for ``key``: ``render(holes)`` renders the template with ``holes`` (hole name →
        text to print, already HTML) standing for ``values`` (hole name → HTML text)."""
        entry = self.store.get(key)
        if entry is None:
            marks = {name: self.MARK.format(name) for name in values}
            html = render({name: Markup(mark) for name, mark in marks.items()})
            entry = self._split(html, marks) or False
            self.store.put(key, entry)
        if entry is False:
            return render({name: Markup(value) for name, value in values.items()})
        parts, order = entry
        out = [parts[0]]
        for name, part in zip(order, parts[1:]):
            out.append(values[name])
            out.append(part)
        return "".join(out)

    @staticmethod
    def _split(html: str, marks: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        if any(html.count(mark) != 1 for mark in marks.values()):
            return None
        spots = sorted((html.index(mark), name) for name, mark in marks.items())
        parts, order, start = [], [], 0
        for position, name in spots:
            parts.append(html[start:position])
            order.append(name)
            start = position + len(marks[name])
        parts.append(html[start:])
        return tuple(parts), tuple(order)
