"""The acceptance-criteria grammar: lexer, recursive-descent parser, AST and evaluation.

A criterion compares measured quantities (``auroc >= production.auroc + 0.01``). Grammar,
from lowest to highest precedence::

    criterion  := or_expr END                 (must be boolean)
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?    (never chained)
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom
    atom       := NUMBER | NAME | "(" or_expr ")"

A NUMBER is ``12``, ``0.8``, ``.5`` or ``1e-3``, optionally followed directly by ``%``,
which divides it by 100 (``5%`` is ``0.05``). A NAME is a dotted identifier checked
against :mod:`agileds.tickets._quantities`. A criterion is at most ``MAX_LENGTH``
characters with at most ``MAX_NESTING`` levels of ``(``, ``not`` and unary ``-``, so no
input can exhaust the stack. Nothing is ever passed to ``eval``, ``exec`` or ``compile``.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeAlias

from agileds.errors import CriterionSyntaxError
from agileds.tickets._quantities import check_quantity

__all__ = ["Criterion", "Evaluation", "Verdict", "is_plain_words", "parse_criterion"]

MAX_LENGTH = 500
MAX_NESTING = 32
_EXAMPLE = "a criterion compares measured quantities, e.g. auroc >= 0.8"
_TOKEN_RE = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<cmp><=|>=|==|!=|<|>)"
    r"|(?P<op>[-+*/])"
    r"|(?P<paren>[()])"
)
_KEYWORDS = frozenset({"and", "or", "not"})
_CHAR_HINTS = {
    "=": "use '==' to test equality, or '>=' / '<='",
    "!": "use '!=' to test inequality",
    "&": "use 'and' to combine comparisons",
    "|": "use 'or' to combine comparisons",
    "%": "'%' goes directly after a number, e.g. 5%",
    "≥": "write '>=' (ASCII)",
    "≤": "write '<=' (ASCII)",
    "≠": "write '!=' (ASCII)",
    "⩾": "write '>=' (ASCII)",
    "⩽": "write '<=' (ASCII)",
    "＞": "write '>' (ASCII)",
    "＜": "write '<' (ASCII)",
    "＝": "write '==' (ASCII)",
}
_COMPARISON_CHARS = "<>=!" + "≥≤≠⩾⩽＞＜＝"
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


class Verdict(StrEnum):
    """The outcome of one criterion; PENDING is for manual (plain-words) criteria."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    PENDING = "pending"


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, cmp, op, (, ), and, or, not, end
    text: str
    start: int


@dataclass(frozen=True)
class Number:
    """A numeric literal; ``start``/``end`` are its span in the criterion text."""

    value: float
    start: int
    end: int


