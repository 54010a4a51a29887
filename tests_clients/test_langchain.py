"""LangChain's ChatOpenAI (langchain-openai) against the mock, in both profiles, live and in
process: invoke, stream, a bind_tools loop until a text answer, with_structured_output in
each method, and the errors it raises (openai's own classes)."""

from __future__ import annotations

import json

import openai
import pytest
from client_helpers import KEY, get_weather, in_profile
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel

from mockserver import Error, MockAPI


class Weather(BaseModel):
    city: str
    temperature: int


def chat(mock: MockAPI) -> ChatOpenAI:
    return ChatOpenAI(model="o3-mini", base_url=mock.base_url, api_key=KEY, max_retries=0)


@tool("get_weather")
def weather_tool(city: str) -> str:
    """Current weather for a city."""
    return get_weather(city)


def test_invoke(mock: MockAPI) -> None:
    reply = chat(mock).invoke("Hello")
    assert isinstance(reply.content, str) and reply.content
    assert reply.response_metadata["model_name"] == "o3-mini-2025-01-31"
    assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] > 0
    assert mock.last_request.body["messages"] == [{"role": "user", "content": "Hello"}]


def test_stream_reassembles_the_answer(mock: MockAPI) -> None:
    mock.stub("Tides follow the moon.")
    pieces = [chunk.content for chunk in chat(mock).stream("Tides?")]
    assert len(pieces) > 2 and "".join(str(p) for p in pieces) == "Tides follow the moon."


def test_bind_tools_loop_until_a_text_answer(mock: MockAPI) -> None:
    """Unscripted: the mock calls the tool on the user's turn and answers after the result."""
    model = chat(mock).bind_tools([weather_tool])
    messages: list[HumanMessage | AIMessage | ToolMessage] = [HumanMessage("Weather in Paris?")]
    for _ in range(4):
        reply = model.invoke(messages)
        assert isinstance(reply, AIMessage)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            messages.append(weather_tool.invoke(call))
    assert isinstance(messages[-1].content, str) and messages[-1].content
    assert [m.type for m in messages] == ["human", "ai", "tool", "ai"]
    sent = mock.last_request.body["messages"]
    assert sent[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert json.loads(sent[2]["content"])["temperature"] == 18


def test_structured_output_json_schema(mock: MockAPI) -> None:
    result = chat(mock).with_structured_output(Weather, method="json_schema").invoke("Paris?")
    assert isinstance(result, Weather)
    assert mock.last_request.body["response_format"]["type"] == "json_schema"


@in_profile("aimlapi")
def test_structured_output_function_calling(mock: MockAPI) -> None:
    structured = chat(mock).with_structured_output(Weather, method="function_calling")
    result = structured.invoke("Weather in Paris?")
    assert isinstance(result, Weather)
    assert mock.last_request.body["tool_choice"]["function"]["name"] == "Weather"
    assert mock.last_request.body["parallel_tool_calls"] is False


@in_profile(
    "openai",
    validate=False,  # the request is one OpenAI's o3-mini rejects
)
def test_function_calling_gets_openais_400_for_parallel_tool_calls(mock: MockAPI) -> None:
    """LangChain sends parallel_tool_calls=false, which OpenAI's o3-mini rejects."""
    structured = chat(mock).with_structured_output(Weather, method="function_calling")
    with pytest.raises(openai.BadRequestError) as caught:
        structured.invoke("Weather in Paris?")
    assert "Unsupported parameter: 'parallel_tool_calls'" in str(caught.value)


def test_structured_output_json_mode(mock: MockAPI) -> None:
    structured = chat(mock).with_structured_output(Weather, method="json_mode")
    schema = json.dumps(Weather.model_json_schema())
    result = structured.invoke(f"Weather in Paris? Reply with JSON matching this schema: {schema}")
    assert isinstance(result, Weather)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (429, openai.RateLimitError),
    ],
)
def test_scripted_errors_raise_openais_classes(
    mock: MockAPI, status: int, cls: type[openai.APIStatusError]
) -> None:
    mock.stub(Error(status))
    with pytest.raises(cls) as caught:
        chat(mock).invoke("Hello")
    assert caught.value.status_code == status


@pytest.mark.aimlapi(validate=False)  # the request is wrong on purpose
def test_temperature_surfaces_the_providers_own_400(mock: MockAPI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        ChatOpenAI(
            model="o3-mini", base_url=mock.base_url, api_key=KEY, max_retries=0, temperature=0.2
        ).invoke("Hello")
    assert "Unsupported parameter: 'temperature'" in str(caught.value)
