"""Credentials never reach a cassette, in any form an upstream may echo them, and are not
forwarded upstream unless the upstream needs them; the journal, the access log and the
cassettes agree on what a credential is."""

from __future__ import annotations

import base64
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.types import Receive, Scope, Send

from mockserver import Config, Service
from mockserver._cassettes.capture import Capture
from mockserver._cassettes.cassette import CassetteDir, Exchange
from mockserver._cassettes.live import LiveApp
from mockserver._cassettes.recorder import Recorder
from mockserver._control import credentials, journal

# What an upstream may do to a key before echoing it.
ECHOES: dict[str, Callable[[str], str]] = {
    "as is": lambda k: k,
    "upper": str.upper,
    "lower": str.lower,
    "swapped case": str.swapcase,
    "base64": lambda k: base64.b64encode(k.encode()).decode(),
    "base64, no padding": lambda k: base64.b64encode(k.encode()).decode().rstrip("="),
    "url-safe base64": lambda k: base64.urlsafe_b64encode(k.encode()).decode(),
    "base64 of Basic user:key": lambda k: base64.b64encode(f"user:{k}".encode()).decode(),
    "base64 of a longer text": lambda k: base64.b64encode(f"xy{k}z".encode()).decode(),
    "url-encoded": lambda k: quote(k, safe=""),
    "url-encoded, lower-case hex": lambda k: re.sub(
        "%[0-9A-F]{2}", lambda m: m.group().lower(), quote(k, safe="")
    ),
    "form-encoded": lambda k: quote_plus(k, safe=""),
    "json-escaped": lambda k: json.dumps(k)[1:-1],
    "hex": lambda k: k.encode().hex(),
}
# Where the echo is: a JSON error body, a response header, an SSE event, a binary body.
PLACES = ("json", "header", "stream", "binary")

keys = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8, max_size=64
)


def _exchange(key: str, echo: str, place: str) -> Exchange:
    stream = place == "stream"
    exchange = Exchange(
        "POST",
        "/v1/chat/completions",
        f"api_key={quote(key, safe='')}&x=1",
        {"authorization": f"Bearer {key}", "x-admin-token": key, "cookie": f"s={key}"},
        json.dumps({"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}]}).encode(),
        "http://upstream.test/v1",
        "aimlapi",
        status=401,
        response_headers={
            "content-type": "text/event-stream" if stream else "application/json",
            **({"x-echo": echo} if place == "header" else {}),
        },
    )
    exchange.capture = Capture(stream=stream)
    if place == "stream":
        exchange.capture.add(f"data: {json.dumps({'error': {'message': echo}})}\n\n".encode(), 0.1)
        exchange.capture.add(b"data: [DONE]\n\n", 0.2)
    elif place == "binary":
        exchange.capture.add(b"\xff\xfe" + echo.encode() + b"\x00\xc3(", 0.1)
    else:
        exchange.capture.add(json.dumps({"message": f"bad key: {echo}"}).encode(), 0.1)
    return exchange


def _everything(text: str) -> Iterator[bytes]:
    """The file's bytes, and the bytes of every base64 value it holds."""
    yield text.encode()

    def walk(value: Any) -> Iterator[bytes]:
        if isinstance(value, dict):
            if value.get("encoding") == "base64":
                for key in ("data", "text", "body"):
                    if key in value:
                        yield base64.b64decode(value[key])
            for inner in value.values():
                yield from walk(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from walk(inner)

    yield from walk(json.loads(text))


@given(key=keys, echo=st.sampled_from(sorted(ECHOES)), place=st.sampled_from(PLACES))
def test_no_cassette_byte_sequence_contains_the_key_in_any_echoed_form(
    key: str, echo: str, place: str
) -> None:
    echoed = ECHOES[echo](key)
    with tempfile.TemporaryDirectory() as folder:
        text = CassetteDir(folder).write(_exchange(key, echoed, place)).read_text()
    for data in _everything(text):
        lowered = data.lower()
        assert key.lower().encode() not in lowered
        assert echoed.lower().encode() not in lowered
        assert base64.b64encode(key.encode()).rstrip(b"=").lower() not in lowered


def test_journal_access_log_and_cassettes_share_one_definition() -> None:
    assert journal.is_credential is credentials.is_credential
    for name in ("authorization", "x-admin-token", "x-api-key", "cookie", "x-my-secret", "api_key"):
        assert credentials.is_credential(name)
    for name in ("x-ratelimit-remaining-tokens", "idempotency-key", "content-type"):
        assert not credentials.is_credential(name)


async def echo_upstream(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the headers and the query it received."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    seen = {
        "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
        "query": scope["query_string"].decode(),
    }
    data = json.dumps(seen).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": data})


@pytest.fixture(scope="module")
def echoing() -> Iterator[LiveApp]:
    with LiveApp(echo_upstream) as live:
        yield live


def test_only_the_key_the_upstream_needs_is_forwarded(echoing: LiveApp, tmp_path: Path) -> None:
    key = "sk-forwarded-0123456789"
    recorder = Recorder(
        echoing.base_url, CassetteDir(tmp_path), Service(Config()), log=lambda _: None
    )
    sent = {
        "authorization": f"Bearer {key}",
        "x-admin-token": "admin-secret-999",
        "x-api-key": "other-secret-888",
        "cookie": "session=cookie-secret-777",
        "x-mock-test-id": "t1",
        "x-title": "my app",
    }
    with LiveApp(recorder) as live:
        answer = httpx.post(
            live.base_url + "/chat/completions?api_key=query-secret-666&x=1",
            json={"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}]},
            headers=sent,
        )
        assert recorder.wait_idle(30)
    seen = answer.json()
    assert seen["headers"]["authorization"] == f"Bearer {key}"
    assert seen["headers"]["x-title"] == "my app"
    for name in ("x-admin-token", "x-api-key", "cookie", "x-mock-test-id"):
        assert name not in seen["headers"], name
    assert seen["query"] == "x=1"
    (cassette,) = tmp_path.glob("*.json")
    text = cassette.read_text()
    for secret in (
        key,
        "admin-secret-999",
        "other-secret-888",
        "cookie-secret-777",
        "query-secret-666",
    ):
        assert secret not in text
