"""Real clients against a real server on loopback: the official openai SDK (sync and
async), `requests` running the provider's own snippet, and raw SSE over httpx."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import openai
import pydantic
import pytest
from helpers import WEATHER_TOOL

from contract_tests.checks import seed_page_snippet
from mockserver import Config, Service, schemas
from mockserver._adapters.server import LiveServer
from mockserver._contract import folding, profiles, sse


@pytest.fixture(scope="module", params=profiles.WIRES)
def live(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The mock at each dated wire: the SDK must work with the gateway old and new."""
    with LiveServer(Service(Config(seed=1, wire=request.param))) as server:
        yield server


@pytest.fixture
def client(live: LiveServer) -> Iterator[openai.OpenAI]:
    live.service.reset()
    with openai.OpenAI(base_url=live.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


@pytest.fixture
def aclient(live: LiveServer) -> openai.AsyncOpenAI:
    live.service.reset()
    return openai.AsyncOpenAI(base_url=live.base_url, api_key="sk-test", max_retries=0)


def test_sdk_create(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hello"}]
    )
    assert completion.object == "chat.completion" and completion.model == "o3-mini-2025-01-31"
    assert completion.choices[0].message.content and completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens_details is not None
    assert completion.usage.completion_tokens_details.reasoning_tokens


def test_sdk_raw_response_shows_201_and_headers(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}]
    )
    assert raw.http_response.status_code == 201
    assert raw.headers["x-request-id"].startswith("req_")
    assert raw.parse().choices[0].message.content


@pytest.mark.anyio
async def test_async_sdk_create_and_stream(aclient: openai.AsyncOpenAI) -> None:
    completion = await aclient.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}], seed=5
    )
    stream = await aclient.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}], seed=5, stream=True
    )
    text = "".join(
        [chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices]
    )
    assert text == completion.choices[0].message.content
    await aclient.close()


@pytest.mark.parametrize("include_usage", [True, False])
def test_sdk_stream(client: openai.OpenAI, live: LiveServer, include_usage: bool) -> None:
    stream = client.chat.completions.create(
        model="o3-mini",
        messages=[{"role": "user", "content": "Tell me about tides"}],
        stream=True,
        stream_options={"include_usage": include_usage},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    usage = include_usage or live.service.config.profile.usage_always  # 2026: always
    assert chunks[-1].choices == [] if usage else chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].usage is not None) is usage
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert len(text.split()) > 3


def test_sdk_stream_helper_accumulates_a_final_completion(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}], seed=3
    ) as stream:
        final = stream.get_final_completion()
    direct = client.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}], seed=3
    )
    assert final.choices[0].message.content == direct.choices[0].message.content


def test_sdk_two_step_tool_loop(client: openai.OpenAI) -> None:
    messages: list[dict[str, object]] = [{"role": "user", "content": "Weather in Paris?"}]
    first = client.chat.completions.create(model="o3-mini", messages=messages, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    messages.append(choice.message.model_dump(exclude_none=True))
    for call in choice.message.tool_calls:
        args = json.loads(call.function.arguments)  # type: ignore[union-attr]
        assert args["unit"] in ("celsius", "fahrenheit")
        messages.append(
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temp": 18})}
        )
    final = client.chat.completions.create(model="o3-mini", messages=messages, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    assert final.choices[0].finish_reason == "stop" and final.choices[0].message.content


def test_sdk_streamed_tool_calls_accumulate(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="o3-mini",
        messages=[{"role": "user", "content": "Weather?"}],
        tools=[WEATHER_TOOL],
        tool_choice="required",  # type: ignore[list-item]
    ) as stream:
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert calls and all(c.id.startswith("call_") and c.id.count("call_") == 1 for c in calls)


class Person(pydantic.BaseModel):
    name: str
    age: int


def test_sdk_parse_with_a_pydantic_response_format(client: openai.OpenAI) -> None:
    completion = client.chat.completions.parse(
        model="o3-mini",
        messages=[{"role": "user", "content": "Invent a person"}],
        response_format=Person,
    )
    person = completion.choices[0].message.parsed
    assert isinstance(person, Person) and person.name


def test_sdk_n2_and_stop(client: openai.OpenAI) -> None:
    two = client.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}], n=2
    )
    assert [c.index for c in two.choices] == [0, 1]
    full = client.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}], seed=8
    )
    word = (full.choices[0].message.content or "").split()[2]
    cut = client.chat.completions.create(
        model="o3-mini", messages=[{"role": "user", "content": "Hi"}], seed=8, stop=[word]
    )
    assert word not in (cut.choices[0].message.content or "x")


