"""Faults as the official openai SDK meets them, against a live server on loopback.

What the SDK does (openai 3.x over httpx2): it retries 429/5xx after ``retry-after-ms``
unless ``x-should-retry: false``; a stream cut cleanly without ``[DONE]`` just ends; a
dropped connection raises `openai.APIConnectionError`; a non-JSON event raises
`json.JSONDecodeError`; an error event raises a plain `openai.APIError`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from helpers import HELLO, WEATHER_TOOL

from mockserver import Call, Config, Fault, Latency, Service, StreamFault, ToolCalls
from mockserver._adapters.server import LiveServer
from mockserver._control.assertions import assert_retried
from mockserver._control.faults import SERVER_ERROR_EVENT


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(Service(Config(seed=1))) as live:
        yield live


@pytest.fixture
def live(server: LiveServer) -> LiveServer:
    server.service.reset()
    return server


@pytest.fixture
def service(live: LiveServer) -> Service:
    return live.service


_opened: list[openai.OpenAI] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _opened:
        _opened.pop().close()


def client(live: LiveServer, **options: Any) -> openai.OpenAI:
    """A sync client (closed after the test); no retries unless asked."""
    options.setdefault("max_retries", 0)
    made = openai.OpenAI(base_url=live.base_url, api_key="k", **options)
    _opened.append(made)
    return made


def _eventually(check: Any, seconds: float = 5.0) -> bool:
    """Whether `check()` comes true within `seconds` (the server sees a disconnect a
    moment after the client leaves)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def retry_counts(service: Service) -> list[str]:
    return [e.headers["x-stainless-retry-count"] for e in service.journal]


# ---- retries --------------------------------------------------------------------------------


def test_429_with_retry_after_ms_is_retried_once_after_that_wait(
    live: LiveServer, service: Service
) -> None:
    service.fault(status=429, retry_after_ms=20)
    completion = client(live, max_retries=2).chat.completions.create(
        model="o3-mini", messages=HELLO["messages"]
    )
    assert completion.choices[0].message.content
    first, second = service.journal.entries()
    assert (first.status, second.status) == (429, 201)
    assert retry_counts(service) == ["0", "1"]
    assert second.started - first.started >= 0.020


def test_x_should_retry_false_stops_the_retry(live: LiveServer, service: Service) -> None:
    service.fault(status=500, should_retry=False)
    with pytest.raises(openai.InternalServerError) as caught:
        client(live, max_retries=2).chat.completions.create(
            model="o3-mini", messages=HELLO["messages"]
        )
    assert caught.value.status_code == 500
    assert len(service.journal) == 1


def test_two_500s_then_success_uses_both_retries(live: LiveServer, service: Service) -> None:
    service.fault(status=500, retry_after_ms=5, times=2)
    completion = client(live, max_retries=2).chat.completions.create(
        model="o3-mini", messages=HELLO["messages"]
    )
    assert completion.choices[0].finish_reason == "stop"
    assert [e.status for e in service.journal] == [500, 500, 201]
    assert retry_counts(service) == ["0", "1", "2"]
    # The SDK waited the 5 ms it was asked, not its own backoff (0.375 s or more), as the
    # server saw the requests come (a busy test machine cannot stretch those gaps).
    assert_retried(service.journal.entries(), 2, overshoot=0.3)


def test_retries_run_out_with_the_last_error(live: LiveServer, service: Service) -> None:
    service.fault(status=429, retry_after_ms=1, times=5)
    with pytest.raises(openai.RateLimitError):
        client(live, max_retries=1).chat.completions.create(
            model="o3-mini", messages=HELLO["messages"]
        )
    assert len(service.journal) == 2


# ---- broken streams -------------------------------------------------------------------------


def stream(live: LiveServer, **options: Any) -> Any:
    return client(live, **options).chat.completions.create(
        model="o3-mini", messages=HELLO["messages"], stream=True
    )


def test_a_cut_stream_ends_quietly_without_a_finish_reason(
    live: LiveServer, service: Service
) -> None:
    service.fault(stream=StreamFault(cut_after=3))
    chunks = list(stream(live))  # the SDK raises nothing when [DONE] never comes
    assert len(chunks) == 3
    assert all(c.choices[0].finish_reason is None for c in chunks)


