"""The OpenAI Agents SDK (its Chat Completions model) against the mock, unscripted: an
agent with a tool reaches its final output, in text and as the SDK's typed output."""

from __future__ import annotations

import asyncio
from typing import Any

from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled
from openai import AsyncOpenAI
from pydantic import BaseModel

from conftest import KEY, QUESTION, calls_sent_back, get_weather
from mockserver import MockAPI

set_tracing_disabled(True)


class Report(BaseModel):
    city: str
    summary: str


def run(server: MockAPI, output_type: Any = None) -> Any:
    async def go() -> Any:
        client = AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
        agent = Agent(
            name="weather",
            instructions="Answer questions about the weather.",
            tools=[function_tool(get_weather)],
            model=OpenAIChatCompletionsModel(model="o3-mini", openai_client=client),
            output_type=output_type,
        )
        try:
            return await Runner.run(agent, QUESTION, max_turns=4)
        finally:
            await client.close()

    return asyncio.run(go())


def test_agent_calls_the_tool_then_answers(server: MockAPI) -> None:
    result = run(server)
    assert isinstance(result.final_output, str) and len(result.final_output.split()) > 5
    assert calls_sent_back(server) == [("get_weather", {"city": "Paris"})]
    kinds = [type(item).__name__ for item in result.new_items]
    assert kinds == ["ToolCallItem", "ToolCallOutputItem", "MessageOutputItem"]


def test_agent_with_a_typed_output(server: MockAPI) -> None:
    result = run(server, Report)
    assert isinstance(result.final_output, Report)
    assert calls_sent_back(server) == [("get_weather", {"city": "Paris"})]
