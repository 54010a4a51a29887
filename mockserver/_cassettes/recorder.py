"""The recording proxy: every request goes to the upstream with the client's own credentials,
the answer comes back as it arrives (status, headers and bytes untouched), and each chat
exchange is checked against the contract and written as a cassette.

Nothing waits forever: connecting, each read and each write have a timeout. An upstream that
cannot be reached or does not answer in time gets the client a 502 or 504 in the profile's
error shape; one that breaks off mid-answer gets the client the same cut.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import ssl
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Message, Receive, Scope, Send

from mockserver._adapters.asgi import ConnectionDropped, create_app
from mockserver._cassettes import contract
from mockserver._cassettes.cassette import HOP_BY_HOP, Exchange, Store
from mockserver._contract import errors, validation
from mockserver._contract.profiles import Profile
from mockserver._contract.violations import Violation
from mockserver._control.journal import Entry, redact
from mockserver._core.pipeline import CHAT_PATHS, Service

DRIFT_HEADER = "x-mock-drift"

# Taken when this module is imported (the pytest plugin imports it at start-up, before any
# test mocks httpx): the recorder must reach the real upstream even while the in-process
# mock routes the same base URL to itself, or it would record the mock.
_NETWORK = httpx.AsyncHTTPTransport.handle_async_request


@functools.cache
def _tls() -> ssl.SSLContext:
    # Made once: building a verifying context costs a tenth of a second or more.
    return httpx.create_ssl_context()


class _Network(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__(verify=_tls())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await _NETWORK(self, request)


_NOT_FORWARDED = HOP_BY_HOP | {"host", "accept-encoding"}
_EVENT_END = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


class Recorder:
    """The proxy as an ASGI app. `service` keeps the journal (served under ``/__mock/``);
    with `replay` set, requests one of its stubs answers are replayed, not forwarded
    (the pytest plugin's ``new`` mode)."""

    def __init__(
        self,
        upstream: str,
        store: Store | None,
        service: Service,
        *,
        timeout: float = 60.0,
        replay: bool = False,
        log: Callable[[str], None] | None = None,
        max_body_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        self.upstream = httpx.URL(upstream.rstrip("/"))
        self.store = store
        self.service = service
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self.replay = replay
        self.log = log or _stderr
        self.max_body_bytes = max_body_bytes
        self._mock = create_app(service=service)
        self._client: httpx.AsyncClient | None = None
        self._seq = itertools.count(1)

    @property
    def profile(self) -> Profile:
        return self.service.config.profile

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # pragma: no cover - websockets are not proxied
            return
        path: str = scope["path"]
        if path.startswith("/__mock"):
            await self._mock(scope, receive, send)
            return
        body = await _read(receive, self.max_body_bytes)
        if body is None:
            error = errors.too_large(self.max_body_bytes)
            await self._error(send, error, path, "")
            return
        if self.replay and self.replays(path, body):
            await self._mock(scope, _replaying(body), send)
            return
        await self._forward(scope, body, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def replays(self, path: str, body: bytes) -> bool:
        """Whether a stub of the service (a cassette's) answers this chat request."""
        if path.rstrip("/") not in CHAT_PATHS:
            return False
        try:
            request = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return False
        return isinstance(request, dict) and any(
            not s.exhausted and not s.match.misses(request) for s in self.service.stubs.all()
        )

    def _url(self, path: str, query: bytes) -> httpx.URL:
        # base https://host/v1 + /v1/chat/completions -> https://host/v1/chat/completions
        base = self.upstream.path.rstrip("/")
        full = path if base and (path == base or path.startswith(base + "/")) else base + path
        return self.upstream.copy_with(path=full, query=query or None)

    async def _forward(self, scope: Scope, body: bytes, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        chat = path.rstrip("/") in CHAT_PATHS
        exchange = Exchange(
            scope["method"],
            path,
            query.decode("latin-1"),
            headers,
            body,
            str(self.upstream),
            self.profile.name,
        )
        request = exchange.parsed_request()
        wants_stream = isinstance(request, dict) and request.get("stream") is True
        forwarded = {k: v for k, v in headers.items() if k not in _NOT_FORWARDED}
        # Identity, so the bytes the client gets are the bytes the cassette holds.
        forwarded["accept-encoding"] = "identity"
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, transport=_Network())
        started = time.perf_counter()
        try:
            upstream_request = self._client.build_request(
                scope["method"], self._url(path, query), headers=forwarded, content=body
            )
            response = await self._client.send(upstream_request, stream=True)
        except httpx.TimeoutException as exc:
            self._failed(exchange, 504, "timeout", f"did not answer in time ({exc!r})")
            self._finish(exchange, started, chat, [])
            await _send_whole(send, exchange)
            return
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            self._failed(exchange, 502, "unreachable", f"cannot be reached: {exc!r}")
            self._finish(exchange, started, chat, [])
            await _send_whole(send, exchange)
            return
        is_stream = False
        found: list[Violation] = []
        try:
            exchange.status = response.status_code
            exchange.response_headers = {
                k.lower(): v for k, v in response.headers.multi_items() if k.lower() != "set-cookie"
            }
            is_stream = response.headers.get("content-type", "").startswith("text/event-stream")
            found = contract.head(
                self.profile, response.status_code, response.headers, wants_stream
            )
            if not chat:
                found = []
            out_headers = [
                (k.encode("latin-1"), v.encode("latin-1"))
                for k, v in response.headers.multi_items()
                if k.lower() not in HOP_BY_HOP
            ]
            if is_stream:
                await self._relay_stream(response, exchange, started, send, out_headers, found)
            else:
                await self._relay_body(
                    response, exchange, started, send, out_headers, chat, wants_stream
                )
        finally:
            await response.aclose()
            # Normally done already, before the last bytes left; this covers a client that
            # went away mid-answer.
            self._finish(exchange, started, chat, found if is_stream else [])

    async def _relay_body(
        self,
        response: httpx.Response,
        exchange: Exchange,
        started: float,
        send: Send,
        headers: list[tuple[bytes, bytes]],
        chat: bool,
        wants_stream: bool,
    ) -> None:
        # A JSON answer is only useful whole, so it is read whole: then x-mock-drift can
        # name what the body breaks too.
        data = b""
        broken: httpx.TransportError | None = None
        try:
            async for piece in response.aiter_raw():
                data += piece
        except httpx.TransportError as exc:
            broken = exc
        exchange.body = data
        if chat:
            exchange.violations = [
                str(v)
                for v in contract.exchange(
                    self.profile,
                    exchange.status,
                    exchange.response_headers,
                    data,
                    None,
                    stream=wants_stream,
                )
            ]
            headers = _with_drift(headers, exchange.violations)
        if broken is not None:
            exchange.outcome = "timeout" if isinstance(broken, httpx.TimeoutException) else "broken"
            exchange.dropped = True
        # The cassette is written before the client has the last byte, so a client that
        # reads its answer can rely on the cassette being there.
        self._finish(exchange, started, chat, [])
        await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
        await send({"type": "http.response.body", "body": data, "more_body": broken is not None})
        if broken is not None:
            raise ConnectionDropped(f"the upstream broke off: {broken!r}")

    async def _relay_stream(
        self,
        response: httpx.Response,
        exchange: Exchange,
        started: float,
        send: Send,
        headers: list[tuple[bytes, bytes]],
        found: list[Violation],
    ) -> None:
        headers = _with_drift(headers, [str(v) for v in found])
        await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
        events: list[tuple[float, bytes]] = []
        exchange.events = events
        pending = b""
        try:
            async for piece in response.aiter_raw():
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                pending += piece
                start = 0
                for match in _EVENT_END.finditer(pending):
                    events.append((time.perf_counter() - started, pending[start : match.end()]))
                    start = match.end()
                pending = pending[start:]
        except httpx.TransportError as exc:
            if pending:
                events.append((time.perf_counter() - started, pending))
            exchange.outcome = "timeout" if isinstance(exc, httpx.TimeoutException) else "broken"
            exchange.dropped = True
            self._finish(exchange, started, True, found)
            raise ConnectionDropped(f"the upstream broke off mid-stream: {exc!r}") from None
        if pending:
            events.append((time.perf_counter() - started, pending))
        if not events or not events[-1][1].rstrip().endswith(b"[DONE]"):
            exchange.outcome = "cut"
        self._finish(exchange, started, True, found)
        await send({"type": "http.response.body", "body": b""})

    def _failed(self, exchange: Exchange, status: int, outcome: str, what: str) -> None:
        request_id = f"req_{uuid.uuid4().hex}"
        error = errors.for_status(status, f"mockserver record: the upstream {self.upstream} {what}")
        data = json.dumps(error.body(self.profile, exchange.path, request_id)).encode()
        exchange.status = status
        exchange.outcome = outcome  # type: ignore[assignment]
        exchange.response_headers = {"content-type": "application/json", "x-request-id": request_id}
        exchange.body = data

    async def _error(self, send: Send, error: errors.ApiError, path: str, request_id: str) -> None:
        data = json.dumps(error.body(self.profile, path, request_id)).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": error.status, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    def _finish(
        self, exchange: Exchange, started: float, chat: bool, head: list[Violation]
    ) -> None:
        if exchange.finished:
            return
        exchange.finished = True
        exchange.duration = time.perf_counter() - started
        if not chat:
            return
        request = exchange.parsed_request()
        wants_stream = isinstance(request, dict) and request.get("stream") is True
        if exchange.events is not None:
            found = head + contract.body(
                exchange.status, b"", [e for _, e in exchange.events], stream=wants_stream
            )
            exchange.violations = [str(v) for v in found]
        where = self.store.write(exchange) if self.store is not None else None
        self._journal(exchange, request, wants_stream, where)
        events = f", {len(exchange.events)} events" if exchange.events is not None else ""
        self.log(
            f"record: {exchange.method} {exchange.path} -> {exchange.status} "
            f"{exchange.outcome}{events} in {exchange.duration:.3f} s"
            + (f" -> {where.name}" if where is not None else "")
        )
        for violation in exchange.violations:
            self.log(f"  drift: {violation}")

    def _journal(self, exchange: Exchange, request: Any, stream: bool, where: Path | None) -> None:
        entry = Entry(
            seq=next(self._seq),
            method=exchange.method,
            path=exchange.path,
            headers=redact(exchange.request_headers),
            body=request,
            # As everywhere in the journal, violations are the request's; what the answer
            # breaks is the drift note.
            violations=tuple(validation.validate_request(request)),
            status=exchange.status,
            answered_by=f"upstream:{self.upstream}",
            started=time.time() - exchange.duration,
            duration_ms=exchange.duration * 1000,
            request_id=exchange.response_headers.get("x-request-id", ""),
            stream=stream,
            notes={
                "outcome": exchange.outcome,
                "drift": list(exchange.violations),
                **({"cassette": str(where)} if where else {}),
            },
            response_headers=dict(exchange.response_headers),
        )
        self.service.journal.record(entry)


async def _send_whole(send: Send, exchange: Exchange) -> None:
    headers = [(k.encode(), v.encode()) for k, v in exchange.response_headers.items()]
    await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
    await send({"type": "http.response.body", "body": exchange.body})


def _violation(text: str) -> Violation:
    path, _, message = text.partition(": ")
    return Violation("" if path == "(root)" else path, "contract", message)


def _paths(violations: list[str]) -> str:
    return ", ".join(dict.fromkeys(_violation(v).path or "(root)" for v in violations))


def _with_drift(
    headers: list[tuple[bytes, bytes]], violations: list[str]
) -> list[tuple[bytes, bytes]]:
    """`headers` and, when the answer breaks the contract, the drift header naming where."""
    paths = _paths(violations)
    if not paths:
        return headers
    return [*headers, (DRIFT_HEADER.encode(), paths.encode("latin-1", "replace"))]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _read(receive: Receive, limit: int) -> bytes | None:
    body = b""
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            return body
        body += bytes(message.get("body", b""))
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return body


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}  # pragma: no cover - the mock reads once

    return receive