@dataclass(frozen=True)
class Name:
    """A quantity name, resolved against the measured quantities."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Negate:
    """Unary minus."""

    operand: Node
    start: int
    end: int


@dataclass(frozen=True)
class Arithmetic:
    """``left op right`` with op one of ``+ - * /``."""

    op: str
    left: Node
    right: Node
    start: int
    end: int


@dataclass(frozen=True)
class Comparison:
    """``left op right`` with op one of ``< <= > >= == !=``."""

    op: str
    left: Node
    right: Node
    start: int
    end: int


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Node
    start: int
    end: int


@dataclass(frozen=True)
class BoolOp:
    """``left and right`` or ``left or right``."""

    op: str
    left: Node
    right: Node
    start: int
    end: int


Node: TypeAlias = Number | Name | Negate | Arithmetic | Comparison | Not | BoolOp


def _lex(text: str) -> Iterator[_Token]:
    """Yield the tokens of ``text`` lazily, then one ``end`` token."""
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            ch = text[pos]
            raise CriterionSyntaxError(
                text, pos, f"unexpected character {ch!r}; {_CHAR_HINTS.get(ch, _EXAMPLE)}"
            )
        kind, lexeme, pos = match.lastgroup or "", match.group(), match.end()
        _check_boundary(text, kind, lexeme, pos)
        if kind == "paren" or (kind == "name" and lexeme in _KEYWORDS):
            kind = lexeme
        if kind != "space":
            yield _Token(kind, lexeme, match.start())
    yield _Token("end", "", len(text.rstrip()))


def _check_boundary(text: str, kind: str, lexeme: str, end: int) -> None:
    """Reject a number glued to a letter, digit or dot, and a name ending in a dot."""
    following = text[end : end + 1]
    if kind == "number" and (following.isalnum() or following in ("_", ".")):
        message = f"malformed number {lexeme + following!r}; write numbers like 0.8, 5% or 1e-3"
        raise CriterionSyntaxError(text, end, message)
    if kind == "name" and following == ".":
        message = f"a name cannot end with '.' after {lexeme!r}; write e.g. {lexeme}.ci_low"
        raise CriterionSyntaxError(text, end, message)


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "end of criterion"
    if token.kind in ("number", "name"):
        return f"{token.kind} {token.text!r}"
    return repr(token.text)


class _Parser:
    """Recursive descent over the lazily lexed tokens, one method per grammar rule."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = _lex(text)
        self._tok = next(self._tokens)
        self._depth = 0

    def parse(self) -> Node:
        node = self._or()
        if self._tok.kind == ")":
            raise self._error(self._tok.start, "unmatched ')'; remove it or add a '(' before")
        if self._tok.kind != "end":
            raise self._unexpected("an operator, 'and', 'or' or the end of the criterion")
        return node

    def _advance(self) -> _Token:
        token, self._tok = self._tok, next(self._tokens)
        return token

    def _error(self, position: int, message: str) -> CriterionSyntaxError:
        return CriterionSyntaxError(self._text, position, message)

    def _unexpected(self, expected: str) -> CriterionSyntaxError:
        return self._error(
            self._tok.start, f"unexpected {_describe(self._tok)}; expected {expected}"
        )

    @contextmanager
    def _nested(self, start: int) -> Iterator[None]:
        self._depth += 1
        if self._depth > MAX_NESTING:
            message = f"nested deeper than {MAX_NESTING} levels; simplify the criterion"
            raise self._error(start, message)
        yield
        self._depth -= 1

    def _or(self) -> Node:
        left = self._and()
        while self._tok.kind == "or":
            self._advance()
            right = self._and()
            left = BoolOp("or", left, right, left.start, right.end)
        return left

    def _and(self) -> Node:
        left = self._not()
        while self._tok.kind == "and":
            self._advance()
            right = self._not()
            left = BoolOp("and", left, right, left.start, right.end)
        return left

    def _not(self) -> Node:
        if self._tok.kind != "not":
            return self._comparison()
        start = self._advance().start
        with self._nested(start):
            operand = self._not()
        return Not(operand, start, operand.end)

    def _comparison(self) -> Node:
        left = self._sum()
        if self._tok.kind != "cmp":
            return left
        op = self._advance().text
        right = self._sum()
        if self._tok.kind == "cmp":
            second = self._advance()
            third = self._sum()
            a, b, c = (self._text[n.start : n.end] for n in (left, right, third))
            message = (
                f"comparisons cannot be chained; write '{a} {op} {b} and {b} {second.text} {c}'"
            )
            raise self._error(second.start, message)
        return Comparison(op, left, right, left.start, right.end)

    def _sum(self) -> Node:
        left = self._product()
        while self._tok.kind == "op" and self._tok.text in "+-":
            op = self._advance().text
            right = self._product()
            left = Arithmetic(op, left, right, left.start, right.end)
        return left

    def _product(self) -> Node:
        left = self._unary()
        while self._tok.kind == "op" and self._tok.text in "*/":
            op = self._advance().text
            right = self._unary()
            left = Arithmetic(op, left, right, left.start, right.end)
        return left

    def _unary(self) -> Node:
        if self._tok.kind != "op" or self._tok.text != "-":
            return self._atom()
        start = self._advance().start
        with self._nested(start):
            operand = self._unary()
        return Negate(operand, start, operand.end)

    def _atom(self) -> Node:
        token = self._tok
        if token.kind == "number":
            self._advance()
            value = float(token.text.rstrip("%")) / (100 if token.text.endswith("%") else 1)
            return Number(value, token.start, token.start + len(token.text))
        if token.kind == "name":
            self._advance()
            if self._tok.kind == "(":
                message = f"function calls are not allowed ({token.text!r} followed by '('); "
                raise self._error(self._tok.start, message + _EXAMPLE)
            return Name(token.text, token.start, token.start + len(token.text))
        if token.kind == "(":
            return self._parenthesised()
        raise self._unexpected("a quantity name, a number, '-', 'not' or '('")

    def _parenthesised(self) -> Node:
        start = self._advance().start
        with self._nested(start):
            inner = self._or()
        if self._tok.kind == "end":
            raise self._error(start, "'(' is never closed; add a ')'")
        if self._tok.kind != ")":
            raise self._unexpected("')'")
        end = self._advance().start + 1
        return replace(inner, start=start, end=end)


