"""What an expression reads: the variables and items it refers to, and whether it uses ``.``.

The validator asks this of every condition (references must name earlier items), the runtime of
every filtered option on a page render (which questions of this page it waits for), so the item
set of a text is kept per text.
"""
from __future__ import annotations

import functools

from survey.questionnaire.expressions.parser import parse
from survey.questionnaire.expressions.tree import Current, Node, Reference, walk


def _as_node(expr: str | Node) -> Node:
    return parse(expr) if isinstance(expr, str) else expr


def references(expr: str | Node) -> set[str]:
    """Variable names the expression reads, as written: ``{"A1", "B2.3"}`` (``.`` excluded)."""
    return {node.name for node in walk(_as_node(expr)) if isinstance(node, Reference)}


def referenced_items(expr: str | Node) -> frozenset[str]:
    """Item ids the expression depends on: ``B2.3`` counts as ``B2``. Kept per expression text:
    a page render asks it of every conditional item and option."""
    if isinstance(expr, str):
        return _referenced_in_text(expr)
    return frozenset(node.item for node in walk(expr) if isinstance(node, Reference))


@functools.lru_cache(maxsize=4096)
def _referenced_in_text(text: str) -> frozenset[str]:
    return frozenset(node.item for node in walk(parse(text)) if isinstance(node, Reference))


def uses_current(expr: str | Node) -> bool:
    return any(isinstance(node, Current) for node in walk(_as_node(expr)))
