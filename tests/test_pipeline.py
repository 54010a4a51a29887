"""The pipeline decides every answer: exercised here without any transport."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import AUTH, HELLO, TIME_TOOL, WEATHER_TOOL, completion, error_of, post, transcript

from mockserver import AIMLAPI, OPENAI, Config, Profile, RawRequest, Service, schemas
from mockserver._contract import folding, sse


@pytest.fixture
def service() -> Service:
    return Service(Config(seed=7))


def test_a_plain_request_gets_201_and_an_o3_mini_completion(service: Service) -> None:
    outcome = post(service, HELLO)
    body = completion(outcome)
    assert outcome.status == 201
    assert body["model"] == "o3-mini-2025-01-31"
    assert body["id"].startswith("chatcmpl-") and len(body["id"]) == 9 + 29
    assert body["system_fingerprint"].startswith("fp_") and len(body["system_fingerprint"]) == 13
    message = body["choices"][0]["message"]
    assert message["content"] and message["refusal"] is None and message["annotations"] == []
    assert body["choices"][0]["finish_reason"] == "stop"
    assert "logprobs" not in body["choices"][0]  # the provider's sample has none
    usage = body["usage"]
    assert usage["prompt_tokens"] == 16  # what the provider's own sample reports for "Hello"
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0


def test_openai_profile_answers_200_with_logprobs_and_service_tier() -> None:
    outcome = post(Service(Config(profile=OPENAI)), HELLO)
    body = completion(outcome)
    assert outcome.status == 200
    assert body["choices"][0]["logprobs"] is None and body["service_tier"] == "default"


def test_headers_carry_request_id_processing_time_and_counting_down_rate_limits(
    service: Service,
) -> None:
    first, second = post(service, HELLO).headers, post(service, HELLO).headers
    assert first["content-type"] == "application/json"
    assert (
        first["x-request-id"].startswith("req_") and first["x-request-id"] != second["x-request-id"]
    )
    assert first["openai-processing-ms"].isdigit()
    assert (
        int(second["x-ratelimit-remaining-requests"])
        == int(first["x-ratelimit-remaining-requests"]) - 1
    )
    assert int(second["x-ratelimit-remaining-tokens"]) < int(first["x-ratelimit-remaining-tokens"])
    assert first["x-ratelimit-reset-requests"].endswith("s")


def test_same_seed_same_answer_other_seed_other_answer(service: Service) -> None:
    one = completion(post(service, {**HELLO, "seed": 1}))
    again = completion(post(Service(), {**HELLO, "seed": 1}))
    other = completion(post(service, {**HELLO, "seed": 2}))
    assert one["choices"] == again["choices"] and one["usage"] == again["usage"]
    assert one["choices"][0]["message"]["content"] != other["choices"][0]["message"]["content"]
    assert one["id"] != again["id"]


def test_unseeded_calls_vary(service: Service) -> None:
    contents = {
        completion(post(service, HELLO))["choices"][0]["message"]["content"] for _ in range(5)
    }
    assert len(contents) > 1


def test_reasoning_grows_with_effort(service: Service) -> None:
    def reasoning(effort: str) -> int:
        body = completion(post(service, {**HELLO, "seed": 3, "reasoning_effort": effort}))
        return int(body["usage"]["completion_tokens_details"]["reasoning_tokens"])

    assert reasoning("low") < reasoning("medium") < reasoning("high")


def test_budget_spent_on_reasoning_gives_empty_content_and_length(service: Service) -> None:
    body = completion(post(service, {**HELLO, "max_completion_tokens": 1}))
    choice = body["choices"][0]
    assert choice["message"]["content"] == "" and choice["finish_reason"] == "length"
    assert (
        body["usage"]["completion_tokens"]
        == 1
        == body["usage"]["completion_tokens_details"]["reasoning_tokens"]
    )


def test_budget_cuts_the_visible_answer_with_length(service: Service) -> None:
    free = completion(post(service, {**HELLO, "seed": 5, "reasoning_effort": "low"}))
    reasoning = free["usage"]["completion_tokens_details"]["reasoning_tokens"]
    limited = completion(
        post(
            service,
            {**HELLO, "seed": 5, "reasoning_effort": "low", "max_completion_tokens": reasoning + 3},
        )
    )
    full, cut = (
        free["choices"][0]["message"]["content"],
        limited["choices"][0]["message"]["content"],
    )
    assert limited["choices"][0]["finish_reason"] == "length"
    assert cut and full.startswith(cut) and len(cut) < len(full)
    assert limited["usage"]["completion_tokens"] == reasoning + 3


def test_stop_cuts_before_the_first_stop_sequence(service: Service) -> None:
    full = completion(post(service, {**HELLO, "seed": 9}))["choices"][0]["message"]["content"]
    word = full.split()[3]
    cut = completion(post(service, {**HELLO, "seed": 9, "stop": [word, "zzz"]}))
    content = cut["choices"][0]["message"]["content"]
    assert content == full[: full.index(word)] and word not in content
    assert cut["choices"][0]["finish_reason"] == "stop"


def test_n_gives_distinct_choices_and_summed_usage(service: Service) -> None:
    body = completion(post(service, {**HELLO, "n": 3, "seed": 4}))
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert len({c["message"]["content"] for c in body["choices"]}) == 3
    single = completion(post(service, {**HELLO, "seed": 4}))
    assert body["usage"]["prompt_tokens"] == single["usage"]["prompt_tokens"]


def test_required_tool_choice_calls_a_tool_with_schema_valid_arguments(service: Service) -> None:
    body = completion(post(service, {**HELLO, "tools": [WEATHER_TOOL], "tool_choice": "required"}))
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["id"].startswith("call_") and call["function"]["name"] == "get_weather"
    arguments = json.loads(call["function"]["arguments"])
    assert set(arguments) == {"city", "unit"} and arguments["unit"] in ("celsius", "fahrenheit")


def test_tool_choice_none_answers_in_text(service: Service) -> None:
    body = completion(post(service, {**HELLO, "tools": [WEATHER_TOOL], "tool_choice": "none"}))
    assert (
        body["choices"][0]["finish_reason"] == "stop" and body["choices"][0]["message"]["content"]
    )


def test_named_tool_choice_calls_that_function(service: Service) -> None:
    request = {
        **HELLO,
        "tools": [WEATHER_TOOL, TIME_TOOL],
        "tool_choice": {"type": "function", "function": {"name": "get_time"}},
    }
    for seed in range(1, 6):
        calls = completion(post(service, {**request, "seed": seed}))["choices"][0]["message"][
            "tool_calls"
        ]
        assert [c["function"]["name"] for c in calls] == ["get_time"]


def test_auto_calls_a_tool_then_answers_the_tool_result_in_text(service: Service) -> None:
    request = {**HELLO, "tools": [WEATHER_TOOL], "seed": 2}
    first = completion(post(service, request))["choices"][0]["message"]
    assert first["tool_calls"]
    follow_up = {
        **request,
        "messages": [
            *HELLO["messages"],
            {"role": "assistant", "content": None, "tool_calls": first["tool_calls"]},
            {
                "role": "tool",
                "tool_call_id": first["tool_calls"][0]["id"],
                "content": '{"temp": 21}',
            },
        ],
    }
    final = completion(post(service, follow_up))["choices"][0]
    assert final["finish_reason"] == "stop" and final["message"]["content"]


@pytest.mark.parametrize("parallel", [None, True, False])
def test_o3_mini_calls_one_tool_per_turn_whatever_parallel_tool_calls_says(
    service: Service, parallel: bool | None
) -> None:
    request: dict[str, Any] = {
        **HELLO,
        "tools": [WEATHER_TOOL, TIME_TOOL],
        "tool_choice": "required",
    }
    if parallel is not None:
        request["parallel_tool_calls"] = parallel
    calls = [
        completion(post(service, {**request, "seed": s}))["choices"][0]["message"]["tool_calls"]
        for s in range(1, 30)
    ]
    assert {len(c) for c in calls} == {1}
    assert {c[0]["function"]["name"] for c in calls} == {"get_weather", "get_time"}


def test_parallel_tool_calls_is_accepted_by_the_provider_and_rejected_by_openai() -> None:
    request = {**HELLO, "tools": [WEATHER_TOOL], "parallel_tool_calls": False}
    assert post(Service(), request).status == 201
    outcome = post(Service(Config(profile=OPENAI)), request)
    assert outcome.status == 400
    assert error_of(outcome)["error"] == {
        "message": "Unsupported parameter: 'parallel_tool_calls' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "parallel_tool_calls",
        "code": "unsupported_parameter",
    }


def test_json_object_and_json_schema_formats(service: Service) -> None:
    as_object = completion(post(service, {**HELLO, "response_format": {"type": "json_object"}}))
    assert isinstance(json.loads(as_object["choices"][0]["message"]["content"]), dict)
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    fmt = {
        "type": "json_schema",
        "json_schema": {"name": "person", "schema": schema, "strict": True},
    }
    body = completion(post(service, {**HELLO, "response_format": fmt}))
    value = json.loads(body["choices"][0]["message"]["content"])
    assert set(value) == {"name", "age"} and isinstance(value["age"], int)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"n": 2},
        {"tools": [WEATHER_TOOL, TIME_TOOL], "tool_choice": "required"},
        {"response_format": {"type": "json_object"}},
        {"max_completion_tokens": 40},
        {"stop": "e"},
    ],
    ids=["text", "n2", "tools", "json", "length", "stop"],
)
@pytest.mark.parametrize("include_usage", [True, False], ids=["usage", "no-usage"])
@pytest.mark.parametrize("wire", ["2026", "2025"])
def test_a_stream_folds_into_the_non_stream_completion(
    wire: str, extra: dict[str, Any], include_usage: bool
) -> None:
    service = Service(Config(seed=7, wire=wire))
    request = {**HELLO, "seed": 11, **extra}
    plain = completion(post(service, request))
    streamed = post(
        service, {**request, "stream": True, "stream_options": {"include_usage": include_usage}}
    )
    assert streamed.headers["content-type"].startswith("text/event-stream")
    data = transcript(streamed)
    assert schemas.validate_transcript(data) == []
    events = sse.decode(data)
    assert events[-1].data == "[DONE]"
    chunks = [json.loads(e.data) for e in events[:-1]]
    assert len({c["id"] for c in chunks}) == 1
    folded = folding.fold(chunks)
    for choice in plain["choices"]:
        choice["message"].pop("annotations")
    for choice in folded["choices"]:  # OpenAI's chunks say null where the body leaves it out
        assert choice.pop("logprobs", None) is None
    assert folded["choices"] == plain["choices"]
    if include_usage or wire == "2026":  # the provider's streams carry usage unasked since 2026
        assert chunks[-1]["choices"] == [] and folded["usage"] == plain["usage"]
    else:
        assert "usage" not in folded


@pytest.mark.parametrize("options", [None, {"include_usage": False}, {"include_usage": True}])
def test_aimlapi_streams_carry_usage_service_tier_logprobs_and_obfuscation_unasked(
    service: Service, options: dict[str, bool] | None
) -> None:
    """The provider's 2026 transcript (docs/WIRE.md §3): every chunk has "usage": null,
    "service_tier", "logprobs": null and an obfuscation string; the last is the usage chunk."""
    request = {**HELLO, "stream": True, **({"stream_options": options} if options else {})}
    chunks = [json.loads(e.data) for e in sse.decode(transcript(post(service, request)))[:-1]]
    *answer, last = chunks
    for chunk in answer:
        assert list(chunk)[-3:] == ["choices", "usage", "obfuscation"] and chunk["usage"] is None
        assert chunk["service_tier"] == "default" and chunk["choices"][0]["logprobs"] is None
        assert chunk["obfuscation"].isalnum()
    assert last["choices"] == [] and last["usage"]["total_tokens"] > 0
    assert list(last)[-3:] == ["choices", "usage", "obfuscation"]  # no meta, as captured


def test_the_2025_wire_streams_usage_only_when_asked() -> None:
    service = Service(Config(seed=7, wire="2025"))
    chunks = [
        json.loads(e.data)
        for e in sse.decode(transcript(post(service, {**HELLO, "stream": True})))[:-1]
    ]
    assert all(
        set(c) == {"id", "object", "created", "model", "system_fingerprint", "choices"}
        for c in chunks
    )


def test_stream_starts_with_the_role_and_ends_with_an_empty_finishing_delta(
    service: Service,
) -> None:
    chunks = [
        json.loads(e.data)
        for e in sse.decode(transcript(post(service, {**HELLO, "stream": True})))[:-1]
    ]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    finishing = chunks[-2]["choices"][0]  # the usage chunk comes last (docs/WIRE.md §3)
    assert finishing == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}


# ---- bad input --------------------------------------------------------------------------


def test_invalid_json_gets_400_in_the_gateway_shape(service: Service) -> None:
    outcome = post(service, b'{"model": ')
    body = error_of(outcome)
    assert (
        outcome.status == 400
        and body["status"] == 400
        and body["instance"] == "/v1/chat/completions?"
        and body["error"]["name"] == "BadRequestException"
    )
    assert body["message"].startswith("Body validation error!")
    assert service.journal.last().body == '{"model": '


def test_gateway_errors_take_the_2026_problem_shape_and_the_2025_flat_one_when_pinned() -> None:
    """The gateway's error body changed between 2025-12 and 2026-04 (docs/WIRE.md §4): the
    captured problem-style 403, and the flat body in its captured key order, with a
    21-character nanoid as requestId."""
    keys = {"content-type": "application/json", "authorization": "Bearer sk-wrong"}
    newest = Service(Config(api_keys=frozenset({"sk-right"})))
    body = error_of(post(newest, HELLO, keys))
    assert list(body) == ["title", "status", "message", "instance", "timestamp", "error"]
    assert (body["title"], body["status"]) == ("Unauthorized", 401)
    assert body["error"] == {"name": "UnauthorizedException", "message": body["message"]}
    newest.fault(status=403)
    credits = error_of(post(newest, HELLO, {**keys, "authorization": "Bearer sk-right"}))
    assert credits["error"]["data"] == {"kind": "err_insufficent_credits"}
    pinned = Service(Config(api_keys=frozenset({"sk-right"}), wire="2025"))
    flat = error_of(post(pinned, HELLO, keys))
    assert list(flat) == ["requestId", "statusCode", "timestamp", "path", "message"]
    assert len(flat["requestId"]) == 21 and flat["statusCode"] == 401


def test_invalid_json_in_the_openai_profile_uses_the_envelope() -> None:
    body = error_of(post(Service(Config(profile=OPENAI)), b"nope"))
    assert body["error"]["message"].startswith("We could not parse the JSON body")


@pytest.mark.parametrize("payload", [b"[]", b'"text"', b"3", b"null"])
def test_a_body_that_is_not_an_object_gets_400(service: Service, payload: bytes) -> None:
    outcome = post(service, payload)
    assert outcome.status == 400 and "Expected object" in error_of(outcome)["message"]


def test_wrong_content_type_gets_400(service: Service) -> None:
    outcome = post(service, HELLO, {**AUTH, "content-type": "text/plain"})
    assert outcome.status == 400 and "Content-Type" in error_of(outcome)["message"]


def test_schema_violation_names_the_path(service: Service) -> None:
    outcome = post(service, {**HELLO, "messages": [{"role": "tool", "content": "x"}]})
    assert outcome.status == 400
    assert "messages[0].tool_call_id" in error_of(outcome)["message"]
    entry = service.journal.last()
    assert not entry.valid and entry.violations[0].path == "messages[0].tool_call_id"


def test_schema_violation_in_the_openai_profile_sets_param_and_code() -> None:
    outcome = post(Service(Config(profile=OPENAI)), {**HELLO, "n": 0})
    error = error_of(outcome)["error"]
    assert outcome.status == 400
    assert (
        error["param"] == "n"
        and error["code"] == "integer_below_min_value"
        and error["type"] == "invalid_request_error"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("temperature", 0.2),
        ("temperature", 0),
        ("temperature", True),
        ("temperature", "1"),
        ("top_p", 0.9),
        ("presence_penalty", 1),
        ("frequency_penalty", -0.5),
    ],
)
@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=["aimlapi", "openai"])
def test_sampling_parameters_off_their_default_get_o3_minis_unsupported_parameter_error(
    profile: Profile, name: str, value: object
) -> None:
    outcome = post(Service(Config(profile=profile)), {**HELLO, name: value})
    error = error_of(outcome)["error"]
    assert outcome.status == 400
    assert error == {
        "message": f"Unsupported parameter: '{name}' is not supported with this model.",
        "type": "invalid_request_error",
        "param": name,
        "code": "unsupported_parameter",
    }


@pytest.mark.parametrize("name", ["foo", "top_k", "reasoning", "max_output_tokens"])
@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=["aimlapi", "openai"])
def test_unknown_arguments_get_openais_unrecognized_request_argument_error(
    profile: Profile, name: str
) -> None:
    """OpenAI's text for an argument it does not know (davidmigloz/langchain_dart#712),
    with param and code null; the aimlapi gateway passes top-level arguments on."""
    outcome = post(Service(Config(profile=profile)), {**HELLO, name: 1})
    assert outcome.status == 400
    assert error_of(outcome) == {
        "error": {
            "message": f"Unrecognized request argument supplied: {name}",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=["aimlapi", "openai"])
def test_logprobs_gets_the_o_series_403(profile: Profile, value: bool) -> None:
    """confident-ai/deepeval#2184: o-series models answer logprobs with a 403."""
    outcome = post(Service(Config(profile=profile)), {**HELLO, "logprobs": value})
    assert outcome.status == 403
    assert error_of(outcome)["error"] == {
        "message": "You are not allowed to request logprobs from this model",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


@pytest.mark.parametrize(
    "extra",
    [
        {"store": True},
        {"store": False, "metadata": {"run": "nightly", "team": "qa"}},
        {"metadata": None, "user": "u-1", "safety_identifier": "s-1", "prompt_cache_key": "k"},
    ],
)
@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=["aimlapi", "openai"])
def test_ordinary_openai_parameters_are_accepted(profile: Profile, extra: dict[str, Any]) -> None:
    outcome = post(Service(Config(profile=profile)), {**HELLO, **extra})
    assert outcome.status == profile.success_status


