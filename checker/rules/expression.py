"""`fires_when`: a boolean expression over condition names, with `and`, `or`, `not` and
parentheses (SPEC "kind: composite"), parsed once when the scheme loads.

Precedence as in Python and SQL: `not` binds tightest, then `and`, then `or`; `a or b and not c`
is `a or (b and (not c))`. Operators are lower-case words; a name is any run of characters other
than spaces and parentheses that is not an operator, so condition names may be Chinese (致歉).
Every problem is returned with its character offset in the expression, so that the scheme error
points at the very token (`file:line:col`).
"""

from __future__ import annotations

import re
from typing import Union

__all__ = ["Name", "Not", "All", "AnyOf", "Expr", "ExpressionError", "parse", "names", "evaluate", "positive_names"]

OPERATORS = ("and", "or", "not")
_TOKEN = re.compile(r"\s*(?:(?P<paren>[()])|(?P<word>[^\s()]+))")


class _Node:
    """A node of the tree (plain slotted classes: `qa-check lint` imports every kind at start-up,
    and a dataclass costs a code generation each)."""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(getattr(self, k)) for k in self.__slots__)})"


class Name(_Node):
    __slots__ = ("name", "offset")  # offset: where the name stands in the expression

    def __init__(self, name: str, offset: int):
        self.name, self.offset = name, offset


class Not(_Node):
    __slots__ = ("operand",)

    def __init__(self, operand: "Expr"):
        self.operand = operand


class All(_Node):
    __slots__ = ("operands",)

    def __init__(self, operands: tuple["Expr", ...]):
        self.operands = operands


class AnyOf(_Node):
    __slots__ = ("operands",)

    def __init__(self, operands: tuple["Expr", ...]):
        self.operands = operands


Expr = Union[Name, Not, All, AnyOf]


class ExpressionError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def _tokens(text: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # only trailing spaces are left
            break
        kind = "paren" if m.group("paren") else "word"
        out.append((m.group(kind), m.start(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def fail(self, what: str) -> ExpressionError:
        tok = self.peek()
        if tok is None:
            return ExpressionError(f"{what}, found the end of the expression", len(self.text.rstrip()))
        return ExpressionError(f"{what}, found {tok[0]!r}", tok[1])

    def parse(self) -> Expr:
        if not self.tokens:
            raise ExpressionError("empty expression: name conditions joined by and, or, not", 0)
        expr = self.any_of()
        if self.peek() is not None:
            tok = self.peek()
            if tok[0] == ")":  # type: ignore[index]  # peek() was just seen not to be None
                raise ExpressionError("unbalanced ')'", tok[1])  # type: ignore[index]  # as above
            raise self.fail("expected `and`, `or` or the end")
        return expr

    def any_of(self) -> Expr:
        parts = [self.all_of()]
        while self.peek() is not None and self.peek()[0] == "or":  # type: ignore[index]  # peek() is not None: checked first in the condition
            self.i += 1
            parts.append(self.all_of())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def all_of(self) -> Expr:
        parts = [self.negation()]
        while self.peek() is not None and self.peek()[0] == "and":  # type: ignore[index]  # as above
            self.i += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def negation(self) -> Expr:
        tok = self.peek()
        if tok is not None and tok[0] == "not":
            self.i += 1
            return Not(self.negation())
        return self.atom()

    def atom(self) -> Expr:
        tok = self.peek()
        if tok is None or tok[0] in ("and", "or", ")"):
            raise self.fail("expected a condition name, `not` or '('")
        self.i += 1
        if tok[0] == "(":
            inner = self.any_of()
            close = self.peek()
            if close is None or close[0] != ")":
                if close is None:
                    raise ExpressionError("'(' is never closed", tok[1])
                raise self.fail("expected ')'")
            self.i += 1
            return inner
        return Name(tok[0], tok[1])


def parse(text: str) -> Expr:
    """The expression tree of `text`; raises ExpressionError (with an offset) when it is malformed."""
    return _Parser(text).parse()


def names(expr: Expr) -> list[Name]:
    """Every name in the expression, in written order."""
    if isinstance(expr, Name):
        return [expr]
    if isinstance(expr, Not):
        return names(expr.operand)
    return [n for e in expr.operands for n in names(e)]


def positive_names(expr: Expr, negated: bool = False) -> set[str]:
    """The names that stand somewhere not under a `not` (a finding may point at them)."""
    if isinstance(expr, Name):
        return set() if negated else {expr.name}
    if isinstance(expr, Not):
        return positive_names(expr.operand, True)
    return set().union(*(positive_names(e, negated) for e in expr.operands))


def evaluate(expr: Expr, truth) -> bool:
    """The value of the expression, `truth(name)` giving each condition's (asked lazily)."""
    if isinstance(expr, Name):
        return truth(expr.name)
    if isinstance(expr, Not):
        return not evaluate(expr.operand, truth)
    if isinstance(expr, All):
        return all(evaluate(e, truth) for e in expr.operands)
    return any(evaluate(e, truth) for e in expr.operands)
