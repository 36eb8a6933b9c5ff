"""Validation of questionnaire definitions: every problem, with file, line, item and cause.

:func:`validate` accepts a designer's dict (shorthands allowed) or a canonical one and returns a
list of messages — empty when the definition is sound. The checks go beyond the shape of the
data: references in logic must name existing, earlier items (and existing rows and option codes),
logic may not form a cycle, banners need options, rankings cannot ask for more ranks than there
are options, numeric ranges must be ordered, and every expression must parse.
"""
from __future__ import annotations

from typing import Any, Mapping

from survey.questionnaire.model.normalizer import normalize_collect
from survey.questionnaire.model.problems import Path, Report
from survey.questionnaire.validator.logic import LogicChecks
from survey.questionnaire.validator.outline import OutlineChecks
from survey.questionnaire.validator.structure import StructureChecks

__all__ = ["validate", "check", "Checker"]


def check(data: Any, source: str = "<definition>",
          locations: Mapping[Path, int | str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Normalise and validate in one pass: (canonical dict, messages)."""
    report = Report(source, locations or {})
    definition = normalize_collect(data, report)
    if definition:
        Checker(definition, report).run()
    return definition, report.messages()


def validate(definition: Any, source: str = "<definition>",
             locations: Mapping[Path, int | str] | None = None) -> list[str]:
    """All problems of a definition as readable messages; an empty list means valid.

    Never raises on malformed input: a definition that is not even a mapping is one problem.
    """
    return check(definition, source, locations)[1]


class Checker(StructureChecks, LogicChecks, OutlineChecks):
    """Every check of a normalised definition, its problems added to ``report``."""

    def run(self) -> None:
        self.check_questionnaire()
        self.collect_sites()
        for site in self.sites.values():
            self.check_item(site)
        self.check_banners()
        self.check_logic()
        self.check_report()