def test_a_dropped_stream_raises_api_connection_error(live: LiveServer, service: Service) -> None:
    service.fault(stream=StreamFault(drop_after=2))
    chunks = stream(live)
    received = [next(chunks), next(chunks)]
    with pytest.raises(openai.APIConnectionError) as caught:
        next(chunks)
    assert received[0].choices[0].delta.role == "assistant"
    assert isinstance(caught.value.__cause__, httpx2.RemoteProtocolError)


def test_a_malformed_event_raises_json_decode_error(live: LiveServer, service: Service) -> None:
    service.fault(stream=StreamFault(malformed_at=1))
    with pytest.raises(json.JSONDecodeError):
        list(stream(live))


def test_an_error_event_raises_api_error_with_the_providers_message(
    live: LiveServer, service: Service
) -> None:
    service.fault(stream=StreamFault(error_after=2))
    with pytest.raises(openai.APIError) as caught:
        list(stream(live))
    error = caught.value
    assert type(error) is openai.APIError  # no status: the stream had already answered 201
    assert error.message == SERVER_ERROR_EVENT["error"]["message"]
    assert error.type == "server_error" and error.code is None


def test_keep_alive_and_crlf_framing_do_not_disturb_the_sdk(
    live: LiveServer, service: Service
) -> None:
    service.stub("Framed differently.")
    service.fault(stream=StreamFault(keep_alive=True, crlf=True))
    text = "".join(c.choices[0].delta.content or "" for c in stream(live) if c.choices)
    assert text == "Framed differently."


def test_ttft_beyond_the_client_timeout_raises_api_timeout_error(
    live: LiveServer, service: Service
) -> None:
    service.fault(latency=Latency(ttft=1))
    with pytest.raises(openai.APITimeoutError):
        client(live, timeout=0.2).chat.completions.create(
            model="o3-mini", messages=HELLO["messages"]
        )
    # It gave up before the answer (due after 1 s) came, and did not try again.
    assert len(service.journal) == 1
    assert _eventually(lambda: service.journal.last().client_disconnected)


def test_the_x_mock_scenario_header_reaches_the_server(live: LiveServer, service: Service) -> None:
    with pytest.raises(openai.RateLimitError) as caught:
        client(live).chat.completions.create(
            model="o3-mini",
            messages=HELLO["messages"],
            extra_headers={"x-mock-scenario": "status=429, retry-after=7"},
        )
    assert caught.value.response.headers["retry-after"] == "7"
    assert caught.value.body is not None and "Too Many Requests" in json.dumps(caught.value.body)


# ---- an agent loop ----------------------------------------------------------------------------


def test_a_scripted_agent_loop_runs_to_its_end(live: LiveServer, service: Service) -> None:
    service.stub(
        ToolCalls((Call("get_weather", {"city": "Paris"}, id="call_paris"),)),
        turn=0,
        name="call",
    )
    service.stub(
        "It is 22 degrees in Paris.",
        last_role="tool",
        tool_call_id="call_paris",
        name="answer",
    )
    sdk = client(live)
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    for _ in range(4):
        completion = sdk.chat.completions.create(
            model="o3-mini", messages=messages, tools=[WEATHER_TOOL]
        )
        message = completion.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            assert call.type == "function"
            assert json.loads(call.function.arguments) == {"city": "Paris"}
            messages.append({"role": "tool", "tool_call_id": call.id, "content": "22C, sunny"})
    assert message.content == "It is 22 degrees in Paris."
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert [e.answered_by for e in service.journal] == ["stub:call", "stub:answer"]


# ---- load ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_200_concurrent_paced_streams_all_arrive_intact(
    live: LiveServer, service: Service
) -> None:
    answer = "Many clients, one mock, every stream whole."
    service.stub(answer, fault=Fault(latency=Latency(between=0.002)))
    async with openai.AsyncOpenAI(base_url=live.base_url, api_key="k", max_retries=0) as sdk:

        async def one(i: int) -> str:
            chunks = await sdk.chat.completions.create(
                model="o3-mini",
                messages=[{"role": "user", "content": f"request {i}"}],
                stream=True,
            )
            return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])

        # A guard against a hang, not a timing: throughput is measured in benchmarks/.
        texts = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(200))), 120)
    assert texts == [answer] * 200
    assert len(service.journal) == 200 and {e.status for e in service.journal} == {201}
