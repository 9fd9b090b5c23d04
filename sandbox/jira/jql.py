"""The JQL subset the sandbox's Jira understands: a parser and an evaluator that fail loudly.

Anything outside the subset is refused with `JqlError`, which the Jira app answers as Jira does:
400 `{"errorMessages": ["Error in the JQL Query: …"], "errors": {}}`. A sandbox that guessed
would let a client depend on something the real Jira does differently.

    query    := [or] [ORDER BY field [ASC|DESC] {, field [ASC|DESC]}]
    or       := and {(OR | ||) and}
    and      := not {(AND | &&) not}
    not      := (NOT | !) not | "(" or ")" | clause
    clause   := field (= | != | > | >= | < | <=) value
              | field [NOT] IN "(" value {, value} ")"
              | field IS [NOT] (EMPTY | NULL)
    value    := "quoted" | 'quoted' | word | EMPTY | NULL | function "(" [arg {, arg}] ")"

Keywords and field names are case-insensitive; a field name may be quoted (`"Epic Link"`) or
`cf[10101]`. What a field means (which values it has, which operators it takes) comes from the
caller as `FieldSpec`s; this module knows the operator semantics, dates and ordering:

- `!=` and `NOT IN` never match an issue whose field is empty (as on Jira), and `NOT` is pushed
  down to the clauses by De Morgan's laws, so `NOT assignee = x` also skips unassigned issues;
- dates: relative periods (`-15m`, `-2h`, `-1d`, `-1w`, `"-1w 2d"`, `4d`), `now()`, and
  `"yyyy/MM/dd HH:mm"`, `"yyyy-MM-dd HH:mm"`, `"yyyy/MM/dd"`, `"yyyy-MM-dd"`, read in the querying
  user's time zone; a date field (due date) is its day's midnight in that zone;
- `=` and `!=` on a date-time compare to the minute (JQL values have no seconds);
- sorting puts empty values last in ascending order and first in descending order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

PREFIX = "Error in the JQL Query: "
_KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}
_UNSUPPORTED_WORDS = {"was", "changed", "during", "before", "after", "on", "from", "to"}
_OPERATORS = ("!=", ">=", "<=", "!~", "=", ">", "<", "~")
_SPECIAL = set(" \t\r\n\"'(),=!<>~&|")
_RELATIVE = re.compile(r"^([+-]?)((?:\d+[wdhm]\s*)+)$")
_PERIOD_PART = re.compile(r"(\d+)([wdhm])")
_PERIOD_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1)}
_PERIOD_UNITS["m"] = timedelta(minutes=1)
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
ORDERING = frozenset({">", ">=", "<", "<="})
EQUALITY = frozenset({"=", "!=", "in", "not in", "is", "is not"})


class JqlError(ValueError):
    """A query Jira refuses with 400; `str(error)` is the message for `errorMessages`."""


# -- syntax tree --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    text: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Empty:
    pass


@dataclass(frozen=True, slots=True)
class Function:
    name: str  # lower-case
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}({', '.join(self.args)})"


Value = Literal | Empty | Function


@dataclass(frozen=True, slots=True)
class Clause:
    field: str  # as written, unquoted
    op: str  # "=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not"
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Clause | And | Or | Not


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    where: Node | None
    order_by: tuple[SortKey, ...] = ()


# -- tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "string", "op", "(", ")", ",", "end"
    text: str
    pos: int  # offset in the query

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"(line {line}, character {column})"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", " ": " "}


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "\"'":
            start, i, chars = i, i + 1, []
            while i < n and text[i] != c:
                if text[i] == "\\" and i + 1 < n:
                    nxt = text[i + 1]
                    if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                        chars.append(chr(int(text[i + 2 : i + 6], 16)))
                        i += 6
                        continue
                    chars.append(_ESCAPES.get(nxt, nxt))
                    i += 2
                    continue
                chars.append(text[i])
                i += 1
            if i >= n:
                raise JqlError(
                    f"{PREFIX}The quoted string '{''.join(chars)}' has not been completed. "
                    f"{_where(text, start)}"
                )
            tokens.append(_Token("string", "".join(chars), start))
            i += 1
        elif c in "(),":
            tokens.append(_Token(c, c, i))
            i += 1
        elif text.startswith("&&", i):
            tokens.append(_Token("word", "and", i))
            i += 2
        elif text.startswith("||", i):
            tokens.append(_Token("word", "or", i))
            i += 2
        elif op := next((o for o in _OPERATORS if text.startswith(o, i)), None):
            tokens.append(_Token("op", op, i))
            i += len(op)
        elif c == "!":
            tokens.append(_Token("word", "not", i))
            i += 1
        elif c in "&|":
            raise JqlError(
                f"{PREFIX}The character '{c}' is a reserved JQL character. You must enclose it "
                f"in a string or use the escape '\\u{ord(c):04x}' instead. {_where(text, i)}"
            )
        else:
            start = i
            while i < n and text[i] not in _SPECIAL:
                i += 1
            tokens.append(_Token("word", text[start:i], start))
    tokens.append(_Token("end", "", n))
    return tokens


# -- parser -------------------------------------------------------------------------------------


def parse(text: str) -> Query:
    """The syntax tree of a JQL query; raises `JqlError` on anything outside the subset."""
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, token: _Token | None = None) -> JqlError:
        token = token or self.tok
        if token.kind == "end":
            return JqlError(f"{PREFIX}{message}")
        return JqlError(f"{PREFIX}{message} {_where(self.text, token.pos)}")

    def query(self) -> Query:
        where = None
        if self.tok.kind != "end" and not self.tok.keyword("order"):
            where = self.or_()
        order_by: list[SortKey] = []
        if self.tok.keyword("order"):
            self.take()
            if not self.tok.keyword("by"):
                raise self.fail(f"Expecting 'by' but got '{self.tok.text}'.")
            self.take()
            order_by.append(self.sort_key())
            while self.tok.kind == ",":
                self.take()
                order_by.append(self.sort_key())
        if self.tok.kind != "end":
            if where is not None and not order_by:
                raise self.fail(f"Expecting either 'OR' or 'AND' but got '{self.tok.text}'.")
            raise self.fail(f"Expecting ',' but got '{self.tok.text}'.")
        return Query(where, tuple(order_by))

    def sort_key(self) -> SortKey:
        name = self.field_name("Expecting a field name")
        descending = False
        if self.tok.keyword("asc", "desc"):
            descending = self.take().text.lower() == "desc"
        return SortKey(name, descending)

    def field_name(self, expecting: str) -> str:
        token = self.tok
        if token.kind == "string" or (token.kind == "word" and token.text.lower() not in _KEYWORDS):
            self.take()
            return token.text
        shown = token.text or "the end of the query"
        raise self.fail(f"{expecting} but got '{shown}'.")

    def or_(self) -> Node:
        items = [self.and_()]
        while self.tok.keyword("or"):
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.tok.keyword("and"):
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Node:
        if self.tok.keyword("not"):
            self.take()
            return Not(self.not_())
        if self.tok.kind == "(":
            self.take()
            inner = self.or_()
            if self.tok.kind != ")":
                raise self.fail(f"Expecting ')' but got '{self.tok.text}'.")
            self.take()
            return inner
        return self.clause()

    def clause(self) -> Clause:
        name = self.field_name("Expecting a field name")
        op = self.operator()
        if op in ("is", "is not"):
            if not self.tok.keyword("empty", "null"):
                raise self.fail(f"Expecting 'EMPTY' or 'NULL' but got '{self.tok.text}'.")
            self.take()
            return Clause(name, op, (Empty(),))
        if op in ("in", "not in"):
            if self.tok.kind == "word" and self.tokens[self.i + 1].kind == "(":
                return Clause(name, op, (self.value(),))  # a list function: openSprints()
            if self.tok.kind != "(":
                raise self.fail(f"Expecting '(' but got '{self.tok.text}'.")
            self.take()
            values = [self.value()]
            while self.tok.kind == ",":
                self.take()
                values.append(self.value())
            if self.tok.kind != ")":
                raise self.fail(f"Expecting ')' but got '{self.tok.text}'.")
            self.take()
            return Clause(name, op, tuple(values))
        if op in ("~", "!~"):
            raise self.fail(f"The sandbox does not support the operator '{op}' (text search).")
        return Clause(name, op, (self.value(),))

    def operator(self) -> str:
        token = self.tok
        if token.kind == "op":
            self.take()
            return token.text
        if token.keyword("in"):
            self.take()
            return "in"
        if token.keyword("not") and self.tokens[self.i + 1].keyword("in"):
            self.i += 2
            return "not in"
        if token.keyword("is"):
            self.take()
            if self.tok.keyword("not"):
                self.take()
                return "is not"
            return "is"
        if token.kind == "word" and token.text.lower() in _UNSUPPORTED_WORDS:
            raise self.fail(f"The sandbox does not support history operators ('{token.text}').")
        shown = token.text or "the end of the query"
        raise self.fail(
            f"Expecting operator but got '{shown}'. The valid operators are '=', '!=', '<', "
            "'>', '<=', '>=', 'IN', 'NOT IN', 'IS' and 'IS NOT'."
        )

    def value(self) -> Value:
        token = self.tok
        if token.kind == "string":
            self.take()
            return Literal(token.text, quoted=True)
        if token.kind == "word":
            lower = token.text.lower()
            if lower in ("empty", "null"):
                self.take()
                return Empty()
            if lower not in _KEYWORDS:
                self.take()
                if self.tok.kind == "(":
                    return self.function(lower)
                return Literal(token.text)
        shown = token.text or "the end of the query"
        raise self.fail(
            f"Expecting either a value, list or function but got '{shown}'. You must surround "
            f"'{shown}' in quotation marks to use it as a value."
        )

    def function(self, name: str) -> Function:
        self.take()  # "("
        args: list[str] = []
        while self.tok.kind in ("word", "string"):
            args.append(self.take().text)
            if self.tok.kind != ",":
                break
            self.take()
        if self.tok.kind != ")":
            raise self.fail(f"Expecting ')' but got '{self.tok.text}'.")
        self.take()
        return Function(name, tuple(args))


# -- meaning ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What a field means to the evaluator, supplied by the app.

    `kind`: "set" (values compared for equality: keys, ids, names), "datetime", "date" or
    "number" (ordered). `values(issue)` gives the issue's values (empty: the field is EMPTY);
    for "set" fields `resolve(value)` turns a query value into the values it stands for and
    raises `JqlError` for one that does not exist (it may yield `Empty()` for a value that means
    EMPTY, like resolution "Unresolved"). `sort(issue)` gives a sort key (None: empty);
    a field without one cannot be sorted by.
    """

    name: str
    kind: str
    values: Callable[[Any], tuple[Any, ...]]
    operators: frozenset[str] = EQUALITY
    resolve: Callable[[Value], Iterable[Any]] | None = None
    sort: Callable[[Any], Any] | None = None
    bounding: bool = False  # a positive clause on it bounds the query (project, key, parent)


