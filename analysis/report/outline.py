"""The report's outline, read from the questionnaire (``report:``, docs/questionnaire-format.md).

:func:`outline_for` turns a definition into parts and sections, each holding the *entries* it
reports: an item, or some rows of a grid (rows may name their own section). A definition without
``report:`` gets one part per questionnaire part (page title, "(tiếp)" pages joined), so any
questionnaire has a report.

Also here: the leader/staff comparison (``report.compare``), the banners whose differences are
tested (``report.banners``) and the answers whose share a sentence states (``report.highlight``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from survey.questionnaire import banners, find_item, iter_pages, label_text

__all__ = ["Entry", "Section", "Part", "Group", "Comparison", "Outline", "outline_for",
           "REPORTED_TYPES", "TEST_DIMENSIONS"]

#: Item types the report tabulates (text items are reported through their coded answers).
REPORTED_TYPES = ("single", "grid", "multiple", "ranking", "text")
#: Banners tested when ``report.banners`` is absent.
TEST_DIMENSIONS = ("level", "field", "position", "rank")


@dataclass(frozen=True)
class Entry:
    """One item in a section; ``rows`` are the grid rows reported there (all when empty)."""

    item: dict[str, Any]
    rows: tuple[str, ...] = ()

    @property
    def item_id(self) -> str:
        return self.item["id"]

    def variables(self) -> list[str]:
        if self.item["type"] != "grid":
            return [self.item_id]
        rows = self.rows or tuple(r["id"] for r in self.item.get("rows") or [])
        return [f"{self.item_id}.{r}" for r in rows]


@dataclass
class Section:
    id: str
    title: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Part:
    """A part of the outline: its own entries (an overview) come before its sections."""

    id: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def all_sections(self) -> list[Section]:
        """The part's overview (as a section with the part's id) and its sections, in order."""
        own = [Section(self.id, self.title, self.entries)] if self.entries else []
        return own + self.sections


@dataclass(frozen=True)
class Group:
    label: str
    codes: tuple[int, ...]


@dataclass(frozen=True)
class Comparison:
    """Groups of one single-choice item compared in every section (leaders vs staff)."""

    item: str
    item_label: str
    groups: tuple[Group, ...]


@dataclass
class Outline:
    parts: list[Part]
    comparison: Comparison | None
    test_banners: list[str]
    highlight: dict[str, tuple[int, ...]]
    from_definition: bool  # False: the fallback outline from page titles

    def sections(self) -> list[Section]:
        return [s for part in self.parts for s in part.all_sections()]

    def numbering(self) -> dict[str, str]:
        """Printed numbers: parts I, II, …; sections 1, 2, … within their part."""
        return {section.id: section.id for section in self.sections()}


def _strip_continued(title: str) -> str:
    return title.replace(" (tiếp)", "").replace(" (continued)", "").strip()


def _strip_prefix(title: str) -> str:
    """"Phần B. Thực trạng" → "Thực trạng" (the report numbers its own parts)."""
    head, dot, rest = title.partition(". ")
    return rest if dot and len(head.split()) <= 2 else title


def _reported(item: Mapping[str, Any]) -> bool:
    return item.get("type") in REPORTED_TYPES and item.get("role") != "banner"


def _fallback(definition: Mapping[str, Any], language: str) -> list[Part]:
    parts: list[Part] = []
    by_title: dict[str, Part] = {}
    for page in iter_pages(definition):
        items = [i for i in page.get("items") or [] if _reported(i)]
        if not items:
            continue
        title = _strip_prefix(_strip_continued(label_text(page.get("title"), language))) \
            or page["id"]
        part = by_title.get(title)
        if part is None:
            part = by_title[title] = Part(str(len(parts) + 1), title)
            parts.append(part)
        part.entries.extend(Entry(item) for item in items)
    return parts


def outline_for(definition: Mapping[str, Any], language: str = "vi") -> Outline:
    """The outline of the report of ``definition`` (canonical dict)."""
    spec = definition.get("report")
    comparison = _comparison(definition, spec, language)
    test_banners = _test_banners(definition, spec)
    highlight = {k: tuple(v) for k, v in ((spec or {}).get("highlight") or {}).items()}
    if not spec:
        return Outline(_fallback(definition, language), comparison, test_banners, highlight,
                       False)
    parts: list[Part] = []
    where: dict[str, Part | Section] = {}
    for raw in spec["outline"]:
        part = Part(raw["id"], label_text(raw.get("title"), language))
        where[part.id] = part
        for raw_section in raw.get("sections") or []:
            section = Section(raw_section["id"], label_text(raw_section.get("title"), language))
            part.sections.append(section)
            where[section.id] = section
        parts.append(part)
    for page in iter_pages(definition):
        for item in page.get("items") or []:
            if not _reported(item):
                continue
            home = item.get("report") or page.get("report")
            if item["type"] == "grid":
                placed: dict[str, list[str]] = {}
                for row in item.get("rows") or []:
                    target = row.get("report") or home
                    if target in where:
                        placed.setdefault(target, []).append(row["id"])
                for target, rows in placed.items():
                    where[target].entries.append(Entry(item, tuple(rows)))
            elif home in where:
                where[home].entries.append(Entry(item))
    return Outline(parts, comparison, test_banners, highlight, True)


def _comparison(definition: Mapping[str, Any], spec: Mapping[str, Any] | None,
                language: str) -> Comparison | None:
    compare = (spec or {}).get("compare")
    if compare:
        item = find_item(definition, compare["item"])
        if item is None:
            return None
        groups = tuple(Group(label_text(g.get("label"), language), tuple(g["codes"]))
                       for g in compare["groups"])
        return Comparison(item["id"], label_text(item.get("label"), language), groups)
    # Without a declared comparison: the position banner's first valid option (heads) and the
    # rest is not a safe guess, so there is none.
    return None


def _test_banners(definition: Mapping[str, Any], spec: Mapping[str, Any] | None) -> list[str]:
    declared = (spec or {}).get("banners")
    if declared:
        return list(declared)
    chosen = [b["id"] for b in banners(definition) if b.get("dimension") in TEST_DIMENSIONS]
    return chosen or [b["id"] for b in banners(definition)][:3]
