"""The fields a keyer types for a questionnaire version, and what a keyed sheet means.

One source of truth: a keyed sheet is read exactly as a respondent's form is. Each field is
named like the respondent's form field (``A1``, ``B2.3`` for a grid row, ``D3.rank.1``,
``B3.other``), the typed values go through :func:`rules.parse_page` page by page, and skip
logic, option filters, ranges, choice limits and constraints are those of
:mod:`survey.questionnaire.runtime.rules` (``visible_pages``, ``visible_items``,
``visible_options``, ``validate_page``, ``prune``). What this module adds is only what paper
needs on top: a field's state (to key, keyed, *not answered on paper*, *skipped*), the
reason in words when a typed code is refused, and a canonical text per field for comparing two
keyings.

Paper differs from the screen in one way: a respondent can leave any question blank, so a
keyed sheet is checked against a copy of the definition in which no question is required
(as :func:`survey.services.data_import.check_answers` stores data "as it was collected").
"""
from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from survey.questionnaire import iter_pages, label_text
from survey.questionnaire.runtime import rules
from survey.services.paper_wording import describe

__all__ = ["Field", "Plan", "FieldState", "Evaluation", "plan_for", "cached_plan", "evaluate", "check_field",
           "canonical", "tokens", "TODO", "KEYED", "BLANK", "SKIPPED"]

TODO, KEYED, BLANK, SKIPPED = "todo", "keyed", "blank", "skipped"
_TOKEN_SPLIT = re.compile(r"[\s,;+/]+")


@dataclass(frozen=True)
class Field:
    """One typed field. ``kind``: ``code`` (one option code), ``codes`` (several, a multiple
    choice), ``number``, ``text``."""

    name: str
    item_id: str
    page: int
    kind: str
    label: str
    row: str | None = None
    rank: int | None = None
    other: bool = False


@dataclass
class Plan:
    """The fields of one version, in keying order, over the paper copy of its definition."""

    definition: dict[str, Any]
    pages: list[dict[str, Any]]
    fields: list[Field]
    by_name: dict[str, Field]
    items: dict[str, dict[str, Any]]


_plans: dict[Any, Plan] = {}
_plans_lock = threading.Lock()


def _paper_copy(definition: Mapping[str, Any]) -> dict[str, Any]:
    paper = copy.deepcopy(dict(definition))
    for page in paper.get("pages") or []:
        for item in page.get("items") or []:
            if item.get("type") != "note":
                item["required"] = False
    return paper


def cached_plan(key: Any) -> Plan | None:
    return _plans.get(key)


def plan_for(definition: Mapping[str, Any], key: Any = None) -> Plan:
    """The fields of ``definition`` (kept per ``key``, e.g. a version id: versions never change)."""
    if key is not None and key in _plans:
        return _plans[key]
    paper = _paper_copy(definition)
    pages = list(iter_pages(paper))
    fields: list[Field] = []
    items: dict[str, dict[str, Any]] = {}
    for index, page in enumerate(pages):
        for item in page.get("items") or []:
            kind, item_id = item.get("type"), item["id"]
            if kind == "note":
                continue
            items[item_id] = item
            if kind == "single":
                fields.append(Field(item_id, item_id, index, "code", item_id))
            elif kind == "multiple":
                fields.append(Field(item_id, item_id, index, "codes", item_id))
            elif kind == "grid":
                for row in item.get("rows") or []:
                    fields.append(Field(f"{item_id}.{row['id']}", item_id, index, "code",
                                        f"{item_id}.{row['id']}", row=str(row["id"])))
            elif kind == "ranking":
                top = item.get("top") or len([o for o in item.get("options") or []
                                              if not o.get("missing")])
                for rank in range(1, int(top) + 1):
                    fields.append(Field(f"{item_id}.rank.{rank}", item_id, index, "code",
                                        f"{item_id}#{rank}", rank=rank))
            elif kind == "numeric":
                fields.append(Field(item_id, item_id, index, "number", item_id))
            elif kind == "text":
                fields.append(Field(item_id, item_id, index, "text", item_id))
            if any(o.get("other") for o in item.get("options") or []) and kind != "grid":
                fields.append(Field(f"{item_id}.other", item_id, index, "text",
                                    f"{item_id}.other", other=True))
    plan = Plan(paper, pages, fields, {f.name: f for f in fields}, items)
    if key is not None:
        with _plans_lock:
            _plans[key] = plan
    return plan


def tokens(text: str) -> list[str]:
    return [token for token in _TOKEN_SPLIT.split(text.strip()) if token]


