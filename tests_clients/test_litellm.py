"""LiteLLM's `completion` against the mock in both profiles, live and in process, as its
docs use it: create, stream, the documented tool loop (the returned message goes back as
it is), and its exception classes. LiteLLM talks to an OpenAI-compatible server through
the openai SDK (`openai/` model prefix plus `api_base`)."""

from __future__ import annotations

import json

import litellm
import pytest
from client_helpers import KEY, WEATHER_CALL, get_weather

from mockserver import Error, MockAPI

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


def complete(mock: MockAPI, messages: list[object], **extra: object) -> object:
    return litellm.completion(
        model="openai/o3-mini",
        api_base=mock.base_url,
        api_key=KEY,
        messages=messages,
        num_retries=0,
        **extra,
    )


def test_completion(mock: MockAPI) -> None:
    response = complete(mock, [{"role": "user", "content": "Hello"}])
    assert isinstance(response, litellm.ModelResponse)
    assert response.choices[0].message.content  # type: ignore[union-attr]
    assert response.model  # LiteLLM reports the model the provider named
    assert mock.last_request.body["messages"] == [{"role": "user", "content": "Hello"}]


def test_stream(mock: MockAPI) -> None:
    mock.stub("Tides follow the moon.")
    chunks = list(complete(mock, [{"role": "user", "content": "Tides?"}], stream=True))  # type: ignore[call-overload]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Tides follow the moon."
    assert mock.last_request.body["stream"] is True


# The tool message's `name` is outside the contract: the provider ignores it, the fixture
# reports it as a warning at teardown, and the test checks the journal's record of it itself.
@pytest.mark.filterwarnings("ignore::mockserver.pytest_plugin.UnknownFieldWarning")
def test_documented_tool_loop(mock: MockAPI) -> None:
    """LiteLLM's docs: append `response.choices[0].message` as it is, then one tool message
    per call (with `name`), and ask again until the model answers in text."""
    mock.stub(WEATHER_CALL, last_role="user")
    messages: list[object] = [{"role": "user", "content": "Weather in Paris?"}]
    for _ in range(4):
        response = complete(mock, messages, tools=TOOLS)
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
    assert len(mock.requests) == 2
    assert json.loads(mock.last_request.body["messages"][-1]["content"])["city"] == "Paris"
    assert [w.path for w in mock.last_request.warnings] == ["messages[2].name"]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, litellm.BadRequestError),
        (401, litellm.AuthenticationError),
        (429, litellm.RateLimitError),
    ],
)
def test_scripted_errors_raise_litellms_classes(
    mock: MockAPI, status: int, cls: type[Exception]
) -> None:
    mock.stub(Error(status))
    with pytest.raises(cls) as caught:
        complete(mock, [{"role": "user", "content": "Hello"}])
    assert getattr(caught.value, "status_code", None) == status


def test_a_temperature_o_series_models_reject_never_leaves_litellm(mock: MockAPI) -> None:
    with pytest.raises(litellm.UnsupportedParamsError):
        complete(mock, [{"role": "user", "content": "Hello"}], temperature=0.2)
    assert mock.requests == []


def test_temperature_1_is_sent_and_served(mock: MockAPI) -> None:
    """LiteLLM lets the default value through to o-series models; the provider serves it."""
    response = complete(mock, [{"role": "user", "content": "Hello"}], temperature=1)
    assert mock.last_request.body["temperature"] == 1
    assert response.choices[0].message.content  # type: ignore[attr-defined]