Lookup = Callable[[str], FieldSpec | None]
Predicate = Callable[[Any], bool]


@dataclass(slots=True)
class Compiled:
    """A query ready to run: `matches(issue)`, `sort_key(issue)`, and facts about it."""

    matches: Predicate
    sort_keys: list[tuple[Callable[[Any], Any], bool]]
    bounded: bool
    uses_clock: bool = False

    def order(self, issues: Iterable[Any], tie_break: Callable[[Any], Any]) -> list[Any]:
        """`issues` sorted by the query's ORDER BY, then by `tie_break` ascending."""
        ordered = sorted(issues, key=tie_break)
        for key, descending in reversed(self.sort_keys):
            ordered.sort(key=lambda issue, key=key: _nulls_last(key(issue)), reverse=descending)
        return ordered


def _nulls_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def compile_query(
    query: Query,
    lookup: Lookup,
    *,
    now: datetime,
    tz: tzinfo,
    default_order: tuple[SortKey, ...] = (),
) -> Compiled:
    """Resolve every field and value of `query` (raising `JqlError`) into a runnable form."""
    state = _Compiler(lookup, now, tz)
    matches = state.node(query.where, negate=False) if query.where else _always
    sort_keys = []
    for key in query.order_by or default_order:
        spec = state.spec(key.field)
        if spec.sort is None:
            raise JqlError(f"{PREFIX}Not able to sort using field '{key.field}'.")
        sort_keys.append((spec.sort, key.descending))
    bounded = query.where is not None and state.bounds(query.where)
    return Compiled(matches, sort_keys, bounded, state.uses_clock)


