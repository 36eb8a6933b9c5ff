"""What a page shows and what its answers mean: skip logic, option filters, option order,
parsing of the submitted form and validation, all on the server.

Everything here works on the canonical definition and a plain answers dict (see
``docs/questionnaire-format.md``), so the designer's live preview uses the same rules as the
respondent flow. Messages are translated with Flask-Babel (Vietnamese source strings).

Form field names: an item's id (``A1``); a grid row ``A1.ROW``; a ranking's rank ``r``
``A1.rank.r`` (1-based); the "other — specify" box ``A1.other``.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from flask_babel import format_decimal
from flask_babel import gettext as _

from survey.questionnaire import is_true, iter_pages, label_text
from survey.questionnaire.expressions import compiled_condition, is_answered, referenced_items

__all__ = ["page_visible", "visible_pages", "visible_items", "visible_options", "ordered_options",
           "ordered_rows", "arrange", "offer_tokens", "parse_page", "validate_page", "validate_all", "prune", "PageInput"]


# --------------------------------------------------------------------------- visibility
#
# These run many times per request (every page's items and options, for every page), so they
# test conditions through compiled_condition (one compilation per expression text, shared by all
# definitions) and read the answers in place: evaluation never changes them.

def _holds(expr: Any, answers: Mapping[str, Any]) -> bool:
    """:func:`is_true` for a definition's condition (``None``: no condition)."""
    if expr is None:
        return True
    if type(expr) is str:
        return compiled_condition(expr)(answers, None)
    return is_true(expr, answers)


def _holds_for(expr: Any, answers: Mapping[str, Any], current: Any) -> bool:
    """:func:`is_true` of a constraint, ``current`` being the value ``.`` stands for."""
    if type(expr) is str:
        return compiled_condition(expr)(answers, current)
    return is_true(expr, answers, current=current)


