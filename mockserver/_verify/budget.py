"""Cheap requests: every example against a real provider is a billed request, so by default
`verify` asks for little reasoning, few tokens, one or two choices and short prompts."""

from __future__ import annotations

import copy
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


def cheap(request: Any, keep: frozenset[str] = frozenset()) -> Any:
    """A copy of `request` made cheap; the top-level fields in `keep` stay as they are (an
    invalid request keeps the field that makes it invalid)."""
    if not isinstance(request, dict):
        return request
    out = copy.deepcopy(request)

    def cap(name: str, limit: int) -> None:
        value = out.get(name)
        if name not in keep and (value is None or (type(value) is int and value > limit)):
            out[name] = limit

    if "reasoning_effort" not in keep:
        out["reasoning_effort"] = CHEAP_EFFORT
    cap("max_completion_tokens", CHEAP_MAX_TOKENS)
    if "max_tokens" in out:
        cap("max_tokens", CHEAP_MAX_TOKENS)
    if "n" in out:
        cap("n", CHEAP_N)
    if "messages" not in keep and isinstance(out.get("messages"), list):
        for message in out["messages"]:
            if isinstance(message, dict) and isinstance(message.get("content"), str):
                message["content"] = message["content"][:CHEAP_TEXT]
    return out