# ------------------------------------------------------------------------------ evaluation

@dataclass
class FieldState:
    status: str
    raw: str | None = None
    error: str | None = None
    why: str | None = None  # why a field is skipped, in words


@dataclass
class Evaluation:
    answers: dict[str, Any]
    states: dict[str, FieldState] = field(default_factory=dict)
    item_errors: dict[str, str] = field(default_factory=dict)

    def first(self, status: str = TODO) -> str | None:
        return next((name for name, state in self.states.items() if state.status == status),
                    None)

    @property
    def complete(self) -> bool:
        return all(s.status in (KEYED, BLANK, SKIPPED) for s in self.states.values())

    @property
    def errors(self) -> dict[str, str]:
        return {name: s.error for name, s in self.states.items() if s.error}


def _form(plan: Plan, raw: Mapping[str, str]) -> MultiDict:
    form: MultiDict = MultiDict()
    for name, text in raw.items():
        spec = plan.by_name.get(name)
        if spec is None or text is None:
            continue
        if spec.kind == "codes":
            for token in tokens(text):
                form.add(name, token)
        else:
            form.add(name, text)
    return form


def _parse(plan: Plan, raw: Mapping[str, str]) -> tuple[dict[str, Any], list[Any]]:
    form = _form(plan, raw)
    answers: dict[str, Any] = {}
    inputs = []
    for page in plan.pages:
        page_input = rules.parse_page(page, form, answers)
        answers = rules.merge(answers, page_input)
        inputs.append(page_input)
    return answers, inputs


def _skip_reason(plan: Plan, spec: Field, page_shown: bool, language: str) -> str:
    page = plan.pages[spec.page]
    item = plan.items[spec.item_id]
    if not page_shown and page.get("relevant"):
        return _("bỏ qua theo điều kiện của phần: %(rule)s", rule=describe(page["relevant"],
                                                                           language))
    if item.get("relevant"):
        return _("bỏ qua: chỉ hỏi khi %(rule)s", rule=describe(item["relevant"], language))
    if spec.other:
        return _("chỉ ghi khi chọn phương án «khác»")
    if spec.rank:
        return _("không cần xếp hạng này")
    return _("bỏ qua")


