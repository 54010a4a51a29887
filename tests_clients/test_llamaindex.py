"""LlamaIndex's `OpenAI` and `OpenAILike` LLMs against the mock in both profiles, live and
in process: chat, stream, a tool call through `chat_with_tools`, and errors (openai's own
classes, which LlamaIndex lets through)."""

from __future__ import annotations

import json

import openai
import pytest
from client_helpers import KEY, WEATHER_CALL, get_weather
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import FunctionTool
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai_like import OpenAILike

from mockserver import MockAPI


def like(mock: MockAPI) -> OpenAILike:
    return OpenAILike(
        model="o3-mini",
        api_base=mock.base_url,
        api_key=KEY,
        is_chat_model=True,
        is_function_calling_model=True,
        max_retries=0,
    )


def official(mock: MockAPI) -> OpenAI:
    return OpenAI(model="o3-mini", api_base=mock.base_url, api_key=KEY, max_retries=0)


LLMS = {"OpenAI": official, "OpenAILike": like}
# Both clients are httpx: OpenAI live and in process, OpenAILike (the same client) live.
SETUPS = [
    ("OpenAI", "aimlapi_server"),
    ("OpenAI", "aimlapi_mock"),
    ("OpenAILike", "aimlapi_server"),
]


@pytest.fixture(
    params=SETUPS, ids=[f"{n}-{'live' if 'server' in f else 'inproc'}" for n, f in SETUPS]
)
def mock(request: pytest.FixtureRequest, profile: str) -> MockAPI:
    found: MockAPI = request.getfixturevalue(request.param[1])
    return found


@pytest.fixture
def llm(request: pytest.FixtureRequest, mock: MockAPI) -> FunctionCallingLLM:
    made: FunctionCallingLLM = LLMS[request.node.callspec.params["mock"][0]](mock)
    return made


def test_chat(llm: FunctionCallingLLM, mock: MockAPI) -> None:
    reply = llm.chat([ChatMessage(role="user", content="Hello")])
    assert reply.message.content
    assert mock.last_request.body["messages"] == [{"role": "user", "content": "Hello"}]


def test_stream_chat(llm: FunctionCallingLLM, mock: MockAPI) -> None:
    mock.stub("Tides follow the moon.")
    deltas = [r.delta for r in llm.stream_chat([ChatMessage(role="user", content="Tides?")])]
    assert len(deltas) > 2 and "".join(d or "" for d in deltas) == "Tides follow the moon."


def test_tool_call_then_text_answer(llm: FunctionCallingLLM, mock: MockAPI) -> None:
    mock.stub(WEATHER_CALL, last_role="user")
    tool = FunctionTool.from_defaults(fn=get_weather)
    history = [ChatMessage(role="user", content="Weather in Paris?")]
    reply = llm.chat_with_tools([tool], chat_history=history)
    calls = llm.get_tool_calls_from_response(reply, error_on_no_tool_call=True)
    assert [(c.tool_name, c.tool_kwargs) for c in calls] == [("get_weather", {"city": "Paris"})]
    history.append(reply.message)
    for call in calls:
        output = tool(**call.tool_kwargs)
        history.append(
            ChatMessage(
                role="tool",
                content=str(output),
                additional_kwargs={"tool_call_id": call.tool_id, "name": call.tool_name},
            )
        )
    final = llm.chat_with_tools([tool], chat_history=history)
    assert final.message.content and not llm.get_tool_calls_from_response(
        final, error_on_no_tool_call=False
    )
    assert json.loads(mock.last_request.body["messages"][-1]["content"])["city"] == "Paris"


@pytest.mark.aimlapi(api_keys=["sk-right"])
def test_a_wrong_key_raises_authentication_error(llm: FunctionCallingLLM, mock: MockAPI) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        llm.chat([ChatMessage(role="user", content="Hello")])  # the key is KEY, not sk-right
    assert caught.value.status_code == 401


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, openai.BadRequestError), (429, openai.RateLimitError)],
)
def test_scripted_errors_raise_openais_classes(
    llm: FunctionCallingLLM, mock: MockAPI, status: int, cls: type[openai.APIStatusError]
) -> None:
    # LlamaIndex retries a 429 itself, whatever max_retries says: script enough of them.
    mock.fault(status=status, message="scripted failure", times=3)
    with pytest.raises(cls) as caught:
        llm.chat([ChatMessage(role="user", content="Hello")])
    assert caught.value.status_code == status and "scripted failure" in str(caught.value)
