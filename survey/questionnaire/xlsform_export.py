"""Our definition as an XLSForm workbook, and the report of what XLSForm cannot carry.

The workbook converts with pyxform and means in ODK/KoboToolbox what it means here, as far as
XLSForm can say it:

- "other — please specify" gets the text question ODK needs (``ITEM_other``, shown when that
  option is chosen; column ``other_of`` marks it for re-import);
- exclusive options of a multiple choice become a constraint
  (``not(selected(., '98') and count-selected(.) > 1)``);
- a ranking of the top N (or one with "don't know" options, which ODK's ``rank`` would make
  respondents rank) becomes N ``select_one`` questions, one per rank, each different from the
  ones before (column ``rank_of`` marks them), unless another question's logic reads it;
- what remains — fixed options shuffled by ``randomize``, missing-value flags, banners, the
  introduction and anonymity texts — is listed in the export report (and on an
  ``export_report`` sheet of the workbook, which pyxform ignores).

Our own extra columns (``role``, ``dimension``, ``top``, ``decimals``, ``randomize``, ``missing``,
``other``, ``exclusive``, ``original_name``, ``report``…) are ignored by pyxform and read back by
our importer, so a round trip gives the same definition.
"""
from __future__ import annotations

import json
from typing import Any

from survey.questionnaire import expressions as ex
from survey.questionnaire.errors import DefinitionError
from survey.questionnaire.model import iter_items, iter_pages
from survey.questionnaire.xlsform_report import Report
from survey.questionnaire.xpath import ChoiceColumn, conjoin, to_xpath

__all__ = ["Exporter", "LANGUAGE_NAMES", "SETTINGS_TEXTS", "language_column"]

SETTINGS_TEXTS = {"title": "questionnaire_title", "introduction": "introduction",
                  "anonymity": "anonymity", "thank_you": "thank_you"}
LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English", "fr": "French", "zh": "Chinese",
                  "km": "Khmer", "lo": "Lao", "th": "Thai", "ru": "Russian", "ja": "Japanese",
                  "ko": "Korean", "de": "German", "es": "Spanish"}
SPECIFY = {"vi": "Xin ghi rõ", "en": "Please specify"}
RANK_WORD = {"vi": "hạng", "en": "rank"}


def language_column(key: str, lang: str) -> str:
    return f"{key}::{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