@pytest.mark.parametrize(
    "defaults",
    [
        {"temperature": 1},
        {"temperature": 1.0},
        {"top_p": 1},
        {"temperature": 1, "top_p": 1.0, "presence_penalty": 0, "frequency_penalty": 0.0},
    ],
)
@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=["aimlapi", "openai"])
def test_sampling_parameters_at_their_default_are_served(
    profile: Profile, defaults: dict[str, float]
) -> None:
    outcome = post(Service(Config(profile=profile)), {**HELLO, **defaults, "seed": 3})
    assert outcome.status == profile.success_status


def test_max_tokens_is_accepted_by_the_provider_and_rejected_by_openai() -> None:
    assert post(Service(), {**HELLO, "max_tokens": 100}).status == 201
    error = error_of(post(Service(Config(profile=OPENAI)), {**HELLO, "max_tokens": 100}))["error"]
    assert (
        error["message"].endswith("Use 'max_completion_tokens' instead.")
        and error["code"] == "unsupported_parameter"
    )


@pytest.mark.parametrize(
    ("headers", "keys"),
    [
        ({"content-type": "application/json"}, None),
        ({**AUTH, "authorization": "Bearer "}, None),
        ({**AUTH, "authorization": "Basic abc"}, None),
        (AUTH, frozenset({"other-key"})),
    ],
    ids=["missing", "empty", "not-bearer", "not-accepted"],
)
def test_missing_or_rejected_keys_get_401(
    headers: dict[str, str], keys: frozenset[str] | None
) -> None:
    outcome = post(Service(Config(api_keys=keys)), HELLO, headers)
    assert outcome.status == 401 and "valid API key" in error_of(outcome)["message"]


