"""Answers for the load generator (:mod:`bench.load`): each page compiled once into a plan
that draws random valid answers and the ``_shown`` field the page script would send, and the form
encoded as ``urlencode`` writes it.

Visibility, option filters and ``_shown`` come from the questionnaire's own logic
(:mod:`survey.questionnaire.runtime.rules`), computed once per combination of the answers their
conditions read: the load generator shares the server's cores, so every millisecond it spends is
one the server does not get.
"""
from __future__ import annotations

import random
import re
from typing import Any
from urllib.parse import quote_plus

from survey.questionnaire.expressions import referenced_items
from survey.questionnaire.runtime import rules as logic

TEXTS = ["Cần quy định rõ trách nhiệm người đứng đầu.", "Bảo vệ cán bộ dám nghĩ, dám làm.", ""]
_URL_SAFE = re.compile(rb"[A-Za-z0-9_.~-]*")  # what quote_plus leaves as it is


def _offered(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The options a respondent picks among: not "other" (it needs a text) nor exclusive ones
    ("none of these"), unless nothing else is offered."""
    return [o for o in options if not o.get("other") and not o.get("exclusive")] or list(options)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


class _Memo:
    """A function of the answers that reads only the items its conditions reference
    (expressions are pure functions of the items they name): computed once per combination of
    those items' answers, so the questionnaire's own logic runs once per case, not per page
    sent. With no conditions at all it is computed once."""

    __slots__ = ("refs", "compute", "cache", "value")
    _UNSET = object()

    def __init__(self, conditions: list[Any], compute):
        self.refs = sorted(set().union(*(referenced_items(c) for c in conditions if c)))
        self.compute, self.cache, self.value = compute, {}, self._UNSET

    def __call__(self, answers: dict[str, Any]) -> Any:
        if not self.refs:
            if self.value is self._UNSET:
                self.value = self.compute(answers)
            return self.value
        key = tuple([_hashable(answers.get(ref)) for ref in self.refs])
        value = self.cache.get(key, self._UNSET)
        if value is self._UNSET:
            value = self.compute(answers)
            if len(self.cache) < 10_000:
                self.cache[key] = value
        return value


class _ItemPlan:
    """One question, with what depends on the answers behind memos."""

    __slots__ = ("item", "id", "kind", "shown", "optional", "options", "rows", "low", "high")

    def __init__(self, item: dict[str, Any]):
        self.item, self.id, self.kind = item, item["id"], item["type"]
        self.shown = _Memo([item.get("relevant")], lambda answers: logic.is_true(item.get("relevant"), answers))
        self.optional = not item.get("required")
        self.options = _Memo([o.get("relevant") for o in item.get("options") or []],
                             lambda answers: _offered(logic.visible_options(item, answers)))
        self.rows = [(f"{self.id}.{row['id']}", str(row["id"])) for row in item.get("rows") or []]
        self.low = item.get("min") if item.get("min") is not None else 0
        self.high = item.get("max") if item.get("max") is not None else self.low + 10


class PagePlan:
    """A page compiled once for the load generator: the walk asks it for random valid answers
    (:meth:`form`) and for the ``_shown`` field. The questionnaire's own logic
    (:mod:`survey.questionnaire.runtime.rules`) decides visibility, option filters and ``_shown``, once per
    combination of the answers its conditions read (:class:`_Memo`)."""

    def __init__(self, page: dict[str, Any]):
        self.page = page
        items = page.get("items") or []
        self.items = [_ItemPlan(item) for item in items if item.get("type") != "note"]
        conditions = [item.get("relevant") for item in items]
        options = [o.get("relevant") for item in items for o in item.get("options") or []]
        self.visible = _Memo([page.get("relevant")] + conditions,
                             lambda answers: logic.page_visible(page, answers))
        self.tokens = _Memo(conditions + options, lambda answers: logic.offer_tokens(page, answers))
        self._shown = _Memo(conditions + options, lambda answers: b"&_shown=" + quote_plus(
            " ".join(sorted(self.tokens(answers)))).encode())

    def shown_field(self, answers: dict[str, Any]) -> bytes:
        """``&_shown=…``, url-encoded: the field the page script sends, what the page offers
        for these answers (:func:`survey.questionnaire.runtime.rules.offer_tokens`)."""
        return self._shown(answers)

    def form(self, answers: dict[str, Any], rng: random.Random) -> list[tuple[str, Any]]:
        """Random valid answers for the page, as the form fields it would send, choosing items
        in order so that a later item sees the answers of earlier ones (skip logic, option
        filters). Updates ``answers``."""
        fields: list[tuple[str, Any]] = []
        if not self.visible(answers):
            return fields
        for plan in self.items:
            if not plan.shown(answers):
                continue
            if plan.optional and rng.random() < 0.1:
                continue  # some respondents skip optional questions
            iid, kind = plan.id, plan.kind
            options = plan.options(answers)
            if kind == "single":
                code = rng.choice(options)["code"]
                fields.append((iid, code))
                answers[iid] = code
            elif kind == "multiple":
                item = plan.item
                most = min(item.get("max_select") or len(options), len(options))
                least = max(item.get("min_select") or 1, 1)
                chosen = rng.sample(options, rng.randint(least, max(least, most)))
                codes = [o["code"] for o in chosen]
                fields += [(iid, code) for code in codes]
                answers[iid] = codes
            elif kind == "grid":
                grid = {}
                for name, row in plan.rows:
                    code = rng.choice(options)["code"]
                    fields.append((name, code))
                    grid[row] = code
                answers[iid] = grid
            elif kind == "ranking":
                ranked = [o for o in options if not o.get("missing")]
                chosen = rng.sample(ranked, min(plan.item.get("top") or len(ranked), len(ranked)))
                fields += [(f"{iid}.rank.{r}", o["code"]) for r, o in enumerate(chosen, 1)]
                answers[iid] = [o["code"] for o in chosen]
            elif kind == "numeric":
                value = rng.randint(int(plan.low), int(plan.high))
                fields.append((iid, value))
                answers[iid] = value
            elif kind == "text":
                text = rng.choice(TEXTS)
                if text:
                    fields.append((iid, text))
                    answers[iid] = text
        return fields


def page_form(page: dict[str, Any], answers: dict[str, Any], rng: random.Random) -> list[tuple[str, Any]]:
    """Random valid answers for one page, as the form fields the page would send (see
    :meth:`PagePlan.form`). Updates ``answers``."""
    return PagePlan(page).form(answers, rng)


_FRAGMENTS: dict[tuple[str, Any], bytes] = {}


def encoded_fields(fields: list[tuple[str, Any]]) -> bytes:
    """``&name=value…`` as ``urlencode`` writes it; the fragments are few (codes, row ids, the
    sample texts), so each is encoded once."""
    out = []
    for pair in fields:
        fragment = _FRAGMENTS.get(pair)
        if fragment is None:
            fragment = _FRAGMENTS[pair] = f"&{quote_plus(str(pair[0]))}={quote_plus(str(pair[1]))}".encode()
        out.append(fragment)
    return b"".join(out)


def quoted(value: bytes) -> bytes:
    return value if _URL_SAFE.fullmatch(value) else quote_plus(value).encode()


def plans_for(definition: dict[str, Any]) -> list[PagePlan]:
    """One plan per page of ``definition``, in order."""
    return [PagePlan(page) for page in definition["pages"]]
