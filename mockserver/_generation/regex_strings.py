"""Strings that match a regular expression, drawn from a ``random.Random``.

A small parser covers the subset of regex syntax that JSON Schema ``pattern``s use in
practice; :func:`parse_pattern` says why when a pattern falls outside it.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from typing import TypeAlias

from mockserver._contract.timed_regex import MAX_PATTERN_SIZE, TimedPattern, timed_pattern
from mockserver._generation.budget import MAX_STRING_LENGTH

__all__ = ["Node", "compiled_pattern", "parse_pattern", "sample"]


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
    node: Node
    lo: int
    hi: int | None


# A parsed regex: a literal, a character set, a repeat, a sequence (tuple) or alternatives (list).
Node: TypeAlias = str | _Chars | _Repeat | tuple["Node", ...] | list["Node"]

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

    def parse(self) -> Node:
        node = self.alternation()
        if self.i < len(self.p):
            raise _RegexError(f"unbalanced ')' at {self.i}")
        return node

    def alternation(self) -> Node:
        options = [self.sequence()]
        while self.p.startswith("|", self.i):
            self.i += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else options

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.i < len(self.p) and self.p[self.i] not in "|)":
            items.append(self.quantified(self.atom()))
        return tuple(items)

    def atom(self) -> Node:
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

    def escape(self) -> Node:
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

    def char_class(self) -> Node:
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

    def quantified(self, atom: Node) -> Node:
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
            if len(m.group(1)) > 9:
                raise _RegexError(f"the repeat {m.group()} asks for too many characters")
            lo = int(m.group(1))
            hi = lo if m.group(2) is None else (int(m.group(3)[:10]) if m.group(3) else None)
            if hi is not None and hi < lo:
                raise _RegexError(f"bad quantifier {m.group()}")
        if p.startswith("?", self.i):  # lazy; same strings
            self.i += 1
        if self.i < len(p) and p[self.i] in "?*+{" and self.quantified(()) != ():
            raise _RegexError("multiple quantifiers")
        return _Repeat(atom, lo, hi)


def parse_pattern(pattern: str) -> Node | str:
    """The parsed pattern, or why it is not supported."""
    if len(pattern) > MAX_PATTERN_SIZE:  # nor kept in the cache
        return f"the pattern is longer than {MAX_PATTERN_SIZE} characters"
    return _parse_cached(pattern)


@functools.lru_cache(maxsize=256)
def _parse_cached(pattern: str) -> Node | str:
    try:
        return _RegexParser(pattern).parse()
    except (_RegexError, IndexError) as exc:
        return str(exc) or "unsupported pattern"


class _TooLong(Exception):
    pass


def _emit(node: Node, rng: random.Random, spread: int, out: list[str]) -> None:
    if len(out) > MAX_STRING_LENGTH:
        raise _TooLong
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


def compiled_pattern(pattern: str) -> TimedPattern | None:
    """The pattern, compiled with a search timeout; None when it does not compile."""
    return timed_pattern(pattern)


def sample(node: Node, rng: random.Random, spread: int) -> str | None:
    """A string matching ``node``; unbounded repeats run at most ``spread`` past their minimum.
    None when the string would be longer than ``MAX_STRING_LENGTH``."""
    out: list[str] = []
    try:
        _emit(node, rng, spread, out)
    except _TooLong:
        return None
    return "".join(out)
