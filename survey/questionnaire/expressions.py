"""The skip-logic language: a tokenizer, a recursive-descent parser to a small AST, an evaluator.

Relevance conditions, constraints and option filters are written by designers and evaluated on
respondents' answers, so they are parsed by our own code into frozen dataclasses and walked by
:func:`evaluate` — never handed to ``eval``. The grammar (lowest precedence first)::

    expression  := or
    or          := and ("or" and)*
    and         := not ("and" not)*
    not         := "not" not | comparison
    comparison  := operand (("=" | "!=" | "<" | "<=" | ">" | ">=") operand)?
    operand     := number | string | reference | "." | call | "(" expression ")"
    call        := function "(" [expression ("," expression)*] ")"
    function    := "selected" | "count-selected" | "answered" | "empty" | "string-length"
    reference   := ITEM | ITEM "." ROW

Comparisons do not chain (``1 < A1 < 3`` is a syntax error: write ``A1 > 1 and A1 < 3``).
An unanswered reference makes every comparison false; ``empty(X)`` is then true.
"""
from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Union

__all__ = [
    "ExpressionError", "Node", "Literal", "Reference", "Current", "Not", "BoolOp", "Compare",
    "Call", "FUNCTIONS", "parse", "evaluate", "is_true", "references", "referenced_items",
    "walk", "to_text", "is_answered", "compiled_condition", "compare_values",
]

MAX_LENGTH = 4000
MAX_DEPTH = 64


