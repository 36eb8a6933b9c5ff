"""Questionnaire files in and out of the designer: YAML and XLSForm, and version comparison.

The formats themselves live in :mod:`survey.questionnaire` (loader, ``xlsform``, ``versions``);
this module adds what a web upload needs: a size limit, a file name fit for display, and every
problem collected as a message instead of an exception.
"""
from __future__ import annotations

import importlib
import posixpath
from dataclasses import dataclass, field
from typing import IO, Any

import yaml

from survey.questionnaire import DefinitionError, load_text
from survey.questionnaire.model import ITEM_ORDER, TOP_KEYS

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx",)


@dataclass
class UploadResult:
    name: str
    definition: dict[str, Any] | None = None
    dropped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    report: Any = None  # an XLSForm import's report (survey.questionnaire.xlsform_report)


def _language() -> str:
    """The language of the page: Vietnamese report lines on Vietnamese pages, else English."""
    from survey.i18n import current_locale

    return "vi" if current_locale() == "vi" else "en"


def display_name(filename: str) -> str:
    """The last path component, at most 120 characters (browsers may send full paths)."""
    name = posixpath.basename(filename.replace("\\", "/")).strip() or "?"
    return name[:120]


def _module(name: str):
    """A questionnaire submodule that another part of the team may not have shipped yet."""
    try:
        return importlib.import_module(f"survey.questionnaire.{name}")
    except ModuleNotFoundError:
        return None


def xlsform_available() -> bool:
    return _module("xlsform") is not None


