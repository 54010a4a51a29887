"""Answers that follow the prompt (issue 23): the tool the user asks for, arguments from
what they said, a tool loop that ends, and the switch that turns it all off."""

from __future__ import annotations

import json
import random
from typing import Any

import jsonschema
import pytest
from helpers import AUTH, ask, completion, folded, post, transcript
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import AIMLAPI, OPENAI, Config, Profile, Service
from mockserver._cli.main import parse, serve_setup
from mockserver._generation import arguments, conversation, engine, tool_choice
from mockserver._strategies.tools import tool_lists

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and country"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
}
FINAL_ANSWER = {
    "type": "function",
    "function": {
        "name": "final_answer",
        "description": "Provides a final answer to the given problem.",
        "parameters": {
            "type": "object",
            "properties": {"answer": {"type": "string", "description": "The final answer"}},
            "required": ["answer"],
        },
    },
}


def answer_of(service: Service, request: dict[str, Any]) -> dict[str, Any]:
    """The message of the first choice, streamed or not (folded from its chunks)."""
    outcome = post(service, request)
    body = folded(transcript(outcome)) if request.get("stream") else completion(outcome)
    message: dict[str, Any] = body["choices"][0]["message"]
    return message


def calls(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or ()
    ]


# ---- the issue's case: tool_choice "required", get_weather and final_answer ----------------


@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI])
def test_required_calls_the_tool_the_user_names_with_the_city_they_said(profile: Profile) -> None:
    service = Service(Config(profile=profile, seed=3))
    request = ask(
        "What is the weather in Paris? Use the get_weather tool",
        tools=[FINAL_ANSWER, WEATHER],
        tool_choice="required",
    )
    message = answer_of(service, request)
    ((name, args),) = calls(message)
    assert name == "get_weather" and args["location"] == "Paris"  # "unit" may be drawn too
    # after the result, "required" calls the finishing tool, with a text answer in it
    call = message["tool_calls"][0]
    request["messages"] += [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "18 C and sunny"},
    ]
    (name, args), *_ = calls(answer_of(service, request))
    assert name == "final_answer" and len(args["answer"].split()) > 5


def test_the_tool_is_chosen_by_its_description_words_when_not_named() -> None:
    lookup = {
        "type": "function",
        "function": {"name": "lookup_order", "description": "Find an order by its number"},
    }
    email = {
        "type": "function",
        "function": {
            "name": "send_email",
            "description": "Send an e-mail message to a recipient",
            "parameters": {
                "type": "object",
                "properties": {"to": {"type": "string", "format": "email"}},
                "required": ["to"],
            },
        },
    }
    service = Service(Config(seed=1))
    message = answer_of(service, ask("Please email ada@example.org", tools=[lookup, email]))
    assert calls(message) == [("send_email", {"to": "ada@example.org"})]


def test_arguments_take_enum_values_numbers_dates_and_quoted_strings_said() -> None:
    schema = {
        "type": "object",
        "properties": {
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 10},
            "date": {"type": "string", "format": "date"},
            "query": {"type": "string"},
            "site": {"type": "string", "format": "uri"},
        },
        "required": ["days", "query"],
    }
    said = conversation.facts(
        'Search "tide tables" on https://example.org/tides for 3 days from March 5, 2026, '
        "in Fahrenheit please"
    )
    value = arguments.filled(schema, {"days": 7, "query": "x"}, said)
    assert value == {
        "days": 3,
        "query": "tide tables",
        "unit": "fahrenheit",
        "date": "2026-03-05",
        "site": "https://example.org/tides",
    }
    jsonschema.validate(value, schema)


def test_a_fact_that_would_break_the_schema_is_not_used() -> None:
    schema = {
        "type": "object",
        "properties": {
            "days": {"type": "integer", "maximum": 5},
            "city": {"type": "string", "maxLength": 4},
        },
        "required": ["days", "city"],
    }
    said = conversation.facts("The forecast for 14 days in Paris")
    assert arguments.filled(schema, {"days": 2, "city": "Oslo"}, said) == {
        "days": 2,
        "city": "Oslo",
    }


