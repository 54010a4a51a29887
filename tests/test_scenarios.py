"""Stubs: scripted replies matched on what a request says, through `Service.handle`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import WEATHER_TOOL, ask, completion, content, error_of, folded, post, transcript

from mockserver import (
    OPENAI,
    Call,
    Config,
    Error,
    Fault,
    FromFixture,
    Match,
    Raw,
    Refusal,
    Service,
    Text,
    ToolCalls,
)
from mockserver._control.scenario_files import Scenario
from mockserver._control.scenarios import Stub

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture
def service() -> Service:
    return Service(Config(seed=7))


# ---- match conditions ---------------------------------------------------------------------


def test_model_condition(service: Service) -> None:
    service.stub("from the stub", model="o3-mini")
    assert content(post(service, ask())) == "from the stub"
    service.reset()
    service.stub("never", model="o1")
    assert content(post(service, ask())) != "never"


def test_last_user_is_a_case_insensitive_substring_of_the_last_user_message(
    service: Service,
) -> None:
    service.stub("It is sunny.", last_user="WEATHER")
    assert content(post(service, ask("What's the weather in Paris?"))) == "It is sunny."
    assert content(post(service, ask("What time is it?"))) != "It is sunny."
    earlier = {
        "model": "o3-mini",
        "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": "Sunny."},
            {"role": "user", "content": "thanks"},
        ],
    }
    assert content(post(service, earlier)) != "It is sunny."  # only the last user message counts


def test_last_user_regex(service: Service) -> None:
    service.stub("a number", last_user=re.compile(r"\b\d{3}\b"))
    assert content(post(service, ask("call 555 now"))) == "a number"
    assert content(post(service, ask("call 5555 now"))) != "a number"


def test_last_user_reads_text_parts(service: Service) -> None:
    service.stub("parts", last_user="second")
    body = {
        "model": "o3-mini",
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}],
            }
        ],
    }
    assert content(post(service, body)) == "parts"


def test_turn_counts_the_assistant_messages_already_there(service: Service) -> None:
    service.stub("turn one", turn=1)
    second = {
        "model": "o3-mini",
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello!"},
            {"role": "user", "content": "Again"},
        ],
    }
    assert content(post(service, second)) == "turn one"
    assert content(post(service, ask())) != "turn one"


def test_has_tools(service: Service) -> None:
    service.stub("tools", has_tools=True, priority=1)
    service.stub("no tools", has_tools=False)
    assert content(post(service, ask(tools=[WEATHER_TOOL], tool_choice="none"))) == "tools"
    assert content(post(service, ask())) == "no tools"


def test_last_role(service: Service) -> None:
    service.stub("after the developer", last_role="developer")
    body = {
        "model": "o3-mini",
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "developer", "content": "Be terse."},
        ],
    }
    assert content(post(service, body)) == "after the developer"
    assert content(post(service, ask())) != "after the developer"


def test_tool_call_id_matches_the_last_tool_message(service: Service) -> None:
    service.stub("22 degrees", tool_call_id="call_a")
    assert content(post(service, tool_result("call_a"))) == "22 degrees"
    assert content(post(service, tool_result("call_b"))) != "22 degrees"


def test_stream_condition(service: Service) -> None:
    service.stub("streamed", stream=True)
    assert folded(transcript(post(service, ask(stream=True))))["choices"][0]["message"][
        "content"
    ] == ("streamed")
    assert content(post(service, ask())) != "streamed"


def test_where_predicate_sees_the_parsed_request(service: Service) -> None:
    service.stub("high effort", where=lambda r: r.get("reasoning_effort") == "high")
    assert content(post(service, ask(reasoning_effort="high"))) == "high effort"
    assert content(post(service, ask(reasoning_effort="low"))) != "high effort"


def test_match_given_as_an_object_and_keywords_together_is_refused(service: Service) -> None:
    with pytest.raises(TypeError, match="either"):
        service.stub("x", match=Match(model="o3-mini"), turn=0)


def test_a_stub_needs_a_reply_and_a_positive_times() -> None:
    with pytest.raises(ValueError, match="at least one reply"):
        Stub(Match(), ())
    with pytest.raises(ValueError, match="times must be >= 1"):
        Stub(Match(), (Text("x"),), times=0)


# ---- reply kinds --------------------------------------------------------------------------


def test_text_reply_is_a_valid_completion(service: Service) -> None:
    service.stub(Text("Exactly this.", reasoning_tokens=10))
    body = completion(post(service, ask()))
    assert body["choices"][0]["message"]["content"] == "Exactly this."
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 10


def test_tool_calls_with_dict_and_text_arguments_and_explicit_or_generated_ids(
    service: Service,
) -> None:
    service.stub(
        ToolCalls(
            (
                Call("get_weather", {"city": "Paris"}, id="call_fixed"),
                Call("get_weather", '{"city":"Oslo"}'),
            )
        )
    )
    body = completion(post(service, ask(tools=[WEATHER_TOOL])))
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    first, second = choice["message"]["tool_calls"]
    assert first["id"] == "call_fixed"
    assert json.loads(first["function"]["arguments"]) == {"city": "Paris"}
    assert second["id"].startswith("call_") and second["id"] != "call_fixed"
    assert second["function"]["arguments"] == '{"city":"Oslo"}'


def test_tool_calls_stream_folds_to_the_same_calls(service: Service) -> None:
    service.stub(ToolCalls((Call("get_weather", {"city": "Paris"}, id="call_1"),)))
    message = folded(transcript(post(service, ask(stream=True, tools=[WEATHER_TOOL]))))
    (call,) = message["choices"][0]["message"]["tool_calls"]
    assert call["id"] == "call_1" and json.loads(call["function"]["arguments"]) == {"city": "Paris"}


def test_refusal_has_null_content_and_the_refusal_text(service: Service) -> None:
    service.stub(Refusal("I can't help with that."))
    message = completion(post(service, ask()))["choices"][0]["message"]
    assert message["content"] is None and message["refusal"] == "I can't help with that."


def test_error_reply_uses_the_status_and_the_profiles_body() -> None:
    flat = Service(Config(seed=1))
    flat.stub(Error(503))
    outcome = post(flat, ask())
    assert outcome.status == 503
    assert error_of(outcome)["message"] == "Service unavailable"
    assert error_of(outcome)["status"] == 503

    envelope = Service(Config(seed=1, profile=OPENAI))
    envelope.stub(Error(429, "slow down", headers={"retry-after": "1"}))
    outcome = post(envelope, ask())
    assert outcome.status == 429 and outcome.headers["retry-after"] == "1"
    assert error_of(outcome)["error"]["message"] == "slow down"


def test_raw_body_is_served_as_it_is_even_when_invalid(service: Service) -> None:
    service.stub(Raw(status=202, body={"weird": [1, 2]}, headers={"x-extra": "yes"}))
    outcome = post(service, ask())
    assert outcome.status == 202 and outcome.headers["x-extra"] == "yes"
    assert json.loads(outcome.body) == {"weird": [1, 2]}


def test_raw_events_are_served_byte_exact(service: Service) -> None:
    events = b'data: {"not":"a chunk"}\r\n\r\n: comment\n\ndata: [DONE]\n\n'
    service.stub(Raw(events=events))
    outcome = post(service, ask(stream=True))
    assert outcome.headers["content-type"].startswith("text/event-stream")
    assert transcript(outcome) == events


def test_completion_fixture_non_stream_is_the_file(service: Service) -> None:
    service.stub(FromFixture("completions/tool-call.json"))
    body = completion(post(service, ask()))
    assert body == json.loads((FIXTURES / "completions/tool-call.json").read_text())


@pytest.mark.parametrize(
    "name", ["completions/tool-call.json", "completions/n2.json", "completions/refusal.json"]
)
@pytest.mark.parametrize("wire", ["2026", "2025"])
def test_completion_fixture_streams_into_a_valid_transcript_that_folds_into_it(
    name: str, wire: str
) -> None:
    service = Service(Config(seed=1, wire=wire))
    service.stub(FromFixture(name))
    data = transcript(post(service, ask(stream=True, stream_options={"include_usage": True})))
    assert data.endswith(b"data: [DONE]\n\n")
    fixture = json.loads((FIXTURES / name).read_text())
    got = folded(data)
    for choice in fixture["choices"]:
        choice["message"].pop("annotations", None)  # a stream carries no annotations
    if wire == "2026":  # the chunks' own fields, as the provider's 2026 streams carry them
        assert got.pop("service_tier") == "default" and got.pop("obfuscation").isalnum()
        assert all(choice.pop("logprobs") is None for choice in got["choices"])
    assert got == fixture


def test_sse_fixture_is_served_byte_exact_and_folded_for_non_stream(service: Service) -> None:
    service.stub(FromFixture("streams/text.sse"))
    exact = (FIXTURES / "streams/text.sse").read_bytes()
    assert transcript(post(service, ask(stream=True))) == exact
    body = completion(post(service, ask()))
    assert (
        body["choices"][0]["message"]["content"]
        == folded(exact)["choices"][0]["message"]["content"]
    )


@pytest.mark.parametrize(
    ("name", "status"), [("errors/429-openai.json", 429), ("errors/503.json", 503)]
)
def test_error_fixture_status_comes_from_the_body_or_the_file_name(
    service: Service, name: str, status: int
) -> None:
    service.stub(FromFixture(name))
    outcome = post(service, ask())
    assert outcome.status == status
    assert error_of(outcome) == json.loads((FIXTURES / name).read_text())


def test_error_fixture_status_from_a_file_name_when_the_body_has_none(
    service: Service, tmp_path: Path
) -> None:
    path = tmp_path / "418-teapot.json"
    path.write_text(
        json.dumps({"error": {"message": "teapot", "type": "x", "param": None, "code": None}})
    )
    service.stub(FromFixture(path))
    assert post(service, ask()).status == 418


def test_a_broken_stream_fixture_asked_without_streaming_is_its_error(service: Service) -> None:
    service.stub(FromFixture("streams/error-mid-stream.sse"))
    outcome = post(service, ask())
    assert outcome.status == 500
    assert error_of(outcome)["error"]["type"] == "server_error"
    streamed = transcript(post(service, ask(stream=True)))
    assert streamed == (FIXTURES / "streams/error-mid-stream.sse").read_bytes()


def test_a_missing_fixture_is_a_clear_error_not_a_crash(service: Service) -> None:
    service.stub(FromFixture("completions/no-such-file.json"))
    outcome = post(service, ask())
    assert outcome.status == 500
    assert "no-such-file.json" in json.dumps(error_of(outcome))


# ---- sequences, limits, priority ---------------------------------------------------------


def test_a_sequence_answers_in_order_and_the_last_reply_repeats(service: Service) -> None:
    service.stub("first", "second")
    assert [content(post(service, ask())) for _ in range(4)] == [
        "first",
        "second",
        "second",
        "second",
    ]


def test_times_caps_a_stub_then_the_generator_answers(service: Service) -> None:
    stub = service.stub("scripted", times=2)
    answers = [content(post(service, ask())) for _ in range(3)]
    assert answers[:2] == ["scripted", "scripted"] and answers[2] != "scripted"
    assert stub.used == 2 and stub.exhausted


def test_higher_priority_wins_then_the_stub_added_first(service: Service) -> None:
    service.stub("first added")
    service.stub("second added")
    assert content(post(service, ask())) == "first added"
    service.stub("urgent", priority=5)
    assert content(post(service, ask())) == "urgent"


# ---- strict mode ------------------------------------------------------------------------


def test_strict_mode_names_the_nearest_stub_and_its_failed_condition() -> None:
    service = Service(Config(seed=1, strict=True))
    service.stub("weather", last_user="weather", name="weather-stub")
    service.stub("far", last_user="zzz", model="o1", name="far-stub")
    outcome = post(service, ask("What time is it?"))
    assert outcome.status == 400
    failure = error_of(outcome)["error"]
    assert failure["code"] == "mock_no_stub_matched"
    assert "weather-stub" in failure["message"]
    assert "does not contain 'weather'" in failure["message"]


@pytest.mark.parametrize(
    ("conditions", "phrase"),
    [
        ({"model": "o1"}, "model is 'o3-mini', not 'o1'"),
        ({"last_user": re.compile("^bye")}, "last user message 'Hello' does not match /^bye/"),
        ({"turn": 2}, "turn is 0, not 2"),
        ({"has_tools": True}, "no tools are offered"),
        ({"last_role": "tool"}, "last message role is 'user', not 'tool'"),
        ({"tool_call_id": "call_x"}, "last tool_call_id is None, not 'call_x'"),
        ({"stream": True}, "stream is false, not true"),
        ({"where": lambda r: False}, "the predicate returned false"),
    ],
)
def test_strict_mode_says_which_condition_failed(conditions: dict[str, Any], phrase: str) -> None:
    service = Service(Config(strict=True))
    service.stub("x", name="only", **conditions)
    message = error_of(post(service, ask()))["error"]["message"]
    assert message == f"mock (strict): no stub matched; nearest is 'only': {phrase}"


def test_strict_mode_without_stubs_says_so() -> None:
    outcome = post(Service(Config(strict=True)), ask())
    assert (
        outcome.status == 400 and "no stubs are registered" in error_of(outcome)["error"]["message"]
    )


def test_strict_mode_explains_a_used_up_stub() -> None:
    service = Service(Config(strict=True))
    service.stub("once", times=1, name="once")
    assert content(post(service, ask())) == "once"
    message = error_of(post(service, ask()))["error"]["message"]
    assert "'once'" in message and "used up after 1 request" in message


def test_unused_lists_the_stubs_no_request_reached(service: Service) -> None:
    used = service.stub("hit", last_user="hello", name="used")
    never = service.stub("miss", last_user="goodbye", name="never")
    post(service, ask("hello"))
    assert service.stubs.unused() == [never]
    assert used.used == 1


# ---- stubs still obey the request ---------------------------------------------------------


def test_stub_text_obeys_stop(service: Service) -> None:
    service.stub("one two STOP three")
    choice = completion(post(service, ask(stop="STOP")))["choices"][0]
    assert choice["message"]["content"] == "one two " and choice["finish_reason"] == "stop"


def test_stub_text_obeys_max_completion_tokens(service: Service) -> None:
    service.stub(Text("word " * 200, reasoning_tokens=5))
    body = completion(post(service, ask(max_completion_tokens=15)))
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] and len(choice["message"]["content"]) < 1000
    assert body["usage"]["completion_tokens"] == 15


def test_n_2_gives_the_stubbed_answer_in_each_choice(service: Service) -> None:
    service.stub("same answer")
    body = completion(post(service, ask(n=2)))
    assert [c["message"]["content"] for c in body["choices"]] == ["same answer", "same answer"]
    assert [c["index"] for c in body["choices"]] == [0, 1]


# ---- an agent loop ------------------------------------------------------------------------


def tool_result(call_id: str, result: str = '{"temp": 22}') -> dict[str, Any]:
    return {
        "model": "o3-mini",
        "tools": [WEATHER_TOOL],
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call_id, "content": result},
        ],
    }


def test_a_scripted_agent_loop_calls_a_tool_then_answers_its_result(service: Service) -> None:
    service.stub(
        ToolCalls((Call("get_weather", {"city": "Paris"}, id="call_w1"),)),
        turn=0,
        last_role="user",
        name="ask-tool",
    )
    service.stub(
        "It is 22 degrees in Paris.", last_role="tool", tool_call_id="call_w1", name="answer"
    )
    conversation: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    for _ in range(5):
        body = completion(
            post(service, {"model": "o3-mini", "messages": conversation, "tools": [WEATHER_TOOL]})
        )
        message = body["choices"][0]["message"]
        conversation.append(
            {k: message[k] for k in ("role", "content", "tool_calls") if k in message}
        )
        if body["choices"][0]["finish_reason"] != "tool_calls":
            break
        for call in message["tool_calls"]:
            conversation.append({"role": "tool", "tool_call_id": call["id"], "content": "22C"})
    assert conversation[-1]["content"] == "It is 22 degrees in Paris."
    assert [m["role"] for m in conversation] == ["user", "assistant", "tool", "assistant"]
    assert [e.answered_by for e in service.journal] == ["stub:ask-tool", "stub:answer"]
    assert service.stubs.unused() == []


# ---- the journal and reset -------------------------------------------------------------------


def test_the_journal_says_who_answered_and_redacts_the_key(service: Service) -> None:
    service.stub("stubbed", last_user="stub me", name="named")
    post(service, ask("stub me"))
    post(service, ask("something else"))
    service.fault(status=429)
    post(service, ask("stub me"))
    entries = service.journal.entries()
    assert [e.answered_by for e in entries] == ["stub:named", "generator", "fault:status=429"]
    assert [e.status for e in entries] == [201, 201, 429]
    assert entries[0].headers["authorization"] == "Bearer ***6789"
    assert "sk-test-123456789" not in json.dumps([e.as_dict() for e in entries])


def test_reset_clears_stubs_faults_and_journal(service: Service) -> None:
    service.stub("stubbed")
    service.fault(status=500, times=3)
    post(service, ask())
    service.reset()
    assert service.stubs.all() == [] and len(service.journal) == 0
    outcome = post(service, ask())
    assert outcome.status == 201 and content(outcome) != "stubbed"


def test_reset_restores_the_start_up_scenario_with_fresh_counts() -> None:
    baseline = Scenario(
        stubs=[Stub(Match(), (Text("one"), Text("two")), name="seq")],
        faults=[(Fault(status=503), 1)],
    )
    service = Service(Config(seed=1), scenario=baseline)
    for _ in range(2):
        assert post(service, ask()).status == 503
        assert [content(post(service, ask())) for _ in range(3)] == ["one", "two", "two"]
        service.stub("added later", priority=9)
        service.reset()
    assert [s.name for s in service.stubs.all()] == ["seq"]
