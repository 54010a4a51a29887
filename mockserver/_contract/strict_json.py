"""JSON as a strict parser reads it, with limits that keep one body's cost proportional.

Python's ``json`` accepts what RFC 8259 does not (``NaN``, ``Infinity``), turns ``1e400``
into infinity, keeps lone surrogates (``"\\ud800"``) that no UTF-8 encoder can write back,
and recurses once per nesting level. Every one of those used to escape as a 500 somewhere
downstream; here each becomes a `JsonProblem` that names what is wrong and, where it can,
the JSON path. The same checks apply to documents that did not come from JSON text
(YAML scenario files, values given in Python) through `check_value`.

Limits (docs/explanation/limits.md): nesting depth `MAX_DEPTH`, containers (objects plus arrays)
`MAX_CONTAINERS`, integers up to Python's 4300 digits, finite doubles only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import orjson

__all__ = [
    "MAX_CONTAINERS",
    "MAX_DEPTH",
    "JsonProblem",
    "check_structure",
    "check_value",
    "loads",
    "path_at",
    "reparse",
]

MAX_DEPTH = 64
"""Nesting levels of objects and arrays; a real request (tool schemas included) needs < 30."""
MAX_CONTAINERS = 100_000
"""Objects plus arrays in one document: about 7 MB once parsed, for any body size."""


class JsonProblem(ValueError):
    """The document is not one the mock accepts; the message names where and why."""


def path_at(path: str, key: str | int) -> str:
    """``messages[0].content`` style, the style of every error the mock writes."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if key.isidentifier():
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def loads(data: bytes | str) -> Any:
    """Parse `data` strictly; raises `JsonProblem` instead of any other exception."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    # Counting bytes is ~free; only a body with many brackets pays for the exact scan.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        check_structure(raw)
    if not isinstance(data, str) and not _long_digits(raw):
        # orjson is strict already (no NaN, no infinity, no lone surrogates) and ten times
        # faster; what it refuses goes on to the standard library, which names the problem.
        # Skipped for 19 digits in a row: orjson reads integers beyond 64 bits as floats.
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        # json.loads(data, parse_float=...) would build a decoder per call: one is shared.
        text = data if isinstance(data, str) else data.decode(json.detect_encoding(data))
        value = _DECODER.decode(text)
    except JsonProblem:
        raise
    except json.JSONDecodeError as exc:
        raise JsonProblem(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise JsonProblem(f"the body is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except RecursionError:  # pragma: no cover - check_structure bounds the depth first
        raise JsonProblem(f"objects and arrays nest deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # int(): more digits than Python converts
        raise JsonProblem(f"a number is too long: {exc}") from None
    if b"\\u" in raw and _SURROGATE_ESCAPE.search(raw):
        check_value(value)
    return value


def reparse(raw: bytes) -> Any:
    """`loads` for bytes it accepted before: the same value, without the checks those
    bytes passed already (a load test sends the same body again and again)."""
    if not _long_digits(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:  # accepted by the standard library (UTF-16, say)
            pass
    return loads(raw)


def check_value(value: Any, path: str = "") -> None:
    """Raise `JsonProblem` for what JSON cannot carry: non-finite numbers, lone surrogates,
    nesting deeper than `MAX_DEPTH`. For documents from YAML or Python."""
    _walk(value, path, 0)


def _walk(value: Any, path: str, depth: int) -> None:
    if isinstance(value, str):
        _text(value, path)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise JsonProblem(f"{path or 'the body'}: must be a finite number; got {value}")
    elif isinstance(value, Mapping | list | tuple):
        if depth >= MAX_DEPTH:
            raise JsonProblem(
                f"{path or 'the body'}: objects and arrays nest deeper than {MAX_DEPTH} levels"
            )
        if isinstance(value, Mapping):
            for key, item in value.items():
                where = path_at(path, str(key))
                if isinstance(key, str):
                    _text(key, where)
                _walk(item, where, depth + 1)
        else:
            for i, item in enumerate(value):
                _walk(item, path_at(path, i), depth + 1)


def _text(text: str, path: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        raise JsonProblem(
            f"{path or 'the body'}: holds a lone surrogate (\\u{ord(bad):04x}) at character "
            f"{exc.start}, which is not Unicode text; send the pair or the character itself"
        ) from None


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise JsonProblem(f"the number {shown} is out of range: JSON numbers must fit a double")
    return value


def _constant(name: str) -> Any:
    raise JsonProblem(f"{name} is not JSON: JSON has no NaN or Infinity")


_DECODER = json.JSONDecoder(parse_float=_float, parse_constant=_constant)
# \uD800-\uDFFF written as an escape: the only way JSON text can carry a surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_DIGITS_AS_ZERO = bytes(ord("0") if chr(b).isdigit() and b < 128 else ord(" ") for b in range(256))
_LONG_RUN = b"0" * 19


def _long_digits(raw: bytes) -> bool:
    """Whether `raw` holds 19 digits in a row. (One pass in C: ``re``'s ``[0-9]{19}``
    retries at every digit and cost 20 us on a 1.5 kB body.)"""
    return _LONG_RUN in raw.translate(_DIGITS_AS_ZERO)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def check_structure(raw: bytes, *, containers: int = MAX_CONTAINERS) -> None:
    """Raise `JsonProblem` when the JSON text `raw` nests deeper than `MAX_DEPTH` or holds
    more than `containers` objects and arrays; counted from the brackets outside strings,
    before parsing, so ``[{},{},...]`` or 100,000 ``[`` are refused at C speed."""
    skeleton = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    found = skeleton.count(b"[") + skeleton.count(b"{")
    if found > containers:
        raise JsonProblem(
            f"the body holds {found} objects and arrays; the mock accepts at most {containers}"
        )
    # Each pass removes exactly one level of innermost pairs (sub does not rescan its output).
    for _ in range(MAX_DEPTH):
        shorter = _INNERMOST.sub(b"", skeleton)
        if not shorter or len(shorter) == len(skeleton):
            return  # fully matched, or unbalanced: json.loads names the syntax error
        skeleton = shorter
    if _INNERMOST.search(skeleton):
        raise JsonProblem(f"objects and arrays nest deeper than {MAX_DEPTH} levels")
