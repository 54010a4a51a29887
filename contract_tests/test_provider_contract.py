"""Provider contract: whatever a valid request, the target answers 2xx with a schema-valid body
or stream; whatever an invalid one, a 4xx in the profile's error shape, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given

from contract_tests.target import Target
from mockserver import schemas, strategies
from mockserver._contract import folding, sse


def _check_completion(target: Target, request: dict[str, Any]) -> dict[str, Any]:
    response = target.post({**request, "stream": False})
    assert 200 <= response.status_code < 300, f"{response.status_code}: {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert schemas.validate_completion(body) == []
    assert len(body["choices"]) == (request.get("n") or 1)
    return body


def _check_stream(target: Target, request: dict[str, Any]) -> dict[str, Any]:
    response = target.post({**request, "stream": True})
    assert 200 <= response.status_code < 300, f"{response.status_code}: {response.text[:300]}"
    assert response.headers["content-type"].startswith("text/event-stream")
    assert schemas.validate_transcript(response.content) == []
    chunks = [json.loads(e.data) for e in sse.decode(response.content) if e.data != sse.DONE]
    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    assert (chunks[-1]["choices"] == [] and chunks[-1]["usage"] is not None) is include_usage
    return folding.fold(chunks)


def test_valid_requests_get_a_valid_completion(target: Target) -> None:
    @target.settings()
    @given(request=strategies.chat_requests(stream=False))
    def check(request: dict[str, Any]) -> None:
        _check_completion(target, request)

    check()


def test_valid_streaming_requests_get_a_valid_stream(target: Target) -> None:
    @target.settings()
    @given(request=strategies.chat_requests(stream=True))
    def check(request: dict[str, Any]) -> None:
        _check_stream(target, request)

    check()


def test_invalid_requests_get_a_4xx_in_the_profiles_shape_never_a_5xx(target: Target) -> None:
    @target.settings()
    @given(case=strategies.invalid_chat_requests())
    def check(case: tuple[dict[str, Any], str]) -> None:
        request, path = case
        response = target.post(request)
        assert 400 <= response.status_code < 500, (
            f"{path}: {response.status_code} {response.text[:300]}"
        )
        body = response.json()
        assert schemas.validate_error(body) == []
        if target.is_mock:
            error = body.get("error", body)
            assert path.split(".")[0].split("[")[0] in error["message"], (path, error["message"])

    check()


@pytest.mark.parametrize(
    "payload", [b"{", b"[]", b'"o3-mini"', b"{}"], ids=["truncated", "array", "string", "empty"]
)
def test_malformed_bodies_get_a_4xx_never_a_5xx(target: Target, payload: bytes) -> None:
    response = target.post(payload)
    assert 400 <= response.status_code < 500
    assert schemas.validate_error(response.json()) == []


def test_a_stream_folds_into_the_non_stream_answer_for_the_same_seed(target: Target) -> None:
    if not target.is_mock:
        pytest.skip("the real provider's seed is best-effort: streams and plain answers may differ")

    @target.settings()
    @given(request=strategies.chat_requests(stream=False))
    def check(request: dict[str, Any]) -> None:
        seeded = {k: v for k, v in request.items() if k not in ("stream", "stream_options")}
        seeded["seed"] = request.get("seed") or 1
        plain = _check_completion(target, seeded)
        folded = _check_stream(target, {**seeded, "stream_options": {"include_usage": True}})
        for choice in plain["choices"]:
            choice["message"].pop("annotations", None)
        assert folded["choices"] == plain["choices"]
        assert folded["usage"] == plain["usage"]

    check()
