"""Reading an XLSForm's survey sheet into our definition (used by :func:`.xlsform.from_xlsx`).

The walk goes row by row the way pyxform does: top-level groups become pages, ``table-list``
groups of ``select_one`` rows over one list become grids, nested groups are flattened into their
page, repeats are asked once, loops over a list are expanded one question per option. What we
cannot ask is dropped with a report line; nothing short of an unreadable file or a form with no
question left refuses the import. :mod:`.xlsform_finish` then attaches options, translates
conditions and runs the validator, repairing what it finds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from survey.questionnaire import expressions as ex
from survey.questionnaire import model
from survey.questionnaire.model.schema import ITEM_ID_RE, MAX_ITEM_ID, RESERVED
from survey.questionnaire.xlsform_aliases import (DROPPED_TYPES, METADATA, NUMERIC_PRESETS,
                                                  TypeSpec, parse_type, yes_no)
from survey.questionnaire.xlsform_choices import ChoiceList
from survey.questionnaire.xlsform_labels import LabelPicker, placeholder
from survey.questionnaire.xlsform_report import Report
from survey.questionnaire.xlsform_sheets import Row, ascii_fold

__all__ = ["Walker", "Pending", "HANDLED_COLUMNS"]

#: survey columns the walk reads; any other column with content is reported as dropped
HANDLED_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint",
                   "constraint_message", "choice_filter", "appearance", "parameters", "role",
                   "dimension", "top", "decimals", "randomize", "rows", "disabled",
                   "rank_of", "other_of", "report"}
CARRY_REPORT = "report" in model.COMMON_ITEM_KEYS
OUR_PARAMETERS = {"randomize", "top", "decimals"}
DEFAULT_DECIMALS = 2


@dataclass
class Pending:
    """An expression to translate once every name is known."""

    text: str
    row: int
    column: str
    name: str


@dataclass
class Frame:
    kind: str  # page | group (flattened into its page, or holding pages of its own)
    name: str
    row: int
    relevant: Pending | None = None
    page: dict[str, Any] | None = None
    title: dict[str, str] | None = None


@dataclass
class Site:
    """An imported item and where it came from."""

    item: dict[str, Any]
    row: int
    name: str
    page: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


class Walker:
    """One walk over the survey sheet's rows."""

    def __init__(self, rows: list[Row], lists: dict[str, ChoiceList], picker: LabelPicker,
                 report: Report):
        self.rows = rows
        self.lists = lists
        self.picker = picker
        self.report = report
        self.pages: list[dict[str, Any]] = []
        self.page_rows: dict[int, int] = {}  # id(page) → row
        self.sites: list[Site] = []
        self.names: dict[str, tuple[ex.Reference, str]] = {}
        self.dropped_names: dict[str, tuple[str, str]] = {}
        self.group_names: set[str] = set()
        self.taken: set[str] = set()
        self.page_ids: set[str] = set()
        self.column_rows: dict[str, list[int]] = {}
        self.appearances: dict[str, list[int]] = {}
        self.stack: list[Frame] = []
        self.auto_page: dict[str, Any] | None = None

    # ------------------------------------------------------------------ ids

    def item_id(self, name: str, row: int) -> str:
        candidate = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_fold(name)).strip("_") or f"q{row}"
        if not candidate[0].isalpha():
            candidate = f"q{candidate}"
        candidate = candidate[:MAX_ITEM_ID].rstrip("_")
        if candidate.lower() in RESERVED:
            candidate += "_q"
        unique, n = candidate, 2
        while unique in self.taken:
            suffix = f"_{n}"
            unique = candidate[:MAX_ITEM_ID - len(suffix)] + suffix
            n += 1
        self.taken.add(unique)
        if name in self.names or name in self.group_names:
            self.report.add("name-duplicate", "survey", row, "name", old=name, new=unique)
        elif unique != name:
            self.report.add("name-renamed", "survey", row, "name", old=name, new=unique)
        assert ITEM_ID_RE.match(unique)
        return unique

    # ------------------------------------------------------------------ pages

    def new_page(self, name: str, row: int, title: dict[str, str] | None,
                 relevant: Pending | None) -> dict[str, Any]:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_fold(name)).strip("_") or \
            f"P{len(self.pages) + 1}"
        page_id, n = base, 2
        while page_id in self.page_ids:
            page_id, n = f"{base}_{n}", n + 1
        self.page_ids.add(page_id)
        page: dict[str, Any] = {"id": page_id, "items": []}
        if title:
            page["title"] = title
        if relevant is not None:
            page["_relevant"] = relevant
        self.pages.append(page)
        self.page_rows[id(page)] = row
        return page

    def current_page(self, row: int) -> dict[str, Any]:
        for frame in self.stack:
            if frame.kind == "page" and frame.page is not None:
                return frame.page
        if self.auto_page is None:
            title = next((f.title for f in reversed(self.stack) if f.title), None)
            self.auto_page = self.new_page(f"P{len(self.pages) + 1}", row, title, None)
        return self.auto_page

    def add(self, item: dict[str, Any], row: Row, name: str, **extra: Any) -> None:
        inherited = [frame.relevant for frame in self.stack
                     if frame.kind == "group" and frame.relevant is not None]
        if inherited:
            item["_inherited"] = inherited
        page = self.current_page(row.number)
        page["items"].append(item)
        self.sites.append(Site(item, row.number, name, page, extra))

    # ------------------------------------------------------------------ the walk

    def walk(self, rows: list[Row]) -> None:
        index = 0
        while index < len(rows):
            row = rows[index]
            if not row.get("type"):
                if row.get("name") or row.texts("label"):
                    self.report.add("type-missing", "survey", row.number, "type")
                    self.drop_name(row.get("name"), "a row without a type", "dòng không có kiểu")
                index += 1
                continue
            spec = parse_type(row.get("type"))
            if spec.kind == "begin":
                end = self.matching_end(rows, index)
                inner = rows[index + 1:end]
                if end == len(rows):
                    self.report.add("unbalanced-group", "survey", row.number, "type",
                                    name=row.get("name") or "?", row=row.number)
                if not self.disabled(row):
                    self.begin(row, spec, inner)
                index = end + 1
                continue
            if spec.kind == "end":
                self.report.add("type-unknown", "survey", row.number, "type",
                                type=row.get("type"), name=row.get("name") or "—")
            elif not self.disabled(row):
                self.question(row, spec)
            index += 1

    def matching_end(self, rows: list[Row], start: int) -> int:
        depth = 0
        for index in range(start, len(rows)):
            kind = parse_type(rows[index].get("type")).kind
            depth += {"begin": 1, "end": -1}.get(kind, 0)
            if depth == 0:
                return index
        return len(rows)

    def disabled(self, row: Row) -> bool:
        if yes_no(row.get("disabled")):
            self.report.add("row-disabled", "survey", row.number, "disabled",
                            name=row.get("name") or "—")
            self.drop_name(row.get("name"), "disabled", "đã tắt")
            return True
        return False

    def drop_name(self, name: str, en: str, vi: str) -> None:
        if name:
            self.dropped_names.setdefault(name, (en, vi))

    def begin(self, row: Row, spec: TypeSpec, inner: list[Row]) -> None:
        name = row.get("name")
        appearance = row.get("appearance").lower().split()
        if spec.name == "loop":
            inner = self.expand_loop(row, spec.list_name, inner)
        elif spec.name == "group" and "table-list" in appearance:
            if self.grid(row, inner):
                return
            self.report.add("table-list-fallback", "survey", row.number, "appearance", name=name)
        elif spec.name == "repeat":
            self.report.add("repeat-once", "survey", row.number, "type", name=name)
        self.group_names.add(name)
        relevant = Pending(row.get("relevant"), row.number, "relevant", name) \
            if row.get("relevant") else None
        title = self.picker.pick(row.texts("label"), f"survey {row.number}")
        self.auto_page = None
        if any(frame.kind == "page" for frame in self.stack):
            self.report.add("group-flattened", "survey", row.number, "type", name=name)
            self.stack.append(Frame("group", name, row.number, relevant))
        elif "field-list" not in appearance and self.holds_groups(inner):
            # ODK shows such a group one question per screen: its inner groups are the pages
            self.stack.append(Frame("group", name, row.number, relevant, title=title or None))
        else:
            page = self.new_page(name or f"P{len(self.pages) + 1}", row.number, title, relevant)
            self.carry_report(page, row)
            self.stack.append(Frame("page", name, row.number, page=page))
        self.note_columns(row, {"type", "name", "label", "relevant", "appearance", "parameters",
                                "repeat_count", "report"})
        self.walk(inner)
        self.stack.pop()
        self.auto_page = None

    def holds_groups(self, rows: list[Row]) -> bool:
        return any(parse_type(r.get("type")).kind == "begin" and
                   "table-list" not in r.get("appearance").lower() for r in rows)

    def expand_loop(self, row: Row, list_name: str, inner: list[Row]) -> list[Row]:
        choices = self.lists.get(list_name)
        if choices is None:
            self.report.add("loop-list-missing", "survey", row.number, "type",
                            name=row.get("name"), list=list_name)
            for source in inner:
                self.drop_name(source.get("name"), "in a loop that was dropped",
                               "nằm trong vòng lặp đã bị bỏ")
            return []
        inner_names = {r.get("name") for r in inner if r.get("name")}
        expanded: list[Row] = []
        name_at = row.columns.index.get(("name", None))
        for choice in choices.choices:
            for source in inner:
                values = []
                for value in source.values:
                    if isinstance(value, str):
                        value = value.replace("%(name)s", choice.name).replace(
                            "%(label)s", choice.label.get("vi", choice.name))
                        for inner_name in inner_names:
                            value = value.replace("${" + inner_name + "}",
                                                  "${" + f"{inner_name}_{choice.name}" + "}")
                    values.append(value)
                if name_at is not None and name_at < len(values) and source.get("name"):
                    values[name_at] = f"{source.get('name')}_{choice.name}"
                expanded.append(Row(source.sheet, source.number, values, source.columns))
        self.report.add("loop-expanded", "survey", row.number, "type", name=row.get("name"),
                        list=list_name, count=len(choices.choices) * len(
                            [r for r in inner if r.get("type")]))
        return expanded

    # ------------------------------------------------------------------ grids

    def grid(self, row: Row, inner: list[Row]) -> bool:
        """A ``table-list`` group of ``select_one`` rows over one list as one grid item;
        ``False`` (nothing done) when the rows are anything else."""
        body = [r for r in inner if r.get("appearance").lower() != "label"]
        specs = [parse_type(r.get("type")) for r in body]
        lists = {s.list_name for s in specs}
        if not body or len(lists) != 1 or any(s.kind != "select" or s.name != "select_one" or
                                              s.or_other for s in specs) \
                or next(iter(lists)) not in self.lists:
            return False
        name = row.get("name")
        item: dict[str, Any] = {"id": self.item_id(name or f"grid{row.number}", row.number),
                                "type": "grid", "rows": []}
        self.labels(item, row, name)
        self.conditions(item, row, name, ("relevant",))
        if yes_no(row.get("randomize")) or \
                self.parameters(row, name).get("randomize", "").lower() == "true":
            item["randomize"] = True
        item["_list"] = (next(iter(lists)), row.number)
        for header in (r for r in inner if r not in body):
            self.report.add("grid-header-row", "survey", header.number, "appearance", name=name)
        required = []
        row_ids: set[str] = set()
        for grid_row in body:
            xls_name = grid_row.get("name")
            prefix = f"{name}_"
            row_id = xls_name[len(prefix):] if xls_name.startswith(prefix) and \
                len(xls_name) > len(prefix) else xls_name
            row_id = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_fold(row_id)).strip("_") or \
                f"r{grid_row.number}"
            while row_id in row_ids:
                row_id += "_"
            row_ids.add(row_id)
            label = self.picker.pick(grid_row.texts("label"), f"survey {grid_row.number}")
            item["rows"].append({"id": row_id, "label": label or placeholder(xls_name)})
            self.carry_report(item["rows"][-1], grid_row)
            self.names[xls_name] = (ex.Reference(item["id"], row_id), "single")
            required.append(bool(yes_no(grid_row.get("required"))))
            for key in ("relevant", "constraint", "choice_filter"):
                if grid_row.get(key):
                    self.report.add("grid-row-condition", "survey", grid_row.number, key,
                                    column=key, name=xls_name)
        item["_required"] = required
        self.carry_report(item, row)
        self.names[name] = (ex.Reference(item["id"]), "grid")
        self.add(item, row, name)
        return True

    # ------------------------------------------------------------------ questions

    def question(self, row: Row, spec: TypeSpec) -> None:
        name = row.get("name")
        kind = spec.name
        if spec.kind == "setting":
            return
        if spec.kind == "unknown":
            self.report.add("type-unknown", "survey", row.number, "type", type=kind,
                            name=name or "—")
            self.drop_name(name, f"of unknown type {kind!r}", f"kiểu không rõ «{kind}»")
            return
        if kind in METADATA:
            self.report.add("type-metadata", "survey", row.number, "type", type=kind,
                            name=name or kind)
            self.drop_name(name, f"metadata ({kind}), never collected",
                           f"siêu dữ liệu ({kind}), không thu")
            return
        if kind in DROPPED_TYPES:
            code = "type-identifying" if kind == "phone number" else "type-dropped"
            self.report.add(code, "survey", row.number, "type", type=row.get("type"),
                            name=name or "—")
            self.drop_name(name, f"a {kind} question, which was dropped",
                           f"câu kiểu {kind} đã bị bỏ")
            return
        if spec.kind == "question" and kind in ("select_one", "select_multiple", "rank"):
            self.report.add("list-needed", "survey", row.number, "type", type=kind,
                            name=name or "—")
            self.drop_name(name, f"a {kind} question without a list",
                           f"câu {kind} thiếu danh sách")
            return
        if not name:
            if kind != "note":
                self.report.add("name-missing", "survey", row.number, "name")
                return
            name = f"note_{row.number}"
        if spec.kind == "select" and not self.lists.get(spec.list_name):
            self.report.add("list-missing", "survey", row.number, "type", name=name,
                            list=spec.list_name)
            self.drop_name(name, f"a question whose list {spec.list_name} is missing",
                           f"câu thiếu danh sách {spec.list_name}")
            return
        item: dict[str, Any] = {"id": self.item_id(name, row.number)}
        params = self.parameters(row, name)
        appearance = row.get("appearance").lower()
        used_appearance = False
        if spec.kind == "select":
            item["type"] = {"select_one": "single", "select_multiple": "multiple",
                            "rank": "ranking"}[kind]
            item["_list"] = (spec.list_name, row.number)
            if spec.or_other:
                item["_or_other"] = True
            if params.get("randomize", "").lower() == "true" or yes_no(row.get("randomize")):
                item["randomize"] = True
            top = params.get("top") or row.get("top")
            if kind == "rank" and top and top.isdigit():
                item["top"] = int(top)
            if kind == "select_one":
                if "minimal" in appearance or "autocomplete" in appearance:
                    item["appearance"] = "dropdown"
                    used_appearance = True
                for key in ("role", "dimension"):
                    if row.get(key):
                        item[key] = row.get(key)
        elif kind in ("integer", "decimal", "range") or kind in NUMERIC_PRESETS:
            item["type"] = "numeric"
            self.numeric(item, row, kind, params, name)
        elif kind == "text":
            item["type"] = "text"
            rows = row.get("rows")
            if "multiline" in appearance or (rows.isdigit() and int(rows) > 1):
                item["multiline"] = True
                used_appearance = "multiline" in appearance
        else:
            item["type"] = "note"
        if appearance and not used_appearance:
            self.appearances.setdefault(appearance, []).append(row.number)
        self.labels(item, row, name)
        keys = ("relevant",) if item["type"] == "note" else \
            ("relevant", "constraint", "choice_filter")
        self.conditions(item, row, name, keys)
        if item["type"] != "note":
            self.required(item, row, name)
        self.carry_report(item, row)
        self.names[name] = (ex.Reference(item["id"]), item["type"])
        self.note_columns(row, HANDLED_COLUMNS)
        self.add(item, row, name, rank_of=row.get("rank_of"), other_of=row.get("other_of"))

    def carry_report(self, node: dict[str, Any], row: Row) -> None:
        """Our ``report`` column (the report outline section of a page, item or grid row)."""
        if CARRY_REPORT and row.get("report"):
            node["report"] = row.get("report")

    def numeric(self, item: dict[str, Any], row: Row, kind: str, params: dict[str, str],
                name: str) -> None:
        decimals = params.get("decimals") or row.get("decimals")
        if kind == "decimal":
            item["decimals"] = int(decimals) if decimals.isdigit() and int(decimals) > 0 \
                else DEFAULT_DECIMALS
            return
        item["decimals"] = 0
        if kind in NUMERIC_PRESETS:
            item["min"], item["max"] = NUMERIC_PRESETS[kind]
            self.report.add("preset-numeric", "survey", row.number, "type", type=kind,
                            name=name, min=item["min"], max=item["max"])
        elif kind == "range":
            start, end, step = (_float(params.get(key), default)
                                for key, default in (("start", 1.0), ("end", 10.0), ("step", 1.0)))
            item["decimals"] = 0 if step.is_integer() else min(6, len(repr(step).split(".")[1]))
            item["min"], item["max"] = _tidy(min(start, end)), _tidy(max(start, end))
            self.report.add("range-numeric", "survey", row.number, "type", name=name,
                            start=item["min"], end=item["max"])

    def labels(self, item: dict[str, Any], row: Row, name: str) -> None:
        place = f"survey {row.number}"
        label = self.picker.pick(row.texts("label"), place)
        hint = self.picker.pick(row.texts("hint"), place)
        if not label and hint:
            label, hint = hint, {}
            self.report.add("label-from-hint", "survey", row.number, "label", name=name)
        item["label"] = label or placeholder(name)
        if hint:
            item["hint"] = hint
        message = self.picker.pick(row.texts("constraint_message"), place)
        if message:
            item["constraint_message"] = message

    def conditions(self, item: dict[str, Any], row: Row, name: str,
                   keys: tuple[str, ...]) -> None:
        for key in keys:
            if row.get(key):
                item[f"_{key}"] = Pending(row.get(key), row.number, key, name)

    def required(self, item: dict[str, Any], row: Row, name: str) -> None:
        value = row.get("required")
        flag = yes_no(value)
        if flag is None:
            self.report.add("required-condition", "survey", row.number, "required", name=name,
                            text=value)
        if flag:
            item["required"] = True

    def parameters(self, row: Row, name: str) -> dict[str, str]:
        result: dict[str, str] = {}
        text = row.get("parameters")
        for part in re.split(r"[\s;,]+", text):
            key, sep, value = part.partition("=")
            if not part:
                continue
            key = key.strip().lower()
            if sep and key in OUR_PARAMETERS | {"start", "end", "step"}:
                result[key] = value.strip()
            else:
                self.report.add("parameter-dropped", "survey", row.number, "parameters",
                                parameter=part, name=name)
        return result

    def note_columns(self, row: Row, handled: set[str]) -> None:
        """Remember imported rows that hold content in columns we do not read."""
        for header in row.columns.headers:
            if header.key in handled or not row.filled(header):
                continue
            if header.key in ("label", "hint", "constraint_message") and \
                    not self.picker.dropped_column(header.lang):
                continue
            if header.key in ("label", "hint", "constraint_message"):
                continue  # an unknown language: reported once for the whole column
            self.column_rows.setdefault(header.raw, []).append(row.number)

    def report_columns(self) -> None:
        for appearance, rows in self.appearances.items():
            shown = ", ".join(map(str, rows[:8])) + (", …" if len(rows) > 8 else "")
            self.report.add("appearance-dropped", "survey", rows[0] if len(rows) == 1 else None,
                            "appearance", appearance=appearance, rows=shown)
        for column, rows in self.column_rows.items():
            shown = ", ".join(map(str, rows[:8])) + (", …" if len(rows) > 8 else "")
            self.report.add("column-dropped", "survey", None, column, column=column,
                            rows=shown)


def _float(text: str | None, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return default


def _tidy(value: float) -> int | float:
    return int(value) if value.is_integer() else value
