"""What a report is made of, before it becomes a Word file: headings, paragraphs, numbered
tables and figures, in document order. The planner fills them; :mod:`analysis.report.document`
writes them with named Word styles; tests read them (and the DOCX) back."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Heading", "Paragraph", "Table", "Figure", "Block"]


@dataclass
class Heading:
    text: str
    level: int          # 1: part (I. Thực trạng), 2: section (1. …)
    key: str = ""       # outline id, "summary", "methods"


@dataclass
class Paragraph:
    text: str
    style: str = "body"   # body | finding | note | bullet | quote
    key: str = ""         # e.g. the indicator a finding is about
    data: Any = None      # the Split(s) a finding states (tests recompute them)


@dataclass
class Table:
    key: str                    # unique; sentences refer to it as ⟨T:key⟩
    title: str
    header: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    kind: str = ""              # sample | moe | distribution | compare | banners | coded
    label_width: float = 6.5    # cm of the first column (the rest share what is left)
    data: Any = None
    number: int = 0             # set when the document is laid out


@dataclass
class Figure:
    key: str
    title: str
    figure: Any                 # a plotly figure
    number: int = 0


Block = Heading | Paragraph | Table | Figure