def test_accepted_key_passes() -> None:
    assert post(Service(Config(api_keys=frozenset({"sk-test-123456789"}))), HELLO).status == 201


def test_an_unknown_model_gets_the_gateways_400_or_openais_404() -> None:
    """The provider's docs show the gateway checking ``model`` as a zod enum (400 "Body
    validation error!", docs/WIRE.md §4); OpenAI answers 404 model_not_found, as the mock
    did before 2026 (and does with --wire 2025)."""
    request = {**HELLO, "model": "gpt-9"}
    invalid = error_of(post(Service(), request))
    assert invalid["status"] == 400 and invalid["message"] == (
        "Body validation error! model: Invalid enum value. Expected 'o3-mini', received 'gpt-9'"
    )
    for config in (Config(profile=OPENAI), Config(wire="2025")):
        outcome = post(Service(config), request)
        assert outcome.status == 404 and "`gpt-9` does not exist" in json.dumps(error_of(outcome))


def test_oversized_body_gets_413() -> None:
    outcome = post(
        Service(Config(max_body_bytes=100)),
        {**HELLO, "messages": [{"role": "user", "content": "x" * 200}]},
    )
    assert outcome.status == 413 and error_of(outcome)


def test_wrong_method_gets_405_with_allow(service: Service) -> None:
    outcome = service.handle(RawRequest("GET", "/v1/chat/completions", AUTH))
    assert outcome.status == 405 and outcome.headers["allow"] == "POST" and error_of(outcome)


