"""The column layout of a row-level data file, derived from a questionnaire definition.

One layout serves every row-level format (CSV, SPSS, Stata), so a variable is named, labelled
and coded the same way in all of them:

* single choice and grid row → one column holding the option code;
* multiple choice → one 0/1 column per option (``A3_2``: option 2 selected);
* ranking → one column per option holding its rank (empty when not ranked);
* numeric → one column with the number;
* text, and the text of an "other — specify" option → a string column, only when the analyst
  asks for free text (``include_text``), because free text is where people name themselves.

Names are valid in both SPSS and Stata (letters, digits, ``_``; at most 32 characters), unique,
and stable for a given definition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Mapping

__all__ = ["Variable", "Layout", "build_layout", "CASE_ID", "WEIGHT"]

CASE_ID = "stt"
WEIGHT = "quyen_so"
# UTF-8 needs at most 4 bytes per character; data files declare string widths in bytes.
BYTES_PER_CHAR = 4
MULTIPLE_LABELS = {0: "Không chọn", 1: "Có chọn"}

Kind = Literal["code", "flag", "rank", "number", "text"]


@dataclass(frozen=True)
class Variable:
    """One column of a row-level file.

    ``source`` is the stored variable in the ``answer`` table (``B2.3`` for a grid row) and
    ``code`` the option code for a per-option column (multiple choice, ranking, "other" text).
    ``missing`` holds the user-missing codes (SPSS marks them; valid percentages exclude them).
    ``width`` is the string width in bytes (text columns only).
    """

    name: str
    label: str
    kind: Kind
    item_id: str = ""
    source: str = ""
    code: int | None = None
    value_labels: Mapping[int, str] = field(default_factory=dict)
    missing: tuple[int, ...] = ()
    width: int = 0
    skip_rule: str = ""
    item_type: str = ""

    @property
    def is_text(self) -> bool:
        return self.kind == "text"

    @property
    def measure(self) -> str:
        """SPSS measurement level: flags and codes are nominal, ranks ordinal, numbers scale."""
        return {"code": "nominal", "flag": "nominal", "rank": "ordinal"}.get(self.kind, "scale")


@dataclass(frozen=True)
class Layout:
    """Columns in file order: the case number, the questionnaire's variables, the weight."""

    variables: tuple[Variable, ...]
    title: str = ""
    language: str = "vi"

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def get(self, name: str) -> Variable | None:
        return next((v for v in self.variables if v.name == name), None)

    @property
    def has_weight(self) -> bool:
        return any(v.name == WEIGHT for v in self.variables)

    @property
    def has_text(self) -> bool:
        return any(v.is_text for v in self.variables)


def _label(label: Any, language: str) -> str:
    if label is None:
        return ""
    if isinstance(label, str):
        return label
    return label.get(language) or label.get("vi") or next(iter(label.values()), "")


def _items(definition: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for page in definition.get("pages") or []:
        for item in page.get("items") or []:
            yield page, item


_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _safe(name: str) -> str:
    name = _UNSAFE.sub("_", name)
    if not name or not name[0].isalpha():
        name = "v" + name
    return name[:32]


class _Names:
    """Hands out unique safe names; a clash gets a numeric suffix instead of overwriting."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self.used: set[str] = {n.lower() for n in reserved}

    def take(self, wanted: str) -> str:
        name = base = _safe(wanted)
        counter = 2
        while name.lower() in self.used:
            suffix = f"_{counter}"
            name = base[: 32 - len(suffix)] + suffix
            counter += 1
        self.used.add(name.lower())
        return name


def _skip_rule(page: Mapping[str, Any], item: Mapping[str, Any]) -> str:
    rules = [rule for rule in (page.get("relevant"), item.get("relevant")) if rule]
    return " and ".join(f"({r})" if len(rules) > 1 else r for r in rules)


def build_layout(definition: Mapping[str, Any], *, include_text: bool = False,
                 weight: bool = False, language: str = "vi") -> Layout:
    """Columns for a definition. ``weight`` adds the weight column ``quyen_so``."""
    names = _Names((CASE_ID, WEIGHT))
    out: list[Variable] = [Variable(CASE_ID, "Số thứ tự phiếu" if language == "vi" else "Case number",
                                    "number")]
    for page, item in _items(definition):
        kind = item.get("type")
        if kind == "note":
            continue
        item_id = item["id"]
        label = _label(item.get("label"), language)
        rule = _skip_rule(page, item)
        options = item.get("options") or []
        value_labels = {o["code"]: _label(o.get("label"), language) for o in options}
        missing = tuple(o["code"] for o in options if o.get("missing"))
        common = dict(item_id=item_id, skip_rule=rule, item_type=kind)
        if kind == "single":
            out.append(Variable(names.take(item_id), label, "code", source=item_id,
                                value_labels=value_labels, missing=missing, **common))
        elif kind == "grid":
            for row in item.get("rows") or []:
                out.append(Variable(names.take(f"{item_id}_{row['id']}"),
                                    f"{label} — {_label(row.get('label'), language)}", "code",
                                    source=f"{item_id}.{row['id']}", value_labels=value_labels,
                                    missing=missing, **common))
        elif kind in ("multiple", "ranking"):
            for option in options:
                text = _label(option.get("label"), language)
                if kind == "multiple":
                    out.append(Variable(names.take(f"{item_id}_{option['code']}"),
                                        f"{label}: {text}", "flag", source=item_id,
                                        code=option["code"], value_labels=MULTIPLE_LABELS,
                                        **common))
                else:
                    out.append(Variable(names.take(f"{item_id}_r{option['code']}"),
                                        f"{label} — thứ hạng: {text}", "rank", source=item_id,
                                        code=option["code"], **common))
        elif kind == "numeric":
            out.append(Variable(names.take(item_id), label, "number", source=item_id, **common))
        elif kind == "text" and include_text:
            width = int(item.get("max_length") or 250) * BYTES_PER_CHAR
            out.append(Variable(names.take(item_id), label, "text", source=item_id,
                                width=width, **common))
        if include_text and kind in ("single", "multiple"):
            for option in options:
                if option.get("other"):
                    text = _label(option.get("label"), language)
                    out.append(Variable(names.take(f"{item_id}_{option['code']}_khac"),
                                        f"{label}: {text} (ghi rõ)", "text", source=item_id,
                                        code=option["code"], width=250 * BYTES_PER_CHAR,
                                        **common))
    if weight:
        out.append(Variable(WEIGHT, "Quyền số" if language == "vi" else "Weight", "number"))
    return Layout(tuple(out), title=_label(definition.get("title"), language), language=language)
