"""AutoGen's AssistantAgent (OpenAIChatCompletionClient) against the mock, unscripted: it
calls the tool with the city, reflects on the result and ends with a text message."""

from __future__ import annotations

import asyncio

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import TextMessage, ToolCallExecutionEvent, ToolCallRequestEvent
from autogen_ext.models.openai import OpenAIChatCompletionClient

from conftest import KEY, QUESTION, calls_sent_back, get_weather
from mockserver import MockAPI


def test_assistant_calls_the_tool_then_answers(server: MockAPI) -> None:
    async def go() -> list[object]:
        client = OpenAIChatCompletionClient(
            model="o3-mini", base_url=server.base_url, api_key=KEY, max_retries=0
        )
        try:
            agent = AssistantAgent(
                "assistant", model_client=client, tools=[get_weather], reflect_on_tool_use=True
            )
            result = await agent.run(task=QUESTION)
            return list(result.messages)
        finally:
            await client.close()

    messages = asyncio.run(go())
    assert [type(m) for m in messages] == [
        TextMessage,
        ToolCallRequestEvent,
        ToolCallExecutionEvent,
        TextMessage,
    ]
    final = messages[-1]
    assert isinstance(final, TextMessage) and len(final.content.split()) > 5
    assert calls_sent_back(server) == [("get_weather", {"city": "Paris"})]
