"""Scripted upstreams for the recorder's tests: a plain ASGI app that answers like the provider
(the mock's own answer, aimlapi profile) and then drifts as the last user message says:
``extra``, ``missing``, ``type``, ``status200``, ``broken``, ``slow``, ``dies``, ``silent``,
``echo``; anything else is answered as it is."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Receive, Scope, Send

from mockserver import Config, RawRequest, Service

SLOW_GAP = 0.12
"""Seconds the ``slow`` upstream waits before each of its first three events."""


class Died(Exception):
    """Raised mid-stream so that uvicorn drops the connection, as a crashed upstream would."""


def _answer(request: dict[str, Any]) -> tuple[int, dict[str, str], bytes, list[bytes] | None]:
    # A fresh seeded mock per request: the same request always gets the same bytes.
    service = Service(Config(seed=7, journal_size=0, clock=lambda: 1_750_000_000.0))
    headers = {"authorization": "Bearer upstream", "content-type": "application/json"}
    outcome = service.handle(
        RawRequest("POST", "/v1/chat/completions", headers, json.dumps(request).encode())
    )
    events = None if outcome.stream is None else [e for _, e in outcome.stream if e]
    return outcome.status, dict(outcome.headers), outcome.body, events


async def read_body(receive: Receive) -> bytes:
    """A request's whole body, however many messages it comes in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    request = json.loads(await read_body(receive))
    mode = request["messages"][-1]["content"]
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    if mode == "silent":
        await asyncio.sleep(3)
        return
    if mode == "echo":  # an upstream that repeats the key it was given
        text = json.dumps({"message": f"key {headers.get('authorization')} is not valid"})
        await _send(send, 401, {"content-type": "application/json"}, text.encode())
        return
    status, out_headers, data, events = _answer(request)
    if events is None:
        completion = json.loads(data)
        if mode == "extra":
            completion["surprise"] = {"new": 1}
            completion["choices"][0]["message"]["mood"] = "cheerful"
        elif mode == "missing":
            del completion["created"]
        elif mode == "type":
            completion["created"] = "yesterday"
        elif mode == "status200":
            status = 200
        await _send(send, status, out_headers, json.dumps(completion).encode())
        return
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in out_headers.items()],
        }
    )
    if mode == "broken":
        events = [events[0], b"data: {not json\n\n"]
    for i, event in enumerate(events):
        if mode == "slow" and i < 3:
            await asyncio.sleep(SLOW_GAP)
        if mode == "dies" and i == 2:
            raise Died("the upstream died mid-stream")
        await send({"type": "http.response.body", "body": event, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _send(send: Send, status: int, headers: dict[str, str], data: bytes) -> None:
    headers = {k: v for k, v in headers.items() if k != "content-length"}
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-length", str(len(data)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})
