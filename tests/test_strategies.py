"""The public strategies draw what they promise: requests the schemas and the mock accept,
invalid requests rejected where they say, completions, streams and errors that validate,
fold and are served byte for byte, and errors that raise the openai exception they name."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from mockserver import AIMLAPI, Config, Outcome, RawRequest, Service, schemas, strategies
from mockserver._adapters.server import LiveServer
from mockserver._contract import folding, rules, sse
from mockserver._verify import expectations
from mockserver.strategies import ErrorVariant, StreamVariant, as_reply

HEADERS = {"authorization": "Bearer k", "content-type": "application/json"}
HELLO = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]}
REQUEST_PARAMETERS = schemas.schema("request")["properties"]
# Shrinking to the minimal example is only guaranteed for a derandomized search.
MINIMAL = settings(database=None, derandomize=True, max_examples=100)
FINISH_REASONS = schemas.schema("completion")["$defs"]["finish_reason"]["enum"]


@pytest.fixture(scope="module")
def service() -> Service:
    return Service(Config(seed=1))


def post(service: Service, body: object) -> tuple[Outcome, bytes]:
    """Answer one chat request in process; a stream is read to its end (self-checks run)."""
    raw = RawRequest("POST", "/v1/chat/completions", HEADERS, json.dumps(body).encode())
    outcome = service.handle(raw)
    if outcome.stream is None:
        return outcome, outcome.body
    return outcome, b"".join(data for _, data in outcome.stream if data is not None)


def bodies_of(transcript: bytes) -> list[dict[str, Any]]:
    return [json.loads(e.data) for e in sse.decode(transcript) if e.data != sse.DONE]


def chunks_of(transcript: bytes) -> list[dict[str, Any]]:
    return [b for b in bodies_of(transcript) if not b.get("error")]


def drawn(strategy: SearchStrategy[Any], condition: Callable[[Any], bool]) -> Any:
    """An example meeting `condition`: an existence check, not a property test, so it may
    look further than a @given test (it stops at the first hit and does not shrink)."""
    once = settings(database=None, max_examples=3000, phases=[Phase.generate])
    return find(strategy, condition, settings=once)


# ---- the public surface ----------------------------------------------------------------------


def test_all_lists_exactly_the_public_names() -> None:
    defined = {
        name
        for name, value in vars(strategies).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == strategies.__name__
    }
    assert sorted(strategies.__all__) == sorted(defined)
    assert set(strategies.__all__) == {
        "ErrorVariant",
        "StreamVariant",
        "as_reply",
        "chat_completion_streams",
        "chat_completions",
        "chat_requests",
        "error_responses",
        "invalid_chat_requests",
    }


@pytest.mark.parametrize(
    "make",
    [
        lambda: strategies.chat_requests(max_messages=0),
        lambda: strategies.chat_requests(max_messages=True),
        lambda: strategies.chat_requests(stream="yes"),
        lambda: strategies.chat_requests(tools=1),
        lambda: strategies.chat_completions(n=0),
        lambda: strategies.chat_completions(n=REQUEST_PARAMETERS["n"]["maximum"] + 1),
        lambda: strategies.error_responses(profile="azure"),
    ],
    ids=["max_messages=0", "max_messages=True", "stream", "tools", "n=0", "n>max", "profile"],
)
def test_bad_arguments_raise_invalid_argument_when_drawn(
    make: Callable[[], SearchStrategy[Any]],
) -> None:
    strategy = make()  # building the strategy does not raise
    with pytest.raises(InvalidArgument):
        find(strategy, lambda v: True)


def test_as_reply_names_what_it_takes() -> None:
    with pytest.raises(TypeError, match="StreamVariant or an ErrorVariant"):
        as_reply("Hello")  # type: ignore[arg-type]  # the wrong type on purpose


# ---- requests --------------------------------------------------------------------------------


@given(data=st.data())
def test_requests_are_valid_and_the_mock_answers_them(
    service: Service, data: st.DataObject
) -> None:
    stream = data.draw(st.none() | st.booleans(), label="stream")
    tools = data.draw(st.none() | st.booleans(), label="tools")
    max_messages = data.draw(st.integers(1, 8), label="max_messages")
    request = data.draw(
        strategies.chat_requests(stream=stream, tools=tools, max_messages=max_messages)
    )
    assert schemas.validate_request(request) == []
    assert rules.check(request, AIMLAPI) is None
    assert 1 <= len(request["messages"]) <= max_messages
    if stream is not None:
        assert bool(request.get("stream")) is stream
    if tools:
        assert request["tools"]
    if tools is False:
        assert "tools" not in request and "tool_choice" not in request
    if "tool_choice" in request:
        assert request.get("tools")
    service.reset()
    outcome, body = post(service, request)
    assert outcome.status == 201, body
    if request.get("stream"):
        assert schemas.validate_transcript(body) == []


def test_requests_shrink_to_one_empty_user_message() -> None:
    minimal = find(strategies.chat_requests(), lambda r: True, settings=MINIMAL)
    assert minimal == {"model": "o3-mini", "messages": [{"role": "user", "content": ""}]}


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (strategies.invalid_chat_requests(), lambda v: v[1] == "n" and len(v[0]) == 3),
        (
            strategies.chat_completions(),
            lambda v: (
                [c["finish_reason"] for c in v["choices"]] == ["stop"]
                and set(v["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
            ),
        ),
        (
            strategies.chat_completion_streams(),
            lambda v: v.error is None and "usage" not in v.completion and b"\r" not in v.transcript,
        ),
        (strategies.error_responses(), lambda v: (v.status, v.profile) == (400, "aimlapi")),
    ],
    ids=["invalid", "completion", "stream", "error"],
)
def test_other_strategies_shrink_as_documented(
    strategy: SearchStrategy[Any], expected: Callable[[Any], bool]
) -> None:
    assert expected(find(strategy, lambda v: True, settings=MINIMAL))


def _answered_tool_round(request: dict[str, Any]) -> bool:
    messages = request["messages"]
    for i, message in enumerate(messages):
        calls = message.get("tool_calls") or []
        if message["role"] == "assistant" and message.get("content", 0) is None and calls:
            answers = [m.get("tool_call_id") for m in messages[i + 1 : i + 1 + len(calls)]]
            return sorted(answers) == sorted(c["id"] for c in calls) and len(calls) > 1
    return False


@pytest.mark.parametrize(
    "condition",
    [
        _answered_tool_round,
        lambda r: (
            isinstance(r.get("tool_choice"), dict)
            and any((t["function"].get("parameters") or {}).get("required") for t in r["tools"])
        ),
        lambda r: (r.get("response_format") or {}).get("type") == "json_schema",
        lambda r: isinstance(r.get("stop"), list) and len(r["stop"]) > 1,
        lambda r: (r.get("n") or 1) > 1 and r.get("stream") is True,
        lambda r: (r.get("stream_options") or {}).get("include_usage") is True,
        lambda r: r["messages"][0]["role"] in ("developer", "system") and len(r["messages"]) > 3,
        # the share drawn from the schema itself: a message shape the realistic ones never use
        lambda r: any(m["role"] == "assistant" and "content" not in m for m in r["messages"]),
    ],
    ids=["tool-round", "named-choice", "json-schema", "stop-list", "n", "usage", "prompt", "odd"],
)
def test_realistic_request_shapes_are_drawn(condition: Callable[[Any], bool]) -> None:
    drawn(strategies.chat_requests(), condition)


@given(strategies.invalid_chat_requests())
def test_invalid_requests_break_the_rule_at_their_path(
    service: Service, pair: tuple[dict[str, Any], str]
) -> None:
    request, path = pair
    found = schemas.validate_request(request)
    assert {v.path for v in found} == {path}
    if path not in REQUEST_PARAMETERS and "." not in path and "[" not in path:
        assert [v.rule for v in found] == ["additionalProperties"]
    service.reset()
    outcome, body = post(service, request)
    assert 400 <= outcome.status < 500, body


# ---- completions -----------------------------------------------------------------------------


@given(data=st.data())
def test_completions_are_valid_and_served_as_drawn(service: Service, data: st.DataObject) -> None:
    n = data.draw(st.none() | st.integers(1, 5), label="n")
    completion = data.draw(strategies.chat_completions(n=n))
    assert schemas.validate_completion(completion) == []
    if n is not None:
        assert len(completion["choices"]) == n
    service.reset()
    service.stub(as_reply(completion))
    outcome, body = post(service, HELLO)
    assert outcome.status == 201 and json.loads(body) == completion


def _finishes(reason: str) -> Callable[[dict[str, Any]], bool]:
    return lambda c: c["choices"][0]["finish_reason"] == reason


def _parallel(c: dict[str, Any]) -> bool:
    return any(len(ch["message"].get("tool_calls") or ()) > 1 for ch in c["choices"])


@pytest.mark.parametrize(
    "condition",
    [
        *(_finishes(reason) for reason in FINISH_REASONS),
        lambda c: c["choices"][0]["message"]["refusal"] is not None,
        lambda c: (
            c["choices"][0]["message"]["content"] == ""
            and c["choices"][0]["finish_reason"] == "length"
            and (c["usage"].get("completion_tokens_details") or {}).get("reasoning_tokens")
            == c["usage"]["completion_tokens"]
        ),
        _parallel,
        lambda c: "meta" in c and "logprobs" in c["choices"][0],
        lambda c: set(c["choices"][0]["message"]) - {"role", "content", "refusal", "tool_calls"},
        lambda c: c["usage"].get("prompt_tokens_details") is None and len(c["choices"]) > 2,
        lambda c: (  # the provider's fallback route (docs/WIRE.md §2)
            c["id"].startswith("gen-")
            and c["model"] == "openai/o3-mini"
            and "native_finish_reason" in c["choices"][0]
            and "cache_write_tokens" in c["usage"]["prompt_tokens_details"]
            and isinstance(c["choices"][0]["message"]["reasoning"], str)
        ),
        lambda c: (c.get("meta") or {}).get("usage", {}).get("credits_used", 0) > 0,
    ],
    ids=[
        *FINISH_REASONS, "refusal", "empty-length", "parallel", "optional", "extra", "n",
        "fallback-route", "billing",
    ],
)  # fmt: skip
def test_completion_variants_are_drawn(condition: Callable[[Any], bool]) -> None:
    drawn(strategies.chat_completions(), condition)


# ---- streams ---------------------------------------------------------------------------------


@given(strategies.chat_completion_streams())
def test_streams_validate_fold_into_their_completion_and_are_served_byte_exact(
    service: Service, variant: StreamVariant
) -> None:
    assert schemas.validate_transcript(variant.transcript) == []
    assert folding.fold(chunks_of(variant.transcript)) == variant.completion
    errors = [b["error"] for b in bodies_of(variant.transcript) if b.get("error")]
    assert errors == ([variant.error] if variant.error is not None else [])
    service.reset()
    service.stub(as_reply(variant))
    outcome, body = post(service, {**HELLO, "stream": True})
    assert outcome.status == 201 and body == variant.transcript


def _interleaved_tool_calls(v: StreamVariant) -> bool:
    seen: list[int] = []
    for chunk in chunks_of(v.transcript):
        for choice in chunk["choices"]:
            seen += [c["index"] for c in choice["delta"].get("tool_calls", ())]
    return any(a > b for a, b in itertools.pairwise(seen))


@pytest.mark.parametrize(
    "condition",
    [
        lambda v: b"\r\n\r\n" in v.transcript and b": keep-alive" in v.transcript,
        lambda v: v.transcript.startswith(b"data:{"),
        lambda v: all("usage" in c for c in chunks_of(v.transcript)) and "usage" in v.completion,
        lambda v: chunks_of(v.transcript)[0]["choices"][0]["delta"] == {"role": "assistant"},
        lambda v: any(
            ch["delta"] == {} and ch["finish_reason"] is None
            for c in chunks_of(v.transcript)
            for ch in c["choices"]
        ),
        _interleaved_tool_calls,
        lambda v: (
            [ch["index"] for c in chunks_of(v.transcript)[:3] for ch in c["choices"]] == [0, 1, 0]
        ),
        lambda v: v.error is not None and len(chunks_of(v.transcript)) > 2,
        # The provider's 2026 transcripts: no [DONE] at the end, obfuscation padding.
        lambda v: sse.DONE not in [e.data for e in sse.decode(v.transcript)] and len(chunks_of(v.transcript)) > 2,
        lambda v: all("obfuscation" in c and "service_tier" in c for c in chunks_of(v.transcript)),
        lambda v: "meta" in chunks_of(v.transcript)[-1],
    ],
    ids=[
        "crlf-keep-alive", "no-space", "usage", "role-only", "empty-delta", "parallel", "n",
        "error", "no-done", "obfuscation", "billing",
    ],
)  # fmt: skip
def test_stream_framings_are_drawn(condition: Callable[[Any], bool]) -> None:
    drawn(strategies.chat_completion_streams(), condition)


# ---- errors ----------------------------------------------------------------------------------


@given(data=st.data())
def test_errors_validate_in_their_profile_shape_and_are_served_as_drawn(
    service: Service, data: st.DataObject
) -> None:
    profile = data.draw(st.sampled_from([None, "aimlapi", "openai"]), label="profile")
    variant = data.draw(strategies.error_responses(profile=profile))
    assert schemas.validate_error(variant.body) == []
    assert profile is None or variant.profile == profile
    shape = expectations.shape_of(variant.body)
    if variant.profile == "openai":
        assert shape == "envelope"
    if shape == "envelope":
        assert set(variant.body) == {"error"}
    else:  # either of the gateway's dated shapes states the status
        assert int(variant.body.get("statusCode", variant.body.get("status"))) == variant.status
    if variant.status != 429 and variant.status < 500:
        assert not {"retry-after", "retry-after-ms", "x-should-retry"} & set(variant.headers)
    assert issubclass(getattr(openai, variant.exception), openai.APIStatusError)
    service.reset()
    service.stub(as_reply(variant))
    outcome, body = post(service, HELLO)
    assert outcome.status == variant.status and json.loads(body) == variant.body
    assert variant.headers.items() <= outcome.headers.items()


def _upstream_wrapped(v: ErrorVariant) -> bool:
    return v.status == 500 and str(v.body.get("message", "")).startswith("400 Unsupported")


@pytest.mark.parametrize(
    "condition",
    [
        lambda v: expectations.shape_of(v.body) == "envelope",
        lambda v: expectations.shape_of(v.body) == "problem",
        lambda v: expectations.shape_of(v.body) == "gateway" and len(v.body["requestId"]) == 21,
        lambda v: expectations.shape_of(v.body) == "gateway" and len(v.body["requestId"]) == 36,
        lambda v: v.body.get("error", {}).get("data") == {"kind": "err_insufficent_credits"},
        _upstream_wrapped,
        lambda v: "Unrecognized request argument" in json.dumps(v.body),
        lambda v: v.status == 403 and "logprobs" in json.dumps(v.body),
    ],
    ids=[
        "envelope",
        "problem",
        "flat",
        "flat-uuid",
        "credits",
        "wrapped",
        "unrecognized",
        "logprobs",
    ],
)
def test_aimlapi_error_shapes_old_and_new_are_drawn(condition: Callable[[Any], bool]) -> None:
    drawn(strategies.error_responses(profile="aimlapi"), condition)


def test_retry_headers_are_drawn() -> None:
    drawn(strategies.error_responses(), lambda v: "retry-after" in v.headers and v.status == 429)


@pytest.fixture(scope="module")
def client() -> Iterator[tuple[LiveServer, openai.OpenAI]]:
    with (
        LiveServer(Service(Config(seed=1))) as live,
        openai.OpenAI(base_url=live.base_url, api_key="sk-test", max_retries=0) as sdk,
    ):
        yield live, sdk


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 422, 429, 500, 503])
def test_the_sdk_raises_the_named_exception(
    client: tuple[LiveServer, openai.OpenAI], status: int
) -> None:
    live, sdk = client
    variant: ErrorVariant = drawn(strategies.error_responses(), lambda v: v.status == status)
    live.service.reset()
    live.service.stub(as_reply(variant))
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.chat.completions.create(model="o3-mini", messages=[{"role": "user", "content": "Hi"}])
    assert type(caught.value) is getattr(openai, variant.exception)
    assert caught.value.status_code == status
