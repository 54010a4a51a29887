"""Regular expressions from users (a stub's ``last_user_regex``, a schema's ``pattern``) with
a timeout, so that no pattern can stop the server: each search gives up after
`REGEX_SECONDS`, and a pattern that would compile into millions of nodes is refused."""

from __future__ import annotations

import functools
import re

import regex

__all__ = [
    "MAX_PATTERN_SIZE",
    "REGEX_SECONDS",
    "TimedPattern",
    "expanded_size",
    "search",
    "timed_pattern",
]

REGEX_SECONDS = 0.1
"""Time one regular-expression search may take (patterns, ``last_user_regex``)."""
MAX_PATTERN_SIZE = 50_000
"""Characters of a pattern, and atoms once its counted repeats are expanded: ``regex``
compiles ``(a{1000}){1000}`` into a million nodes (seconds and 270 MB), so larger
patterns are refused."""


class TimedPattern:
    """A compiled pattern whose searches give up after `REGEX_SECONDS` (None: no answer)."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled = regex.compile(pattern)

    def search(self, text: str) -> bool | None:
        """True or False; None when the search ran out of time."""
        try:
            return self._compiled.search(text, timeout=REGEX_SECONDS) is not None
        except TimeoutError:
            return None

    def __repr__(self) -> str:
        return f"TimedPattern({self.pattern!r})"


@functools.lru_cache(maxsize=512)
def timed_pattern(pattern: str) -> TimedPattern | None:
    """The pattern compiled with a timeout, or None when it is not a regular expression
    (or would expand beyond `MAX_PATTERN_SIZE`)."""
    if len(pattern) > MAX_PATTERN_SIZE or expanded_size(pattern) > MAX_PATTERN_SIZE:
        return None
    try:
        return TimedPattern(pattern)
    except (regex.error, ValueError, OverflowError, RecursionError):
        return None


def search(pattern: str, text: str) -> bool | None:
    """Whether `pattern` matches somewhere in `text`; None when it is invalid or too slow."""
    compiled = timed_pattern(pattern)
    return None if compiled is None else compiled.search(text)


_COUNT = re.compile(r"\{(\d{1,9})(?:,(\d{0,9}))?\}")
_HUGE_COUNT = re.compile(r"\{\d{10}")


def expanded_size(pattern: str) -> int:
    """An upper bound of the atoms in `pattern` once counted repeats are unrolled
    (nested repeats multiply, alternatives add)."""
    if _HUGE_COUNT.search(pattern):
        return MAX_PATTERN_SIZE + 1
    stack = [0]
    last = 1
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "(":
            stack.append(0)
            i += 1
            continue
        if c == ")" and len(stack) > 1:
            last = max(stack.pop(), 1)
            stack[-1] += last
            i += 1
            continue
        m = _COUNT.match(pattern, i) if c == "{" else None
        if m is not None:
            count = max(int(m.group(1)), int(m.group(2) or 0))
            stack[-1] += last * max(count - 1, 0)
            if stack[-1] > MAX_PATTERN_SIZE:
                return stack[-1]
            i = m.end()
            continue
        if c == "\\":
            i += 1
        elif c == "[":
            i = _class_end(pattern, i)
        last = 1
        stack[-1] += 1
        i += 1
    return sum(stack)


def _class_end(pattern: str, i: int) -> int:
    i += 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i