def test_text_transcripts_count_as_tool_results() -> None:
    """smolagents' ToolCallingAgent writes its calls as assistant text and sends results
    as user "Observation:" messages; the rule reads them as calls and results."""
    messages = [
        {"role": "user", "content": "New task:\nWhat is the weather in Paris?"},
        {
            "role": "assistant",
            "content": "Calling tools:\n[{'id': 'call_1', 'type': 'function', 'function': "
            "{'name': 'get_weather', 'arguments': {'city': 'Paris'}}}]",
        },
        {"role": "user", "content": "Observation:\nIt is sunny in Paris, 18 C."},
    ]
    assert conversation.latest_user_text(messages).endswith("What is the weather in Paris?")
    assert conversation.called_since_user(messages) == ("get_weather",)
    assert conversation.is_result(messages[-1])
    request = {"model": "o3-mini", "messages": messages, "tools": [WEATHER, FINAL_ANSWER]}
    assert calls(answer_of(Service(Config(seed=2)), {**request, "tool_choice": "auto"})) == []
    required = answer_of(Service(Config(seed=2)), {**request, "tool_choice": "required"})
    assert calls(required)[0][0] == "final_answer"


def test_names_skip_sentence_openers_and_labels() -> None:
    said = conversation.facts("New task:\nWhat is the weather in New York and São Paulo? Use AAPL.")
    assert said.names == ("New York", "São Paulo", "AAPL")


def test_a_word_capitalised_only_because_it_opens_the_sentence_comes_after_real_names() -> None:
    # "Weather in Paris?" asked for the weather in the city "Weather" (a user's report).
    assert conversation.facts("Weather in Paris?").names[0] == "Paris"
    assert conversation.facts("Paris is lovely in May.").names == ("Paris",)
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    request = {
        "model": "o3-mini",
        "messages": [{"role": "user", "content": "Weather in Paris?"}],
        "tools": [tool],
        "tool_choice": "required",
    }
    assert calls(answer_of(Service(Config(seed=1)), request)) == [
        ("get_weather", {"city": "Paris"})
    ]


# ---- properties: the loop ends, the arguments are valid, the seed decides ---------------------

_WORDS = ["weather", "order", "ticket", "docs", "email", "convert", "please", "today", "Paris"]


@st.composite
def prompts(draw: st.DrawFn, names: list[str]) -> str:
    """A user turn that may name some of the tools, use their words, or neither."""
    parts = draw(st.lists(st.sampled_from([*names, *_WORDS, "42", '"quoted"']), max_size=6))
    if names and draw(st.booleans()):
        parts.append(" ".join(conversation.words(draw(st.sampled_from(names)))))
    return " ".join(parts) or "Hello"


@settings(max_examples=40, deadline=None)
@given(data=st.data(), profile=st.sampled_from([AIMLAPI, OPENAI]), stream=st.booleans())
def test_a_plain_tool_loop_reaches_a_text_answer_within_tools_plus_one_turns(
    data: st.DataObject, profile: Profile, stream: bool
) -> None:
    tools = [t.tool for t in data.draw(tool_lists(1))]
    names = [t["function"]["name"] for t in tools]
    text = data.draw(prompts(names))
    seed = data.draw(st.integers(1, 1000))
    service = Service(Config(profile=profile, seed=seed))
    request = ask(text, tools=tools, tool_choice=data.draw(st.sampled_from(["auto", None])))
    if request["tool_choice"] is None:
        del request["tool_choice"]
    if stream:
        request["stream"] = True
    schemas = {t["function"]["name"]: t["function"].get("parameters") for t in tools}
    for _ in range(len(tools) + 1):
        message = answer_of(service, request)
        if not message.get("tool_calls"):
            assert message["content"]
            return
        assert len(message["tool_calls"]) == 1  # o3-mini: one call per turn
        for name, args in calls(message):
            jsonschema.validate(args, schemas[name] or {})
        request["messages"].append(
            {"role": "assistant", "content": None, "tool_calls": message["tool_calls"]}
        )
        request["messages"] += [
            {"role": "tool", "tool_call_id": c["id"], "content": "done"}
            for c in message["tool_calls"]
        ]
    pytest.fail(f"still calling tools after {len(tools) + 1} turns: {request['messages']}")


