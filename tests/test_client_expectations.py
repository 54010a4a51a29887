"""What any client (with or without the openai SDK) must make of an answer, and the checks
`mock_aimlapi` and the request rules apply to what it sends."""

from __future__ import annotations

import email.utils
import time

import httpx
import openai
import pytest
from helpers import AUTH, HELLO, error_of, post
from hypothesis import Phase, given, settings

from mockserver import AIMLAPI, OPENAI, Config, Service, asked_wait, mock_aimlapi, should_retry
from mockserver.strategies import ErrorVariant, as_reply, error_responses


@settings(max_examples=60, phases=[Phase.generate])
@given(variant=error_responses())
def test_each_error_variant_states_whether_to_retry_and_how_long_to_wait(
    variant: ErrorVariant,
) -> None:
    now = time.time()
    headers = variant.headers_at(now)
    assert variant.retryable == should_retry(variant.status, headers)
    # A future HTTP date has a one-second resolution; every other form is exact.
    assert asked_wait(headers, now) == pytest.approx(variant.wait, abs=1.0)
    if variant.retry_after_date is not None:
        assert "retry-after" not in variant.headers
        sent = email.utils.parsedate_to_datetime(headers["retry-after"]).timestamp()
        assert sent > now
    served = as_reply(variant).headers
    assert served.keys() == headers.keys()


def test_error_variants_draw_every_retry_header_form() -> None:
    forms: set[str] = set()
    hints: set[str] = set()
    ms: set[bool] = set()

    @settings(max_examples=150, phases=[Phase.generate])
    @given(variant=error_responses())
    def look(variant: ErrorVariant) -> None:
        value = variant.headers.get("retry-after", "")
        if variant.retry_after_date is not None:
            forms.add("date-future")
        else:
            forms.add("none" if not value else "seconds" if value[0].isdigit() else "date-past")
        ms.add("retry-after-ms" in variant.headers)
        hints.add(variant.headers.get("x-should-retry", "-"))

    look()
    assert forms == {"none", "seconds", "date-past", "date-future"}
    assert ms == {True, False} and hints == {"true", "false", "-"}


def test_should_retry_follows_the_sdk() -> None:
    assert should_retry(429, {}) and should_retry(503, {}) and should_retry(408, {})
    assert not should_retry(400, {}) and not should_retry(404, {})
    assert not should_retry(500, {"x-should-retry": "false"})
    assert should_retry(400, {"x-should-retry": "true"})


def test_mock_aimlapi_fails_at_exit_on_an_invalid_request() -> None:
    with pytest.raises(AssertionError, match=r"messages\[0\]"), mock_aimlapi() as mock:
        httpx.post(
            f"{mock.base_url}/chat/completions",
            json={"model": "o3-mini", "messages": [{"role": "robot", "content": "hi"}]},
            headers=AUTH,
        )
    with mock_aimlapi(validate=False) as mock:
        httpx.post(f"{mock.base_url}/chat/completions", json={"model": "o3-mini"}, headers=AUTH)
    assert not mock.requests[0].valid


def test_mock_aimlapi_exit_check_does_not_hide_the_blocks_own_error() -> None:
    def block() -> None:
        with mock_aimlapi() as mock:
            url = f"{mock.base_url}/chat/completions"
            httpx.post(url, json={"model": "o3-mini"}, headers=AUTH)
            raise KeyError("the test's own failure")

    with pytest.raises(KeyError):
        block()


def test_stream_options_without_stream_is_rejected_by_openai_only() -> None:
    request = {**HELLO, "stream_options": {"include_usage": True}}
    rejected = post(Service(Config(profile=OPENAI, seed=1)), request)
    assert rejected.status == 400
    assert error_of(rejected)["error"] == {
        "message": "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        "type": "invalid_request_error",
        "param": "stream_options",
        "code": None,
    }
    assert post(Service(Config(profile=AIMLAPI, seed=1)), request).status == 201
    for allowed in ({**request, "stream": True}, {**HELLO, "stream_options": None}):
        assert post(Service(Config(profile=OPENAI, seed=1)), allowed).status == 200


def test_the_openai_sdk_sees_the_stream_options_error() -> None:
    with mock_aimlapi(profile="openai", validate=False) as mock:
        sdk = openai.OpenAI(base_url=mock.base_url, api_key="k", max_retries=0)
        with pytest.raises(openai.BadRequestError, match="only allowed when 'stream'"):
            sdk.chat.completions.create(
                model="o3-mini",
                messages=[{"role": "user", "content": "Hi"}],
                stream_options={"include_usage": True},
            )
