"""Cheap requests: every example against a real provider is a billed request, so by default
`verify` asks for little reasoning, few tokens, one or two choices and short prompts."""

from __future__ import annotations

import copy
import re
from typing import Any

from mockserver._contract import validation

CHEAP_EFFORT = "low"
CHEAP_MAX_TOKENS = 256
CHEAP_N = 2
CHEAP_TEXT = 120
"""Characters kept of each message's text."""
CHEAP_MESSAGES = 4

_PARAMS = validation.schema("request")["properties"]
assert CHEAP_EFFORT in _PARAMS["reasoning_effort"]["enum"]
TOKEN_LIMITS = tuple(sorted(name for name in _PARAMS if re.fullmatch(r"max_\w*tokens", name)))
"""Every token-limit parameter the request schema declares (``max_completion_tokens``,
``max_tokens``, ...): read from it, so a new one is capped too."""


def cheap(request: Any, keep: frozenset[str] = frozenset()) -> Any:
    """A copy of `request` made cheap; the top-level fields in `keep` stay as they are (an
    invalid request keeps the field that makes it invalid)."""
    if not isinstance(request, dict):
        return request
    out = copy.deepcopy(request)

    def cap(name: str, limit: int) -> None:
        value = out.get(name)
        # Any number above the limit, integral or not (1.4e308 is a valid max_tokens).
        large = isinstance(value, int | float) and not isinstance(value, bool) and value > limit
        if name not in keep and (value is None or large):
            out[name] = limit

    if "reasoning_effort" not in keep:
        out["reasoning_effort"] = CHEAP_EFFORT
    cap("max_completion_tokens", CHEAP_MAX_TOKENS)
    for name in TOKEN_LIMITS:
        if name in out:
            cap(name, CHEAP_MAX_TOKENS)
    if "n" in out:
        cap("n", CHEAP_N)
    if "messages" not in keep and isinstance(out.get("messages"), list):
        for message in out["messages"]:
            if isinstance(message, dict) and isinstance(message.get("content"), str):
                message["content"] = message["content"][:CHEAP_TEXT]
    return out
