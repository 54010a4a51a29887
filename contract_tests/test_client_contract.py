"""Client contract, with the official openai SDK as the reference client: the requests it
builds validate, and it parses every answer the provider may send, exactly."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from hypothesis import given

from contract_tests import checks
from mockserver import (
    DEFAULT_BASE_URL,
    Config,
    LiveServer,
    MockAPI,
    Service,
    mock_aimlapi,
    strategies,
)

HELLO = [{"role": "user", "content": "Hello"}]


def sdk(**options: Any) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=DEFAULT_BASE_URL, api_key="contract-test-key", max_retries=0, **options
    )


def _served(variant: Any) -> Iterator[MockAPI]:
    with mock_aimlapi() as mock:
        mock.stub(strategies.as_reply(variant))
        yield mock


# Parameters the SDK has no argument for (the provider's own ``provider``) go in extra_body,
# as a user would send them.
SDK_ARGUMENTS = frozenset(inspect.signature(openai.resources.chat.Completions.create).parameters)


@given(params=strategies.chat_requests())
def test_requests_the_sdk_builds_are_valid_and_sent_as_given(params: dict[str, Any]) -> None:
    known = {k: v for k, v in params.items() if k in SDK_ARGUMENTS}
    extra = {k: v for k, v in params.items() if k not in SDK_ARGUMENTS}
    with mock_aimlapi() as mock:
        answer = sdk().chat.completions.create(**known, extra_body=extra or None)
        if params.get("stream"):
            list(answer)  # type: ignore[call-overload]
        (entry,) = mock.requests
        assert entry.valid, [str(v) for v in entry.violations]
        assert entry.body == params


@given(completion=strategies.chat_completions())
def test_the_sdk_parses_every_completion(completion: dict[str, Any]) -> None:
    for _ in _served(completion):
        parsed = sdk().chat.completions.create(model="o3-mini", messages=HELLO)  # type: ignore[arg-type]
        assert checks.sdk_choices(parsed.choices) == checks.expected_choices(completion)
        assert checks.sdk_usage(parsed.usage) == checks.usage_facts(completion.get("usage"))
        assert parsed.id == completion["id"]


@given(completion=strategies.chat_completions())
def test_the_async_sdk_parses_every_completion(completion: dict[str, Any]) -> None:
    async def call() -> Any:
        async with openai.AsyncOpenAI(
            base_url=DEFAULT_BASE_URL, api_key="k", max_retries=0
        ) as client:
            return await client.chat.completions.create(model="o3-mini", messages=HELLO)  # type: ignore[arg-type]

    for _ in _served(completion):
        parsed = asyncio.run(call())
        assert checks.sdk_choices(parsed.choices) == checks.expected_choices(completion)


@given(variant=strategies.chat_completion_streams())
def test_the_sdk_reassembles_every_stream(variant: strategies.StreamVariant) -> None:
    for _ in _served(variant):
        fold = checks.StreamFold()
        stream = sdk().chat.completions.create(model="o3-mini", messages=HELLO, stream=True)  # type: ignore[arg-type]
        try:
            for chunk in stream:
                fold.add(chunk)
        except openai.APIError as exc:
            raised: openai.APIError | None = exc
        else:
            raised = None
        if variant.error is None:
            assert raised is None
        else:
            assert raised is not None and raised.message == variant.error["message"]
        assert fold.facts() == checks.stream_expectation(variant.completion)
        assert checks.sdk_usage(fold.usage) == checks.usage_facts(variant.completion.get("usage"))


@given(variant=strategies.chat_completion_streams())
def test_the_async_sdk_reassembles_every_stream(variant: strategies.StreamVariant) -> None:
    async def call() -> tuple[checks.StreamFold, str | None]:
        fold = checks.StreamFold()
        async with openai.AsyncOpenAI(
            base_url=DEFAULT_BASE_URL, api_key="k", max_retries=0
        ) as client:
            stream = await client.chat.completions.create(
                model="o3-mini", messages=HELLO, stream=True
            )  # type: ignore[arg-type]
            try:
                async for chunk in stream:
                    fold.add(chunk)
            except openai.APIError as exc:
                return fold, exc.message
        return fold, None

    for _ in _served(variant):
        fold, error = asyncio.run(call())
        assert error == (None if variant.error is None else variant.error["message"])
        assert fold.facts() == checks.stream_expectation(variant.completion)


@given(variant=strategies.error_responses())
def test_every_error_raises_the_exception_the_sdk_maps_its_status_to(
    variant: strategies.ErrorVariant,
) -> None:
    for _ in _served(variant):
        with pytest.raises(openai.APIStatusError) as raised:
            sdk().chat.completions.create(model="o3-mini", messages=HELLO)  # type: ignore[arg-type]
        assert type(raised.value).__name__ == variant.exception
        assert raised.value.status_code == variant.status
        error = variant.body.get("error")
        if isinstance(error, dict):
            assert raised.value.code == error["code"] and raised.value.param == error["param"]


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(Service(Config(seed=1))) as server:
        yield server


def test_the_providers_requests_snippet_reads_every_completion(live: LiveServer) -> None:
    @given(completion=strategies.chat_completions())
    def check(completion: dict[str, Any]) -> None:
        live.service.reset()
        live.service.stub(strategies.as_reply(completion))
        response = checks.seed_page_snippet(f"{live.url}/v1/chat/completions")
        data = response.json()
        assert response.ok and data == completion

    check()