def test_unknown_path_gets_404(service: Service) -> None:
    outcome = service.handle(RawRequest("GET", "/v1/nothing", AUTH))
    assert outcome.status == 404 and error_of(outcome)["message"] == "Cannot GET /v1/nothing"


def test_tool_result_without_a_preceding_call_gets_openais_error(service: Service) -> None:
    messages = [*HELLO["messages"], {"role": "tool", "tool_call_id": "call_x", "content": "1"}]
    error = error_of(post(service, {**HELLO, "messages": messages}))["error"]
    assert "must be a response to a preceeding message with 'tool_calls'" in error["message"]


def test_unanswered_tool_calls_get_openais_error(service: Service) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": "{}"},
    }
    messages = [
        *HELLO["messages"],
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "user", "content": "and?"},
    ]
    error = error_of(post(service, {**HELLO, "messages": messages, "tools": [WEATHER_TOOL]}))[
        "error"
    ]
    assert "did not have response messages: call_1" in error["message"]


def test_tool_choice_naming_an_unknown_function_gets_400(service: Service) -> None:
    outcome = post(
        service,
        {
            **HELLO,
            "tools": [WEATHER_TOOL],
            "tool_choice": {"type": "function", "function": {"name": "nope"}},
        },
    )
    assert outcome.status == 400 and error_of(outcome)["error"]["param"] == "tool_choice"


