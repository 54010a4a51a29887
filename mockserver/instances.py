"""JSON values that satisfy a user's JSON Schema (a tool's ``parameters`` or a ``json_schema``
response format), drawn deterministically from a ``random.Random``.

Values are built by construction from the keywords, and look real where the schema leaves
room: a free string named ``location`` becomes "Boston, MA", ``email`` an address,
``query`` a short phrase, ``*_date`` an ISO date, an unbounded ``limit`` a small integer.
Keywords that construction cannot honour exactly (``allOf`` merges, ``oneOf`` exclusivity,
``not``, ``if``/``then``/``else``, ``contains``, ``propertyNames``...) are checked with
``jsonschema`` and the value is drawn again a few times before giving up.

For tool parameters, a missing schema (``None``), ``True`` and ``{}`` mean "no arguments"
and give ``{}``.
"""

from __future__ import annotations

import copy
import functools
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import unquote

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["UnsatisfiableSchema", "instance"]


class UnsatisfiableSchema(ValueError):
    """No value satisfies the schema (or none could be found); the message names the path."""


def instance(schema: Mapping[str, Any] | bool | None, rng: random.Random) -> Any:
    """A JSON value valid against ``schema``; the same ``rng`` state gives the same value.

    ``None``, ``True`` and a schema without validation keywords give ``{}``. Raises
    :class:`UnsatisfiableSchema` when no valid value can be produced.
    """
    if schema is None or schema is True:
        return {}
    if isinstance(schema, Mapping) and not _VALIDATION_KEYS.intersection(schema):
        return {}
    return _Generator(schema, rng).value(schema, "$", "")


def _keywords(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VALIDATION_KEYS = _keywords(
    """type enum const properties required additionalProperties patternProperties
    propertyNames minProperties maxProperties dependentRequired dependentSchemas items
    prefixItems additionalItems contains minContains maxContains minItems maxItems uniqueItems
    minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength pattern
    format $ref allOf anyOf oneOf not if then else unevaluatedProperties
    unevaluatedItems"""
)
# Keywords that construction honours only approximately; values are verified and redrawn.
_VERIFY_KEYS = _keywords(
    """allOf oneOf not if dependentSchemas unevaluatedProperties unevaluatedItems
    propertyNames contains patternProperties"""
)
_OBJECT_KEYS = _keywords(
    """properties required additionalProperties patternProperties propertyNames
    minProperties maxProperties dependentRequired"""
)
_ARRAY_KEYS = _keywords("items prefixItems additionalItems contains minItems maxItems uniqueItems")
_STRING_KEYS = _keywords("minLength maxLength pattern format")
_NUMBER_KEYS = _keywords("minimum maximum exclusiveMinimum exclusiveMaximum multipleOf")
_TYPES = _keywords("null boolean object array number integer string")
_ATTEMPTS = 8
_MAX_REF_DEPTH = 32
_MAX_DEPTH = 120  # nested values; keeps well inside Python's recursion limit
_BUDGET = 10_000  # values drawn per instance, retries included; bounds the time spent
_NULL_CHANCE = 0.15
_EXAMPLE_CHANCE = 0.25


def _size(schema: Mapping[str, Any], key: str, path: str) -> int | None:
    """A non-negative integer keyword such as ``minLength``; None when it is absent."""
    v = schema.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or v != int(v):
        raise UnsatisfiableSchema(f"{path}: {key} must be a non-negative integer; got {v!r}")
    return int(v)


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{key!r}]"


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, Mapping)
    if name == "array":
        return isinstance(value, list | tuple)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return name == "number" or isinstance(value, int) or value.is_integer()


def _is_multiple(value: int | float, step: int | float) -> bool:
    """``multipleOf`` exactly as ``jsonschema`` checks it, float rounding included."""
    if isinstance(step, float):
        quotient = value / step
        return math.isfinite(quotient) and int(quotient) == quotient
    return value % step == 0


def _mentions_ref(schema: Any) -> bool:
    if isinstance(schema, Mapping):
        return "$ref" in schema or any(_mentions_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_mentions_ref(v) for v in schema)
    return False


def _types(schema: Mapping[str, Any], path: str) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        types = [declared]
    elif isinstance(declared, list) and all(t in _TYPES for t in declared):
        types = declared
    elif declared is not None:
        raise UnsatisfiableSchema(
            f"{path}: type must be one of {sorted(_TYPES)} or an array of them; got {declared!r}"
        )
    elif _OBJECT_KEYS.intersection(schema):
        types = ["object"]
    elif _ARRAY_KEYS.intersection(schema):
        types = ["array"]
    elif _STRING_KEYS.intersection(schema):
        types = ["string"]
    elif _NUMBER_KEYS.intersection(schema):
        whole = all(
            isinstance(schema.get(k, 0), int)
            for k in ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")
        )
        types = ["integer" if whole else "number"]
    else:
        types = []
    # OpenAPI's ``nullable: true`` is not JSON Schema: null would fail a JSON Schema
    # validator, and a value of the declared type satisfies both readings.
    return types


# ---------------------------------------------------------------------------------- merging


