"""pydantic-ai's Agent over its OpenAI chat model against the mock in both profiles, live and
in process: text, a tool the agent calls before it answers, streaming, each output mode
(tool output, NativeOutput, PromptedOutput), and the errors it raises."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from client_helpers import KEY, WEATHER_CALL, get_weather
from openai import AsyncOpenAI
from pydantic import BaseModel
from pydantic_ai import Agent, ModelHTTPError, NativeOutput, PromptedOutput, ToolOutput
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from mockserver import Error, MockAPI


class Weather(BaseModel):
    city: str
    temperature: int


@asynccontextmanager
async def agent(mock: MockAPI, output_type: Any = str) -> AsyncIterator[Agent[None, Any]]:
    """An agent on o3-mini at the mock, with the weather tool, whose HTTP client is closed
    in the loop that used it (pydantic-ai's shared client would leak sockets across loops)."""
    async with httpx.AsyncClient() as http:
        client = AsyncOpenAI(base_url=mock.base_url, api_key=KEY, http_client=http, max_retries=0)
        provider = OpenAIProvider(openai_client=client)
        made: Agent[None, Any] = Agent(
            OpenAIChatModel("o3-mini", provider=provider), output_type=output_type
        )
        made.tool_plain(get_weather)
        yield made


def run(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(main())


def ask(mock: MockAPI, prompt: str, output_type: Any = str) -> Any:
    async def main() -> Any:
        async with agent(mock, output_type) as a:
            return await a.run(prompt)

    return run(main)


def test_text_answer(mock: MockAPI) -> None:
    mock.stub("Hello from the mock.")
    result = ask(mock, "Hello")
    assert result.output == "Hello from the mock."
    assert result.usage.output_tokens > 0


def test_tool_then_text_answer_unscripted(mock: MockAPI) -> None:
    """No stubs: the mock calls the tool on the user's turn and answers after the result."""
    result = ask(mock, "Weather in Paris?")
    assert isinstance(result.output, str) and result.output
    assert len(mock.requests) == 2
    tool_message = mock.last_request.body["messages"][-1]
    assert tool_message["role"] == "tool"
    assert json.loads(tool_message["content"])["temperature"] == 18


def test_stream_text(mock: MockAPI) -> None:
    mock.stub("Tides follow the moon.")

    async def main() -> list[str]:
        async with agent(mock) as a, a.run_stream("Tides?") as response:
            return [text async for text in response.stream_text(delta=True)]

    # pydantic-ai batches deltas that arrive together, so only the sum is certain.
    assert "".join(run(main)) == "Tides follow the moon."
    assert mock.last_request.body["stream"] is True


def test_tool_output(mock: MockAPI) -> None:
    mock.stub(WEATHER_CALL, last_role="user")
    result = ask(mock, "Weather in Paris?", ToolOutput(Weather))
    assert isinstance(result.output, Weather)
    names = {t["function"]["name"] for t in mock.last_request.body["tools"]}
    assert names == {"final_result", "get_weather"}


def test_native_output(mock: MockAPI) -> None:
    result = ask(mock, "Weather in Paris?", NativeOutput(Weather))
    assert isinstance(result.output, Weather)
    assert mock.last_request.body["response_format"]["type"] == "json_schema"


def test_prompted_output(mock: MockAPI) -> None:
    result = ask(mock, "Weather in Paris?", PromptedOutput(Weather))
    assert isinstance(result.output, Weather)
    # The schema travels in the prompt, not in response_format's json_schema.
    assert mock.last_request.body.get("response_format", {}).get("type") != "json_schema"


@pytest.mark.parametrize("status", [400, 401, 429])
def test_scripted_errors_raise_model_http_error(mock: MockAPI, status: int) -> None:
    mock.stub(Error(status, message="scripted failure"))
    with pytest.raises(ModelHTTPError) as caught:
        ask(mock, "Hello")
    assert caught.value.status_code == status and "scripted failure" in str(caught.value.body)


def test_a_temperature_o3_mini_rejects_is_dropped_by_pydantic_ai(mock: MockAPI) -> None:
    async def main() -> Any:
        async with agent(mock) as a:
            return await a.run("Hello", model_settings={"temperature": 0.5})

    with pytest.warns(UserWarning, match="Sampling parameters"):
        result = run(main)
    assert result.output and "temperature" not in mock.last_request.body
