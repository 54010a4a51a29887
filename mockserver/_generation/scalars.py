"""Strings and numbers that satisfy a schema's string and number keywords: lengths,
``pattern``, ``format``, bounds and ``multipleOf``; realistic where the schema leaves room."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from mockserver._generation import budget
from mockserver._generation.fake_values import FORMATS, WORDS, name_words, number_hint, text
from mockserver._generation.regex_strings import compiled_pattern, parse_pattern, sample
from mockserver._generation.schema_keywords import (
    ATTEMPTS,
    UnsatisfiableSchema,
    is_multiple,
    is_type,
    size,
)

__all__ = ["number", "string"]


def string(schema: Mapping[str, Any], rng: random.Random, path: str, name: str) -> str:
    low = size(schema, "minLength", path) or 0
    high = size(schema, "maxLength", path)
    if low > budget.MAX_STRING_LENGTH:
        raise UnsatisfiableSchema(
            f"{path}: minLength {low} is more than the mock writes in one string "
            f"({budget.MAX_STRING_LENGTH} characters)"
        )
    if high is not None and low > high:
        raise UnsatisfiableSchema(
            f"{path}: minLength {low} is greater than maxLength {high}; no string fits"
        )
    words = name_words(name)
    pattern = schema.get("pattern")
    fmt = schema.get("format")
    maker = FORMATS.get(fmt) if isinstance(fmt, str) else None
    if maker is not None:
        compiled = compiled_pattern(pattern) if isinstance(pattern, str) else None
        for _ in range(ATTEMPTS):
            s = maker(rng)
            if low <= len(s) <= (high if high is not None else len(s)) and (
                compiled is None or compiled.search(s)
            ):
                return s
        also = f" matching {pattern!r}" if isinstance(pattern, str) else ""
        raise UnsatisfiableSchema(f"{path}: found no {fmt} string{also} of length {low}-{high}")
    if isinstance(pattern, str):
        return _patterned(pattern, rng, low, high, path, words)
    s = text(rng, words)
    while len(s) < low:
        s += " " + rng.choice(WORDS)
    if high is not None and len(s) > high:
        s = s[:high].rstrip() if len(s[:high].rstrip()) >= low else s[:high]
    return s


def _patterned(
    pattern: str, rng: random.Random, low: int, high: int | None, path: str, words: list[str]
) -> str:
    compiled = compiled_pattern(pattern)

    def fits(s: str) -> bool:
        ok_length = low <= len(s) and (high is None or len(s) <= high)
        return ok_length and (compiled is None or compiled.search(s) is True)

    hint = text(rng, words) if words and compiled is not None else ""
    if hint and fits(hint):
        return hint
    node = parse_pattern(pattern)
    if isinstance(node, str):
        raise UnsatisfiableSchema(
            f"{path}: cannot generate a string for pattern {pattern!r} ({node})"
        )
    for spread in (3, 3, 3, 0, 1, 6, 12, 24, 48, 96):
        if budget.expired():
            break
        drawn = sample(node, rng, spread)
        if drawn is None:
            raise UnsatisfiableSchema(
                f"{path}: pattern {pattern!r} asks for more than {budget.MAX_STRING_LENGTH} "
                "characters, the most the mock writes in one string"
            )
        s = drawn
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
    schema: Mapping[str, Any], rng: random.Random, path: str, name: str, *, integer: bool
) -> int | float:
    def bound(key: str) -> float | None:
        v = schema.get(key)
        return v if is_type(v, "number") else None

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
    words = name_words(name)
    hint_lo, hint_hi = number_hint(words) or (0.0, 100.0)
    a = max(hint_lo, low) if low is not None else hint_lo
    b = min(hint_hi, high) if high is not None else hint_hi
    if a > b:
        a = low if low is not None else b - 100
        b = high if high is not None else a + 100

    step = schema.get("multipleOf")
    if isinstance(step, int | float) and not isinstance(step, bool) and step > 0:
        return _multiple(rng, step, a, b, inside, integer, path)
    if integer:
        lo, hi = math.ceil(a), math.floor(b)
        candidates = [v for v in (lo, lo + 1, hi - 1, hi) if inside(v)]
        if lo <= hi:
            v = rng.randint(lo, hi)
            if inside(v):
                return v
        if candidates:
            return rng.choice(candidates)
        raise UnsatisfiableSchema(f"{path}: no integer lies within the bounds ({low}, {high})")
    x = round(rng.uniform(a, b), 2)
    if inside(x):
        return x
    mid = (a + b) / 2
    if inside(mid):
        return mid
    raise UnsatisfiableSchema(f"{path}: no number lies within the bounds ({low}, {high})")


def _multiple(
    rng: random.Random,
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
    for _ in range(4 * ATTEMPTS):
        k = rng.randint(k_lo, k_hi)
        v: int | float = k * unit if isinstance(unit, int) else round(k * unit, decimals)
        if integer:
            v = int(v)
        if inside(v) and is_multiple(v, step):
            return v
    raise UnsatisfiableSchema(
        f"{path}: no {'integer' if integer else 'number'} multiple of {step} lies within the bounds"
    )