class Exporter:
    def __init__(self, definition: dict[str, Any]):
        self.d = definition
        self.languages: list[str] = list(definition["languages"])
        self.names: dict[str, str] = {}  # our variable or grid id -> XLSForm name
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.report = Report()
        self.referenced = {ref for item in iter_items(definition)
                           for text in _expressions(item) for ref in ex.referenced_items(text)} | {
            ref for page in iter_pages(definition) if page.get("relevant")
            for ref in ex.referenced_items(page["relevant"])}
        self.split: set[str] = set()
        self.pending: list[tuple[str, str, dict[str, Any]]] = []  # (code, item, params)

    # -- names

    def assign_names(self) -> None:
        taken: dict[str, str] = {}

        def take(ours: str, theirs: str) -> None:
            if theirs in taken:
                raise DefinitionError([f"cannot export to XLSForm: {ours} and {taken[theirs]} "
                                       f"would both be named {theirs}"])
            taken[theirs] = ours
            self.names[ours] = theirs

        for item in iter_items(self.d):
            take(item["id"], item["id"])
            if item["type"] == "grid":
                for row in item["rows"]:
                    take(f"{item['id']}.{row['id']}", f"{item['id']}_{row['id']}")
        for item in iter_items(self.d):
            if item["type"] in ("single", "multiple") and any(o.get("other")
                                                              for o in item["options"]):
                name = f"{item['id']}_other"
                while name in taken:
                    name += "_"
                take(f"{item['id']}.other", name)
            if item["type"] == "ranking" and self.needs_split(item):
                for pattern in ("{}_{}", "{}_rank{}"):
                    names = [pattern.format(item["id"], k) for k in range(1, item["top"] + 1)]
                    if not any(name in taken for name in names):
                        self.split.add(item["id"])
                        for k, name in enumerate(names, start=1):
                            take(f"{item['id']}.{k}", name)
                        break

    def needs_split(self, item: dict[str, Any]) -> bool:
        ranked = [o for o in item["options"] if not o.get("missing")]
        return (item["top"] < len(ranked) or len(ranked) < len(item["options"])) and \
            item["id"] not in self.referenced and not item.get("constraint")

    def xpath(self, text: str | None, extra: list[ex.Node] | None = None) -> str:
        nodes = list(extra or [])
        if text:
            nodes.append(ex.parse(text))
        tree = conjoin(nodes)
        if tree is None:
            return ""
        return to_xpath(tree, lambda ref: self.names.get(ref.name, ref.name))

    # -- rows

    def labels(self, row: dict[str, Any], key: str, label: dict[str, str] | None,
               suffix: dict[str, str] | None = None) -> None:
        for lang, text in (label or {}).items():
            row[language_column(key, lang)] = text + (suffix or {}).get(lang, "")

    def option_list(self, item: dict[str, Any]) -> str:
        name = item.get("options_from") or item["id"]
        options = [{k: v for k, v in o.items() if k != "relevant"} for o in item["options"]]
        if name in self.lists and self.lists[name] != options:
            name = f"{item['id']}_options"
            while name in self.lists and self.lists[name] != options:
                name += "_"
        if name not in self.lists:
            self.lists[name] = options
            for option in options:
                row: dict[str, Any] = {"list_name": name, "name": option["code"],
                                       "original_name": option.get("name")}
                self.labels(row, "label", option["label"])
                for flag in ("missing", "other", "exclusive"):
                    if option.get(flag):
                        row[flag] = "yes"
                self.choices.append(row)
        return name

    def choice_filter(self, item: dict[str, Any]) -> str:
        """Per-option filters as one ``choice_filter`` over the choice ``name`` column:
        ``(COND and (name = '1' or name = '2')) or name = '9'``."""
        if not any(o.get("relevant") for o in item["options"]):
            return ""
        groups: dict[str, list[int]] = {}
        for option in item["options"]:
            groups.setdefault(option.get("relevant") or "", []).append(option["code"])
        parts: list[ex.Node] = []
        for condition, codes in groups.items():
            names: list[ex.Node] = [ex.Compare("=", ChoiceColumn("name"),  # type: ignore[arg-type]
                                               ex.Literal(str(code))) for code in codes]
            which = names[0] if len(names) == 1 else ex.BoolOp("or", tuple(names))
            if condition:
                parts.append(ex.BoolOp("and", (ex.parse(condition), which)))
            elif isinstance(which, ex.BoolOp):
                parts.extend(which.operands)
            else:
                parts.append(which)
        tree = parts[0] if len(parts) == 1 else ex.BoolOp("or", tuple(parts))
        return to_xpath(tree, lambda ref: self.names.get(ref.name, ref.name))

    def common(self, item: dict[str, Any], row: dict[str, Any],
               constraint_extra: list[ex.Node] | None = None) -> None:
        row["name"] = item["id"]
        self.labels(row, "label", item["label"])
        self.labels(row, "hint", item.get("hint"))
        if item.get("required"):
            row["required"] = "yes"
        row["relevant"] = self.xpath(item.get("relevant"))
        row["constraint"] = self.xpath(item.get("constraint"), constraint_extra)
        self.labels(row, "constraint_message", item.get("constraint_message"))
        row["report"] = item.get("report")

    def note(self, code: str, item_id: str, /, **params: Any) -> None:
        self.pending.append((code, item_id, params))

    def item(self, item: dict[str, Any]) -> None:
        kind = item["type"]
        row: dict[str, Any] = {}
        params: list[str] = []
        extra: list[ex.Node] = []
        current = ex.Current()
        if kind == "grid":
            self.grid(item)
            return
        if kind == "ranking" and item["id"] in self.split:
            self.ranking(item)
            return
        fixed = [o["code"] for o in item.get("options") or []
                 if o.get("other") or o.get("missing") or o.get("exclusive")]
        if item.get("randomize") and fixed:
            self.note("export-randomize-fixed", item["id"],
                      codes=", ".join(map(str, fixed)))
        missing = [o["code"] for o in item.get("options") or [] if o.get("missing")]
        if missing:
            self.note("export-missing", item["id"], codes=", ".join(map(str, missing)))
        if kind == "note":
            row["type"] = "note"
        elif kind in ("single", "multiple", "ranking"):
            xls_type = {"single": "select_one", "multiple": "select_multiple",
                        "ranking": "rank"}[kind]
            row["type"] = f"{xls_type} {self.option_list(item)}"
            row["choice_filter"] = self.choice_filter(item)
            if item.get("randomize"):
                params.append("randomize=true")
            if kind == "single":
                if item.get("appearance") == "dropdown":
                    row["appearance"] = "minimal"
                for key in ("role", "dimension"):
                    if item.get(key) is not None:
                        row[key] = item[key]
            elif kind == "multiple":
                count = ex.Call("count-selected", (current,))
                if item.get("min_select"):
                    extra.append(ex.Compare(">=", count, ex.Literal(item["min_select"])))
                if item.get("max_select") is not None:
                    extra.append(ex.Compare("<=", count, ex.Literal(item["max_select"])))
                exclusive = [o["code"] for o in item["options"] if o.get("exclusive")]
                for code in exclusive:
                    extra.append(ex.Not(ex.BoolOp("and", (
                        ex.Call("selected", (current, ex.Literal(str(code)))),
                        ex.Compare(">", count, ex.Literal(1))))))
                if exclusive:
                    self.note("export-exclusive", item["id"],
                              codes=", ".join(map(str, exclusive)))
            else:
                row["top"] = item["top"]
        elif kind == "numeric":
            row["type"] = "integer" if not item.get("decimals") else "decimal"
            if item.get("decimals"):
                row["decimals"] = item["decimals"]
            if item.get("min") is not None:
                extra.append(ex.Compare(">=", current, ex.Literal(item["min"])))
            if item.get("max") is not None:
                extra.append(ex.Compare("<=", current, ex.Literal(item["max"])))
        elif kind == "text":
            row["type"] = "text"
            if item.get("multiline"):
                row["appearance"] = "multiline"
            extra.append(ex.Compare("<=", ex.Call("string-length", (current,)),
                                    ex.Literal(item["max_length"])))
        self.common(item, row, extra)
        if params:
            row["parameters"] = " ".join(params)
        self.survey.append(row)
        other = next((o for o in item.get("options") or [] if o.get("other")), None)
        if other is not None and kind in ("single", "multiple"):
            self.specify(item, other)

    def specify(self, item: dict[str, Any], option: dict[str, Any]) -> None:
        """The text box of "other — please specify", as ODK needs a question for it."""
        name = self.names[f"{item['id']}.other"]
        row: dict[str, Any] = {"type": "text", "name": name, "other_of": item["id"],
                               "required": "yes", "constraint": "string-length(.) <= 250"}
        self.labels(row, "label", {lang: SPECIFY.get(lang, SPECIFY["en"])
                                   for lang in self.languages})
        shown = ex.Call("selected", (ex.Reference(item["id"]), ex.Literal(option["code"])))
        row["relevant"] = to_xpath(shown, lambda ref: self.names.get(ref.name, ref.name))
        self.survey.append(row)
        self.note("export-other", item["id"], other=name, code=option["code"],
                  label=option["label"].get("vi", ""))

    def ranking(self, item: dict[str, Any]) -> None:
        """A ranking of the top N as N ``select_one`` questions, one per rank, each different
        from the ranks before and asked only after them (a "don't know" answer ends it)."""
        list_name = self.option_list(item)
        filter_text = self.choice_filter(item)
        missing = [o["code"] for o in item["options"] if o.get("missing")]
        if missing:
            self.note("export-missing", item["id"], codes=", ".join(map(str, missing)))
        names = [self.names[f"{item['id']}.{k}"] for k in range(1, item["top"] + 1)]
        for k, name in enumerate(names, start=1):
            row: dict[str, Any] = {"type": f"select_one {list_name}", "name": name,
                                   "rank_of": item["id"], "choice_filter": filter_text,
                                   "report": item.get("report") if k == 1 else None}
            self.labels(row, "label", item["label"],
                        {lang: f" ({RANK_WORD.get(lang, 'rank')} {k})" for lang in item["label"]})
            if item.get("required"):
                row["required"] = "yes"
            conditions: list[ex.Node] = [ex.parse(item["relevant"])] if item.get("relevant") \
                else []
            before = [ex.Reference(f"{item['id']}.{j}") for j in range(1, k)]
            if before:
                conditions.append(ex.Call("answered", (before[-1],)))
                conditions += [ex.Compare("!=", before[-1], ex.Literal(code)) for code in missing]
            tree = conjoin(conditions)
            if tree is not None:
                row["relevant"] = to_xpath(tree, lambda ref: self.names.get(ref.name, ref.name))
            if before:
                row["constraint"] = to_xpath(conjoin([ex.Compare("!=", ex.Current(), ref)
                                                      for ref in before]),  # type: ignore[arg-type]
                                             lambda ref: self.names.get(ref.name, ref.name))
            if k == 1:
                self.labels(row, "hint", item.get("hint"))
                if item.get("randomize"):
                    row["parameters"] = "randomize=true"
            self.survey.append(row)
        self.note("export-rank-top", item["id"], top=item["top"], names=", ".join(names))

    def grid(self, item: dict[str, Any]) -> None:
        group: dict[str, Any] = {"type": "begin group", "appearance": "table-list"}
        self.common(item, group)
        group.pop("required", None)
        if item.get("randomize"):
            group["randomize"] = "yes"  # ODK allows randomize parameters on selects only
            self.note("export-grid-randomize", item["id"])
        missing = [o["code"] for o in item["options"] if o.get("missing")]
        if missing:
            self.note("export-missing", item["id"], codes=", ".join(map(str, missing)))
        self.survey.append(group)
        list_name = self.option_list(item)
        for grid_row in item["rows"]:
            row: dict[str, Any] = {"type": f"select_one {list_name}",
                                   "name": self.names[f"{item['id']}.{grid_row['id']}"],
                                   "report": grid_row.get("report")}
            self.labels(row, "label", grid_row["label"])
            if item.get("required"):
                row["required"] = "yes"
            self.survey.append(row)
        self.survey.append({"type": "end group", "name": item["id"]})

    def finish_report(self) -> None:
        missing = [item_id for code, item_id, _ in self.pending if code == "export-missing"]
        if missing:
            self.report.add("export-missing", name=", ".join(missing), codes=", ".join(
                dict.fromkeys(p["codes"] for c, _, p in self.pending if c == "export-missing")))
        for code, item_id, params in self.pending:
            if code != "export-missing":
                self.report.add(code, name=item_id, **params)
        banners = [item["id"] for item in iter_items(self.d) if item.get("role")]
        if banners:
            self.report.add("export-banner", names=", ".join(banners))
        if any(self.d.get(key) for key in ("introduction", "anonymity", "thank_you",
                                           "estimated_minutes")):
            self.report.add("export-texts")

    def run(self) -> dict[str, list[list[Any]]]:
        self.assign_names()
        for name, options in (self.d.get("option_lists") or {}).items():
            self.option_list({"id": name, "options_from": name, "options": options})
        for page in iter_pages(self.d):
            group: dict[str, Any] = {"type": "begin group", "name": page["id"],
                                     "appearance": "field-list",
                                     "relevant": self.xpath(page.get("relevant")),
                                     "report": page.get("report")}
            self.labels(group, "label", page.get("title"))
            self.survey.append(group)
            for item in page["items"]:
                self.item(item)
            self.survey.append({"type": "end group", "name": page["id"]})
        self.finish_report()

        langs = self.languages
        survey_columns = (["type", "name"] + [language_column("label", x) for x in langs]
                          + [language_column("hint", x) for x in langs]
                          + ["required", "relevant", "constraint"]
                          + [language_column("constraint_message", x) for x in langs]
                          + ["choice_filter", "appearance", "parameters", "top", "decimals",
                             "randomize", "role", "dimension", "other_of", "rank_of", "report"])
        choice_columns = (["list_name", "name"] + [language_column("label", x) for x in langs]
                          + ["missing", "other", "exclusive", "original_name"])
        settings: dict[str, Any] = {"form_id": self.d["id"],
                                    "form_title": self.d["title"].get("vi", ""),
                                    "default_language": language_column("x", "vi")[3:],
                                    "estimated_minutes": self.d.get("estimated_minutes"),
                                    "report": json.dumps(self.d["report"], ensure_ascii=False)
                                    if self.d.get("report") else None}
        # ODK reads settings ``title::…`` as its own form title: ours is questionnaire_title
        for key, column in SETTINGS_TEXTS.items():
            self.labels(settings, column, self.d.get(key))
        settings_columns = ["form_id", "form_title", "default_language", "estimated_minutes"] + [
            language_column(column, x) for column in SETTINGS_TEXTS.values() for x in langs] + [
            "report"]
        notes = [["vi", "en"]] + [[line.text("vi"), line.text("en")]
                                  for line in self.report.lines]
        return {
            "survey": _table(survey_columns, self.survey),
            "choices": _table(choice_columns, self.choices),
            "settings": _table(settings_columns, [settings]),
            "export_report": notes,
        }


def _expressions(item: dict[str, Any]) -> list[str]:
    texts = [item.get("relevant"), item.get("constraint")]
    texts += [o.get("relevant") for o in item.get("options") or []]
    return [t for t in texts if t]


def _table(columns: list[str], rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows under the columns that have content (labels always: they declare the languages)."""
    used = [c for c in columns if c in ("type", "name", "list_name", "form_id")
            or c.startswith("label::") or any(row.get(c) not in (None, "") for row in rows)]
    return [used] + [[row.get(c) if row.get(c) != "" else None for c in used] for row in rows]