def _merge(a: dict[str, Any], b: Mapping[str, Any], path: str) -> dict[str, Any]:
    """Fold ``b`` into ``a`` as ``allOf`` would; lossy cases are caught by verification."""
    for key, new in b.items():
        if key not in a:
            a[key] = new
            continue
        old = a[key]
        if key == "type":
            olds = [old] if isinstance(old, str) else list(old) if isinstance(old, list) else []
            news = [new] if isinstance(new, str) else list(new) if isinstance(new, list) else []
            both = [t for t in olds if t in news or (t == "integer" and "number" in news)]
            both += ["integer" for t in olds if t == "number" and "integer" in news]
            if not both:
                raise UnsatisfiableSchema(f"{path}: allOf requires types {olds} and {news} at once")
            a[key] = list(dict.fromkeys(both))
        elif key == "properties" and isinstance(old, Mapping) and isinstance(new, Mapping):
            merged = dict(old)
            for name, sub in new.items():
                merged[name] = {"allOf": [old[name], sub]} if name in old else sub
            a[key] = merged
        elif key == "required" and isinstance(old, list) and isinstance(new, list):
            a[key] = list(dict.fromkeys([*old, *new]))
        elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
            if _is_type(old, "number") and _is_type(new, "number"):
                a[key] = max(old, new)
        elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
            if _is_type(old, "number") and _is_type(new, "number"):
                a[key] = min(old, new)
        elif key == "enum" and isinstance(old, list) and isinstance(new, list):
            a[key] = [v for v in old if v in new]
            if not a[key]:
                raise UnsatisfiableSchema(f"{path}: allOf enums {old} and {new} share no value")
        elif key == "const" and old != new:
            raise UnsatisfiableSchema(f"{path}: allOf requires const {old!r} and {new!r} at once")
        elif key in ("items", "additionalProperties", "contains", "propertyNames"):
            if not isinstance(old, list) and not isinstance(new, list):
                a[key] = {"allOf": [old, new]}
        elif key == "not":
            a[key] = {"anyOf": [old, new]}
        elif key in ("anyOf", "oneOf") and isinstance(old, list) and isinstance(new, list):
            a[key] = [{"allOf": [x, y]} for x in old for y in new]
        elif key == "uniqueItems":
            a[key] = bool(old or new)
        elif key == "multipleOf" and isinstance(old, int) and isinstance(new, int):
            a[key] = math.lcm(old, new)
        elif (
            key in ("dependentRequired", "patternProperties", "$defs", "definitions")
            and isinstance(old, Mapping)
            and isinstance(new, Mapping)
        ):
            a[key] = {**new, **old}
    return a


# ---------------------------------------------------------------------------------- regexes


@dataclass(frozen=True, slots=True)
class _Chars:
    ranges: tuple[tuple[int, int], ...]

    def pick(self, rng: random.Random) -> str:
        total = sum(hi - lo + 1 for lo, hi in self.ranges)
        n = rng.randrange(total)
        for lo, hi in self.ranges:
            if n <= hi - lo:
                return chr(lo + n)
            n -= hi - lo + 1
        raise AssertionError("unreachable")  # pragma: no cover

    def complement(self) -> _Chars:
        """Printable ASCII characters outside this set (enough for a mock value)."""
        keep = [c for c in range(0x20, 0x7F) if not any(lo <= c <= hi for lo, hi in self.ranges)]
        if not keep:
            raise _RegexError("a negated class excludes every printable character")
        return _Chars(tuple((c, c) for c in keep))


@dataclass(frozen=True, slots=True)
class _Repeat:
    node: _Node
    lo: int
    hi: int | None


# A parsed regex: a literal, a character set, a repeat, a sequence (tuple) or alternatives (list).
_Node: TypeAlias = str | _Chars | _Repeat | tuple["_Node", ...] | list["_Node"]

_DIGIT = _Chars(((0x30, 0x39),))
_WORD = _Chars(((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)))
_SPACE = _Chars(((0x20, 0x20),))
_DOT = _Chars(((0x30, 0x39), (0x61, 0x7A)))
_CLASS_ESCAPES = {"d": _DIGIT, "w": _WORD, "s": _SPACE}
_LITERAL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}


class _RegexError(Exception):
    pass


