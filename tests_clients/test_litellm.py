"""LiteLLM's `completion` against the live mock in both profiles, as its docs use it:
create, stream, the documented tool loop (the returned message goes back as it is), and
its exception classes. LiteLLM talks to an OpenAI-compatible server through the openai SDK
(`openai/` model prefix plus `api_base`)."""

from __future__ import annotations

import json

import litellm
import pytest
from client_helpers import KEY, WEATHER_CALL, get_weather

from mockserver import Error
from mockserver._adapters.mocking import MockAPI

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def complete(server: MockAPI, messages: list[object], **extra: object) -> object:
    return litellm.completion(
        model="openai/o3-mini",
        api_base=server.base_url,
        api_key=KEY,
        messages=messages,
        num_retries=0,
        **extra,
    )


def test_completion(server: MockAPI) -> None:
    response = complete(server, [{"role": "user", "content": "Hello"}])
    assert isinstance(response, litellm.ModelResponse)
    assert response.choices[0].message.content  # type: ignore[union-attr]
    assert response.model  # LiteLLM reports the model the provider named
    assert server.last_request.body["messages"] == [{"role": "user", "content": "Hello"}]


def test_stream(server: MockAPI) -> None:
    server.stub("Tides follow the moon.")
    chunks = list(complete(server, [{"role": "user", "content": "Tides?"}], stream=True))  # type: ignore[call-overload]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Tides follow the moon."
    assert server.last_request.body["stream"] is True


# The tool message's `name` is outside the contract: the provider ignores it, the fixture
# reports it as a warning at teardown, and the test checks the journal's record of it itself.
@pytest.mark.filterwarnings("ignore::mockserver.pytest_plugin.UnknownFieldWarning")
def test_documented_tool_loop(server: MockAPI) -> None:
    """LiteLLM's docs: append `response.choices[0].message` as it is, then one tool message
    per call (with `name`), and ask again until the model answers in text."""
    server.stub(WEATHER_CALL, last_role="user")
    messages: list[object] = [{"role": "user", "content": "Weather in Paris?"}]
    for _ in range(4):
        response = complete(server, messages, tools=TOOLS)
        message = response.choices[0].message  # type: ignore[attr-defined]
        messages.append(message)
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            args = json.loads(call.function.arguments)
            messages.append(
                {
                    "tool_call_id": call.id,
                    "role": "tool",
                    "name": call.function.name,
                    "content": get_weather(**args),
                }
            )
    assert message.content and not message.tool_calls
    assert len(server.requests) == 2
    assert json.loads(server.last_request.body["messages"][-1]["content"])["city"] == "Paris"
    assert [w.path for w in server.last_request.warnings] == ["messages[2].name"]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, litellm.BadRequestError),
        (401, litellm.AuthenticationError),
        (429, litellm.RateLimitError),
    ],
)
def test_scripted_errors_raise_litellms_classes(
    server: MockAPI, status: int, cls: type[Exception]
) -> None:
    server.stub(Error(status))
    with pytest.raises(cls) as caught:
        complete(server, [{"role": "user", "content": "Hello"}])
    assert getattr(caught.value, "status_code", None) == status


def test_a_temperature_o_series_models_reject_never_leaves_litellm(server: MockAPI) -> None:
    with pytest.raises(litellm.UnsupportedParamsError):
        complete(server, [{"role": "user", "content": "Hello"}], temperature=0.2)
    assert server.requests == []


def test_temperature_1_is_sent_and_served(server: MockAPI) -> None:
    """LiteLLM lets the default value through to o-series models; the provider serves it."""
    response = complete(server, [{"role": "user", "content": "Hello"}], temperature=1)
    assert server.last_request.body["temperature"] == 1
    assert response.choices[0].message.content  # type: ignore[attr-defined]