def _is_boolean(node: Node) -> bool:
    return isinstance(node, Comparison | Not | BoolOp)


def _operands(node: Node) -> tuple[Node, ...]:
    match node:
        case Negate(operand=operand) | Not(operand=operand):
            return (operand,)
        case Arithmetic(left=a, right=b) | Comparison(left=a, right=b) | BoolOp(left=a, right=b):
            return (a, b)
    return ()


def _requirement(node: Node) -> str:
    """Say what the operands of ``node`` must be, for a type error."""
    match node:
        case Not():
            return "'not' needs a comparison, e.g. not leakage_flags > 0"
        case BoolOp(op=op):
            return f"{op!r} joins comparisons, e.g. auroc >= 0.8 {op} f1 >= 0.5"
        case Arithmetic(op=op) | Comparison(op=op):
            return f"{op!r} needs numbers on both sides"
    return "'-' needs a number"


def _check_types(node: Node, text: str) -> None:
    """Raise at the first operand, innermost first and left to right, of the wrong type."""
    wants_boolean = isinstance(node, Not | BoolOp)
    for child in _operands(node):
        _check_types(child, text)
        if _is_boolean(child) != wants_boolean:
            kind = "a comparison" if _is_boolean(child) else "a number"
            message = f"{text[child.start : child.end]!r} is {kind}, but {_requirement(node)}"
            raise CriterionSyntaxError(text, child.start, message)


def _names(node: Node) -> Iterator[Name]:
    """Yield the Name nodes of the tree from left to right."""
    if isinstance(node, Name):
        yield node
    for child in _operands(node):
        yield from _names(child)


def _number(node: Node, values: Mapping[str, float]) -> float | None:
    """Return the value of a numeric node, or None when it cannot be known."""
    match node:
        case Number(value=value):
            return value
        case Name(name=name):
            return values.get(name)
        case Negate(operand=operand):
            inner = _number(operand, values)
            return None if inner is None else -inner
        case Arithmetic(op=op, left=left, right=right):
            a, b = _number(left, values), _number(right, values)
            if a is None or b is None or (op == "/" and b == 0):
                return None
            result = _ARITHMETIC[op](a, b)
            return None if math.isnan(result) else result
    raise TypeError(f"not a numeric node: {node!r}")  # unreachable after _check_types


def _truth(node: Node, values: Mapping[str, float]) -> Verdict:
    """Return the three-valued verdict of a boolean node."""
    match node:
        case Comparison(op=op, left=left, right=right):
            a, b = _number(left, values), _number(right, values)
            if a is None or b is None:
                return Verdict.UNKNOWN
            return Verdict.PASS if _COMPARE[op](a, b) else Verdict.FAIL
        case Not(operand=operand):
            flipped = {Verdict.PASS: Verdict.FAIL, Verdict.FAIL: Verdict.PASS}
            return flipped.get(_truth(operand, values), Verdict.UNKNOWN)
        case BoolOp(op=op, left=left, right=right):
            sides = {_truth(left, values), _truth(right, values)}
            decisive = Verdict.FAIL if op == "and" else Verdict.PASS
            if decisive in sides:
                return decisive
            if Verdict.UNKNOWN in sides:
                return Verdict.UNKNOWN
            return Verdict.PASS if op == "and" else Verdict.FAIL
    raise TypeError(f"not a boolean node: {node!r}")  # unreachable after _check_types


