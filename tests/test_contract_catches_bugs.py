"""The contract catches the classic client bugs: each buggy client fails a property that the
correct client passes, with the same strategies and the same mock."""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from helpers import HELLO
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy

from mockserver import mock_aimlapi, strategies
from mockserver._adapters.mocking import DEFAULT_BASE_URL
from mockserver._contract import sse

HEADERS = {"authorization": "Bearer k"}
SDK_ARGUMENTS = frozenset(inspect.signature(openai.resources.chat.Completions.create).parameters)


def holds(strategy: SearchStrategy[Any], check: Callable[[Any], None]) -> bool:
    """Whether `check` passes for every drawn example (100, derandomized, no shrinking)."""

    @settings(
        max_examples=100,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def prop(value: Any) -> None:
        check(value)

    try:
        prop()
    except Exception:
        return False
    return True


# ---- 1. a client that insists on 200 ------------------------------------------------------


def content_strict_200(base_url: str) -> Any:
    response = httpx.post(f"{base_url}/chat/completions", json=HELLO, headers=HEADERS)
    if response.status_code != 200:
        raise RuntimeError(f"request failed with {response.status_code}")
    return response.json()["choices"][0]["message"]["content"]


def content_any_2xx(base_url: str) -> Any:
    response = httpx.post(f"{base_url}/chat/completions", json=HELLO, headers=HEADERS)
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    ("client", "passes"), [(content_strict_200, False), (content_any_2xx, True)]
)
def test_a_client_that_checks_for_200_is_caught(client: Callable[[str], Any], passes: bool) -> None:
    def check(completion: dict[str, Any]) -> None:
        with mock_aimlapi() as mock:
            mock.stub(strategies.as_reply(completion))
            assert client(DEFAULT_BASE_URL) == completion["choices"][0]["message"]["content"]

    assert holds(strategies.chat_completions(), check) is passes


# ---- 2. a client that sends temperature to o3-mini ----------------------------------------


def send_with_temperature(params: dict[str, Any]) -> None:
    sdk = openai.OpenAI(base_url=DEFAULT_BASE_URL, api_key="k", max_retries=0)
    known = {k: v for k, v in params.items() if k in SDK_ARGUMENTS}
    # The client under test swallows errors; the request itself is what is checked.
    with contextlib.suppress(openai.BadRequestError):
        sdk.chat.completions.create(**{**known, "temperature": 0.7, "stream": False})


def send_as_given(params: dict[str, Any]) -> None:
    sdk = openai.OpenAI(base_url=DEFAULT_BASE_URL, api_key="k", max_retries=0)
    known = {k: v for k, v in params.items() if k in SDK_ARGUMENTS}
    sdk.chat.completions.create(**{**known, "stream": False})


@pytest.mark.parametrize(
    ("client", "passes"), [(send_with_temperature, False), (send_as_given, True)]
)
def test_a_client_that_sends_temperature_is_caught(
    client: Callable[[dict[str, Any]], None], passes: bool
) -> None:
    def check(params: dict[str, Any]) -> None:
        with mock_aimlapi() as mock:
            client(params)
            assert all(entry.valid for entry in mock.requests), [
                str(v) for e in mock.requests for v in e.violations
            ]

    assert holds(strategies.chat_requests(stream=False, max_messages=3), check) is passes


# ---- 3. a client that drops the usage chunk, 4. one that concatenates tool-call ids -------


def fold(transcript: bytes, *, keep_usage_chunk: bool, key_by_index: bool) -> dict[str, Any]:
    """A client's fold of a stream into its usage and tool calls (id and name by choice and
    call); each flag set to False is one classic bug."""
    out: dict[str, Any] = {"usage": None, "calls": {}}
    for event in sse.decode(transcript):
        if event.data == "[DONE]":
            break
        chunk = json.loads(event.data)
        if "error" in chunk:
            continue
        if not keep_usage_chunk:
            if not chunk["choices"]:
                continue  # the bug: the usage chunk has no choices, so it is skipped
        elif chunk.get("usage"):
            out["usage"] = chunk["usage"]
        for part in chunk["choices"]:
            for call in part["delta"].get("tool_calls") or ():
                # without key_by_index, the bug: every delta is merged into one call per choice
                key = (part["index"], call["index"] if key_by_index else 0)
                entry = out["calls"].setdefault(key, {"id": "", "name": ""})
                entry["id"] += call.get("id", "")
                entry["name"] += (call.get("function") or {}).get("name", "")
    return out


def fold_dropping_usage(transcript: bytes) -> dict[str, Any]:
    return fold(transcript, keep_usage_chunk=False, key_by_index=True)


def fold_ignoring_index(transcript: bytes) -> dict[str, Any]:
    return fold(transcript, keep_usage_chunk=True, key_by_index=False)


def fold_correctly(transcript: bytes) -> dict[str, Any]:
    return fold(transcript, keep_usage_chunk=True, key_by_index=True)


def expected(variant: strategies.StreamVariant) -> dict[str, Any]:
    calls = {
        (choice["index"], i): {"id": call["id"], "name": call["function"]["name"]}
        for choice in variant.completion["choices"]
        for i, call in enumerate(choice["message"].get("tool_calls") or ())
    }
    return {"usage": variant.completion.get("usage"), "calls": calls}


@pytest.mark.parametrize(
    ("client", "passes"),
    [(fold_dropping_usage, False), (fold_ignoring_index, False), (fold_correctly, True)],
    ids=["drops-usage-chunk", "concatenates-tool-call-ids", "correct"],
)
def test_stream_clients_that_drop_usage_or_merge_tool_calls_are_caught(
    client: Callable[[bytes], dict[str, Any]], passes: bool
) -> None:
    def check(variant: strategies.StreamVariant) -> None:
        with mock_aimlapi() as mock:
            mock.stub(strategies.as_reply(variant))
            response = httpx.post(
                f"{DEFAULT_BASE_URL}/chat/completions",
                json={**HELLO, "stream": True},
                headers=HEADERS,
            )
            assert client(response.content) == expected(variant)

    assert holds(strategies.chat_completion_streams(), check) is passes