def read_upload(filename: str, stream: IO[bytes],
                limit: int = MAX_UPLOAD_BYTES) -> UploadResult:
    """Read and validate an uploaded definition of at most ``limit`` bytes. Never raises for
    bad content."""
    from flask_babel import gettext as _

    name = display_name(filename)
    result = UploadResult(name)
    data = stream.read(limit + 1)
    if len(data) > limit:
        result.errors.append(_("Tệp %(name)s lớn hơn %(kb)s KB.", name=name,
                               kb=max(1, limit // 1024)))
        return result
    lower = name.lower()
    if lower.endswith(XLSX_SUFFIXES):
        xlsform = _module("xlsform")
        if xlsform is None:
            result.errors.append(_("Chưa hỗ trợ nhập XLSForm trên máy chủ này."))
            return result
        try:
            imported = xlsform.from_xlsx(data, name)
        except DefinitionError as exc:
            result.errors.extend(exc.errors)
            return result
        except Exception:  # a corrupt zip or workbook: say so, never a 500
            result.errors.append(_("Không đọc được %(name)s như một bảng tính XLSForm.",
                                   name=name))
            return result
        report = getattr(imported, "report", None)
        if report is None:  # an importer without a report: its English lines as they are
            result.dropped = list(imported.dropped or [])
            result.notes = list(getattr(imported, "notes", None) or [])
            result.errors.extend(imported.errors)
        else:
            lang = _language()
            result.report = report
            result.errors = [f"{name}: {line.text(lang)}" for line in report.of_kind("refused")]
            result.dropped = report.texts(lang, ("dropped",))
            result.notes = report.texts(lang, ("missing", "changed", "note"))
        if not result.errors:
            result.definition = imported.definition
        return result
    if not lower.endswith(YAML_SUFFIXES):
        result.errors.append(_("Tệp %(name)s không phải YAML (.yaml, .yml) hay XLSForm (.xlsx).",
                               name=name))
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append(_("Tệp %(name)s không được lưu ở bảng mã UTF-8.", name=name))
        return result
    try:
        result.definition = load_text(text, name)
    except DefinitionError as exc:
        result.errors.extend(exc.errors)
    return result


# --------------------------------------------------------------------------- import report

def report_details(report: Any) -> dict[str, Any]:
    """An XLSForm import report as JSON for the audit entry of the upload (what the designer
    shows later on the import report page): lines as message codes with parameters, and the
    name → code tables."""
    return {"lines": [{"code": line.code, "sheet": line.sheet, "row": line.row,
                       "column": line.column, "params": dict(line.params)}
                      for line in report.lines],
            "code_maps": [{"list": m.list_name, "rows": [list(r) for r in m.rows]}
                          for m in report.code_maps]}


@dataclass
class ImportReportView:
    """An import report worded in the page's language, for the template."""

    file: str
    sections: list[tuple[str, list[str]]]
    code_maps: list[tuple[str, list[tuple[str, int, str]]]]


def report_view(details: dict[str, Any]) -> ImportReportView | None:
    """The report stored by :func:`report_details`, in the page's language; ``None`` when
    the details hold none (a YAML upload) or were written by another version."""
    xlsform_report = _module("xlsform_report")
    stored = details.get("xlsform_report") if isinstance(details, dict) else None
    if xlsform_report is None or not isinstance(stored, dict):
        return None
    lang = _language()
    by_kind: dict[str, list[str]] = {kind: [] for kind in xlsform_report.KINDS}
    for entry in stored.get("lines") or []:
        try:
            line = xlsform_report.Line(entry["code"], entry.get("sheet") or "", entry.get("row"),
                                       entry.get("column"), tuple(entry["params"].items()))
            by_kind[line.kind].append(line.text(lang))
        except (KeyError, TypeError, AttributeError, ValueError):
            continue  # a line of an older wording: left out rather than a broken page
    maps = [(str(m.get("list")), [(str(r[0]), int(r[1]), str(r[2])) for r in m.get("rows") or []])
            for m in stored.get("code_maps") or [] if isinstance(m, dict)]
    return ImportReportView(str(details.get("file", "")),
                            [(kind, texts) for kind, texts in by_kind.items() if texts], maps)


def missing_labels(definition: dict[str, Any]) -> list[Any]:
    """Placeholder labels an XLSForm import left in ``definition`` (none without XLSForm
    support): a draft with any cannot be published."""
    labels = _module("xlsform_labels")
    return labels.missing_labels(definition) if labels is not None else []


def to_yaml(definition: dict[str, Any]) -> str:
    loader = _module("loader")
    dump = getattr(loader, "dump_yaml", None) or getattr(_module("xlsform"), "dump_yaml", None)
    if dump is not None:
        return dump(definition)
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=100)


def to_xlsx(definition: dict[str, Any]) -> bytes:
    """Raises ``LookupError`` when the XLSForm writer is not installed."""
    xlsform = _module("xlsform")
    if xlsform is None:
        raise LookupError("XLSForm support is not available")
    return xlsform.to_xlsx(definition)


# --------------------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Change:
    kind: str  # "added" | "removed" | "changed" | "moved"
    where: str  # "item B3", "page A", "questionnaire"
    detail: str = ""


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changed from ``old`` to ``new``, as rows for the diff page.

    Uses :func:`survey.questionnaire.versions.diff` (worded changes, options recoded…) when it
    is installed; otherwise a coarser summary naming the keys that differ per item and page.
    """
    versions = _module("versions")
    if versions is None or not hasattr(versions, "diff"):
        return _summary(old, new)
    rows = []
    for change in versions.diff(old, new):
        item = getattr(change, "item", None)
        scope = getattr(change, "scope", "item")
        where = _where("item", item) if item else _where(scope, None)
        rows.append(Change(change.kind, where, getattr(change, "what", "")))
    return rows


def _where(scope: str, ident: str | None) -> str:
    """Where a change happened, in the staff page's language."""
    from flask_babel import gettext as _

    if scope == "item":
        return _("Câu %(id)s", id=ident)
    if scope == "page":
        return _("Trang %(id)s", id=ident) if ident else _("Trang")
    if scope == "option_list":
        return _("Danh sách phương án dùng chung")
    return _("Thông tin chung của phiếu")


def _items(definition: dict[str, Any]) -> dict[str, tuple[int, str, dict[str, Any]]]:
    out = {}
    order = 0
    for page in definition.get("pages") or []:
        for item in page.get("items") or []:
            out[item["id"]] = (order, page["id"], item)
            order += 1
    return out


def _summary(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for key in TOP_KEYS:
        if key in ("pages", "id"):
            continue
        if old.get(key) != new.get(key):
            changes.append(Change("changed", _where("questionnaire", None), key))
    old_pages = {p["id"]: p for p in old.get("pages") or []}
    new_pages = {p["id"]: p for p in new.get("pages") or []}
    for pid in old_pages.keys() - new_pages.keys():
        changes.append(Change("removed", _where("page", pid)))
    for pid, page in new_pages.items():
        if pid not in old_pages:
            changes.append(Change("added", _where("page", pid)))
            continue
        keys = [k for k in ("title", "relevant") if old_pages[pid].get(k) != page.get(k)]
        if keys:
            changes.append(Change("changed", _where("page", pid), ", ".join(keys)))
    old_items, new_items = _items(old), _items(new)
    for iid in sorted(old_items.keys() - new_items.keys(), key=lambda i: old_items[i][0]):
        changes.append(Change("removed", _where("item", iid)))
    for iid, (_order, page_id, item) in sorted(new_items.items(), key=lambda kv: kv[1][0]):
        if iid not in old_items:
            changes.append(Change("added", _where("item", iid), _where("page", page_id)))
            continue
        before = old_items[iid][2]
        keys = [k for k in ITEM_ORDER if before.get(k) != item.get(k)]
        if keys:
            changes.append(Change("changed", _where("item", iid), ", ".join(keys)))
        if old_items[iid][1] != page_id:
            changes.append(Change("moved", _where("item", iid),
                                  f"{_where('page', old_items[iid][1])} → "
                                  f"{_where('page', page_id)}"))
    return changes
