"""Sample data and helpers shared by the tests that drive `Service.handle` directly or a
live server: ``from helpers import ...`` (pytest's default prepend import mode puts tests/
on sys.path)."""

from __future__ import annotations

import json
from typing import Any

from mockserver import Outcome, RawRequest, Service, schemas
from mockserver._contract import folding, sse

AUTH = {"authorization": "Bearer sk-test-123456789", "content-type": "application/json"}
HELLO: dict[str, Any] = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]}
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
    },
}


def ask(text: str = "Hello", **extra: Any) -> dict[str, Any]:
    """A request for o3-mini with one user message (`HELLO` by default) and `extra` fields."""
    return {"model": "o3-mini", "messages": [{"role": "user", "content": text}], **extra}


def post(
    service: Service,
    body: Any = HELLO,
    headers: dict[str, str] | None = None,
    path: str = "/v1/chat/completions",
) -> Outcome:
    """POST `body` (JSON-encoded unless already bytes) with `headers` (`AUTH` when None)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return service.handle(RawRequest("POST", path, headers if headers is not None else AUTH, raw))


def completion(outcome: Outcome) -> dict[str, Any]:
    """The body of a 2xx answer, checked to be a valid chat completion."""
    assert outcome.status in (200, 201), outcome.body
    body: dict[str, Any] = json.loads(outcome.body)
    assert schemas.validate_completion(body) == []
    return body


def content(outcome: Outcome) -> str | None:
    """The first choice's message content of a valid 2xx completion."""
    value: str | None = completion(outcome)["choices"][0]["message"]["content"]
    return value


def transcript(outcome: Outcome) -> bytes:
    """The bytes of a streamed answer."""
    assert outcome.stream is not None
    return b"".join(data or b"" for _, data in outcome.stream)


def chunks(data: bytes) -> list[dict[str, Any]]:
    """The JSON events of a transcript, without ``[DONE]``."""
    return [json.loads(e.data) for e in sse.decode(data) if e.data != sse.DONE]


def folded(data: bytes) -> dict[str, Any]:
    """A transcript, checked to be valid, folded into the completion it streams."""
    assert schemas.validate_transcript(data) == []
    return folding.fold(chunks(data))


def error_of(outcome: Outcome) -> dict[str, Any]:
    """The body of an answer, checked to be a valid error body."""
    body: dict[str, Any] = json.loads(outcome.body)
    assert schemas.validate_error(body) == [], body
    return body
