"""Haystack's Agent (OpenAIChatGenerator) against the mock, unscripted: it calls the tool
with the city and ends with the assistant's text."""

from __future__ import annotations

from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import create_tool_from_function
from haystack.utils import Secret

from conftest import KEY, QUESTION, calls_sent_back, get_weather
from mockserver import MockAPI


def test_agent_calls_the_tool_then_answers(server: MockAPI) -> None:
    generator = OpenAIChatGenerator(
        model="o3-mini", api_base_url=server.base_url, api_key=Secret.from_token(KEY), max_retries=0
    )
    agent = Agent(
        chat_generator=generator, tools=[create_tool_from_function(get_weather)], max_agent_steps=4
    )
    if hasattr(agent, "warm_up"):
        agent.warm_up()
    result = agent.run(messages=[ChatMessage.from_user(QUESTION)])
    last = result["last_message"]
    assert isinstance(last, ChatMessage) and last.text and not last.tool_calls
    assert calls_sent_back(server) == [("get_weather", {"city": "Paris"})]
    assert [m.role.value for m in result["messages"]] == ["user", "assistant", "tool", "assistant"]
