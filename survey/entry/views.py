"""What the entry screen shows for each field: its number and question text, the codes a keyer
may type (with their labels and option filters), and its state. The static part is built once
per questionnaire version and language (versions never change); the state is the sheet's."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from survey.questionnaire import label_text
from survey.services import paper_fields as pf
from survey.services.paper_wording import describe, number_text

__all__ = ["FieldView", "field_views"]


@dataclass(frozen=True)
class _Static:
    name: str
    label: str
    question: str
    detail: str
    hint: str
    legend: tuple[tuple[str, str, str], ...]  # (code, label, filter in words)
    kind: str
    first_of_item: bool


@dataclass(frozen=True)
class FieldView:
    """One row of the entry screen."""

    static: _Static
    status: str
    raw: str
    message: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.static, name)


_cache: dict[Any, list[_Static]] = {}
_lock = threading.Lock()


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _statics(plan: pf.Plan, language: str) -> list[_Static]:
    key = (id(plan), language)
    if key in _cache:
        return _cache[key]
    out: list[_Static] = []
    seen: set[str] = set()
    for spec in plan.fields:
        item = plan.items[spec.item_id]
        kind = item["type"]
        question = _short(label_text(item.get("label"), language))
        detail, hint = "", ""
        legend: list[tuple[str, str, str]] = []
        for option in item.get("options") or []:
            if spec.rank and option.get("missing"):
                continue
            rule = describe(option["relevant"], language) if option.get("relevant") else ""
            legend.append((str(option["code"]), label_text(option.get("label"), language), rule))
        if spec.row is not None:
            row = next(r for r in item["rows"] if str(r["id"]) == spec.row)
            detail = label_text(row.get("label"), language)
            hint = _("một mã")
        elif spec.rank:
            detail = _("Hạng %(n)s", n=spec.rank)
            hint = _("mã của phương án xếp hạng %(n)s", n=spec.rank)
        elif spec.other:
            detail = _("Ghi rõ phương án «khác»")
            hint = _("chép nguyên văn")
            legend = []
        elif kind == "single":
            hint = _("một mã")
        elif kind == "multiple":
            limit = item.get("max_select")
            hint = _("nhiều mã, cách nhau bởi dấu cách; tối đa %(n)s", n=limit) if limit else \
                _("nhiều mã, cách nhau bởi dấu cách")
        elif kind == "numeric":
            low, high = item.get("min"), item.get("max")
            if low is not None and high is not None:
                hint = _("số từ %(min)s đến %(max)s", min=number_text(low), max=number_text(high))
            else:
                hint = _("một số")
        elif kind == "text":
            hint = _("chép nguyên văn")
        out.append(_Static(spec.name, spec.label, question, detail, hint, tuple(legend),
                           spec.kind, spec.item_id not in seen))
        seen.add(spec.item_id)
    with _lock:
        _cache[key] = out
    return out


def field_views(plan: pf.Plan, evaluation: pf.Evaluation | None, language: str,
                raw_override: dict[str, str] | None = None) -> list[FieldView]:
    """Rows of the entry screen; without an evaluation, only the static part (labels)."""
    rows = []
    for static in _statics(plan, language):
        if evaluation is None:
            rows.append(FieldView(static, pf.TODO, "", ""))
            continue
        state = evaluation.states[static.name]
        raw = (raw_override or {}).get(static.name, state.raw or "")
        rows.append(FieldView(static, state.status, raw, state.error or state.why or ""))
    return rows