def _with_other_texts(plan: Plan, answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` for validation: an "other" option ticked without its text passes. On paper
    the text is its own field, keyed after the code (or left blank by the respondent): the
    record keeps the code without a text, as it was written."""
    checked = answers
    for item_id, item in plan.items.items():
        code = rules.other_code(item) if item.get("type") in ("single", "multiple") else None
        chosen = answers.get(item_id)
        chosen = chosen if isinstance(chosen, list) else [chosen]
        if code is not None and code in chosen and not answers.get(f"{item_id}.other"):
            if checked is answers:
                checked = dict(answers)
            checked[f"{item_id}.other"] = "…"
    return checked


def evaluate(plan: Plan, raw: Mapping[str, str], language: str = "vi") -> Evaluation:
    """The state of every field for the typed values ``raw`` (field name → text; "" = not
    answered on paper; absent = not keyed yet), with the runtime's errors per item."""
    answers, inputs = _parse(plan, raw)
    result = Evaluation(answers)
    shown_pages = set(rules.visible_pages(plan.definition, answers))
    shown_items: dict[str, dict[str, Any]] = {}
    checked = _with_other_texts(plan, answers)
    for index in shown_pages:
        page = plan.pages[index]
        for item in rules.visible_items(page, answers):
            shown_items[item["id"]] = item
        errors = rules.validate_page(page, checked, inputs[index], language)
        result.item_errors.update(errors)
    for spec in plan.fields:
        text = raw.get(spec.name)
        item = shown_items.get(spec.item_id)
        skipped = item is None
        if not skipped and spec.other:
            code = rules.other_code(item)
            chosen = answers.get(spec.item_id)
            chosen = chosen if isinstance(chosen, list) else [chosen]
            skipped = code not in chosen
        if not skipped and spec.rank:
            skipped = spec.rank > rules.ranking_slots(item, answers)
        if skipped:
            result.states[spec.name] = FieldState(
                SKIPPED, text, why=_skip_reason(plan, spec, spec.page in shown_pages, language))
            continue
        status = TODO if text is None else (BLANK if not text.strip() else KEYED)
        state = FieldState(status, text)
        if status == KEYED:
            state.error = _code_problem(plan, spec, text, answers, language)
        result.states[spec.name] = state
    # An item's error belongs to its keyed fields (the first one carries it when none is
    # wrong by itself: a choice limit, a constraint, a rank order).
    for item_id, message in result.item_errors.items():
        keyed = [n for n, s in result.states.items()
                 if plan.by_name[n].item_id == item_id and s.status == KEYED]
        if keyed and not any(result.states[n].error for n in keyed):
            result.states[keyed[-1]].error = message
    return result


def _code_problem(plan: Plan, spec: Field, text: str, answers: Mapping[str, Any],
                  language: str) -> str | None:
    """Why a typed code cannot stand, in words a keyer can check against the paper: not a
    number, not a code of the question, or a code the option filter does not offer here."""
    if spec.kind not in ("code", "codes"):
        return None
    item = plan.items[spec.item_id]
    options = {o["code"]: o for o in item.get("options") or []}
    offered = {o["code"] for o in rules.visible_options(item, answers)}
    seen: set[int] = set()
    for token in tokens(text):
        if not re.fullmatch(r"-?\d{1,9}", token):
            return _("«%(text)s» không phải là mã số. Các mã của câu %(item)s: %(codes)s.",
                     text=token[:20], item=spec.item_id, codes=_codes_text(item))
        code = int(token)
        if code in seen:
            return _("Mã %(code)s được nhập hai lần.", code=code)
        seen.add(code)
        if code not in options:
            return _("Mã %(code)s không có trong câu %(item)s. Các mã: %(codes)s.",
                     code=code, item=spec.item_id, codes=_codes_text(item))
        option = options[code]
        if code not in offered:
            return _("Mã %(code)s không áp dụng ở đây: phương án này chỉ dành cho trường hợp "
                     "%(rule)s.", code=code, rule=describe(option["relevant"], language))
        if spec.rank and option.get("missing"):
            return _("Mã %(code)s («%(label)s») không dùng để xếp hạng: để trống hạng này.",
                     code=code, label=label_text(option.get("label"), language))
    if spec.kind == "code" and len(seen) > 1:
        return _("Câu %(item)s chỉ nhận một mã.", item=spec.label)
    return None


def _codes_text(item: Mapping[str, Any]) -> str:
    return ", ".join(str(o["code"]) for o in item.get("options") or [])


def check_field(plan: Plan, raw: Mapping[str, str], name: str, text: str,
                language: str = "vi") -> tuple[str | None, Evaluation | None]:
    """Why ``text`` cannot be keyed into field ``name`` given the other typed values (``None``
    when it can), and the sheet's evaluation with it. A skipped field takes nothing; a blank is
    always accepted (not answered on paper); otherwise the value must pass the code check and
    must not bring an error to its question that the question did not have without it."""
    if name not in plan.by_name:
        return _("Không có ô nhập «%(name)s» trong phiếu này.", name=name[:40]), None
    after = evaluate(plan, {**raw, name: text}, language)
    state = after.states[name]
    label = plan.by_name[name].label
    if state.status == SKIPPED:
        # Its own value never decides whether a field is asked, save through a constraint
        # on itself: the reason is the one without it.
        before = evaluate(plan, {**raw, name: ""}, language).states[name]
        if before.status == SKIPPED:
            return _("Câu %(item)s không được nhập: %(why)s.", item=label, why=before.why), None
        return _("Câu %(item)s không được nhập.", item=label), None
    if not text.strip():
        return None, after
    problem = state.error
    item_id = plan.by_name[name].item_id
    new = after.item_errors.get(item_id)
    if problem is None and new:
        # Only an error this value brings counts (another field of the question may carry one).
        if new != evaluate(plan, {**raw, name: ""}, language).item_errors.get(item_id):
            problem = new
    return problem, after


def canonical(spec: Field, text: str | None) -> str:
    """The meaning of a typed value, for comparing two keyings: ``1 3`` equals ``3,1`` in a
    multiple choice, ``12,0`` equals ``12``, spaces in a text do not count."""
    if text is None:
        return "∅"
    text = text.strip()
    if not text:
        return ""
    if spec.kind == "codes":
        parts = tokens(text)
        if all(re.fullmatch(r"-?\d{1,9}", p) for p in parts):
            return " ".join(str(c) for c in sorted({int(p) for p in parts}))
        return " ".join(parts)
    if spec.kind == "code" and re.fullmatch(r"-?\d{1,9}", text):
        return str(int(text))
    if spec.kind == "number":
        number = rules.parse_number(text)
        if number is not None:
            return format(number.normalize(), "f")
    return " ".join(text.split())