def _shown_items(things: list[dict[str, Any]], answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The items (or options) whose condition holds; most have none, hence the inline test."""
    return [thing for thing in things
            if (expr := thing.get("relevant")) is None or _holds(expr, answers)]


def _page_shown(items: list[dict[str, Any]], shown: list[dict[str, Any]]) -> bool:
    """:func:`page_visible` once the page's condition holds and its shown items are known."""
    for item in items:
        if item.get("type") != "note":
            for each in shown:
                if each.get("type") != "note":
                    return True
            return False
    return bool(shown) or not items


def page_visible(page: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """A page is shown when its own condition holds and at least one of its questions is
    shown (a page of notes only is shown when one of its notes is)."""
    if not _holds(page.get("relevant"), answers):
        return False
    items = page.get("items") or []
    return _page_shown(items, _shown_items(items, answers))


def visible_pages(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> list[int]:
    """0-based indices of the pages shown for these answers (skip logic applied)."""
    return [index for index, page in enumerate(iter_pages(definition))
            if page_visible(page, answers)]


def visible_items(page: Mapping[str, Any], answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    return _shown_items(page.get("items") or [], answers)


def visible_options(item: Mapping[str, Any], answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Options offered for these answers (option filters applied), in definition order."""
    return _shown_items(item.get("options") or [], answers)


# Randomised orders per item: each respondent gets one of this many, drawn by the draft's seed.
# Enough to spread order effects evenly (every option in every position many times over a
# campaign), few enough that the server renders each order once and serves it from its
# fragment cache afterwards, instead of rendering a ranking afresh for every respondent.
ORDERS = 120


def _shuffled(things: list[Any], seed: int, item_id: str) -> list[Any]:
    rng = random.Random(f"{seed % ORDERS}:{item_id}")
    things = list(things)
    rng.shuffle(things)
    return things


def arrange(item: Mapping[str, Any], options: list[dict[str, Any]],
            seed: int | None = None) -> list[dict[str, Any]]:
    """``options`` in display order: when the item says ``randomize`` and a seed is given,
    substantive options are shuffled per respondent (same seed, same order: Back shows the same
    page), while "other", "missing" and exclusive options stay last in their own order."""
    if not item.get("randomize") or seed is None or item.get("type") == "grid":
        return list(options)
    fixed = [o for o in options if o.get("other") or o.get("missing") or o.get("exclusive")]
    moving = [o for o in options if o not in fixed]
    return _shuffled(moving, seed, item["id"]) + fixed


def ordered_options(item: Mapping[str, Any], answers: Mapping[str, Any],
                    seed: int | None = None) -> list[dict[str, Any]]:
    """Visible options (option filters applied) in display order (see :func:`arrange`)."""
    return arrange(item, visible_options(item, answers), seed)


def ordered_rows(item: Mapping[str, Any], seed: int | None = None) -> list[dict[str, Any]]:
    rows = list(item.get("rows") or [])
    if item.get("randomize") and seed is not None:
        return _shuffled(rows, seed, item["id"])
    return rows


def other_code(item: Mapping[str, Any]) -> int | None:
    return next((o["code"] for o in item.get("options") or [] if o.get("other")), None)


def ranking_slots(item: Mapping[str, Any], answers: Mapping[str, Any]) -> int:
    """How many ranks are asked: ``top``, at most the number of substantive options offered."""
    offered = [o for o in visible_options(item, answers) if not o.get("missing")]
    top = item.get("top") or len(offered)
    return max(0, min(int(top), len(offered)))


def option_displayed(option: Mapping[str, Any], here: set[str],
                     answers: Mapping[str, Any]) -> bool:
    """An option is displayed when its filter holds, or when the filter reads only questions
    ``here`` (the ids of the items on the same page) that are still unanswered: without
    JavaScript the respondent must see every option that may apply (a công chức must see the
    công chức grades before answering the category question); the script hides them at once,
    and the server checks on submit."""
    expr = option.get("relevant")
    if _holds(expr, answers):
        return True
    return _unanswered_here(expr, here, answers)


def _unanswered_here(expr: Any, here: set[str], answers: Mapping[str, Any]) -> bool:
    """The filter ``expr`` (which does not hold) reads questions of this page, all unanswered."""
    on_page = referenced_items(expr) & here
    return bool(on_page) and not any(is_answered(answers.get(ref)) for ref in on_page)


def offer_tokens(page: Mapping[str, Any], answers: Mapping[str, Any]) -> set[str]:
    """What the page offers for these answers: visible question ids, plus ``ID:CODE`` for each
    offered option that has a filter. The form echoes the set it showed (``_shown``; the
    script keeps it current); when answers on the page reveal something the respondent has not
    seen — a follow-up question, or options of a filtered list — the page is shown again
    instead of moving on. That is how skip logic within a page works without JavaScript."""
    tokens: set[str] = set()
    here: set[str] | None = None
    for item in visible_items(page, answers):
        if item.get("type") == "note":
            continue
        item_id = item["id"]
        tokens.add(item_id)
        for option in item.get("options") or []:
            expr = option.get("relevant")
            if not expr:
                continue
            if not _holds(expr, answers):
                if here is None:
                    here = {each["id"] for each in page.get("items") or []}
                if not _unanswered_here(expr, here, answers):
                    continue
            tokens.add(f"{item_id}:{option['code']}")
    return tokens


# --------------------------------------------------------------------------- parsing

@dataclass
class PageInput:
    """Answers read from one page's form: ``values`` for the answers dict (``None`` = cleared),
    ``raw`` what was typed where it could not be parsed (shown back with the error)."""

    values: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    ranks: dict[str, list[int | None]] = field(default_factory=dict)


_INT_RE = re.compile(r"-?\d{1,9}")


def _int(text: Any) -> int | None:
    if isinstance(text, str) and _INT_RE.fullmatch(text := text.strip()):
        return int(text)
    return None


_NUMBER_RE = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def parse_number(text: str) -> Decimal | None:
    """``12``, ``12,5`` (Vietnamese decimal comma) or ``12.5``; thousands separators refused."""
    text = text.strip().replace(" ", "")
    if not _NUMBER_RE.match(text) or len(text) > 20:
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


class _Prefixed:
    def __init__(self, form: Any, prefix: str) -> None:
        self.form, self.prefix = form, prefix

    def get(self, name: str, default: Any = None) -> Any:
        # A MultiDict's get() raises and catches an HTTP exception for each absent field (an
        # unanswered question sends none); a membership test first costs a dict lookup.
        key = self.prefix + name
        return self.form.get(key, default) if key in self.form else default

    def getlist(self, name: str) -> list[Any]:
        return self.form.getlist(self.prefix + name)


def parse_page(page: Mapping[str, Any], form: Any, answers: Mapping[str, Any],
               prefix: str = "") -> PageInput:
    """Read the answers of the page's items present in ``form`` (a MultiDict); ``prefix`` is
    the one :func:`survey.questionnaire.runtime.render.render_page` adds in preview mode (``pv-``).

    Items whose fields are absent read as cleared (an unticked checkbox sends nothing)."""
    form = _Prefixed(form, prefix)
    result = PageInput()
    for item in page.get("items") or []:
        kind, item_id = item.get("type"), item["id"]
        if kind == "note":
            continue
        if kind == "single":
            result.values[item_id] = _int(form.get(item_id, ""))
        elif kind == "multiple":
            codes = [c for c in (_int(v) for v in form.getlist(item_id)) if c is not None]
            result.values[item_id] = list(dict.fromkeys(codes))
        elif kind == "grid":
            cells = {}
            for row in item.get("rows") or []:
                code = _int(form.get(f"{item_id}.{row['id']}", ""))
                if code is not None:
                    cells[str(row["id"])] = code
            result.values[item_id] = cells
        elif kind == "ranking":
            slots = ranking_slots(item, answers)
            ranks = [_int(form.get(f"{item_id}.rank.{r}", "")) for r in range(1, slots + 1)]
            result.ranks[item_id] = ranks
            result.values[item_id] = [code for code in ranks if code is not None]
        elif kind == "numeric":
            text = (form.get(item_id) or "").strip()
            number = parse_number(text) if text else None
            if text and number is None:
                result.raw[item_id] = text[:40]
            if number is not None and number == number.to_integral_value() and not item.get("decimals"):
                result.values[item_id] = int(number)
            elif number is not None:
                if -number.as_tuple().exponent > int(item.get("decimals") or 0):  # type: ignore[operator]
                    result.raw[item_id] = text[:40]
                result.values[item_id] = float(number)
            else:
                result.values[item_id] = None
        elif kind == "text":
            text = (form.get(item_id) or "").replace("\r\n", "\n").strip()
            result.values[item_id] = text
        if other_code(item) is not None:
            other = (form.get(f"{item_id}.other") or "").strip()
            result.values[f"{item_id}.other"] = other
    return result


def merge(answers: Mapping[str, Any], page_input: PageInput) -> dict[str, Any]:
    """The answers dict with the page's values applied (empty values removed)."""
    merged = dict(answers)
    for key, value in page_input.values.items():
        if value is None or value == "" or value == [] or value == {}:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


# --------------------------------------------------------------------------- validation

OTHER_MAX_LENGTH = 250


def _number_text(value: Any) -> str:
    return format_decimal(value)


def _item_error(item: Mapping[str, Any], answers: Mapping[str, Any], page_input: PageInput | None,
                language: str) -> str | None:
    kind, item_id = item["type"], item["id"]
    value = answers.get(item_id)
    raw = page_input.raw.get(item_id) if page_input else None
    offered = visible_options(item, answers)
    offered_codes = {o["code"] for o in offered}

    if kind == "numeric" and raw is not None:
        if parse_number(raw) is None:
            return _("Vui lòng nhập một số (ví dụ: 12 hoặc 12,5).")
        decimals = int(item.get("decimals") or 0)
        if decimals == 0:
            return _("Vui lòng nhập một số nguyên.")
        return _("Tối đa %(n)s chữ số sau dấu phẩy.", n=decimals)
    if kind == "ranking" and page_input and item_id in page_input.ranks:
        ranks = page_input.ranks[item_id]
        filled = [code for code in ranks if code is not None]
        if len(set(filled)) != len(filled):
            return _("Mỗi phương án chỉ được xếp hạng một lần.")
        last = max((i for i, code in enumerate(ranks) if code is not None), default=-1)
        if any(code is None for code in ranks[:last + 1]):
            return _("Vui lòng xếp hạng lần lượt từ hạng 1, không bỏ trống hạng ở giữa.")

    if kind == "grid":
        rows = [str(r["id"]) for r in item.get("rows") or []]
        cells = value if isinstance(value, dict) else {}
        if any(code not in offered_codes for code in cells.values()):
            return _("Lựa chọn không hợp lệ. Vui lòng chọn lại.")
        if item.get("required") and any(row not in cells for row in rows):
            return _("Vui lòng trả lời tất cả các dòng.")
    elif not is_answered(value):
        if item.get("required"):
            if kind == "ranking":
                return _("Vui lòng xếp hạng đủ %(n)s phương án.", n=ranking_slots(item, answers))
            return _("Vui lòng trả lời câu hỏi này.")
        return None
    elif kind == "single":
        if value not in offered_codes:
            return _("Lựa chọn không hợp lệ. Vui lòng chọn lại.")
    elif kind == "multiple":
        if any(code not in offered_codes for code in value):
            return _("Lựa chọn không hợp lệ. Vui lòng chọn lại.")
        exclusive = [o for o in offered if o.get("exclusive") and o["code"] in value]
        if exclusive and len(value) > 1:
            return _("Phương án «%(label)s» không thể chọn cùng các phương án khác.",
                     label=label_text(exclusive[0]["label"], language))
        min_select, max_select = int(item.get("min_select") or 0), item.get("max_select")
        if not exclusive and len(value) < min_select:
            return _("Vui lòng chọn ít nhất %(n)s phương án.", n=min_select)
        if max_select is not None and len(value) > int(max_select):
            return _("Chỉ được chọn tối đa %(n)s phương án.", n=max_select)
    elif kind == "ranking":
        if any(code not in offered_codes for code in value):
            return _("Lựa chọn không hợp lệ. Vui lòng chọn lại.")
        if len(set(value)) != len(value):
            return _("Mỗi phương án chỉ được xếp hạng một lần.")
        needed = ranking_slots(item, answers)
        if len(value) > needed:
            return _("Chỉ xếp hạng %(n)s phương án.", n=needed)
        if item.get("required") and len(value) < needed:
            return _("Vui lòng xếp hạng đủ %(n)s phương án.", n=needed)
    elif kind == "numeric":
        low, high = item.get("min"), item.get("max")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return _("Vui lòng nhập một số (ví dụ: 12 hoặc 12,5).")
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                return _("Vui lòng nhập một số từ %(min)s đến %(max)s.",
                         min=_number_text(low), max=_number_text(high))
            if low is not None:
                return _("Vui lòng nhập một số không nhỏ hơn %(min)s.", min=_number_text(low))
            return _("Vui lòng nhập một số không lớn hơn %(max)s.", max=_number_text(high))
    elif kind == "text":
        limit = int(item.get("max_length") or 250)
        if not isinstance(value, str):
            return _("Câu trả lời không hợp lệ.")
        if len(value) > limit:
            return _("Tối đa %(n)s ký tự (anh/chị đã nhập %(count)s).", n=limit, count=len(value))

    code = other_code(item)
    if code is not None and kind in ("single", "multiple"):
        chosen = value if isinstance(value, list) else [value]
        other = answers.get(f"{item_id}.other") or ""
        if code in chosen and not str(other).strip():
            return _("Vui lòng ghi rõ ý kiến khác của anh/chị.")
        if len(str(other)) > OTHER_MAX_LENGTH:
            return _("Phần ghi rõ tối đa %(n)s ký tự.", n=OTHER_MAX_LENGTH)

    if item.get("constraint") and is_answered(value) and \
            not _holds_for(item["constraint"], answers, value):
        message = label_text(item.get("constraint_message"), language)
        return message or _("Câu trả lời không hợp lệ. Vui lòng kiểm tra lại.")
    return None


def validate_page(page: Mapping[str, Any], answers: Mapping[str, Any],
                  page_input: PageInput | None = None, language: str = "vi") -> dict[str, str]:
    """Error message per visible item id of ``page`` (empty when the page is valid)."""
    errors: dict[str, str] = {}
    for item in visible_items(page, answers):
        if item.get("type") == "note":
            continue
        message = _item_error(item, answers, page_input, language)
        if message:
            errors[item["id"]] = message
    return errors


def validate_all(definition: Mapping[str, Any], answers: Mapping[str, Any],
                 language: str = "vi") -> tuple[int, dict[str, str]] | None:
    """The first visible page with an error and its errors, or ``None`` when all is valid."""
    pages = list(iter_pages(definition))
    for index in visible_pages(definition, answers):
        errors = validate_page(pages[index], answers, None, language)
        if errors:
            return index, errors
    return None


# --------------------------------------------------------------------------- pruning

def _prune_once(definition: Mapping[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    pages = [page.get("items") or [] for page in iter_pages(definition)]
    # Which pages are shown first (every page's conditions), then the answers of their shown items.
    shown_items: list[list[dict[str, Any]] | None] = []
    for page, items in zip(iter_pages(definition), pages):
        if not _holds(page.get("relevant"), answers):
            shown_items.append(None)
            continue
        shown = _shown_items(items, answers)
        shown_items.append(shown if _page_shown(items, shown) else None)
    kept: dict[str, Any] = {}
    for shown in shown_items:
        if shown is None:
            continue
        for item in shown:
            item_id, kind = item["id"], item.get("type")
            if kind == "note" or item_id not in answers:
                continue
            options = item.get("options") or []
            offered = {o["code"] for o in options
                       if (expr := o.get("relevant")) is None or _holds(expr, answers)}
            value = answers[item_id]
            if kind == "single":
                value = value if value in offered else None
            elif kind in ("multiple", "ranking") and isinstance(value, list):
                value = [code for code in value if code in offered]
            elif kind == "grid" and isinstance(value, dict):
                rows = {str(r["id"]) for r in item.get("rows") or []}
                value = {row: code for row, code in value.items() if row in rows and code in offered}
            if not is_answered(value):
                continue
            kept[item_id] = value
            if kind not in ("single", "multiple"):
                continue
            code = next((o["code"] for o in options if o.get("other")), None)
            chosen = value if isinstance(value, list) else [value]
            other = answers.get(f"{item_id}.other")
            if code is not None and code in chosen and other:
                kept[f"{item_id}.other"] = other
    return kept


def prune(definition: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers a respondent could have given: items and pages skipped by the logic,
    options filtered out and orphan "other" texts are dropped. Repeated until stable, because
    dropping one answer can hide another item."""
    current = dict(answers)
    for _round in range(20):
        pruned = _prune_once(definition, current)
        if pruned == current:
            break
        current = pruned
    return current


def prefill_from_batch(definition: Mapping[str, Any],
                       attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    """The answers a code batch's attributes give its respondents: for each banner item whose
    dimension (or id) the batch names with one of the item's option codes, that code. This is
    the only way a batch reaches a response: as coarse banner values many people share, never
    as a reference to the batch."""
    from survey.questionnaire import banners

    answers: dict[str, Any] = {}
    for item in banners(definition):
        value = (attributes or {}).get(str(item.get("dimension") or item["id"]))
        codes = {o["code"] for o in item.get("options") or [] if not o.get("missing")}
        if isinstance(value, int) and not isinstance(value, bool) and value in codes:
            answers[item["id"]] = value
    return answers
