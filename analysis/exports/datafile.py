"""The columns of a row-level data file: the questionnaire's layout, named and labelled for files.

Which columns a questionnaire gives is decided once, by :func:`analysis.layout.layout_for`; a data
file shows those columns (without the answered flags, which only the wide table needs), with
names, labels and codes that serve every row-level format (CSV, SPSS, Stata) alike:

* single choice and grid row → one column holding the option code;
* multiple choice → one 0/1 column per option (``A3_2``: option 2 selected);
* ranking → one column per option holding its rank (empty when not ranked);
* numeric → one column with the number;
* text, and the text of an "other — specify" option → a string column, only when the analyst
  asks for free text (``include_text``), because free text is where people name themselves;

and, after the case number, the collection mode ``MODE`` (:mod:`analysis.mode`: 1 web, 2 paper,
3 import, with its value labels; empty for synthetic data), so that files can be split or
crossed by it as tables are.

Names are valid in both SPSS and Stata (letters, digits, ``_``; at most 32 characters), unique,
and stable for a given definition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Mapping

from analysis import mode
from analysis.layout import Column, Layout, layout_for
from survey.questionnaire import iter_pages, label_text

__all__ = ["Variable", "DataFile", "data_file", "CASE_ID", "WEIGHT", "STATUS"]

CASE_ID = "stt"
WEIGHT = "quyen_so"
# The response's status, in files that include partial responses (sent unfinished by the
# respondent): 1 complete, 2 partial. Not a question: ``source`` names no stored variable.
STATUS = "STATUS"
STATUS_SOURCE = "_status"
STATUS_CODES = {"complete": 1, "partial": 2}
# UTF-8 needs at most 4 bytes per character; data files declare string widths in bytes.
BYTES_PER_CHAR = 4
MULTIPLE_LABELS = {0: "Không chọn", 1: "Có chọn"}

Kind = Literal["code", "flag", "rank", "number", "text"]


@dataclass(frozen=True)
class Variable:
    """One column of a row-level file.

    ``column`` names the :class:`analysis.layout.Column` whose values it holds (empty for the
    case number and the weight). ``source`` is the stored variable in the ``answer`` table
    (``B2.3`` for a grid row) and ``code`` the option code for a per-option column (multiple
    choice, ranking, "other" text).
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
    column: str = ""

    @property
    def is_text(self) -> bool:
        return self.kind == "text"

    @property
    def measure(self) -> str:
        """SPSS measurement level: flags and codes are nominal, ranks ordinal, numbers scale."""
        return {"code": "nominal", "flag": "nominal", "rank": "ordinal"}.get(self.kind, "scale")


@dataclass(frozen=True)
class DataFile:
    """Columns in file order: the case number, the collection mode, the questionnaire's
    variables, the weight.
    ``layout`` is the questionnaire's layout the variables come from."""

    variables: tuple[Variable, ...]
    layout: Layout
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

    @property
    def status(self) -> Variable | None:
        """The response status's column, in files that include partial responses."""
        return next((v for v in self.variables if v.column == "status"), None)

    @property
    def mode(self) -> Variable | None:
        """The collection mode's column (:mod:`analysis.mode`)."""
        return next((v for v in self.variables if v.column == mode.COLUMN), None)


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


def data_file(definition: Mapping[str, Any], *, include_text: bool = False,
              weight: bool = False, language: str = "vi", status: bool = False) -> DataFile:
    """The file's columns for a definition. ``weight`` adds the weight column ``quyen_so``;
    ``status`` the response's status ``STATUS`` after the mode (files that include partial
    responses)."""
    layout = layout_for(definition)
    names = _Names((CASE_ID, WEIGHT))
    questions: list[Variable] = []
    for page in iter_pages(definition):
        for item in page.get("items") or []:
            for column in layout.of_item(item.get("id")):
                if column.kind != "text" or include_text:
                    questions.append(_variable(column, page, item, names, language))
    out = [Variable(CASE_ID, "Số thứ tự phiếu" if language == "vi" else "Case number", "number"),
           _mode_variable(layout, names, language), *questions]  # questions named first
    if status:  # after the mode: named last, so that it never renames a question
        vi = language == "vi"
        out.insert(2, Variable(names.take(STATUS), "Tình trạng phiếu" if vi else "Response status",
                               "code", source=STATUS_SOURCE,
                               value_labels={1: "Hoàn thành" if vi else "Complete",
                                             2: "Chưa hoàn thành" if vi else "Partial"},
                               item_type="status", column="status"))
    if weight:
        out.append(Variable(WEIGHT, "Quyền số" if language == "vi" else "Weight", "number"))
    return DataFile(tuple(out), layout, title=label_text(definition.get("title"), language),
                    language=language)


def _mode_variable(layout: Layout, names: _Names, language: str) -> Variable:
    """The collection mode: named after the questions, so that it never renames one (SPSS
    names ignore case: an item ``mode`` keeps its name and this one becomes ``MODE_2``)."""
    item = layout.item(layout.mode_variable)
    return Variable(names.take(layout.mode_variable), label_text(item["label"], language),
                    "code", source=layout.mode_variable,
                    value_labels={o["code"]: label_text(o["label"], language)
                                  for o in item["options"]},
                    item_type="mode", column=mode.COLUMN)


def _variable(column: Column, page: Mapping[str, Any], item: Mapping[str, Any], names: _Names,
              language: str) -> Variable:
    item_id, kind = item["id"], item.get("type")
    label = label_text(item.get("label"), language)
    options = item.get("options") or []
    option = next((o for o in options if o["code"] == column.option), None)
    common: dict[str, Any] = dict(item_id=item_id, skip_rule=_skip_rule(page, item),
                                  item_type=kind, source=column.variable, column=column.name)
    if column.kind == "code":
        value_labels = {o["code"]: label_text(o.get("label"), language) for o in options}
        missing = tuple(o["code"] for o in options if o.get("missing"))
        if column.variable != item_id:  # a grid row
            row_id = column.variable.split(".", 1)[1]
            row = next(r for r in item.get("rows") or [] if r["id"] == row_id)
            return Variable(names.take(f"{item_id}_{row_id}"),
                            f"{label} — {label_text(row.get('label'), language)}", "code",
                            value_labels=value_labels, missing=missing, **common)
        return Variable(names.take(item_id), label, "code", value_labels=value_labels,
                        missing=missing, **common)
    if column.kind == "flag":
        return Variable(names.take(f"{item_id}_{column.option}"),
                        f"{label}: {label_text(option.get('label'), language)}", "flag",
                        code=column.option, value_labels=MULTIPLE_LABELS, **common)
    if column.kind == "rank":
        return Variable(names.take(f"{item_id}_r{column.option}"),
                        f"{label} — thứ hạng: {label_text(option.get('label'), language)}",
                        "rank", code=column.option, **common)
    if column.kind == "number":
        return Variable(names.take(item_id), label, "number", **common)
    if column.option is None:  # a text item
        width = int(item.get("max_length") or 250) * BYTES_PER_CHAR
        return Variable(names.take(item_id), label, "text", width=width, **common)
    return Variable(names.take(f"{item_id}_{column.option}_khac"),
                    f"{label}: {label_text(option.get('label'), language)} (ghi rõ)", "text",
                    code=column.option, width=250 * BYTES_PER_CHAR, **common)