def test_models_health_and_openapi(service: Service) -> None:
    models = json.loads(service.handle(RawRequest("GET", "/v1/models", AUTH)).body)
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == ["o3-mini"]
    assert json.loads(service.handle(RawRequest("GET", "/health", {})).body)["status"] == "ok"
    document = json.loads(service.handle(RawRequest("GET", "/openapi.json", {})).body)
    assert "$ref" not in json.dumps(document).replace('"$ref": "#/', "")
    assert (
        document["paths"]["/v1/chat/completions"]["post"]["operationId"] == "createChatCompletion"
    )


def test_every_request_is_journaled_with_the_key_redacted(service: Service) -> None:
    post(service, HELLO)
    post(service, b"not json")
    entries = service.journal.entries()
    assert [e.status for e in entries] == [201, 400]
    assert entries[0].headers["authorization"] == "Bearer ***6789"
    assert entries[1].body == "not json" and entries[0].answered_by == "generator"
    assert "sk-test-123456789" not in json.dumps([e.as_dict() for e in entries])


def test_two_tools_with_the_same_name_do_not_break_the_mock(service: Service) -> None:
    twin = {"type": "function", "function": {"name": "f"}}
    for seed in range(1, 30):
        body = completion(
            post(service, {**HELLO, "seed": seed, "tools": [twin, twin], "tool_choice": "required"})
        )
        assert [c["function"]["name"] for c in body["choices"][0]["message"]["tool_calls"]] == ["f"]


