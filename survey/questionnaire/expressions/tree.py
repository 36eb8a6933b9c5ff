"""The syntax tree of the skip-logic language: its nodes, the function table, a walk over a
tree and the writing of a tree back as text.

Trees are frozen dataclasses, so they can be cached per expression text, compared and hashed.
Nothing here parses or evaluates: :mod:`.parser` builds trees, :mod:`.evaluation` runs them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Union

# --------------------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Literal:
    value: int | float | str


@dataclass(frozen=True)
class Reference:
    """An item (``A1``) or a grid row (``B2.3``): ``name`` is the full variable name."""

    item: str
    row: str | None = None

    @property
    def name(self) -> str:
        return self.item if self.row is None else f"{self.item}.{self.row}"


@dataclass(frozen=True)
class Current:
    """``.`` — the value of the item a constraint belongs to."""


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Compare:
    op: str  # = != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: str  # canonical name: selected, count-selected, answered, empty
    args: tuple[Node, ...]


Node = Union[Literal, Reference, Current, Not, BoolOp, Compare, Call]

# function name -> (canonical name, number of arguments, first argument must be a reference)
FUNCTIONS: dict[str, tuple[str, int, bool]] = {
    "selected": ("selected", 2, True),
    "count-selected": ("count-selected", 1, True),
    "count_selected": ("count-selected", 1, True),
    "answered": ("answered", 1, True),
    "empty": ("empty", 1, True),
    "string-length": ("string-length", 1, True),
    "string_length": ("string-length", 1, True),
}
KEYWORDS = {"and", "or", "not"}
COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}

# --------------------------------------------------------------------------- walking, writing


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, Not):
        yield from walk(node.operand)
    elif isinstance(node, BoolOp):
        for operand in node.operands:
            yield from walk(operand)
    elif isinstance(node, Compare):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)


def _literal_text(value: int | float | str) -> str:
    if isinstance(value, str):
        return f"'{value}'" if "'" not in value else f'"{value}"'
    return repr(value)


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "atom": 5}


def _precedence(node: Node) -> int:
    if isinstance(node, BoolOp):
        return _PRECEDENCE[node.op]
    if isinstance(node, Not):
        return _PRECEDENCE["not"]
    if isinstance(node, Compare):
        return _PRECEDENCE["compare"]
    return _PRECEDENCE["atom"]


def to_text(node: Node, name: Callable[[Reference], str] | None = None,
            current: str = ".") -> str:
    """Write a tree back as text (minimal parentheses). ``name`` renames references — the
    XLSForm exporter passes one that writes ``${A1}``."""
    name = name or (lambda ref: ref.name)

    def wrap(child: Node, minimum: int) -> str:
        text = to_text(child, name, current)
        return f"({text})" if _precedence(child) < minimum else text

    if isinstance(node, Literal):
        return _literal_text(node.value)
    if isinstance(node, Reference):
        return name(node)
    if isinstance(node, Current):
        return current
    if isinstance(node, Not):
        return f"not {wrap(node.operand, _PRECEDENCE['not'])}"
    if isinstance(node, BoolOp):
        level = _PRECEDENCE[node.op]
        return f" {node.op} ".join(wrap(operand, level) for operand in node.operands)
    if isinstance(node, Compare):
        level = _PRECEDENCE["compare"] + 1
        return f"{wrap(node.left, level)} {node.op} {wrap(node.right, level)}"
    if isinstance(node, Call):
        return f"{node.function}({', '.join(to_text(a, name, current) for a in node.args)})"
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover
