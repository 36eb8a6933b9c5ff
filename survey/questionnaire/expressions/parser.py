"""Text to tree: the tokenizer and the recursive-descent parser of the skip-logic language.

Parsing is cached per text (designers' conditions are few and evaluated on every request); a
failure is never cached, so bad text raises :class:`ExpressionError` every time it is parsed.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from survey.questionnaire.expressions.tree import (FUNCTIONS, KEYWORDS, BoolOp, Call, Compare,
                                                   Current, Literal, Node, Not, Reference)

MAX_LENGTH = 4000
MAX_DEPTH = 64


class ExpressionError(ValueError):
    """An expression could not be parsed. ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int = 0, text: str = ""):
        self.message = message
        self.position = position
        self.text = text
        super().__init__(f"{message} (at position {position + 1})")


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