# ---- unknown keys inside messages (WIRE.md §1): served, journaled as warnings ---------------

LITELLM_TOOL_LOOP: dict[str, Any] = {
    **HELLO,
    "tools": [WEATHER_TOOL],
    "messages": [
        *HELLO["messages"],
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
            "function_call": None,
            "provider_specific_fields": {"refusal": None},
        },
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "21C"},
    ],
}


@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=["aimlapi", "openai"])
def test_unknown_keys_inside_messages_are_served_with_a_warning(profile: Profile) -> None:
    service = Service(Config(profile=profile))
    outcome = post(service, LITELLM_TOOL_LOOP)
    assert outcome.status == profile.success_status
    entry = service.journal.last()
    assert entry.valid and entry.violations == ()
    assert entry.as_dict()["warnings"] == [
        {
            "path": "messages[1].provider_specific_fields",
            "rule": "additionalProperties",
            "message": "is not a recognised field here",
        },
        {
            "path": "messages[2].name",
            "rule": "additionalProperties",
            "message": "is not a recognised field here",
        },
    ]
    assert post(service, HELLO).status == profile.success_status
    assert service.journal.last().warnings == ()


def test_an_unknown_message_key_does_not_hide_a_real_error(service: Service) -> None:
    messages = [{"role": "user", "content": "Hi", "metadata": {}}, {"role": "robot"}]
    outcome = post(service, {**HELLO, "messages": messages})
    assert outcome.status == 400
    entry = service.journal.last()
    assert [v.path for v in entry.violations] == ["messages[1].role"]
    assert [w.path for w in entry.warnings] == ["messages[0].metadata"]


def test_a_key_accepted_once_is_checked_again_when_the_accepted_keys_change() -> None:
    """The pipeline remembers authorization values that passed (a client sends the same
    on every request), for the keys configured at the time only."""
    service = Service(Config(seed=1))
    key = {"authorization": "Bearer sk-first", "content-type": "application/json"}
    for _ in range(2):  # the second time from what was remembered
        assert post(service, HELLO, key).status == 201
    service.config.api_keys = frozenset({"sk-second"})
    for _ in range(2):
        assert error_of(post(service, HELLO, key))["status"] == 401
    assert post(service, HELLO, {**key, "authorization": "Bearer sk-second"}).status == 201
    assert post(service, HELLO, {**key, "authorization": "Basic sk-second"}).status == 401
