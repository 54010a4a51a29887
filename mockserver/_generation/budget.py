"""Bounds on schema-driven generation, so that one request cannot stop the server.

A user's JSON Schema (a tool's ``parameters``, a ``json_schema`` response format) can ask
for a string of a billion characters, a pattern that backtracks for ever, or a search
that never ends. Generation is capped at sizes a model would write, every regular
expression runs with a timeout (`mockserver._contract.timed_regex`), and one request's
generation has a time budget; past any of them generation raises ``UnsatisfiableSchema`` naming the path,
which the mock answers with a 400. The caps are listed in README "Limits".
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "GENERATION_SECONDS",
    "MAX_ITEMS",
    "MAX_OUTPUT_CHARS",
    "MAX_PROPERTIES",
    "MAX_STRING_LENGTH",
    "deadline",
    "expired",
    "schema_driven",
]

MAX_STRING_LENGTH = 10_000
"""Characters in one generated string (``minLength`` or a pattern asking for more: 400)."""
MAX_ITEMS = 1_000
"""Items in one generated array (``minItems`` above it: 400)."""
MAX_PROPERTIES = 1_000
"""Properties in one generated object (``minProperties`` above it: 400)."""
MAX_OUTPUT_CHARS = 1_000_000
"""Characters of strings in one generated value, all strings together."""
GENERATION_SECONDS = 2.0
"""Time one request may spend generating values for its schemas."""
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "mockserver_generation_deadline", default=None
)


@contextlib.contextmanager
def deadline(seconds: float | None = None) -> Iterator[None]:
    """Every value generated inside shares one budget of `seconds` (per request;
    `GENERATION_SECONDS` by default)."""
    token = _DEADLINE.set(time.monotonic() + (GENERATION_SECONDS if seconds is None else seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def expired() -> bool:
    limit = _DEADLINE.get()
    return limit is not None and time.monotonic() > limit


def schema_driven(request: Mapping[str, Any]) -> bool:
    """Whether answering `request` may generate values for a user's schema (the slow part)."""
    fmt = request.get("response_format")
    return bool(request.get("tools")) or (isinstance(fmt, Mapping) and "json_schema" in fmt)
