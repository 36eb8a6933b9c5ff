"""Translation between our expression language and XLSForm's XPath subset, through the AST.

XLSForm writes references as ``${name}``, option codes as strings (``selected(${q}, '2')``),
emptiness as ``${q} = ''`` and negation as ``not(…)``; a ``choice_filter`` may also name columns
of the choices sheet bare (``cat = ${A1}``). Both directions go through the syntax tree of
:mod:`.expressions`: XLSForm text is lexically rewritten only where ``${…}`` occurs (outside string
literals), parsed by our own parser, and the tree is then rewritten node by node. Nothing is
evaluated by ``eval`` or pattern-matched with regular expressions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from survey.questionnaire import expressions as ex

__all__ = ["XPathError", "ChoiceColumn", "to_xpath", "from_xpath", "fold", "conjuncts",
           "conjoin", "limit_of", "PLACEHOLDER"]

PLACEHOLDER = "_xls_ref_"


class XPathError(ValueError):
    """An XLSForm expression we cannot translate; the message says why, in plain words."""


@dataclass(frozen=True)
class ChoiceColumn:
    """A bare column name of the choices sheet inside a ``choice_filter`` (e.g. ``name``)."""

    column: str


# --------------------------------------------------------------------------- ours → XLSForm

_LEVEL = {"or": 1, "and": 2, "compare": 4, "atom": 5}


def _level(node: object) -> int:
    if isinstance(node, ex.BoolOp):
        return _LEVEL[node.op]
    if isinstance(node, ex.Compare):
        return _LEVEL["compare"]
    if isinstance(node, ex.Call) and node.function in ("empty", "answered"):
        return _LEVEL["compare"]  # written as ${q} = '' / ${q} != ''
    return _LEVEL["atom"]


def _quote(text: str) -> str:
    return f"'{text}'" if "'" not in text else f'"{text}"'


def to_xpath(node: ex.Node | ChoiceColumn, name: Callable[[ex.Reference], str]) -> str:
    """Write a tree in XLSForm syntax; ``name`` gives the XLSForm name of a reference."""

    def wrap(child: object, minimum: int) -> str:
        text = to_xpath(child, name)  # type: ignore[arg-type]
        return f"({text})" if _level(child) < minimum else text

    if isinstance(node, ChoiceColumn):
        return node.column
    if isinstance(node, ex.Literal):
        if isinstance(node.value, str):
            return _quote(node.value)
        return repr(node.value)
    if isinstance(node, ex.Reference):
        return "${" + name(node) + "}"
    if isinstance(node, ex.Current):
        return "."
    if isinstance(node, ex.Not):
        return f"not({to_xpath(node.operand, name)})"
    if isinstance(node, ex.BoolOp):
        level = _LEVEL[node.op]
        return f" {node.op} ".join(wrap(operand, level + 1) for operand in node.operands)
    if isinstance(node, ex.Compare):
        level = _LEVEL["compare"] + 1
        return f"{wrap(node.left, level)} {node.op} {wrap(node.right, level)}"
    if isinstance(node, ex.Call):
        subject = to_xpath(node.args[0], name)
        if node.function == "empty":
            return f"{subject} = ''"
        if node.function == "answered":
            return f"{subject} != ''"
        if node.function == "selected":
            code = node.args[1]
            value = code.value if isinstance(code, ex.Literal) else ""
            return f"selected({subject}, {_quote(str(value))})"
        return f"{node.function}({', '.join(to_xpath(a, name) for a in node.args)})"
    raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover


# --------------------------------------------------------------------------- XLSForm → ours

Resolver = Callable[[str], tuple[ex.Reference, str]]
BareResolver = Callable[[str], "ex.Node | None"]


def _substitute(text: str, bare: BareResolver | None = None) -> tuple[str, list[str]]:
    """Replace each ``${name}`` outside string literals by a placeholder our parser reads as a
    reference; return the new text and the names in order. With ``bare`` (a ``choice_filter``),
    a bare name of a choices column becomes that choice's value as a quoted literal, so
    ``selected(${q}, name)`` reads as ``selected(${q}, 'fear')`` for the choice ``fear``."""
    out: list[str] = []
    names: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise XPathError("a string literal is not closed")
            out.append(text[i:end + 1])
            i = end + 1
        elif text.startswith("${", i):
            end = text.find("}", i + 2)
            if end < 0:
                raise XPathError("'${' without its closing '}'")
            name = text[i + 2:end].strip()
            if not name:
                raise XPathError("empty reference ${}")
            out.append(f" {PLACEHOLDER}{len(names)} ")
            names.append(name)
            i = end + 1
        elif bare is not None and (ch.isascii() and (ch.isalpha() or ch == "_")) and \
                (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_.-")):
            end = i
            while end < n and text[end].isascii() and (text[end].isalnum() or text[end] == "_"):
                end += 1
            word, rest = text[i:end], text[end:].lstrip()
            value = None
            if word not in ex.KEYWORDS and not rest.startswith(("(", "-", ".")):
                value = bare(word)
            if isinstance(value, ex.Literal) and isinstance(value.value, str) and \
                    not ("'" in value.value and '"' in value.value):
                out.append(_quote(value.value))
            else:
                out.append(word)
            i = end
        else:
            out.append(ch)
            i += 1
    return "".join(out), names


def from_xpath(text: str, resolve: Resolver, bare: BareResolver | None = None,
               codes: Callable[[ex.Reference], dict[str, int]] | None = None) -> ex.Node:
    """Parse an XLSForm expression into our tree.

    ``resolve(name)`` maps an XLSForm name to ``(Reference, kind)`` (kind is our item type, or
    ``"single"`` for a grid row) and raises :class:`XPathError` for an unknown name. ``bare``
    maps a bare column name of a ``choice_filter`` to a node (a literal); without it, bare names
    are an error. ``codes(reference)`` gives the numeric code of each choice name of a choice
    item whose choices had text names (``'yes'`` → 1), so ``selected(${q}, 'yes')`` becomes
    ``selected(q, 1)``. Raises :class:`XPathError` for anything outside the supported subset.
    """
    try:
        substituted, names = _substitute(text, bare)
        tree = ex.parse(substituted)
    except ex.ExpressionError as exc:
        raise XPathError(f"cannot read {text!r}: {exc.message}. Supported: ${{name}}, numbers, "
                         "'text', = != < <= > >=, and, or, not(), selected(), count-selected(), "
                         "string-length()") from None

    kinds: dict[ex.Node, str] = {}

    def reference(node: ex.Reference) -> ex.Node:
        if node.item.startswith(PLACEHOLDER) and node.row is None:
            index = int(node.item[len(PLACEHOLDER):])
            ref, kind = resolve(names[index])
            kinds[ref] = kind
            return ref
        if bare is not None:
            found = bare(node.name)
            if found is not None:
                return found
        raise XPathError(f"{node.name!r} is not a reference: write ${{{node.name}}}")

    def is_choice(node: ex.Node) -> bool:
        return kinds.get(node) == "single"

    def code_literal(node: ex.Node, subject: ex.Node) -> ex.Node:
        if not isinstance(node, ex.Literal):
            return node
        mapping = codes(subject) if codes is not None and \
            isinstance(subject, (ex.Reference, ex.Current)) else {}
        if str(node.value) in mapping:
            return ex.Literal(mapping[str(node.value)])
        if isinstance(node.value, str) and node.value.strip().lstrip("-").isdigit():
            return ex.Literal(int(node.value))
        return node

    def rewrite(node: ex.Node) -> ex.Node:
        if isinstance(node, ex.Reference):
            return reference(node)
        if isinstance(node, (ex.Literal, ex.Current)):
            return node
        if isinstance(node, ex.Not):
            return ex.Not(rewrite(node.operand))
        if isinstance(node, ex.BoolOp):
            return ex.BoolOp(node.op, tuple(rewrite(o) for o in node.operands))
        if isinstance(node, ex.Compare):
            left, right = rewrite(node.left), rewrite(node.right)
            for side, other in ((left, right), (right, left)):
                if isinstance(other, ex.Literal) and other.value == "" and node.op in ("=", "!=") \
                        and isinstance(side, (ex.Reference, ex.Current)):
                    return ex.Call("empty" if node.op == "=" else "answered", (side,))
            if is_choice(left):
                right = code_literal(right, left)
            if is_choice(right):
                left = code_literal(left, right)
            return ex.Compare(node.op, left, right)
        if isinstance(node, ex.Call):
            args = tuple(rewrite(a) for a in node.args)
            if not isinstance(args[0], (ex.Reference, ex.Current)):
                raise XPathError(f"the first argument of {node.function}() must be a question")
            if node.function == "selected":
                args = (args[0], code_literal(args[1], args[0]))
            return ex.Call(node.function, args)
        raise TypeError(f"not an expression node: {node!r}")  # pragma: no cover

    return rewrite(tree)


# --------------------------------------------------------------------------- tree helpers

def fold(node: ex.Node) -> ex.Node | bool:
    """Simplify constant parts (a comparison of two literals, ``and``/``or`` with a constant):
    a ``choice_filter`` with the choice's columns filled in becomes the option's own filter,
    ``True`` (always offered) or ``False`` (never offered)."""
    if isinstance(node, ex.Compare):
        left, right = fold(node.left), fold(node.right)
        if isinstance(left, ex.Literal) and isinstance(right, ex.Literal):
            return bool(ex.evaluate(ex.Compare(node.op, left, right), {}))
        if isinstance(left, bool) or isinstance(right, bool):
            raise XPathError("a condition is used where a value is expected")
        return ex.Compare(node.op, left, right)
    if isinstance(node, ex.Not):
        inner = fold(node.operand)
        return (not inner) if isinstance(inner, bool) else ex.Not(inner)
    if isinstance(node, ex.BoolOp):
        absorbing = node.op == "or"  # True absorbs an or, False absorbs an and
        kept: list[ex.Node] = []
        for operand in node.operands:
            value = fold(operand)
            if isinstance(value, bool):
                if value is absorbing:
                    return absorbing
                continue
            kept.append(value)
        if not kept:
            return not absorbing
        return kept[0] if len(kept) == 1 else ex.BoolOp(node.op, tuple(kept))
    return node


def conjuncts(node: ex.Node) -> list[ex.Node]:
    """The top-level ``and`` operands (a single condition is one conjunct)."""
    if isinstance(node, ex.BoolOp) and node.op == "and":
        return list(node.operands)
    return [node]


def conjoin(nodes: list[ex.Node]) -> ex.Node | None:
    """Join conditions with ``and`` (flattening nested ``and``); ``None`` for no condition."""
    flat: list[ex.Node] = []
    for node in nodes:
        flat.extend(conjuncts(node))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else ex.BoolOp("and", tuple(flat))


def limit_of(kind: str, node: ex.Node) -> tuple[str, Any] | None:
    """``(key, value)`` when a constraint conjunct is a bound our format stores as a property
    of the item (``. >= 0`` → ``min``, ``count-selected(.) <= 3`` → ``max_select``,
    ``string-length(.) <= 100`` → ``max_length``), else ``None``."""
    if not isinstance(node, ex.Compare) or node.op not in ("<=", ">=") or \
            not isinstance(node.right, ex.Literal) or isinstance(node.right.value, str):
        return None
    value, low = node.right.value, node.op == ">="
    left = node.left
    if kind == "numeric" and isinstance(left, ex.Current):
        return ("min" if low else "max", value)
    if not isinstance(left, ex.Call) or not isinstance(left.args[0], ex.Current) or \
            not isinstance(value, int):
        return None
    if kind == "multiple" and left.function == "count-selected":
        return ("min_select" if low else "max_select", value)
    if kind == "text" and left.function == "string-length" and not low:
        return ("max_length", value)
    return None
