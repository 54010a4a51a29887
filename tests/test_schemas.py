"""The contract as a user meets it: which bodies pass, and where each broken one is wrong."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mockserver import schemas
from mockserver._contract import sse
from mockserver._contract.violations import ContractViolation, Violation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DELETE = object()

MINIMAL: dict[str, Any] = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text("utf-8"))


SEED = fixture("requests/seed.json")
TOOLS = fixture("requests/tools.json")
MULTI_TURN = fixture("requests/multi-turn-tool-result.json")
STRUCTURED = fixture("requests/structured-output.json")


def changed(base: Any, path: tuple[str | int, ...], value: object) -> Any:
    """A deep copy of `base` with the value at `path` replaced (or removed, for DELETE)."""
    body = copy.deepcopy(base)
    *parents, last = path
    target = body
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return body


def paths(found: list[Violation]) -> set[str]:
    return {v.path for v in found}


def rules(found: list[Violation]) -> set[tuple[str, str]]:
    return {(v.path, v.rule) for v in found}


# ---- requests ----------------------------------------------------------------------------

USER_THEN_TOOL = changed(
    MINIMAL, ("messages",), [{"role": "user", "content": "Hi"}, {"role": "tool", "content": "42"}]
)

INVALID_REQUESTS = [
    pytest.param(changed(MINIMAL, ("messages", 0, "role"), "robot"), {"messages[0].role"}, id="unknown-role"),
    pytest.param(changed(MINIMAL, ("messages", 0, "role"), 1), {"messages[0].role"}, id="role-not-a-string"),
    pytest.param(changed(MINIMAL, ("messages", 0, "role"), DELETE), {"messages[0].role"}, id="role-missing"),
    pytest.param(changed(MINIMAL, ("messages", 0), "Hello"), {"messages[0]"}, id="message-not-an-object"),
    pytest.param(changed(MINIMAL, ("messages", 0, "content"), DELETE), {"messages[0].content"}, id="user-content-missing"),
    pytest.param(changed(MINIMAL, ("messages", 0, "content"), None), {"messages[0].content"}, id="user-content-null"),
    pytest.param(changed(MINIMAL, ("messages", 0, "content"), 42), {"messages[0].content"}, id="user-content-number"),
    pytest.param(changed(MINIMAL, ("messages", 0, "content"), []), {"messages[0].content"}, id="empty-content-parts"),
    pytest.param(
        changed(MINIMAL, ("messages", 0, "content"), [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]),
        {"messages[0].content[0].type", "messages[0].content[0].text", "messages[0].content[0].image_url"},
        id="image-part",
    ),
    pytest.param(changed(MINIMAL, ("messages", 0, "content"), [{"type": "text"}]), {"messages[0].content[0].text"}, id="text-part-without-text"),
    pytest.param(changed(MINIMAL, ("messages", 0), {"role": "system", "content": 1}), {"messages[0].content"}, id="system-content-number"),
    pytest.param(changed(MINIMAL, ("messages", 0, "tool_call_id"), "call_1"), {"messages[0].tool_call_id"}, id="user-with-tool_call_id"),
    pytest.param(USER_THEN_TOOL, {"messages[1].tool_call_id"}, id="tool-without-tool_call_id"),
    pytest.param(changed(USER_THEN_TOOL, ("messages", 1, "tool_call_id"), ""), {"messages[1].tool_call_id"}, id="tool_call_id-empty"),
    pytest.param(changed(MULTI_TURN, ("messages", 3, "tool_call_id"), DELETE), {"messages[3].tool_call_id"}, id="multi-turn-tool-result-without-id"),
    pytest.param(
        changed(MULTI_TURN, ("messages", 2, "tool_calls", 0, "function", "arguments"), {"location": "Boston, MA"}),
        {"messages[2].tool_calls[0].function.arguments"},
        id="tool-call-arguments-object",
    ),
    pytest.param(changed(MULTI_TURN, ("messages", 2, "tool_calls", 0, "id"), DELETE), {"messages[2].tool_calls[0].id"}, id="tool-call-without-id"),
    pytest.param(changed(MULTI_TURN, ("messages", 2, "refusal"), 0), {"messages[2].refusal"}, id="assistant-refusal-number"),
    pytest.param(changed(MINIMAL, ("stop",), ["a", "b", "c", "d", "e"]), {"stop"}, id="five-stop-strings"),
    pytest.param(changed(MINIMAL, ("stop",), []), {"stop"}, id="empty-stop-list"),
    pytest.param(changed(MINIMAL, ("stop",), 7), {"stop"}, id="stop-number"),
    pytest.param(changed(MINIMAL, ("stop",), ["END", 7]), {"stop[1]"}, id="stop-list-with-number"),
    pytest.param(changed(TOOLS, ("tool_choice",), "any"), {"tool_choice"}, id="tool_choice-unknown-string"),
    pytest.param(changed(TOOLS, ("tool_choice",), {"type": "function"}), {"tool_choice.function"}, id="tool_choice-without-function"),
    pytest.param(changed(TOOLS, ("tool_choice",), 1), {"tool_choice"}, id="tool_choice-wrong-type"),
    pytest.param(
        changed(TOOLS, ("tool_choice",), {"type": "function", "function": {"name": "get weather"}}),
        {"tool_choice.function.name"},
        id="tool_choice-bad-name",
    ),
    pytest.param(changed(STRUCTURED, ("response_format", "json_schema", "schema"), DELETE), {"response_format.json_schema.schema"}, id="json_schema-without-schema"),
    pytest.param(changed(STRUCTURED, ("response_format", "json_schema", "schema"), "{}"), {"response_format.json_schema.schema"}, id="json_schema-schema-string"),
    pytest.param(changed(STRUCTURED, ("response_format", "json_schema"), DELETE), {"response_format.json_schema"}, id="json_schema-missing"),
    pytest.param(changed(MINIMAL, ("response_format",), {"type": "xml"}), {"response_format"}, id="response_format-unknown-type"),
    pytest.param(changed(MINIMAL, ("temperature",), 0.2), {"temperature"}, id="temperature"),
    pytest.param(changed(MINIMAL, ("top_p",), 0.9), {"top_p"}, id="top_p"),
    pytest.param(changed(MINIMAL, ("n",), 0), {"n"}, id="n-0"),
    pytest.param(changed(MINIMAL, ("n",), 129), {"n"}, id="n-129"),
    pytest.param(changed(MINIMAL, ("n",), 1.5), {"n"}, id="n-fraction"),
    pytest.param(changed(MINIMAL, ("seed",), 0), {"seed"}, id="seed-0"),
    pytest.param(changed(MINIMAL, ("seed",), "1"), {"seed"}, id="seed-string"),
    pytest.param(changed(MINIMAL, ("max_completion_tokens",), 0), {"max_completion_tokens"}, id="max_completion_tokens-0"),
    pytest.param(changed(MINIMAL, ("max_completion_tokens",), 1.5), {"max_completion_tokens"}, id="max_completion_tokens-fraction"),
    pytest.param(changed(MINIMAL, ("max_tokens",), 0.5), {"max_tokens"}, id="max_tokens-0.5"),
    pytest.param(changed(TOOLS, ("tools", 0, "function", "name"), "get weather"), {"tools[0].function.name"}, id="function-name-with-space"),
    pytest.param(changed(TOOLS, ("tools", 0, "function", "name"), "f" * 65), {"tools[0].function.name"}, id="function-name-65-chars"),
    pytest.param(changed(TOOLS, ("tools", 0, "function", "name"), ""), {"tools[0].function.name"}, id="function-name-empty"),
    pytest.param(changed(TOOLS, ("tools", 0, "function", "parameters"), "{}"), {"tools[0].function.parameters"}, id="function-parameters-string"),
    pytest.param(changed(TOOLS, ("tools", 0, "function"), DELETE), {"tools[0].function"}, id="tool-without-function"),
    pytest.param(changed(TOOLS, ("tools", 0, "type"), "custom"), {"tools[0].type"}, id="tool-type-custom"),
    pytest.param(changed(TOOLS, ("tools",), TOOLS["tools"][0]), {"tools"}, id="tools-not-an-array"),
    pytest.param(changed(MINIMAL, ("messages",), []), {"messages"}, id="empty-messages"),
    pytest.param(changed(MINIMAL, ("messages",), MINIMAL["messages"][0]), {"messages"}, id="messages-not-an-array"),
    pytest.param(changed(MINIMAL, ("messages",), DELETE), {"messages"}, id="messages-missing"),
    pytest.param(changed(MINIMAL, ("model",), DELETE), {"model"}, id="model-missing"),
    pytest.param(changed(MINIMAL, ("model",), "gpt-4o"), {"model"}, id="unknown-model"),
    pytest.param(changed(MINIMAL, ("stream",), "true"), {"stream"}, id="stream-string"),
    pytest.param(changed(MINIMAL, ("stream_options",), {}), {"stream_options.include_usage"}, id="stream_options-without-include_usage"),
    pytest.param(
        changed(MINIMAL, ("stream_options",), {"include_usage": True, "include_obfuscation": False}),
        {"stream_options.include_obfuscation"},
        id="stream_options-unknown-key",
    ),
    pytest.param(changed(SEED, ("reasoning_effort",), "max"), {"reasoning_effort"}, id="reasoning_effort-max"),
    pytest.param(changed(SEED, ("parallel_tool_calls",), "yes"), {"parallel_tool_calls"}, id="parallel_tool_calls-string"),
    pytest.param(changed(MINIMAL, ("provider",), 1), {"provider"}, id="provider-number"),
    pytest.param(changed(MINIMAL, ("logprobs",), True), {"logprobs"}, id="unknown-parameter"),
    pytest.param([MINIMAL], {""}, id="body-an-array"),
    pytest.param("model=o3-mini", {""}, id="body-a-string"),
]  # fmt: skip


def test_there_are_at_least_35_invalid_requests() -> None:
    assert len(INVALID_REQUESTS) >= 35


@pytest.mark.parametrize(("body", "expected"), INVALID_REQUESTS)
def test_invalid_request_is_reported_at_its_path(body: object, expected: set[str]) -> None:
    found = schemas.validate_request(body)
    assert paths(found) == expected, found
    assert not schemas.is_valid("request", body)


@pytest.mark.parametrize(
    ("body", "violation"),
    [
        pytest.param(changed(MINIMAL, ("logprobs",), True), "logprobs: is not a recognised field here", id="unknown-parameter"),
        pytest.param(changed(MINIMAL, ("temperature",), 0.2), "temperature: must be 1; got 0.2", id="default-only"),
        pytest.param(changed(MINIMAL, ("n",), 0), "n: must be >= 1; got 0", id="minimum"),
        pytest.param(changed(MINIMAL, ("stop",), ["a", "b", "c", "d", "e"]), "stop: must have at most 4 item(s); got 5", id="maxItems"),
        pytest.param(USER_THEN_TOOL, "messages[1].tool_call_id: is required", id="required"),
        pytest.param(changed(MINIMAL, ("model",), "o3"), 'model: must be one of "o3-mini"; got "o3"', id="enum"),
    ],
)  # fmt: skip
def test_violation_messages_name_what_is_right(body: object, violation: str) -> None:
    assert violation in [str(v) for v in schemas.validate_request(body)]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(SEED, id="seed"),
        pytest.param(MINIMAL, id="minimal"),
        pytest.param(TOOLS, id="tools"),
        pytest.param(MULTI_TURN, id="multi-turn"),
        pytest.param(STRUCTURED, id="structured-output"),
        pytest.param(changed(MINIMAL, ("stop",), ["a", "b", "c", "d"]), id="four-stop-strings"),
        pytest.param(changed(MINIMAL, ("stop",), None), id="stop-null"),
        pytest.param(changed(MINIMAL, ("n",), None), id="n-null"),
        pytest.param(changed(MINIMAL, ("stream_options",), None), id="stream_options-null"),
        pytest.param(changed(MINIMAL, ("max_tokens",), 1.5), id="max_tokens-number"),
        pytest.param(changed(MINIMAL, ("provider",), "openai"), id="provider"),
        pytest.param(changed(MINIMAL, ("response_format",), {"type": "json_object"}), id="json_object"),
        pytest.param(
            changed(MINIMAL, ("messages", 0, "content"), [{"type": "text", "text": "Hi"}]),
            id="text-parts",
        ),
        pytest.param(
            changed(TOOLS, ("tool_choice",), {"type": "function", "function": {"name": "get_current_weather"}}),
            id="named-tool_choice",
        ),
        pytest.param(changed(TOOLS, ("tools", 0, "function", "name"), "f" * 64), id="function-name-64-chars"),
    ],
)  # fmt: skip
def test_valid_request_is_accepted(body: object) -> None:
    assert schemas.validate_request(body) == []
    assert schemas.is_valid("request", body)


# ---- completions ---------------------------------------------------------------------------

TOOL_CALL = fixture("completions/tool-call.json")
N2 = fixture("completions/n2.json")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            changed(TOOL_CALL, ("usage", "total_tokens"), 1), {("usage.total_tokens", "semantic:total")}, id="total-mismatch"
        ),
        pytest.param(
            changed(TOOL_CALL, ("usage", "completion_tokens_details", "reasoning_tokens"), 154),
            {("usage.completion_tokens_details.reasoning_tokens", "semantic:reasoning")},
            id="reasoning-above-completion",
        ),
        pytest.param(
            changed(TOOL_CALL, ("usage", "prompt_tokens_details", "cached_tokens"), 113),
            {("usage.prompt_tokens_details.cached_tokens", "semantic:cached")},
            id="cached-above-prompt",
        ),
        pytest.param(changed(N2, ("choices", 1, "index"), 0), {("choices[1].index", "semantic:index")}, id="duplicate-choice-index"),
        pytest.param(changed(N2, ("choices", 1, "index"), 2), {("choices", "semantic:index")}, id="choice-index-gap"),
        pytest.param(
            changed(TOOL_CALL, ("choices", 0, "message", "tool_calls"), DELETE),
            {("choices[0].message.tool_calls", "semantic:tool_calls")},
            id="tool_calls-finish-without-tool_calls",
        ),
        pytest.param(changed(TOOL_CALL, ("usage",), DELETE), {("usage", "required")}, id="usage-missing"),
        pytest.param(
            changed(TOOL_CALL, ("choices", 0, "finish_reason"), "function_call"),
            {("choices[0].finish_reason", "enum")},
            id="finish_reason-function_call",
        ),
        pytest.param(
            changed(TOOL_CALL, ("choices", 0, "message", "tool_calls", 0, "function", "arguments"), {}),
            {("choices[0].message.tool_calls[0].function.arguments", "type")},
            id="arguments-object",
        ),
    ],
)  # fmt: skip
def test_invalid_completion_is_reported_at_its_path(
    body: object, expected: set[tuple[str, str]]
) -> None:
    assert rules(schemas.validate_completion(body)) == expected


def test_completion_accepts_provider_and_openai_extras() -> None:
    body = changed(TOOL_CALL, ("meta",), {"usage": {"credits_used": 1234, "usd_spent": 0.0006}})
    body["service_tier"] = "default"
    body["choices"][0]["logprobs"] = None
    assert schemas.validate_completion(body) == []


def test_usage_chunk_arithmetic_is_checked() -> None:
    chunk = {
        "id": "chatcmpl-X",
        "object": "chat.completion.chunk",
        "created": 1744186373,
        "model": "o3-mini-2025-01-31",
        "choices": [],
        "usage": {"prompt_tokens": 16, "completion_tokens": 270, "total_tokens": 280},
    }
    assert rules(schemas.validate_chunk(chunk)) == {("usage.total_tokens", "semantic:total")}


# ---- transcripts ----------------------------------------------------------------------------


def chunks(name: str) -> list[Any]:
    events = sse.decode((FIXTURES / "streams" / name).read_bytes())
    return [json.loads(e.data) for e in events if e.data != sse.DONE]


def transcript(events: list[Any], *, done: bool = True) -> bytes:
    return b"".join(sse.encode(e) for e in events) + (sse.DONE_EVENT if done else b"")


TEXT = chunks("text.sse")  # 12 chunks: role, 10 pieces of content, finish
TOOL = chunks("tool-call.sse")
USAGE = chunks("include-usage.sse")  # 13 chunks: the text stream, then the usage chunk


def _broken_json() -> bytes:
    events = transcript(TEXT).split(b"\n\n")
    events[2] = b'data: {"id":'
    return b"\n\n".join(events)


def _with(events: list[Any], at: int, path: tuple[str | int, ...], value: object) -> list[Any]:
    out = copy.deepcopy(events)
    out[at] = changed(out[at], path, value)
    return out


AFTER_USAGE = {**USAGE[-1], "usage": None, "choices": []}

INVALID_TRANSCRIPTS = [
    pytest.param(transcript(TEXT[:-1], done=False), {("", "sse:unfinished")}, id="cut-before-the-finish"),
    pytest.param(transcript(_with(TEXT, 3, ("id",), "chatcmpl-other")), {("events[3]", "semantic:identity")}, id="changed-id"),
    pytest.param(transcript(_with(TEXT, 3, ("created",), 1)), {("events[3]", "semantic:identity")}, id="changed-created"),
    pytest.param(
        transcript(_with(TOOL, 2, ("choices", 0, "delta", "tool_calls", 0, "id"), "call_c91SqDXlYFuETYv8mUHzz6pp")),
        {("events[2].choices[0].delta.tool_calls[0].id", "semantic:tool_call_header")},
        id="tool-call-id-repeated",
    ),
    pytest.param(
        transcript(_with(TOOL, 2, ("choices", 0, "delta", "tool_calls", 0, "function", "name"), "get_current_weather")),
        {("events[2].choices[0].delta.tool_calls[0].function.name", "semantic:tool_call_header")},
        id="tool-call-name-repeated",
    ),
    pytest.param(
        transcript(_with(TOOL, 0, ("choices", 0, "delta", "tool_calls", 0, "id"), DELETE)),
        {("events[0].choices[0].delta.tool_calls[0].id", "semantic:tool_call_header")},
        id="first-tool-call-delta-without-id",
    ),
    pytest.param(
        transcript(_with(USAGE, 12, ("choices",), [{"index": 1, "delta": {}, "finish_reason": "stop"}])),
        {("events[12].choices", "semantic:usage_chunk")},
        id="usage-chunk-with-choices",
    ),
    pytest.param(transcript([*USAGE, AFTER_USAGE]), {("events[13]", "semantic:usage_last")}, id="chunk-after-usage-chunk"),
    pytest.param(_broken_json(), {("events[2]", "sse:json")}, id="invalid-json-event"),
    pytest.param(transcript([*TEXT, TEXT[1]]), {("events[12].choices[0]", "semantic:after_finish")}, id="chunk-after-finish"),
    pytest.param(transcript(TEXT) + sse.encode(TEXT[1]), {("events[13]", "sse:after_done")}, id="event-after-done"),
    pytest.param(transcript(TEXT[:-1]), {("", "sse:unfinished")}, id="no-finish_reason"),
    pytest.param(
        transcript(_with(TEXT, 2, ("choices", 0, "delta", "content"), 5)),
        {("events[2].choices[0].delta.content", "type")},
        id="chunk-breaks-schema",
    ),
    pytest.param(
        transcript([*TEXT[:3], {"error": {"message": "boom"}}]),
        {("events[3].error.type", "required"), ("events[3].error.param", "required"), ("events[3].error.code", "required")},
        id="error-event-incomplete",
    ),
    pytest.param(b"", {("", "sse:empty")}, id="empty"),
    pytest.param(b"hello, world\n", {("", "sse:empty")}, id="not-sse"),
    pytest.param(b"data: \xff\n\n", {("", "encoding")}, id="not-utf-8"),
]  # fmt: skip


def test_a_stream_may_end_cleanly_at_the_close_without_done() -> None:
    """The provider's published transcripts end without data: [DONE] (docs/WIRE.md §3);
    a stream cut before a choice finished is still broken."""
    assert schemas.validate_transcript(transcript(USAGE, done=False)) == []
    cut = schemas.validate_transcript(transcript(TEXT[:-1], done=False))
    assert [v.message for v in cut] == [
        "choice 0 never received a finish_reason (the stream ended without data: [DONE])"
    ]


@pytest.mark.parametrize(("text", "expected"), INVALID_TRANSCRIPTS)
def test_invalid_transcript_is_reported_at_its_path(
    text: bytes, expected: set[tuple[str, str]]
) -> None:
    assert rules(schemas.validate_transcript(text)) == expected


def test_transcript_may_be_text() -> None:
    assert schemas.validate_transcript(transcript(TEXT).decode()) == []


# ---- errors ------------------------------------------------------------------------------

GATEWAY: dict[str, Any] = {
    "message": "Too Many Requests",
    "path": "/v1/chat/completions",
    "requestId": "e1f3a5b7-3c5d-4e7f-a9b1-c2d3e4f5a6b7",
    "statusCode": 429,
    "timestamp": "2025-12-05T14:10:03.051Z",
}
ENVELOPE: dict[str, Any] = {
    "error": {
        "message": "Unsupported parameter: 'temperature' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": "unsupported_parameter",
    }
}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(ENVELOPE, id="openai-envelope"),
        pytest.param(GATEWAY, id="flat-integer-statusCode"),
        pytest.param(changed(GATEWAY, ("statusCode",), "429"), id="flat-string-statusCode"),
        pytest.param(changed(ENVELOPE, ("error", "param"), None), id="envelope-null-param"),
    ],
)
def test_error_schema_accepts_both_shapes(body: object) -> None:
    assert schemas.validate_error(body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(changed(ENVELOPE, ("error", "param"), DELETE), {"error.param"}, id="envelope-without-param"),
        pytest.param(changed(ENVELOPE, ("error",), "boom"), {"error"}, id="envelope-error-string"),
        pytest.param([], {""}, id="array"),
    ],
)  # fmt: skip
def test_invalid_error_is_reported_at_its_path(body: object, expected: set[str]) -> None:
    assert paths(schemas.validate_error(body)) == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(changed(GATEWAY, ("statusCode",), "42"), id="statusCode-two-digits"),
        pytest.param(changed(GATEWAY, ("statusCode",), 600), id="statusCode-600"),
        pytest.param(changed(GATEWAY, ("statusCode",), 429.5), id="statusCode-fraction"),
        pytest.param(changed(GATEWAY, ("requestId",), DELETE), id="requestId-missing"),
        pytest.param(changed(GATEWAY, ("message",), ""), id="message-empty"),
    ],
)
def test_error_schema_rejects_broken_flat_bodies(body: object) -> None:
    assert schemas.validate_error(body) != []


def test_broken_flat_body_is_reported_at_the_flat_field() -> None:
    assert paths(schemas.validate_error(changed(GATEWAY, ("statusCode",), "42"))) == {"statusCode"}


# ---- check() and format_path ----------------------------------------------------------------


def test_check_raises_contract_violation_listing_the_paths() -> None:
    body = changed(changed(MINIMAL, ("n",), 0), ("logprobs",), True)
    with pytest.raises(ContractViolation) as caught:
        schemas.check("request", body)
    assert caught.value.kind == "request"
    assert {v.path for v in caught.value.violations} == {"n", "logprobs"}
    text = str(caught.value)
    assert text.startswith("invalid request (2 violation(s)):")
    assert "\n  n: must be >= 1; got 0" in text
    assert "\n  logprobs: is not a recognised field here" in text


def test_check_passes_a_valid_value_silently() -> None:
    schemas.check("request", SEED)
    schemas.check("transcript", transcript(TEXT))


def test_check_reports_the_root_as_root() -> None:
    with pytest.raises(ContractViolation, match=r"\(root\): must be an object"):
        schemas.check("completion", [])


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        pytest.param([], "", id="empty"),
        pytest.param(["model"], "model", id="key"),
        pytest.param(["messages", 0, "role"], "messages[0].role", id="key-index-key"),
        pytest.param(["stop", 1], "stop[1]", id="trailing-index"),
        pytest.param([0, "choices", 2, 1], "[0].choices[2][1]", id="leading-and-nested-index"),
    ],
)
def test_format_path(parts: list[str | int], expected: str) -> None:
    assert schemas.format_path(parts) == expected
