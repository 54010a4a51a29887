"""A sequence stub follows an agent loop: one reply per matching request; a sequence that
could never advance (a fixed turn) is refused where it is written."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest
from helpers import WEATHER_TOOL

from mockserver import Call, Config, Service, ToolCalls, mock_aimlapi
from mockserver._control import scenario_files


def loop(client: openai.OpenAI, question: str) -> tuple[str, int]:
    """A minimal agent loop with the openai SDK; returns the answer and the request count."""
    messages: list[Any] = [{"role": "user", "content": question}]
    for n in range(1, 6):
        completion = client.chat.completions.create(
            model="o3-mini", messages=messages, tools=[WEATHER_TOOL]
        )
        message = completion.choices[0].message
        if not message.tool_calls:
            return message.content or "", n
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            args = json.loads(call.function.arguments)  # type: ignore[union-attr]
            messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(args)})
    raise AssertionError("the loop never ended")


@pytest.mark.parametrize("conditions", [{}, {"last_user": "paris"}, {"has_tools": True}])
def test_one_stub_scripts_the_tool_call_then_the_answer(conditions: dict[str, Any]) -> None:
    with mock_aimlapi() as mock:
        mock.stub(
            ToolCalls(Call("get_weather", {"city": "Paris", "unit": "celsius"})),
            "It is 18 °C in Paris.",
            **conditions,
        )
        client = openai.OpenAI(base_url=mock.base_url, api_key="k", max_retries=0)
        assert loop(client, "Weather in Paris?") == ("It is 18 °C in Paris.", 2)
        second = mock.requests[1].body["messages"]
        assert second[-1]["role"] == "tool" and json.loads(second[-1]["content"])["city"] == "Paris"


def test_a_sequence_with_a_turn_condition_is_refused_with_the_fix() -> None:
    service = Service(Config(seed=1))
    with pytest.raises(ValueError, match=r"Drop turn=: the sequence itself follows the loop"):
        service.stub(ToolCalls(Call("get_weather", {})), "It is 18 °C.", turn=0)
    assert service.stubs.all() == []
    service.stub(ToolCalls(Call("get_weather", {})), turn=0)  # one reply per turn is fine


def test_the_same_mistake_in_a_scenario_file_names_its_path() -> None:
    document = {
        "stubs": [
            {"match": {"turn": 0}, "replies": [{"content": "a"}, {"content": "b"}]},
        ]
    }
    with pytest.raises(scenario_files.SpecError, match=r"stubs\[0\]: a sequence of 2 replies"):
        scenario_files.parse(document, source="s.yaml")