@settings(max_examples=30, deadline=None)
@given(data=st.data(), choice=st.sampled_from(["auto", "required"]))
def test_arguments_always_validate_and_the_same_seed_gives_the_same_answer(
    data: st.DataObject, choice: str
) -> None:
    tools = [t.tool for t in data.draw(tool_lists(1))]
    text = data.draw(prompts([t["function"]["name"] for t in tools]))
    text += data.draw(st.sampled_from(["", " in Boston", " on 2026-01-02", " for bob@example.com"]))
    request = ask(text, tools=tools, tool_choice=choice, seed=data.draw(st.integers(1, 99)))
    first, again = (
        engine.generate(
            request,
            engine.rng_for(request, fallback=random.Random(server)),
            id="a",
            created=0,
            system_fingerprint="f",
        )
        for server in (1, 2)
    )
    assert first == again  # a seeded request does not depend on the server's stream
    schemas = {t["function"]["name"]: t["function"].get("parameters") for t in tools}
    for call in first.choices[0].tool_calls:
        jsonschema.validate(json.loads(call.arguments), schemas[call.name] or {})


def test_a_turn_that_asks_for_no_tool_draws_one_as_before() -> None:
    tools = [tool_choice.Tool("lookup_order"), tool_choice.Tool("send_email")]
    assert tool_choice.asked(tools, "Hello there") == []
    assert (
        tool_choice.choose(tools, "Hello", (), after_results=False, required=False, draw=lambda: 1)
        == 1
    )
    assert (
        tool_choice.choose(
            tools, "Hello", ("send_email",), after_results=True, required=False, draw=lambda: 1
        )
        is None
    )


# ---- the switch ---------------------------------------------------------------------------------


def test_follow_prompt_off_answers_as_before_prompt_following() -> None:
    request = ask(
        "What is the weather in Paris? Use the get_weather tool",
        tools=[FINAL_ANSWER, WEATHER],
        tool_choice="required",
        seed=5,
    )
    on = engine.generate(request, random.Random(0), id="a", created=0, system_fingerprint="f")
    off = engine.generate(
        request, random.Random(0), id="a", created=0, system_fingerprint="f", follow_prompt=False
    )
    assert json.loads(on.choices[0].tool_calls[0].arguments)["location"] == "Paris"
    assert on.choices[0].tool_calls[0].name == "get_weather"
    assert (off.choices[0].tool_calls[0].name, off.choices[0].tool_calls[0].arguments) != (
        "get_weather",
        '{"location":"Paris"}',
    )
    formatted = ask("Is the sky blue? Answer with yes or no.", seed=5)
    on_plan, off_plan = engine.plan(formatted), engine.plan(formatted, follow_prompt=False)
    assert on_plan is not None and on_plan.shape is not None
    assert off_plan is not None and off_plan.shape is None


def test_the_switch_is_a_serve_flag_a_config_field_and_a_marker_option() -> None:
    assert Config().follow_prompt is True
    config, _ = serve_setup(parse(["serve", "--no-follow-prompt"]))
    assert config.follow_prompt is False
    assert serve_setup(parse(["serve"]))[0].follow_prompt is True
    service = Service(Config(seed=1, follow_prompt=False))
    outcome = post(service, ask("Is the sky blue? Answer with yes or no."))
    assert completion(outcome)["choices"][0]["message"]["content"] not in ("Yes", "No")
    on = post(Service(Config(seed=1)), ask("Is the sky blue? Answer with yes or no."), AUTH)
    assert completion(on)["choices"][0]["message"]["content"] in ("Yes", "No")


@pytest.mark.aimlapi(follow_prompt=False)
def test_the_marker_turns_prompt_following_off(aimlapi_mock: Any) -> None:
    assert aimlapi_mock.service.config.follow_prompt is False


def test_arguments_read_refs_unions_and_arrays() -> None:
    schema = {
        "type": "object",
        "$defs": {"Place": {"type": "string", "description": "a city"}},
        "properties": {
            "destination": {"$ref": "#/$defs/Place"},
            "count": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "emails": {"type": "array", "items": {"type": "string", "format": "email"}},
            "kind": {"type": ["string", "null"], "enum": ["flight", "train", None]},
            "note": {"const": "x"},
        },
        "required": ["destination", "count"],
    }
    said = conversation.facts(
        "Book 2 train tickets to Lisbon for ada@example.org and bo@example.org"
    )
    value = arguments.filled(schema, {"destination": "Oslo", "count": None}, said)
    assert value == {
        "destination": "Lisbon",
        "count": 2,
        "emails": ["ada@example.org", "bo@example.org"],
        "kind": "train",
    }
    jsonschema.validate(value, schema)
    # what is not a schema object, or not an object, is left as drawn
    assert arguments.filled(True, {"a": 1}, said) == {"a": 1}
    assert arguments.filled(schema, [1], said) == [1]
    assert arguments.filled({"type": "object"}, {}, said) == {}