def test_sdk_seed_determinism(client: openai.OpenAI) -> None:
    a, b = (
        client.chat.completions.create(
            model="o3-mini", messages=[{"role": "user", "content": "Hi"}], seed=42
        )
        for _ in range(2)
    )
    assert a.choices[0].message.content == b.choices[0].message.content and a.usage == b.usage


def test_sdk_exceptions(
    client: openai.OpenAI, live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(
            model="o3-mini", messages=[{"role": "user", "content": "Hi"}], temperature=0.2
        )
    assert bad.value.code == "unsupported_parameter" and bad.value.param == "temperature"
    with pytest.raises(openai.BadRequestError) as unknown:
        client.chat.completions.create(
            model="o3-mini",
            messages=[{"role": "user", "content": "Hi"}],
            extra_body={"top_k": 40},
        )
    assert unknown.value.code is None and unknown.value.param is None
    assert unknown.value.message.endswith("Unrecognized request argument supplied: top_k")
    with pytest.raises(openai.PermissionDeniedError, match="not allowed to request logprobs"):
        client.chat.completions.create(
            model="o3-mini", messages=[{"role": "user", "content": "Hi"}], logprobs=True
        )
    gateway_check = live.service.config.profile.unknown_model == "invalid"
    with pytest.raises(openai.BadRequestError if gateway_check else openai.NotFoundError):
        client.chat.completions.create(
            model="gpt-nothing", messages=[{"role": "user", "content": "Hi"}]
        )
    monkeypatch.setattr(live.service.config, "api_keys", frozenset({"sk-the-right-key"}))
    with pytest.raises(openai.AuthenticationError) as denied:
        client.chat.completions.create(
            model="o3-mini", messages=[{"role": "user", "content": "Hi"}]
        )
    assert denied.value.status_code == 401 and "valid API key" in denied.value.message


def test_sdk_models_list(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["o3-mini"]


def test_the_provider_snippet_with_requests(live: LiveServer) -> None:
    response = seed_page_snippet(f"{live.url}/v1/chat/completions")
    data = response.json()
    assert response.status_code == 201 and schemas.validate_completion(data) == []


def test_raw_sse_line_by_line_over_httpx(live: LiveServer) -> None:
    body = {
        "model": "o3-mini",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    lines = []
    with httpx.stream(
        "POST",
        f"{live.base_url}/chat/completions",
        json=body,
        headers={"Authorization": "Bearer k"},
        timeout=10,
    ) as response:
        assert response.status_code == 201
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = list(response.iter_lines())
    assert lines[-2:] == ["data: [DONE]", ""] or lines[-1] == "data: [DONE]"
    data = [line.removeprefix("data: ") for line in lines if line.startswith("data: ")]
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(schemas.validate_chunk(c) == [] for c in chunks)
    assert schemas.validate_transcript("\n\n".join(f"data: {d}" for d in data) + "\n\n") == []
    assert folding.fold(chunks)["usage"]["total_tokens"] > 0


def test_every_byte_of_a_stream_validates(live: LiveServer) -> None:
    body = {
        "model": "o3-mini",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "n": 2,
        "tools": [WEATHER_TOOL],
    }
    response = httpx.post(
        f"{live.base_url}/chat/completions",
        json=body,
        headers={"Authorization": "Bearer k"},
        timeout=10,
    )
    assert schemas.validate_transcript(response.content) == []
    assert len({json.loads(e.data)["id"] for e in sse.decode(response.content)[:-1]}) == 1


def test_sdk_retrieves_the_model_and_gets_404_for_others(client: openai.OpenAI) -> None:
    assert client.models.retrieve("o3-mini").id == "o3-mini"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-nothing")