class ExpressionError(ValueError):
    """An expression could not be parsed. ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int = 0, text: str = ""):
        self.message = message
        self.position = position
        self.text = text
        super().__init__(f"{message} (at position {position + 1})")


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

# --------------------------------------------------------------------------- tokenizer


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, lparen, rparen, comma, dot, end
    value: Any
    position: int


_NUMBER = re.compile(r"\d+(\.\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ROW = re.compile(r"[A-Za-z0-9_]+")


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens. Raises :class:`ExpressionError` at the first bad character."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif (ch.isascii() and ch.isdigit()) or (
                ch == "-" and i + 1 < n and text[i + 1].isascii() and text[i + 1].isdigit()):
            match = _NUMBER.match(text, i + (ch == "-"))
            assert match is not None
            raw = text[i:match.end()]
            if match.end() < n and (text[match.end()].isalpha() or text[match.end()] == "_"):
                raise ExpressionError(f"unexpected character {text[match.end()]!r} after number",
                                      match.end(), text)
            tokens.append(Token("number", float(raw) if "." in raw else int(raw), i))
            i = match.end()
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            match = _NAME.match(text, i)
            assert match is not None
            name, end = match.group(), match.end()
            if name == "count" and text.startswith("-selected", end):
                name, end = "count-selected", end + len("-selected")
            elif name == "string" and text.startswith("-length", end):
                name, end = "string-length", end + len("-length")
            row = None
            if end < n and text[end] == "." and name not in KEYWORDS:
                row_match = _ROW.match(text, end + 1)
                if row_match is None:
                    raise ExpressionError(f"expected a row name after {name + '.'!r}", end + 1, text)
                row, end = row_match.group(), row_match.end()
            tokens.append(Token("name", (name, row), i))
            i = end
        elif ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExpressionError("unterminated string", i, text)
            tokens.append(Token("string", text[i + 1:end], i))
            i = end + 1
        elif ch in "<>!=":
            two = text[i:i + 2]
            if two in ("<=", ">=", "!="):
                tokens.append(Token("op", two, i))
                i += 2
            elif ch == "!":
                raise ExpressionError("'!' must be followed by '=' (use 'not' for negation)", i, text)
            else:
                tokens.append(Token("op", ch, i))
                i += 1
        elif ch == "(":
            tokens.append(Token("lparen", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(Token("rparen", ch, i))
            i += 1
        elif ch == ",":
            tokens.append(Token("comma", ch, i))
            i += 1
        elif ch == ".":
            if i + 1 < n and text[i + 1].isascii() and text[i + 1].isdigit():
                raise ExpressionError("a decimal needs a leading digit (write 0.5)", i, text)
            tokens.append(Token("dot", ch, i))
            i += 1
        else:
            raise ExpressionError(f"unexpected character {ch!r}", i, text)
    tokens.append(Token("end", None, n))
    return tokens


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def fail(self, message: str, token: Token | None = None) -> ExpressionError:
        return ExpressionError(message, (token or self.token).position, self.text)

    def advance(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def is_keyword(self, word: str) -> bool:
        return self.token.kind == "name" and self.token.value == (word, None)

    def expect(self, kind: str, what: str) -> Token:
        if self.token.kind != kind:
            raise self.fail(f"expected {what}, found {self.describe(self.token)}")
        return self.advance()

    @staticmethod
    def describe(token: Token) -> str:
        if token.kind == "end":
            return "end of expression"
        if token.kind == "name":
            name, row = token.value
            return repr(name if row is None else f"{name}.{row}")
        if token.kind == "string":
            return f"string {token.value!r}"
        return repr(str(token.value))

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.fail("empty expression")
        node = self.expression()
        if self.token.kind != "end":
            raise self.fail(f"unexpected {self.describe(self.token)}")
        return node

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested more than {MAX_DEPTH} levels deep")
        try:
            return self.or_()
        finally:
            self.depth -= 1

    def or_(self) -> Node:
        operands = [self.and_()]
        while self.is_keyword("or"):
            self.advance()
            operands.append(self.and_())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def and_(self) -> Node:
        operands = [self.not_()]
        while self.is_keyword("and"):
            self.advance()
            operands.append(self.not_())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def not_(self) -> Node:
        if self.is_keyword("not"):
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(f"expression nested more than {MAX_DEPTH} levels deep")
            try:
                return Not(self.not_())
            finally:
                self.depth -= 1
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        if self.token.kind == "op":
            op = self.advance().value
            right = self.operand()
            if self.token.kind == "op":
                raise self.fail("comparisons cannot be chained; join them with 'and'")
            return Compare(op, left, right)
        return left

    def operand(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Literal(token.value)
        if token.kind == "string":
            self.advance()
            return Literal(token.value)
        if token.kind == "dot":
            self.advance()
            return Current()
        if token.kind == "lparen":
            self.advance()
            node = self.expression()
            self.expect("rparen", "')'")
            return node
        if token.kind == "name":
            name, row = token.value
            if name in KEYWORDS:
                raise self.fail(f"expected a value, found keyword {name!r}")
            self.advance()
            if self.token.kind == "lparen":
                if row is not None or name not in FUNCTIONS:
                    known = ", ".join(sorted(set(f for f, _, _ in FUNCTIONS.values())))
                    raise self.fail(f"unknown function {token.value[0]!r} (known: {known})", token)
                return self.call(name, token)
            return Reference(name, row)
        raise self.fail(f"expected a value, found {self.describe(token)}")

    def call(self, name: str, name_token: Token) -> Node:
        canonical, arity, wants_reference = FUNCTIONS[name]
        self.expect("lparen", "'('")
        args: list[Node] = []
        if self.token.kind != "rparen":
            args.append(self.expression())
            while self.token.kind == "comma":
                self.advance()
                args.append(self.expression())
        self.expect("rparen", "')' or ','")
        if len(args) != arity:
            raise self.fail(f"{canonical}() takes {arity} argument{'s' if arity > 1 else ''}, "
                            f"got {len(args)}", name_token)
        if wants_reference and not isinstance(args[0], (Reference, Current)):
            raise self.fail(f"the first argument of {canonical}() must be an item id", name_token)
        if canonical == "selected" and not isinstance(args[1], Literal):
            raise self.fail("the second argument of selected() must be an option code", name_token)
        return Call(canonical, tuple(args))


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Node:
    return _Parser(text).parse()


def parse(text: str) -> Node:
    """Parse an expression into its syntax tree.

    Raises :class:`ExpressionError` (a ``ValueError``) with the position of the first problem,
    for any input — including non-strings, over-long or too deeply nested text.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}", 0, "")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH, text)
    return _parse_cached(text)


# --------------------------------------------------------------------------- analysis


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


# --------------------------------------------------------------------------- evaluation
#
# Conditions are evaluated for every page of every respondent request, mostly the same few
# dozen texts over and over, so a tree is compiled once (cached per expression text) into nested
# closures: evaluation is then a few plain calls instead of an isinstance dispatch at every node.
# The closures mirror the tree's meaning exactly (same order, same short-circuits); evaluation
# only reads the answers mapping, never changes it.

_MISSING = object()

#: A compiled expression: ``(answers, current) -> value`` (``_MISSING`` for an unanswered value).
Evaluator = Callable[[Mapping[str, Any], Any], Any]