@dataclass(frozen=True)
class Evaluation:
    """The verdict of one criterion and the measurements it was reached from.

    Attributes:
        verdict: PASS, FAIL or UNKNOWN (a quantity it needs was not measured).
        values: The measured value of each name the criterion uses that was present.
        missing: The names it uses that were absent, None or NaN, in order.
    """

    verdict: Verdict
    values: dict[str, float]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Criterion:
    """A parsed acceptance criterion; build it with :func:`parse_criterion`.

    Attributes:
        text: The criterion as written.
        root: The root of its syntax tree (a boolean node).
        names: Every quantity it references, unique, in order of first appearance.
    """

    text: str
    root: Node
    names: tuple[str, ...]

    def evaluate(self, quantities: Mapping[str, float]) -> Evaluation:
        """Evaluate the criterion with three-valued logic.

        A comparison is UNKNOWN when a quantity it needs is missing or NaN, or when it
        divides by zero; ``and``/``or``/``not`` follow Kleene's logic (``FAIL and UNKNOWN``
        is FAIL, ``PASS or UNKNOWN`` is PASS). ``==`` compares floats exactly.

        Args:
            quantities: Measured values by quantity name (anything ``float()`` accepts);
                extra names are ignored, None and NaN count as missing.

        Returns:
            The verdict with the values used and the names that were missing.

        Example:
            >>> parse_criterion("auroc >= 0.8").evaluate({"auroc": 0.83}).verdict
            <Verdict.PASS: 'pass'>
        """
        values: dict[str, float] = {}
        for name in self.names:
            raw = quantities.get(name)
            if raw is not None and not math.isnan(float(raw)):
                values[name] = float(raw)
        missing = tuple(name for name in self.names if name not in values)
        return Evaluation(_truth(self.root, values), values, missing)


def upper_bound(criterion: Criterion, name: str) -> float | None:
    """The constant upper bound ``criterion`` puts on the quantity ``name`` whenever it
    passes: from ``name <= 100``, ``name < 100`` or ``100 >= name``, also joined with
    ``and`` (the tightest wins); None when there is none (``or``, ``not``, a bound that
    names other quantities such as ``production.latency_p95_ms``).

    Example:
        >>> upper_bound(parse_criterion("latency_p95_ms <= 100 and auroc > 0.7"), "latency_p95_ms")
        100.0
    """
    bounds = list(_bounds(criterion.root, name))
    return min(bounds) if bounds else None


_FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">="}


def _bounds(node: Node, name: str) -> Iterator[float]:
    if isinstance(node, BoolOp) and node.op == "and":
        yield from _bounds(node.left, name)
        yield from _bounds(node.right, name)
    elif isinstance(node, Comparison):
        left, op, right = node.left, node.op, node.right
        if isinstance(right, Name) and op in _FLIPPED:
            left, op, right = right, _FLIPPED[op], left
        if isinstance(left, Name) and left.name == name and op in ("<", "<="):
            value = None if any(_names(right)) else _number(right, {})
            if value is not None:
                yield value


def parse_criterion(text: str) -> Criterion:
    """Parse an acceptance criterion and check the quantities it names.

    Args:
        text: The criterion, e.g. ``"delta.auroc.ci_low > 0 and leakage_flags == 0"``.

    Returns:
        The parsed criterion.

    Raises:
        CriterionSyntaxError: The text does not follow the grammar, or is not a comparison
            (or ``and``/``or``/``not`` of comparisons).
        UnknownQuantityError: The text names a quantity agileds does not measure.

    Example:
        >>> parse_criterion("auroc >= production.auroc + 0.01").names
        ('auroc', 'production.auroc')
    """
    if not text.strip():
        raise CriterionSyntaxError(text, 0, f"empty criterion; {_EXAMPLE}")
    if len(text) > MAX_LENGTH:
        message = f"criterion longer than {MAX_LENGTH} characters; split it into several"
        raise CriterionSyntaxError(text, MAX_LENGTH, message)
    root = _Parser(text).parse()
    _check_types(root, text)
    if not _is_boolean(root):
        snippet = text[root.start : root.end]
        message = f"expected a comparison such as 'auroc >= 0.8', but {snippet!r} is a number"
        raise CriterionSyntaxError(text, root.start, message)
    names: dict[str, None] = {}
    for node in _names(root):
        check_quantity(node.name, text=text, position=node.start)
        names.setdefault(node.name)
    return Criterion(text, root, tuple(names))


def is_plain_words(text: str) -> bool:
    """Return whether ``text`` is a criterion in plain words, kept as a manual check.

    True when the text has no comparison character (``< > = !``, nor a Unicode one such
    as ``≥``) and has two adjacent whitespace-separated chunks made only of letters;
    everything else is parsed strictly, so ``auroc ≥ 0.8`` is an error, never a manual check.

    Example:
        >>> is_plain_words("Model card reviewed by the lead"), is_plain_words("auroc >= 0.8")
        (True, False)
    """
    if any(ch in text for ch in _COMPARISON_CHARS):
        return False
    chunks = text.split()
    return any(a.isalpha() and b.isalpha() for a, b in itertools.pairwise(chunks))