class _RegexParser:
    """Literals, classes, ``\\d \\w \\s``, ``. ? * + {m,n}``, groups, ``|`` and anchors."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0

    def parse(self) -> _Node:
        node = self.alternation()
        if self.i < len(self.p):
            raise _RegexError(f"unbalanced ')' at {self.i}")
        return node

    def alternation(self) -> _Node:
        options = [self.sequence()]
        while self.p.startswith("|", self.i):
            self.i += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else options

    def sequence(self) -> _Node:
        items: list[_Node] = []
        while self.i < len(self.p) and self.p[self.i] not in "|)":
            items.append(self.quantified(self.atom()))
        return tuple(items)

    def atom(self) -> _Node:
        p = self.p
        c = p[self.i]
        self.i += 1
        if c == "(":
            if p.startswith("?:", self.i):
                self.i += 2
            elif re.match(r"\?P?<[A-Za-z_]\w*>", p[self.i :]):
                self.i = p.index(">", self.i) + 1
            elif p.startswith("?", self.i):
                raise _RegexError("lookaround and inline flags are not supported")
            node = self.alternation()
            if not p.startswith(")", self.i):
                raise _RegexError("missing ')'")
            self.i += 1
            return node
        if c == "[":
            return self.char_class()
        if c == ".":
            return _DOT
        if c in "^$":
            return ()
        if c == "\\":
            return self.escape()
        if c in "*+?" or (c == "{" and re.match(r"\d+(,\d*)?\}", p[self.i :])):
            raise _RegexError(f"nothing to repeat at {self.i - 1}")
        return c

    def escape(self) -> _Node:
        if self.i >= len(self.p):
            raise _RegexError("trailing backslash")
        c = self.p[self.i]
        self.i += 1
        if c in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[c]
        if c.lower() in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[c.lower()].complement()
        if c in "bB":
            return ()  # a word boundary; verification catches a miss
        return self.escaped_char(c)

    def escaped_char(self, c: str) -> str:
        if c in _LITERAL_ESCAPES:
            return _LITERAL_ESCAPES[c]
        if c in "xu":
            size = 2 if c == "x" else 4
            digits = self.p[self.i : self.i + size]
            if len(digits) == size and all(d in "0123456789abcdefABCDEF" for d in digits):
                self.i += size
                return chr(int(digits, 16))
            raise _RegexError(f"bad \\{c} escape")
        if c.isalnum():
            raise _RegexError(f"unsupported escape \\{c}")
        return c

    def char_class(self) -> _Node:
        p = self.p
        negate = p.startswith("^", self.i)
        self.i += negate
        ranges: list[tuple[int, int]] = []
        first = True
        while True:
            if self.i >= len(p):
                raise _RegexError("missing ']'")
            c = p[self.i]
            self.i += 1
            if c == "]" and not first:
                break
            first = False
            if c == "\\":
                if self.i >= len(p):
                    raise _RegexError("trailing backslash")
                e = p[self.i]
                self.i += 1
                if e.lower() in _CLASS_ESCAPES:
                    chars = _CLASS_ESCAPES[e.lower()]
                    ranges.extend(chars.ranges if e.islower() else chars.complement().ranges)
                    continue
                c = "\b" if e == "b" else self.escaped_char(e)
            lo = hi = ord(c)
            if p.startswith("-", self.i) and self.i + 1 < len(p) and p[self.i + 1] != "]":
                self.i += 1
                end = p[self.i]
                self.i += 1
                if end == "\\":
                    end = self.escaped_char(p[self.i])
                    self.i += 1
                hi = ord(end)
                if hi < lo:
                    raise _RegexError(f"bad range {c}-{end}")
            ranges.append((lo, hi))
        if not ranges:
            raise _RegexError("empty class")
        chars = _Chars(tuple(ranges))
        return chars.complement() if negate else chars

    def quantified(self, atom: _Node) -> _Node:
        p = self.p
        if self.i >= len(p):
            return atom
        c = p[self.i]
        if c in "?*+":
            self.i += 1
            lo, hi = {"?": (0, 1), "*": (0, None), "+": (1, None)}[c]
        else:
            m = re.match(r"\{(\d+)(,(\d*))?\}", p[self.i :])
            if c != "{" or m is None:
                return atom
            self.i += m.end()
            lo = int(m.group(1))
            hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
            if hi is not None and hi < lo:
                raise _RegexError(f"bad quantifier {m.group()}")
        if p.startswith("?", self.i):  # lazy; same strings
            self.i += 1
        if self.i < len(p) and p[self.i] in "?*+{" and self.quantified(()) != ():
            raise _RegexError("multiple quantifiers")
        return _Repeat(atom, lo, hi)


@functools.lru_cache(maxsize=256)
def _parse_pattern(pattern: str) -> _Node | str:
    """The parsed pattern, or why it is not supported."""
    try:
        return _RegexParser(pattern).parse()
    except (_RegexError, IndexError) as exc:
        return str(exc) or "unsupported pattern"


def _emit(node: _Node, rng: random.Random, spread: int, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, _Chars):
        out.append(node.pick(rng))
    elif isinstance(node, tuple):
        for item in node:
            _emit(item, rng, spread, out)
    elif isinstance(node, list):
        _emit(rng.choice(node), rng, spread, out)
    else:
        hi = node.lo + spread if node.hi is None else min(node.hi, node.lo + spread)
        for _ in range(rng.randint(node.lo, hi)):
            _emit(node.node, rng, spread, out)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


# ---------------------------------------------------------------------------- realistic data

_CITIES = (
    "Boston, MA", "San Francisco, CA", "New York, NY", "Chicago, IL", "Seattle, WA",
    "Austin, TX", "Denver, CO", "London, UK", "Paris, France", "Tokyo, Japan",
    "Berlin, Germany", "Toronto, Canada", "Sydney, Australia", "Madrid, Spain",
)  # fmt: skip
_FIRST = ("Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Hiro", "Isabel", "James", "Priya", "Lucas")  # fmt: skip
_LAST = ("Smith", "Johnson", "Garcia", "Chen", "Müller", "Patel", "Nguyen", "Brown", "Kim", "Rossi", "Dubois")  # fmt: skip
_COUNTRIES = ("United States", "Canada", "France", "Germany", "Japan", "Brazil", "India", "Australia", "Spain", "Kenya")  # fmt: skip
_QUERIES = (
    "best hiking trails near Denver", "how to bake sourdough bread", "latest news on renewable energy",
    "python async tutorial", "cheap flights to Tokyo", "vegetarian pasta recipes",
    "quarterly revenue report", "weather this weekend", "wireless noise cancelling headphones",
)  # fmt: skip
_TITLES = (
    "Quarterly planning meeting", "Project kickoff", "Weekly team sync", "Design review",
    "Customer onboarding call", "Release retrospective", "Budget review", "Lunch with Sam",
)  # fmt: skip
_SENTENCES = (
    "Please review the attached document before the meeting.",
    "The package arrived two days later than expected.",
    "Follow up with the customer about the billing question.",
    "Summary of the main findings from last week's analysis.",
    "Remember to bring the signed contract.",
    "The service was fast and the staff were friendly.",
)  # fmt: skip
_WORDS = (
    "alpha", "bright", "cedar", "delta", "ember", "forest", "harbor", "meadow", "nova",
    "orbit", "pine", "river", "summit", "willow",
)  # fmt: skip


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(8, 18):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _email(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST).lower(), rng.choice(_LAST).lower().replace("ü", "u")
    return f"{first}.{last}@example.com"


def _url(rng: random.Random) -> str:
    return f"https://www.example.com/{rng.choice(_WORDS)}/{rng.randint(1, 999)}"


_FORMATS: dict[str, Callable[[random.Random], str]] = {
    "date-time": lambda r: f"{_date(r)}T{_time(r)}",
    "date": _date,
    "time": _time,
    "email": _email,
    "idn-email": _email,
    "uri": _url,
    "iri": _url,
    "url": _url,
    "uri-reference": lambda r: f"/{r.choice(_WORDS)}/{r.randint(1, 99)}",
    "iri-reference": lambda r: f"/{r.choice(_WORDS)}/{r.randint(1, 99)}",
    "uuid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "ipv4": lambda r: f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}",
    "ipv6": lambda r: f"2001:db8::{_hex(r, 4)}",
    "hostname": lambda r: f"{r.choice(_WORDS)}.example.com",
    "idn-hostname": lambda r: f"{r.choice(_WORDS)}.example.com",
    "duration": lambda r: r.choice(("PT15M", "PT1H", "P1D", "P2W", "PT30S")),
    "regex": lambda r: r.choice(("^[a-z]+$", "\\d{3}-\\d{4}", ".*")),
    "json-pointer": lambda r: f"/{r.choice(_WORDS)}/{r.randint(0, 9)}",
}

_Maker = Callable[[random.Random, list[str]], str]


def _id(rng: random.Random, words: list[str]) -> str:
    return f"{words[0][:3]}_{_hex(rng, 8)}" if len(words) > 1 else _hex(rng, 12)


def _pick(*choices: str) -> _Maker:
    return lambda rng, _words: rng.choice(choices)


# First match wins: (trigger words, maker). A name matches when one of its words is a trigger.
_STRING_HINTS: tuple[tuple[frozenset[str], _Maker], ...] = tuple(
    (frozenset(triggers.split()), maker)
    for triggers, maker in (
        ("email mail", lambda r, _: _email(r)),
        ("url uri link website homepage href endpoint", lambda r, _: _url(r)),
        ("phone telephone mobile fax", lambda r, _: f"+1-555-{r.randint(100, 999):03d}-{r.randint(1000, 9999)}"),
        ("date birthday dob deadline due day", lambda r, _: _date(r)),
        ("time timestamp datetime at start end when", lambda r, _: f"{_date(r)}T{_time(r)}"),
        ("location city place destination origin town", lambda r, _: r.choice(_CITIES)),
        ("address street", _pick("221B Baker Street, London", "1600 Amphitheatre Parkway, Mountain View, CA", "350 Fifth Avenue, New York, NY")),
        ("country nation", lambda r, w: r.choice(("US", "FR", "DE", "JP")) if "code" in w else r.choice(_COUNTRIES)),
        ("username handle login nickname", lambda r, _: f"{r.choice(_FIRST).lower()}{r.randint(1, 99)}"),
        ("file filename filepath path directory folder", _pick("reports/q3-summary.pdf", "/home/user/notes.txt", "data/export.csv")),
        ("company organization organisation org employer", _pick("Acme Corp", "Globex", "Initech", "Umbrella Labs")),
        ("first given", lambda r, _: r.choice(_FIRST)),
        ("last surname family", lambda r, _: r.choice(_LAST)),
        ("name author customer recipient assignee attendee contact person owner user guest", lambda r, _: _person(r)),
        ("unit units scale", _pick("celsius", "fahrenheit")),
        ("query q search keywords keyword term prompt question topic", lambda r, _: r.choice(_QUERIES)),
        ("sql statement", _pick("SELECT id, name FROM customers WHERE active = true ORDER BY name LIMIT 10;", "SELECT COUNT(*) FROM orders WHERE created_at >= '2025-01-01';")),
        ("language lang locale", lambda r, w: r.choice(("en-US", "fr-FR")) if "locale" in w else r.choice(("English", "French", "Spanish"))),
        ("currency", _pick("USD", "EUR", "GBP", "JPY")),
        ("symbol ticker", _pick("AAPL", "MSFT", "GOOGL", "AMZN")),
        ("timezone tz zone", _pick("America/New_York", "Europe/London", "Asia/Tokyo")),
        ("color colour", _pick("blue", "green", "red", "orange")),
        ("status", _pick("active", "pending", "completed")),
        ("priority severity level", _pick("low", "medium", "high")),
        ("method", _pick("GET", "POST")),
        ("version", lambda r, _: f"{r.randint(1, 3)}.{r.randint(0, 9)}.{r.randint(0, 9)}"),
        ("ip", lambda r, _: _FORMATS["ipv4"](r)),
        ("host hostname domain", lambda r, _: _FORMATS["hostname"](r)),
        ("zip postal zipcode postcode", lambda r, _: f"{r.randint(1000, 99999):05d}"),
        ("password secret", lambda r, _: f"S3cure-{_hex(r, 6)}"),
        ("id uuid identifier key token ref reference sku code", _id),
        ("number num", lambda r, _: str(r.randint(1, 999))),
        ("title subject headline heading", lambda r, _: r.choice(_TITLES)),
        ("description summary body content message text note notes comment reason details instructions bio explanation abstract answer reasoning response result output feedback review caption", lambda r, _: r.choice(_SENTENCES)),
        ("category genre type kind tag label", _pick("general", "travel", "finance", "sports", "technology")),
        ("product item", _pick("Wireless Mouse", "Coffee Grinder", "Running Shoes", "USB-C Cable")),
    )
)  # fmt: skip

# (trigger words, low, high) for unbounded numbers, first match wins.
_NUMBER_HINTS: tuple[tuple[frozenset[str], float, float], ...] = tuple(
    (frozenset(triggers.split()), lo, hi)
    for triggers, lo, hi in (
        ("latitude lat", -90, 90),
        ("longitude lon lng long", -180, 180),
        ("age", 18, 80),
        ("year", 2000, 2026),
        ("month", 1, 12),
        ("day days", 1, 28),
        ("hour hours", 0, 23),
        ("minute minutes second seconds timeout duration", 1, 60),
        ("page", 1, 10),
        ("limit count max num number top k n size results quantity qty per", 1, 10),
        ("rating stars priority level", 1, 5),
        ("port", 1024, 65535),
        ("temperature temp", -10, 35),
        ("percent percentage pct score", 0, 100),
        ("guests people adults passengers attendees travelers travellers", 1, 6),
        ("price cost amount total budget salary", 5, 500),
        ("width height", 100, 1920),
        ("radius distance", 1, 50),
        ("offset index", 0, 20),
        ("id", 1, 99999),
    )
)  # fmt: skip


def _name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "shes", "ches", "xes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


# ------------------------------------------------------------------------------- generation


class _Generator:
    def __init__(self, root: Mapping[str, Any] | bool, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.refs: list[str] = []
        self.depth = 0
        self.budget = _BUDGET
        self._validator: Validator | None = None

    @property
    def minimal(self) -> bool:
        """Inside a recursion: take no optional branch, so the value stays finite."""
        return len(self.refs) > 6 or len(set(self.refs)) < len(self.refs)

    def valid(self, value: Any, schema: Any) -> bool:
        if self._validator is None:
            from jsonschema.validators import Draft202012Validator, validator_for

            cls = validator_for(self.root, default=Draft202012Validator)
            self._validator = cls(self.root, format_checker=cls.FORMAT_CHECKER)
        try:
            return bool(self._validator.evolve(schema=schema).is_valid(value))
        except Exception:  # a schema jsonschema cannot evaluate: trust the construction
            return True

    def resolve(self, ref: str, path: str) -> Any:
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            raise UnsatisfiableSchema(
                f"{path}: only local JSON-pointer $refs ('#/$defs/...') are supported; got {ref!r}"
            )
        node: Any = self.root
        for part in ref[2:].split("/") if ref != "#" else ():
            key = unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise UnsatisfiableSchema(f"{path}: $ref {ref!r} points at nothing in the schema")
        return node

    def value(self, schema: Any, path: str, name: str) -> Any:
        if schema is True or schema is None:
            return self.free(name)
        if schema is False:
            raise UnsatisfiableSchema(f"{path}: the schema is false, so no value is allowed")
        if not isinstance(schema, Mapping):
            raise UnsatisfiableSchema(f"{path}: a schema must be an object or a boolean")
        if self.depth >= _MAX_DEPTH:
            raise UnsatisfiableSchema(f"{path}: the schema nests deeper than {_MAX_DEPTH} levels")
        self.budget -= 1
        if self.budget < 0:
            raise UnsatisfiableSchema(
                f"{path}: gave up after drawing {_BUDGET} values; the schema is too hard to satisfy"
            )
        self.depth += 1
        try:
            return self.verified(schema, path, name)
        finally:
            self.depth -= 1

    def verified(self, schema: Mapping[str, Any], path: str, name: str) -> Any:
        if not _VERIFY_KEYS.intersection(schema):
            return self.generate(schema, path, name)
        last: UnsatisfiableSchema | None = None
        for _ in range(_ATTEMPTS):
            try:
                candidate = self.generate(schema, path, name)
            except UnsatisfiableSchema as exc:
                last = exc
                continue
            if self.valid(candidate, schema):
                return candidate
        keys = ", ".join(sorted(_VERIFY_KEYS.intersection(schema)))
        raise UnsatisfiableSchema(
            f"{path}: found no value that satisfies {keys} in {_ATTEMPTS} attempts"
            + (f" ({last})" if last else "")
        )

    def generate(self, schema: Mapping[str, Any], path: str, name: str) -> Any:
        if "$ref" in schema:
            return self.ref(schema, path, name)
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            refs: list[str] = []
            for sub in schema["allOf"]:
                merged = _merge(merged, self.flat(sub, path, refs), path)
            # the refs followed while merging count towards recursion, as in ref()
            self.refs.extend(refs)
            try:
                return self.value(merged, path, name)
            finally:
                del self.refs[len(self.refs) - len(refs) :]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                return self.branch(schema, key, path, name)
        if "if" in schema and ("then" in schema or "else" in schema):
            rest = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
            chosen = schema.get(self.rng.choice(("then", "else")), True)
            return self.value({**rest, "allOf": [chosen]}, path, name)
        if "const" in schema:
            const = schema["const"]
            if _VALIDATION_KEYS.intersection(schema) != {"const"} and not self.valid(const, schema):
                raise UnsatisfiableSchema(
                    f"{path}: const {const!r} does not satisfy the schema's other keywords"
                )
            return copy.deepcopy(const)
        types = _types(schema, path)
        if "enum" in schema:
            return self.enum(schema, types, path)
        example = self.example(schema)
        if example is not None:
            return example
        if not types:
            return self.free(name)
        options = [t for t in types if t != "null"]
        if "null" in types and (not options or self.minimal or self.rng.random() < _NULL_CHANCE):
            return None
        kind = self.rng.choice(options)
        if kind == "object":
            return self.object(schema, path)
        if kind == "array":
            return self.array(schema, path, name)
        if kind == "string":
            return self.string(schema, path, name)
        if kind in ("integer", "number"):
            return self.number(schema, path, name, integer=kind == "integer")
        if kind == "boolean":
            return self.rng.random() < 0.5
        raise UnsatisfiableSchema(f"{path}: unknown type {kind!r}")

    def flat(self, schema: Any, path: str, refs: list[str]) -> Mapping[str, Any]:
        """``schema`` with its top-level ``$ref`` and ``allOf`` folded in, for merging; the
        ``$ref``s it follows are appended to ``refs``."""
        if len(refs) + len(self.refs) > _MAX_REF_DEPTH:
            raise UnsatisfiableSchema(f"{path}: allOf/$ref nest deeper than {_MAX_REF_DEPTH}")
        if schema is True or schema is None:
            return {}
        if schema is False or not isinstance(schema, Mapping):
            raise UnsatisfiableSchema(f"{path}: an allOf member is false, so no value is allowed")
        ref, subs = schema.get("$ref"), schema.get("allOf")
        out = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
        if ref is not None:
            target = self.resolve(ref, path)
            refs.append(ref)
            out = _merge(out, self.flat(target, path, refs), path)
        for sub in subs if isinstance(subs, list) else ():
            out = _merge(out, self.flat(sub, path, refs), path)
        return out

    def ref(self, schema: Mapping[str, Any], path: str, name: str) -> Any:
        ref = schema["$ref"]
        target = self.resolve(ref, path)
        if len(self.refs) >= _MAX_REF_DEPTH:
            raise UnsatisfiableSchema(
                f"{path}: $ref {ref!r} recurses deeper than {_MAX_REF_DEPTH} levels; "
                "give the recursion an optional or nullable way out"
            )
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        if _VALIDATION_KEYS.intersection(rest):
            target = {**rest, "allOf": [target, *rest.get("allOf", ())]}
        self.refs.append(ref)
        try:
            return self.value(target, path, name)
        finally:
            self.refs.pop()

    def branch(self, schema: Mapping[str, Any], key: str, path: str, name: str) -> Any:
        branches = schema[key]
        rest = {k: v for k, v in schema.items() if k != key}
        constrained = _VALIDATION_KEYS.intersection(rest)
        order = list(range(len(branches)))
        self.rng.shuffle(order)
        if self.minimal:
            order.sort(key=lambda i: _mentions_ref(branches[i]))
        last: UnsatisfiableSchema | None = None
        for i in order:
            sub = branches[i]
            target = {**rest, "allOf": [sub, *rest.get("allOf", ())]} if constrained else sub
            for _ in range(_ATTEMPTS if key == "oneOf" else 1):
                try:
                    candidate = self.value(target, path, name)
                except UnsatisfiableSchema as exc:
                    last = exc
                    break
                others = (b for j, b in enumerate(branches) if j != i)
                if key == "anyOf" or not any(self.valid(candidate, b) for b in others):
                    return candidate
        raise UnsatisfiableSchema(
            f"{path}: none of the {len(branches)} {key} branches could be satisfied"
            + (f" ({last})" if last else "")
        )

    def enum(self, schema: Mapping[str, Any], types: list[str], path: str) -> Any:
        values = schema["enum"]
        if not isinstance(values, list):
            raise UnsatisfiableSchema(f"{path}: enum must be an array")
        fits = [v for v in values if not types or any(_is_type(v, t) for t in types)]
        self.rng.shuffle(fits)
        if set(schema) - {"enum", "type", "description", "title", "default", "examples"}:
            fits = [v for v in fits if self.valid(v, schema)][:1]
        if not fits:
            raise UnsatisfiableSchema(
                f"{path}: no enum value in {values!r} fits the other keywords"
            )
        return copy.deepcopy(fits[0])

    def example(self, schema: Mapping[str, Any]) -> Any:
        """Sometimes a scalar ``examples`` entry or the ``default``, when it is valid."""
        candidates: list[Any] = []
        examples = schema.get("examples")
        if isinstance(examples, list) and examples and self.rng.random() < _EXAMPLE_CHANCE:
            candidates.append(self.rng.choice(examples))
        if "default" in schema and self.rng.random() < _EXAMPLE_CHANCE:
            candidates.append(schema["default"])
        for candidate in candidates:
            if isinstance(candidate, str | int | float | bool) and self.valid(candidate, schema):
                return candidate
        return None

    def free(self, name: str) -> Any:
        """A value for an unconstrained schema: a number or a string, by the name."""
        words = _name_words(name)
        for triggers, lo, hi in _NUMBER_HINTS:
            if triggers.intersection(words):
                return self.rng.randint(int(lo), int(hi))
        return self.text(words)

    def text(self, words: list[str]) -> str:
        for triggers, maker in _STRING_HINTS:
            if triggers.intersection(words):
                return maker(self.rng, words)
        return " ".join(self.rng.sample(_WORDS, self.rng.randint(1, 2)))

    def string(self, schema: Mapping[str, Any], path: str, name: str) -> str:
        low = _size(schema, "minLength", path) or 0
        high = _size(schema, "maxLength", path)
        if high is not None and low > high:
            raise UnsatisfiableSchema(
                f"{path}: minLength {low} is greater than maxLength {high}; no string fits"
            )
        words = _name_words(name)
        pattern = schema.get("pattern")
        fmt = schema.get("format")
        maker = _FORMATS.get(fmt) if isinstance(fmt, str) else None
        if maker is not None:
            compiled = _compiled(pattern) if isinstance(pattern, str) else None
            for _ in range(_ATTEMPTS):
                s = maker(self.rng)
                if low <= len(s) <= (high if high is not None else len(s)) and (
                    compiled is None or compiled.search(s)
                ):
                    return s
            also = f" matching {pattern!r}" if isinstance(pattern, str) else ""
            raise UnsatisfiableSchema(f"{path}: found no {fmt} string{also} of length {low}-{high}")
        if isinstance(pattern, str):
            return self.patterned(pattern, low, high, path, words)
        s = self.text(words)
        while len(s) < low:
            s += " " + self.rng.choice(_WORDS)
        if high is not None and len(s) > high:
            s = s[:high].rstrip() if len(s[:high].rstrip()) >= low else s[:high]
        return s

    def patterned(
        self, pattern: str, low: int, high: int | None, path: str, words: list[str]
    ) -> str:
        compiled = _compiled(pattern)

        def fits(s: str) -> bool:
            ok_length = low <= len(s) and (high is None or len(s) <= high)
            return ok_length and (compiled is None or compiled.search(s) is not None)

        hint = self.text(words) if words and compiled is not None else ""
        if hint and fits(hint):
            return hint
        node = _parse_pattern(pattern)
        if isinstance(node, str):
            raise UnsatisfiableSchema(
                f"{path}: cannot generate a string for pattern {pattern!r} ({node})"
            )
        for spread in (3, 3, 3, 0, 1, 6, 12, 24, 48, 96):
            out: list[str] = []
            _emit(node, self.rng, spread, out)
            s = "".join(out)
            if high is None or len(s) <= high:
                # an unanchored pattern still matches with extra characters around it
                if len(s) < low and not pattern.endswith("$"):
                    s += "x" * (low - len(s))
                elif len(s) < low and not pattern.startswith("^"):
                    s = "x" * (low - len(s)) + s
            if fits(s):
                return s
        raise UnsatisfiableSchema(
            f"{path}: found no string matching {pattern!r} with length {low}-{high}"
        )

    def number(
        self, schema: Mapping[str, Any], path: str, name: str, *, integer: bool
    ) -> int | float:
        def bound(key: str) -> float | None:
            v = schema.get(key)
            return v if _is_type(v, "number") else None

        low, high = bound("minimum"), bound("maximum")
        low_x, high_x = bound("exclusiveMinimum"), bound("exclusiveMaximum")
        if schema.get("exclusiveMinimum") is True:  # draft 4
            low, low_x = None, low
        if schema.get("exclusiveMaximum") is True:
            high, high_x = None, high
        if low_x is not None and (low is None or low_x >= low):
            low, low_open = low_x, True
        else:
            low_open = False
        if high_x is not None and (high is None or high_x <= high):
            high, high_open = high_x, True
        else:
            high_open = False
        what = "integer" if integer else "number"
        if (
            low is not None
            and high is not None
            and (low > high or (low == high and (low_open or high_open)))
        ):
            raise UnsatisfiableSchema(
                f"{path}: no {what} lies between the lower bound {low} and the upper bound "
                f"{high}; make the minimum at most the maximum"
            )

        def inside(v: float) -> bool:
            above = low is None or (v > low if low_open else v >= low)
            below = high is None or (v < high if high_open else v <= high)
            return above and below

        # a plausible window for the name, kept inside the bounds when they allow it
        words = _name_words(name)
        hint_lo, hint_hi = 0.0, 100.0
        for triggers, lo, hi in _NUMBER_HINTS:
            if triggers.intersection(words):
                hint_lo, hint_hi = lo, hi
                break
        a = max(hint_lo, low) if low is not None else hint_lo
        b = min(hint_hi, high) if high is not None else hint_hi
        if a > b:
            a = low if low is not None else b - 100
            b = high if high is not None else a + 100

        step = schema.get("multipleOf")
        if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
            return self.multiple(step, a, b, inside, integer, path)
        if integer:
            lo, hi = math.ceil(a), math.floor(b)
            candidates = [v for v in (lo, lo + 1, hi - 1, hi) if inside(v)]
            if lo <= hi:
                v = self.rng.randint(lo, hi)
                if inside(v):
                    return v
            if candidates:
                return self.rng.choice(candidates)
            raise UnsatisfiableSchema(f"{path}: no integer lies within the bounds ({low}, {high})")
        x = round(self.rng.uniform(a, b), 2)
        if inside(x):
            return x
        mid = (a + b) / 2
        if inside(mid):
            return mid
        raise UnsatisfiableSchema(f"{path}: no number lies within the bounds ({low}, {high})")

    def multiple(
        self,
        step: float,
        a: float,
        b: float,
        inside: Callable[[float], bool],
        integer: bool,
        path: str,
    ) -> int | float:
        if integer:
            frac = Fraction(str(step))
            unit: float = frac.numerator  # integers that are multiples of p/q: those of p
        else:
            unit = step
        k_lo, k_hi = math.ceil(a / unit), math.floor(b / unit)
        if k_lo > k_hi:  # the window missed; widen it to the nearest multiples
            k_lo, k_hi = math.floor(a / unit) - 1, math.ceil(b / unit) + 1
        decimals = max(0, -int(Decimal(str(step)).as_tuple().exponent))
        for _ in range(4 * _ATTEMPTS):
            k = self.rng.randint(k_lo, k_hi)
            v: int | float = k * unit if isinstance(unit, int) else round(k * unit, decimals)
            if integer:
                v = int(v)
            if inside(v) and _is_multiple(v, step):
                return v
        raise UnsatisfiableSchema(
            f"{path}: no {'integer' if integer else 'number'} multiple of {step} lies within the bounds"
        )

    def array(self, schema: Mapping[str, Any], path: str, name: str) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items", True)
        if isinstance(items, list):  # draft 7 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        low = _size(schema, "minItems", path) or 0
        high = _size(schema, "maxItems", path)
        if items is False:
            high = len(prefix) if high is None else min(high, len(prefix))
        contains = schema.get("contains")
        min_contains = _size(schema, "minContains", path)
        if min_contains is None:
            min_contains = 0 if contains is None else 1
        low = max(low, min_contains)
        if high is not None and low > high:
            raise UnsatisfiableSchema(
                f"{path}: needs at least {low} items but allows at most {high}"
            )
        if self.minimal:
            count = low
        else:
            start = max(low, 1)
            stop = start + 2
            if high is not None:
                start, stop = min(start, high), min(stop, high)
            count = self.rng.randint(start, stop)
        unique = schema.get("uniqueItems") is True
        item_name = _singular(name)
        out: list[Any] = []
        seen: set[str] = set()
        i = 0
        tries = 0
        while len(out) < count:
            sub = prefix[i] if i < len(prefix) else items
            if contains is not None and len(out) >= count - min_contains:
                sub = {"allOf": [sub, contains]}
            v = self.value(sub, _at(path, i), item_name)
            key = repr(_canonical(v))
            if unique and key in seen:
                tries += 1
                if tries > 4 * _ATTEMPTS:
                    if len(out) >= low and i >= len(prefix):
                        break
                    raise UnsatisfiableSchema(
                        f"{path}: found only {len(out)} distinct items, but uniqueItems is "
                        f"true and minItems is {low}"
                    )
                continue
            seen.add(key)
            out.append(v)
            i += 1
        return out

    def object(self, schema: Mapping[str, Any], path: str) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        required = schema.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise UnsatisfiableSchema(f"{path}: required must be an array of strings")
        extra = schema.get("additionalProperties", schema.get("unevaluatedProperties", True))
        patterns = schema.get("patternProperties")
        patterns = patterns if isinstance(patterns, Mapping) else {}
        low = _size(schema, "minProperties", path) or 0
        high = _size(schema, "maxProperties", path)
        if high is not None and low > high:
            raise UnsatisfiableSchema(
                f"{path}: minProperties {low} is greater than maxProperties {high}"
            )
        strict = extra is False and set(required) >= set(props)
        keys = list(dict.fromkeys(required))
        if high is not None and len(keys) > high:
            raise UnsatisfiableSchema(
                f"{path}: requires {len(keys)} properties but maxProperties is {high}"
            )
        optional = [k for k in props if k not in keys]
        for k in optional:
            if strict or (not self.minimal and self.rng.random() < 0.5):
                keys.append(k)
        dependent = schema.get("dependentRequired")
        if isinstance(dependent, Mapping):
            for k in list(keys):
                keys.extend(d for d in dependent.get(k, ()) if d not in keys)
        if high is not None and len(keys) > high:
            keys = keys[: max(high, len(required))]
        for k in optional:
            if len(keys) >= low:
                break
            if k not in keys:
                keys.append(k)
        free_keys = not props and (extra not in (False, True) or patterns) and not self.minimal
        want = max(low, self.rng.randint(1, 2) if free_keys else 0)
        if high is not None:
            want = min(want, high)
        n = 0
        while len(keys) < want:
            n += 1
            if patterns:
                node = _parse_pattern(self.rng.choice(list(patterns)))
                out: list[str] = []
                if not isinstance(node, str):
                    _emit(node, self.rng, 3, out)
                key = "".join(out) or f"key{n}"
            elif extra is False:
                raise UnsatisfiableSchema(
                    f"{path}: needs {low} properties but only {len(props)} are allowed"
                )
            else:
                key = self.rng.choice(_EXTRA_KEYS) if n < 4 else f"field_{n}"
            if key not in keys:
                keys.append(key)
            elif n > 4 * _ATTEMPTS:
                raise UnsatisfiableSchema(f"{path}: found no {want} distinct property names")
        result: dict[str, Any] = {}
        for k in keys:
            subs = [s for p, s in patterns.items() if (c := _compiled(p)) and c.search(k)]
            if k in props:
                subs.insert(0, props[k])
            elif not subs:
                if extra is False:
                    raise UnsatisfiableSchema(
                        f"{_at(path, k)}: is required, but it is not in properties and "
                        "additionalProperties is false"
                    )
                subs = [extra]
            sub = subs[0] if len(subs) == 1 else {"allOf": subs}
            result[k] = self.value(sub, _at(path, k), k)
        return result


_EXTRA_KEYS = ("source", "category", "region", "owner", "priority", "note")


def _canonical(value: Any) -> Any:
    """A hashable form that treats values as JSON Schema's ``uniqueItems`` does."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", Fraction(value) if math.isfinite(value) else value)
    if isinstance(value, Mapping):
        return ("object", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    if isinstance(value, Sequence):
        return ("array", tuple(_canonical(v) for v in value))
    return ("other", repr(value))
