"""Invalid chat requests: a realistic request broken in exactly one schema rule, with the
JSON path of the break."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver._strategies.common import (
    ALNUM,
    BUDGET_MIN,
    DEFAULT_ONLY,
    EFFORTS,
    INCLUDE_USAGE,
    MODELS,
    N_MAX,
    N_MIN,
    ROLES,
    SEED_MIN,
    STOP_LIST,
    UNKNOWN_PARAMETERS,
    Json,
)
from mockserver._strategies.requests import realistic_requests, stop_texts

_Breaker = Callable[[DrawFn, Json], str]


def _set(key: str, value: Any) -> _Breaker:
    """Set a top-level parameter to a wrong value (a strategy of them, or a fixed one)."""

    def breaker(draw: DrawFn, request: Json) -> str:
        request[key] = draw(value) if isinstance(value, SearchStrategy) else copy.deepcopy(value)
        return key

    return breaker


def _indices(request: Json, test: Callable[[Json], bool]) -> list[int]:
    return [i for i, m in enumerate(request["messages"]) if test(m)]


def _bad_message(draw: DrawFn, request: Json) -> str:
    i = draw(st.sampled_from(_indices(request, lambda m: m["role"] == "user")))
    if draw(st.booleans()):
        del request["messages"][i]["content"]
        return f"messages[{i}].content"
    bad_roles = [r for r in ("function", "bot", "model", "User") if r not in ROLES]
    request["messages"][i]["role"] = draw(st.sampled_from(bad_roles))
    return f"messages[{i}].role"


def _bad_tool_call_id(draw: DrawFn, request: Json) -> str:
    i = draw(st.sampled_from(_indices(request, lambda m: m["role"] == "tool")))
    if draw(st.booleans()):
        del request["messages"][i]["tool_call_id"]
    else:
        request["messages"][i]["tool_call_id"] = ""
    return f"messages[{i}].tool_call_id"


def _arguments_as_object(draw: DrawFn, request: Json) -> str:
    i = draw(st.sampled_from(_indices(request, lambda m: bool(m.get("tool_calls")))))
    j = draw(st.integers(0, len(request["messages"][i]["tool_calls"]) - 1))
    function = request["messages"][i]["tool_calls"][j]["function"]
    function["arguments"] = json.loads(function["arguments"])  # a classic client bug
    return f"messages[{i}].tool_calls[{j}].function.arguments"


def _bad_tool(draw: DrawFn, request: Json) -> str:
    choice = request.get("tool_choice")
    named = choice["function"]["name"] if isinstance(choice, dict) else None
    # Renaming the named function would break a second rule (the choice names no tool).
    free = [i for i, t in enumerate(request["tools"]) if t["function"]["name"] != named]
    i = draw(st.sampled_from(free))
    if draw(st.booleans()):
        request["tools"][i]["type"] = draw(st.sampled_from(["custom", "retrieval"]))
        return f"tools[{i}].type"
    name = draw(st.sampled_from(["get weather", "x" * 65, "", "wetter.abfragen"]))
    request["tools"][i]["function"]["name"] = name
    return f"tools[{i}].function.name"


def _bad_stream_options(draw: DrawFn, request: Json) -> str:
    request["stream"] = True
    if draw(st.booleans()):
        request["stream_options"] = {}
        return f"stream_options.{INCLUDE_USAGE}"
    request["stream_options"] = {INCLUDE_USAGE: True, "include_obfuscation": False}
    return "stream_options.include_obfuscation"


def _unknown_parameter(draw: DrawFn, request: Json) -> str:
    name = draw(st.sampled_from(UNKNOWN_PARAMETERS))
    request[name] = draw(st.floats(0, 2) | st.booleans() | st.text(ALNUM, max_size=8))
    return name


def _off_default(draw: DrawFn, request: Json) -> str:
    """A sampling parameter o3-mini takes only at its default, set to another value."""
    name = draw(st.sampled_from(sorted(DEFAULT_ONLY)))
    default = DEFAULT_ONLY[name]
    request[name] = draw(st.sampled_from([0.2, 0.7, 1.5, -1]).filter(lambda v: v != default))
    return name


def _schema_missing(draw: DrawFn, request: Json) -> str:
    del request["response_format"]["json_schema"]["schema"]
    return "response_format.json_schema.schema"


def _too_many_stops(draw: DrawFn, request: Json) -> str:
    size = STOP_LIST["maxItems"] + 1
    request["stop"] = draw(st.just([]) | st.lists(stop_texts, min_size=size, max_size=size + 2))
    return "stop"


_ALWAYS: list[_Breaker] = [
    _set("n", st.sampled_from([N_MIN - 1, N_MAX + 1, "2", 1.5])),
    _too_many_stops,
    _unknown_parameter,
    _off_default,
    _set("model", st.sampled_from([m for m in ("gpt-4o", "openai/o3-mini", "O3-MINI") if m not in MODELS])),
    _set("reasoning_effort", st.sampled_from([e for e in ("minimal", "none", "xhigh", "HIGH") if e not in EFFORTS])),
    _set("max_completion_tokens", st.sampled_from([BUDGET_MIN - 1, -5, "100"])),
    _set("seed", st.sampled_from([SEED_MIN - 1, 1.5, "42"])),
    _set("stream", st.sampled_from(["true", 1])),
    _bad_stream_options,
    _set("messages", []),
    _bad_message,
    _set("response_format", {"type": "json"}),
]  # fmt: skip


def _breakers(request: Json) -> list[_Breaker]:
    found = list(_ALWAYS)
    if _indices(request, lambda m: m["role"] == "tool"):
        found.append(_bad_tool_call_id)
    if _indices(request, lambda m: bool(m.get("tool_calls"))):
        found.append(_arguments_as_object)
    if len(request.get("tools") or ()) > isinstance(request.get("tool_choice"), dict):
        found.append(_bad_tool)
    if request.get("tools"):
        found.append(_set("tool_choice", st.sampled_from(["any", "function"])))
    if (request.get("response_format") or {}).get("type") == "json_schema":
        found.append(_schema_missing)
    return found


@st.composite
def invalid_requests(draw: DrawFn) -> tuple[Json, str]:
    request = draw(realistic_requests(None, None, 8))
    path = draw(st.sampled_from(_breakers(request)))(draw, request)
    return request, path


def invalid_chat_requests() -> SearchStrategy[tuple[Json, str]]:
    """A realistic valid request broken in exactly one schema rule, with the JSON path of
    the break (``n``, ``stop``, ``messages[1].tool_call_id``, ``tools[0].function.name``, an
    unknown parameter such as ``logprobs``, ``temperature`` away from its default 1...). The path is among those
    `mockserver.schemas.validate_request` reports; the mock answers 400 (403 for
    ``logprobs``; 404 for an unknown model in the ``openai`` profile and the 2025 wire).

    Examples shrink toward the minimal request with an out-of-range ``n``.
    """
    return invalid_requests()
