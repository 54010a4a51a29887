"""Request rules beyond the schema that o3-mini enforces (WIRE.md §1), in the order it applies them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockserver._contract import errors, validation
from mockserver._contract.errors import ApiError
from mockserver._contract.profiles import Profile
from mockserver._contract.violations import Violation


@functools.cache
def default_only() -> frozenset[str]:
    """Sampling parameters o3-mini takes at their default value only (the schema's
    ``const``). Another value is not a body-validation error but the model's "Unsupported
    parameter", as for a parameter it does not know (WIRE.md §1)."""
    properties = validation.schema("request")["properties"]
    return frozenset(name for name, node in properties.items() if "const" in node)


REFUSED: Mapping[str, Callable[[], ApiError]] = {"logprobs": errors.logprobs_not_allowed}
"""Top-level arguments outside the schema that o3-mini answers with an error of its own
rather than OpenAI's "Unrecognized request argument" (WIRE.md §1)."""


def first_error(profile: Profile, violations: Sequence[Violation]) -> ApiError:
    """The error for a request that breaks the schema: body-validation problems come from
    the gateway first; top-level arguments outside the schema (and sampling parameters away
    from their default) reach the model, which answers for the first one: "Unsupported
    parameter" for a sampling parameter, its own text for ``logprobs``, and "Unrecognized
    request argument supplied" for anything else (WIRE.md §1)."""
    unknown = [
        v
        for v in violations
        if v.path in default_only()
        or (v.rule == "additionalProperties" and "." not in v.path and "[" not in v.path)
    ]
    others = [v for v in violations if v not in unknown]
    if others:
        return errors.invalid_body(profile, others)
    name = unknown[0].path
    if name in default_only():
        return errors.unsupported_parameter(name)
    refused = REFUSED.get(name)
    return refused() if refused is not None else errors.unrecognized_argument(name)


def check(request: Mapping[str, Any], profile: Profile) -> ApiError | None:
    """The first rule `request` (schema-valid) breaks, as the error o3-mini answers with."""
    if not profile.accepts_max_tokens and "max_tokens" in request:
        return errors.unsupported_parameter("max_tokens")
    if not profile.accepts_parallel_tool_calls and "parallel_tool_calls" in request:
        return errors.unsupported_parameter("parallel_tool_calls")
    return _stream_options(request, profile) or _tool_choice(request) or _tool_messages(request)


def _stream_options(request: Mapping[str, Any], profile: Profile) -> ApiError | None:
    """OpenAI's text (BerriAI/litellm#5803); ``"stream_options": null`` is no option at all."""
    if (
        profile.stream_options_need_stream
        and request.get("stream_options") is not None
        and not request.get("stream")
    ):
        return ApiError(
            400,
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            source="upstream",
            param="stream_options",
        )
    return None


def _tool_choice(request: Mapping[str, Any]) -> ApiError | None:
    choice = request.get("tool_choice")
    tools = request.get("tools") or []
    if choice is None or choice == "none":
        return None
    if not tools:
        return errors.unsupported_value(
            "tool_choice", "'tool_choice' is only allowed when 'tools' are specified."
        )
    if isinstance(choice, dict):
        name = choice["function"]["name"]
        if name not in {t["function"]["name"] for t in tools}:
            return errors.unsupported_value(
                "tool_choice", f"function '{name}' is not among the functions in 'tools'."
            )
    return None


def _tool_messages(request: Mapping[str, Any]) -> ApiError | None:
    """Every tool message answers a call of the assistant message before it, and every call
    is answered before the conversation goes on (OpenAI's texts, typo included)."""
    open_calls: set[str] = set()
    for i, message in enumerate(request["messages"]):
        role = message["role"]
        if role == "tool":
            if message["tool_call_id"] not in open_calls:
                return ApiError(
                    400,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    source="upstream",
                    param=f"messages.[{i}].role",
                )
            open_calls.discard(message["tool_call_id"])
            continue
        if open_calls:
            return _unanswered(open_calls)
        open_calls = (
            {c["id"] for c in message.get("tool_calls") or ()} if role == "assistant" else set()
        )
    if open_calls:
        return _unanswered(open_calls)
    return None


def _unanswered(ids: set[str]) -> ApiError:
    return ApiError(
        400,
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(sorted(ids)),
        source="upstream",
        param="messages",
    )
