"""What every check of a definition shares: the definition, the problem report, where each item
sits, and the way a message points back to an earlier line.

The checks are grouped by concern in mixins of :class:`Checks` (:mod:`.structure`,
:mod:`.logic`, :mod:`.outline`), which :class:`~survey.questionnaire.validator.Checker`
combines and runs in one order, so that messages come out in the same order every time.
"""
from __future__ import annotations

from typing import Any

from survey.questionnaire.model.problems import Path, Report


class Site:
    """Where an item sits: its path, page index and global order."""

    def __init__(self, item: dict[str, Any], path: Path, page: int, order: int):
        self.item, self.path, self.page, self.order = item, path, page, order


class Checks:
    def __init__(self, definition: dict[str, Any], report: Report):
        self.definition = definition
        self.report = report
        self.sites: dict[str, Site] = {}
        self.edges: dict[str, set[str]] = {}  # item -> items its display depends on

    def add(self, path: Path, where: str, message: str) -> None:
        self.report.add(path, where, message)

    def line_of(self, path: Path) -> str:
        place = self.report.location(path)
        if place is None:
            return ""
        return f" (first at line {place})" if isinstance(place, int) else f" (first at {place})"