def _lookup(ref: Reference, answers: Mapping[str, Any]) -> Any:
    if ref.row is None:
        return answers.get(ref.item, _MISSING)
    if ref.name in answers:  # answers flattened to variables, as in the answer table
        return answers[ref.name]
    container = answers.get(ref.item)
    if isinstance(container, dict):
        return container.get(ref.row, container.get(_int_or_none(ref.row), _MISSING))
    return _MISSING


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def is_answered(value: Any) -> bool:
    """An answer is present: not missing, not ``None``, not an empty string, list or dict."""
    if value is None or value is _MISSING:
        return False
    kind = type(value)
    if kind is int or kind is float:  # the common case first (bool is not int here: answered)
        return True
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) > 0
    return True


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return None
    return None


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}


def _compare(op: str, left: Any, right: Any) -> bool:
    if not is_answered(left) or not is_answered(right):
        return False
    if isinstance(left, str) and isinstance(right, str):
        return _OPERATORS[op](left, right)
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return _OPERATORS[op](a, b)
    if op in ("=", "!=") and type(left) is type(right):
        return _OPERATORS[op](left, right)
    return False


def compare_values(op: str, left: Any, right: Any) -> bool:
    """``left op right`` as a condition compares them (numbers as numbers, an unanswered side
    false): the validator asks it whether a missing code satisfies a comparison."""
    return _compare(op, left, right)


def _codes(value: Any) -> list[Any]:
    if not is_answered(value):
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    if isinstance(value, str):  # XLSForm style "1 3 5"
        return value.split()
    return [value]


def _truthy(value: Any) -> bool:
    if value is True or value is False:
        return value
    if not is_answered(value):
        return False
    return value != 0


def _compile(node: Node) -> Evaluator:
    """The closure that evaluates ``node``; raises ``TypeError`` for what is not a node."""
    if isinstance(node, Literal):
        value = node.value

        def literal(answers: Mapping[str, Any], current: Any) -> Any:
            return value
        return literal
    if isinstance(node, Reference):
        if node.row is None:
            item = node.item

            def reference(answers: Mapping[str, Any], current: Any) -> Any:
                return answers.get(item, _MISSING)
            return reference
        ref = node

        def row_reference(answers: Mapping[str, Any], current: Any) -> Any:
            return _lookup(ref, answers)
        return row_reference
    if isinstance(node, Current):
        def dot(answers: Mapping[str, Any], current: Any) -> Any:
            return _MISSING if current is None else current
        return dot
    if isinstance(node, Not):
        inner = _compile(node.operand)

        def negation(answers: Mapping[str, Any], current: Any) -> Any:
            return not _truthy(inner(answers, current))
        return negation
    if isinstance(node, BoolOp):
        return _compile_bool(node)
    if isinstance(node, Compare):
        return _compile_compare(node)
    if isinstance(node, Call):
        return _compile_call(node)
    raise TypeError(f"not an expression node: {node!r}")


def _compile_bool(node: BoolOp) -> Evaluator:
    parts = tuple(_compile(operand) for operand in node.operands)
    if node.op == "and":
        def conjunction(answers: Mapping[str, Any], current: Any) -> Any:
            for part in parts:
                if not _truthy(part(answers, current)):
                    return False
            return True
        return conjunction

    def disjunction(answers: Mapping[str, Any], current: Any) -> Any:
        for part in parts:
            if _truthy(part(answers, current)):
                return True
        return False
    return disjunction


def _compile_compare(node: Compare) -> Evaluator:
    op_text = node.op
    left, right = _compile(node.left), _compile(node.right)
    function = _OPERATORS.get(op_text)
    literal = node.right.value if isinstance(node.right, Literal) else None
    if function is not None and type(literal) in (int, float):
        # ``A1 = 3``, the usual filter: the literal is answered and a number, so (see _compare)
        # the result is the comparison of the left side as a number, false when it is none.
        number = literal

        def compare_number(answers: Mapping[str, Any], current: Any) -> Any:
            value = left(answers, current)
            if type(value) is int:
                return function(value, number)
            if not is_answered(value):
                return False
            value = _number(value)
            return value is not None and function(value, number)
        return compare_number

    def compare(answers: Mapping[str, Any], current: Any) -> Any:
        return _compare(op_text, left(answers, current), right(answers, current))
    return compare


