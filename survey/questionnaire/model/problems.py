"""Problems found in a designer's definition, each with the path of the offending node, and
the report that collects them and says where each one is (a YAML line, an XLSForm row).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

#: Where a node sits in a definition: the keys and list indices leading to it.
Path = tuple[Any, ...]


@dataclass
class Problem:
    path: Path
    where: str
    message: str


@dataclass
class Report:
    """Collects problems with the path of the offending node, formatted as
    ``source:line: where: message`` when ``locations`` maps that path (or a prefix) to a line
    (YAML) or to a place such as ``survey row 12`` (XLSForm)."""

    source: str = "<definition>"
    locations: Mapping[Path, int | str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: Path, where: str, message: str) -> None:
        self.problems.append(Problem(tuple(path), where, message))

    def location(self, path: Path) -> int | str | None:
        for end in range(len(path), -1, -1):
            found = self.locations.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    def format(self, problem: Problem) -> str:
        place = self.location(problem.path)
        head = self.source if place is None else (
            f"{self.source}:{place}" if isinstance(place, int) else f"{self.source}: {place}")
        where = f" {problem.where}:" if problem.where else ""
        return f"{head}:{where} {problem.message}"

    def messages(self) -> list[str]:
        """Formatted messages, in file order where lines are known."""
        def line(problem: Problem) -> int:
            place = self.location(problem.path)
            return place if isinstance(place, int) else 0

        return [self.format(p) for p in sorted(self.problems, key=line)]

    def __bool__(self) -> bool:
        return bool(self.problems)