def _always(issue: Any) -> bool:
    return True


@dataclass(slots=True)
class _Compiler:
    lookup: Lookup
    now: datetime
    tz: tzinfo
    uses_clock: bool = False
    _specs: dict[str, FieldSpec] = field(default_factory=dict)

    def spec(self, name: str) -> FieldSpec:
        key = name.lower()
        if key not in self._specs:
            spec = self.lookup(key)
            if spec is None:
                raise JqlError(
                    f"{PREFIX}Field '{name}' does not exist or you do not have permission to "
                    "view it (or the sandbox does not support it)."
                )
            self._specs[key] = spec
        return self._specs[key]

    def bounds(self, node: Node) -> bool:
        if isinstance(node, Clause):
            return self.spec(node.field).bounding and node.op in ("=", "in")
        if isinstance(node, And):
            return any(self.bounds(item) for item in node.items)
        if isinstance(node, Or):
            return all(self.bounds(item) for item in node.items)
        return False

    def node(self, node: Node, *, negate: bool) -> Predicate:
        if isinstance(node, Not):
            return self.node(node.item, negate=not negate)
        if isinstance(node, And | Or):
            parts = [self.node(item, negate=negate) for item in node.items]
            if isinstance(node, And) != negate:  # De Morgan: NOT (a OR b) = NOT a AND NOT b
                return lambda issue: all(p(issue) for p in parts)
            return lambda issue: any(p(issue) for p in parts)
        return self.clause(node, negate)

    def clause(self, clause: Clause, negate: bool) -> Predicate:
        spec = self.spec(clause.field)
        op = _NEGATED[clause.op] if negate else clause.op
        if clause.op not in spec.operators:
            raise JqlError(
                f"{PREFIX}The operator '{clause.op.upper()}' is not supported by the "
                f"'{clause.field}' field."
            )
        values = spec.values
        wants_empty = any(isinstance(v, Empty) for v in clause.values)
        given = [v for v in clause.values if not isinstance(v, Empty)]
        if op in ("is", "is not") or (not given and op in ("=", "!=")):
            empty = op in ("is", "=")
            return lambda issue: (not values(issue)) == empty
        if op in ORDERING:
            if len(given) != 1 or wants_empty:
                raise JqlError(f"{PREFIX}The operator '{op}' needs one value.")
            bound = self.ordered(spec, given[0])
            compare = _COMPARE[op]
            return lambda issue: any(compare(v, bound) for v in values(issue))
        targets = self.targets(spec, given)
        if Empty() in targets:  # a value that means EMPTY, such as resolution "Unresolved"
            targets.discard(Empty())
            wants_empty = True
        if spec.kind == "datetime":  # equality to the minute
            exact = values

            def values(issue: Any) -> tuple[Any, ...]:
                return tuple(_minute(v) for v in exact(issue))

        if op in ("=", "in"):
            if wants_empty:
                return lambda issue: not (vs := values(issue)) or not targets.isdisjoint(vs)
            return lambda issue: not targets.isdisjoint(values(issue))
        # "!=" and "not in" never match an empty field, as on Jira.
        return lambda issue: bool(vs := values(issue)) and targets.isdisjoint(vs)

    def targets(self, spec: FieldSpec, given: list[Value]) -> set[Any]:
        if spec.kind == "set":
            assert spec.resolve is not None
            return {target for value in given for target in spec.resolve(value)}
        if spec.kind == "datetime":
            return {_minute(self.ordered(spec, value)) for value in given}
        return {self.ordered(spec, value) for value in given}

    def ordered(self, spec: FieldSpec, value: Value) -> Any:
        if spec.kind == "number":
            if isinstance(value, Literal):
                try:
                    return float(value.text)
                except ValueError:
                    pass
            raise JqlError(f"{PREFIX}The value '{_shown(value)}' is not a number.")
        if spec.kind in ("datetime", "date"):
            return self.instant(spec, value)
        raise JqlError(f"{PREFIX}The field '{spec.name}' cannot be compared with '<' or '>'.")

    def instant(self, spec: FieldSpec, value: Value) -> datetime:
        if isinstance(value, Function):
            if value.name == "now" and not value.args:
                self.uses_clock = True
                return self.now
            raise JqlError(f"{PREFIX}Unable to find JQL function '{value}'.")
        assert isinstance(value, Literal)
        text = value.text.strip()
        relative = _RELATIVE.match(text)
        if relative:
            self.uses_clock = True
            sign, period = relative.groups()
            delta = sum(
                (int(n) * _PERIOD_UNITS[u] for n, u in _PERIOD_PART.findall(period)), timedelta()
            )
            return self.now - delta if sign == "-" else self.now + delta
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=self.tz)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{value.text}' for field '{spec.name}' is invalid. Valid formats "
            "include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a "
            "period format e.g. '-5d', '4w 2d'."
        )


_NEGATED = {
    "=": "!=",
    "!=": "=",
    "in": "not in",
    "not in": "in",
    "is": "is not",
    "is not": "is",
    ">": "<=",
    "<=": ">",
    "<": ">=",
    ">=": "<",
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _shown(value: Value) -> str:
    return value.text if isinstance(value, Literal) else str(value)


def day_start(day: date, tz: tzinfo) -> datetime:
    """A date field's value for comparisons: the day's midnight in the querying user's zone."""
    return datetime.combine(day, time(0, 0), tzinfo=tz)