def _compile_call(node: Call) -> Evaluator:
    subject = _compile(node.args[0])
    name = node.function
    if name == "answered":
        def answered(answers: Mapping[str, Any], current: Any) -> Any:
            return is_answered(subject(answers, current))
        return answered
    if name == "empty":
        def empty(answers: Mapping[str, Any], current: Any) -> Any:
            return not is_answered(subject(answers, current))
        return empty
    if name == "string-length":
        def string_length(answers: Mapping[str, Any], current: Any) -> Any:
            value = subject(answers, current)
            return len(str(value)) if is_answered(value) else 0
        return string_length
    if name == "count-selected":
        def count_selected(answers: Mapping[str, Any], current: Any) -> Any:
            value = subject(answers, current)
            if isinstance(value, dict):
                return sum(1 for v in value.values() if is_answered(v))
            return len(_codes(value))
        return count_selected
    if name == "selected":
        return _compile_selected(subject, node.args[1])

    def unknown(answers: Mapping[str, Any], current: Any) -> Any:
        subject(answers, current)
        raise TypeError(f"not an expression node: {node!r}")
    return unknown


def _compile_selected(subject: Evaluator, code_node: Node) -> Evaluator:
    if isinstance(code_node, Literal):
        wanted = _number(code_node.value)
        target = code_node.value if wanted is None else wanted
        if wanted is not None:
            def selected_number(answers: Mapping[str, Any], current: Any) -> Any:
                for code in _codes(subject(answers, current)):
                    if _number(code) == target:
                        return True
                return False
            return selected_number

        def selected_text(answers: Mapping[str, Any], current: Any) -> Any:
            return any(code == target for code in _codes(subject(answers, current)))
        return selected_text
    code = _compile(code_node)

    def selected(answers: Mapping[str, Any], current: Any) -> Any:
        value = subject(answers, current)
        wanted = _number(code(answers, current))
        target = code(answers, current) if wanted is None else wanted
        return any(_number(c) == target if wanted is not None else c == target
                   for c in _codes(value))
    return selected


@functools.lru_cache(maxsize=4096)
def _compiled_text(text: str) -> Evaluator:
    return _compile(parse(text))


def _evaluator(expr: str | Node) -> Evaluator:
    return _compiled_text(expr) if isinstance(expr, str) else _compile(expr)


def _always(answers: Mapping[str, Any], current: Any = None) -> bool:
    return True


def _gives_bool(node: Node) -> bool:
    """The node's compiled closure always returns a bool (so ``_truthy`` would change nothing)."""
    if isinstance(node, (Not, BoolOp)):
        return True
    if isinstance(node, Compare):
        return node.op in _OPERATORS
    return isinstance(node, Call) and node.function in ("answered", "empty", "selected")


@functools.lru_cache(maxsize=4096)
def compiled_condition(text: str) -> Callable[[Mapping[str, Any], Any], bool]:
    """``text`` as a function ``(answers, current) -> bool`` with exactly the meaning of
    :func:`is_true` (blank text holds). Compiled once per text (a parse error raises
    :class:`ExpressionError`, every time); for code that tests the same condition many times."""
    if not text.strip():
        return _always
    tree = parse(text)
    compiled = _compiled_text(text)
    if _gives_bool(tree):
        return compiled  # type: ignore[return-value]

    def condition(answers: Mapping[str, Any], current: Any) -> bool:
        return _truthy(compiled(answers, current))
    return condition


def evaluate(expr: str | Node, answers: Mapping[str, Any], current: Any = None) -> Any:
    """Evaluate an expression on an answers dict (see docs/questionnaire-format.md).

    Returns a bool for conditions, or the plain value for a bare reference or literal
    (``None`` when unanswered). ``current`` is the value ``.`` stands for. Raises
    :class:`ExpressionError` only when ``expr`` is text that does not parse; evaluation itself
    never raises on odd answer values — a value of the wrong kind simply compares false.
    """
    result = _evaluator(expr)(answers or {}, current)
    return None if result is _MISSING else result


def is_true(expr: str | Node | None, answers: Mapping[str, Any], current: Any = None) -> bool:
    """A condition holds. ``None`` or an empty expression (no condition) counts as true."""
    if expr is None:
        return True
    if isinstance(expr, str):
        return compiled_condition(expr)(answers or {}, current)
    return _truthy(evaluate(expr, answers, current))
