"""The weather app's tests, written the way a user of aimlapi-mockserver writes them.

make test runs it; docs/how-to/ shows the same patterns one at a time.
"""

from __future__ import annotations

import json

import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from examples import weather_app
from mockserver import Call, MockAPI, Text, ToolCalls, mock_aimlapi


def test_the_agent_loop_ends_with_the_models_answer(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.stub(
        ToolCalls((Call("get_weather", {"city": "Paris", "unit": "celsius"}),)), last_role="user"
    )
    aimlapi_mock.stub("It is 18 °C and clear in Paris.", last_role="tool")

    assert weather_app.ask("Weather in Paris?") == "It is 18 °C and clear in Paris."

    first, second = aimlapi_mock.requests
    assert first.body["tools"][0]["function"]["name"] == "get_weather"
    tool_result = second.body["messages"][-1]
    assert json.loads(tool_result["content"])["temperature"] == 18


def test_a_sequence_scripts_first_the_tool_call_then_the_answer(aimlapi_mock: MockAPI) -> None:
    # One stub, two replies: each request the loop sends takes the next one.
    aimlapi_mock.stub(
        ToolCalls(Call("get_weather", {"city": "Oslo", "unit": "celsius"})),
        "It is 18 °C in Oslo.",
        name="weather",
    )
    assert weather_app.ask("Weather in Oslo?") == "It is 18 °C in Oslo."
    assert [r.answered_by for r in aimlapi_mock.requests] == ["stub:weather", "stub:weather"]


def test_the_agent_loop_works_with_generated_tool_calls(aimlapi_mock: MockAPI) -> None:
    # No stubs: the mock calls the tool with arguments valid against its schema,
    # then answers the tool result in text.
    answer = weather_app.ask("Do I need an umbrella in Oslo?")
    assert answer
    assert [r.answered_by for r in aimlapi_mock.requests] == ["generator", "generator"]


def test_a_rate_limit_is_retried(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.fault(status=429, retry_after_ms=20)
    aimlapi_mock.stub("Sunny.")
    assert weather_app.ask("Weather?") == "Sunny."
    aimlapi_mock.assert_retried(1)


def test_streaming_reports_the_same_usage_as_a_plain_call(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.stub(Text("Clear skies all day.", reasoning_tokens=64))
    text, total = weather_app.stream_answer("Weather?")
    assert text == "Clear skies all day."
    plain = weather_app.client().chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Weather?"}]
    )
    assert plain.usage is not None and total == plain.usage.total_tokens


def test_an_outage_surfaces_as_the_sdks_error(aimlapi_mock: MockAPI) -> None:
    aimlapi_mock.fault(status=503, times=3)
    with pytest.raises(openai.InternalServerError):
        weather_app.ask("Weather?", weather_app.client(max_retries=2))
    assert len(aimlapi_mock.requests) == 3


@settings(max_examples=20, deadline=None)
@given(
    city=st.sampled_from(["Paris", "Oslo", "Lima", "Osaka"]),
    unit=st.sampled_from(["celsius", "fahrenheit"]),
)
def test_any_city_and_unit_round_trip_through_the_tool(city: str, unit: str) -> None:
    with mock_aimlapi() as mock:  # a fresh mock per example: no state leaks between examples
        mock.stub(ToolCalls((Call("get_weather", {"city": city, "unit": unit}),)), turn=0)
        mock.stub(f"Done for {city}.", turn=1)
        seen: list[dict[str, str]] = []

        def tool(**arguments: str) -> dict[str, bool]:
            seen.append(arguments)
            return {"ok": True}

        assert weather_app.ask(f"Weather in {city}?", tool=tool) == f"Done for {city}."
        assert seen == [{"city": city, "unit": unit}]
