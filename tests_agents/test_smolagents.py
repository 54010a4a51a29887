"""smolagents against the mock, unscripted: the CodeAgent (code that calls the tool and
`final_answer`) and the ToolCallingAgent (the tool, then the `final_answer` tool)."""

from __future__ import annotations

from smolagents import CodeAgent, OpenAIServerModel, ToolCallingAgent, tool

from conftest import KEY, QUESTION
from mockserver import MockAPI

SEEN: list[str] = []


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The name of the city.
    """
    SEEN.append(city)
    return f"It is sunny in {city}, 18 degrees Celsius."


def model(server: MockAPI) -> OpenAIServerModel:
    return OpenAIServerModel(model_id="o3-mini", api_base=server.base_url, api_key=KEY)


def test_code_agent_runs_the_tool_in_code_and_answers(server: MockAPI) -> None:
    SEEN.clear()
    agent = CodeAgent(tools=[get_weather], model=model(server), max_steps=3, verbosity_level=0)
    result = agent.run(QUESTION)
    assert isinstance(result, str) and len(result.split()) > 5
    assert SEEN == ["Paris"]
    assert len(server.requests) == 1  # one step: the tool, then final_answer


def test_tool_calling_agent_calls_the_tool_then_final_answer(server: MockAPI) -> None:
    SEEN.clear()
    agent = ToolCallingAgent(
        tools=[get_weather], model=model(server), max_steps=4, verbosity_level=0
    )
    result = agent.run(QUESTION)
    assert isinstance(result, str) and len(result.split()) > 5
    assert SEEN == ["Paris"]
    assert len(server.requests) == 2
    assert all(r.body["tool_choice"] == "required" for r in server.requests)
