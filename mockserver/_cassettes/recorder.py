"""The recording proxy: every request goes to the upstream with the client's own key, the
answer comes back as it arrives (status, headers and bytes untouched, JSON bodies and streams
alike), and each chat exchange is checked against the contract and written as a cassette
after its last byte has reached the client.

What reaches the upstream: the client's request without the credentials the journal hides,
except ``authorization`` (the provider's own key; the mock's admin token and cookies stay
behind). What a cassette keeps is bounded by ``max_cassette_bytes``; beyond it the answer
is still relayed whole, and the cassette says it was cut (``truncated``).

The checking and writing wait for a quiet moment (`QUIET` seconds without a request in
flight), so that a client sending request after request is not slowed by the work of the
ones before; what waits is bounded (`HELD_BYTES`), and `wait_idle` and shutdown do it at
once.

Nothing waits forever: connecting, each read and each write have a timeout. An upstream that
cannot be reached or does not answer in time gets the client a 502 or 504 in the profile's
error shape; one that breaks off mid-answer gets the client the same cut.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
import httpx
from starlette.types import Message, Receive, Scope, Send

from mockserver._adapters.asgi import ConnectionDropped, create_app
from mockserver._cassettes import contract, network
from mockserver._cassettes.capture import DEFAULT_LIMIT, Capture
from mockserver._cassettes.cassette import HOP_BY_HOP, Exchange, Store, TooLarge, clean_query
from mockserver._contract import errors, validation
from mockserver._contract.profiles import Profile
from mockserver._contract.violations import Violation
from mockserver._control.credentials import is_credential
from mockserver._control.journal import Entry, redact
from mockserver._core.pipeline import CHAT_PATHS, Service

QUIET = 0.02
"""Seconds without a request in flight after which relayed exchanges are checked and written."""
HELD_BYTES = 32 * 1024 * 1024
"""Bytes of relayed answers that may wait for a quiet moment; beyond, they are written at once."""

DRIFT_HEADER = "x-mock-drift"
UPSTREAM_CREDENTIALS = frozenset({"authorization"})
"""The credentials the upstream needs, and so the only ones forwarded."""
# expect: the body goes at once, so the upstream's 100-continue would only be in the way.
_NOT_FORWARDED = HOP_BY_HOP | {"host", "accept-encoding", "content-length", "expect"}


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
        max_cassette_bytes: int = DEFAULT_LIMIT,
    ) -> None:
        if max_cassette_bytes < 1:
            raise ValueError(f"max_cassette_bytes must be >= 1; got {max_cassette_bytes}")
        self.upstream = httpx.URL(upstream.rstrip("/"))
        self.store = store
        self.service = service
        self.timeouts = network.Timeouts(connect=min(timeout, 10.0), read=timeout)
        self.replay = replay
        self.log = log or _stderr
        self.max_body_bytes = max_body_bytes
        self.max_cassette_bytes = max_cassette_bytes
        self.recorded = 0
        """Exchanges finished (checked, journaled, written) so far."""
        self._mock = create_app(service=service)
        self._network: network.Upstream | None = None
        self._seq = itertools.count(1)
        self._busy = 0
        self._idle = threading.Condition()
        self._in_flight = 0  # requests being relayed (the event loop's own count)
        self._last_request = 0.0  # when one last started or ended
        self._held = 0  # bytes of relayed exchanges waiting for a quiet moment
        self._now = threading.Event()  # set: write what waits without waiting (wait_idle)
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def profile(self) -> Profile:
        return self.service.config.profile

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every request so far is finished: relayed, checked, journaled and
        written (from another thread than the proxy's). False if `timeout` passed first."""
        self._now.set()
        try:
            with self._idle:
                return self._idle.wait_for(lambda: self._busy == 0, timeout)
        finally:
            self._now.clear()

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
        """Finish the exchanges still being written, then close the upstream connections."""
        self._now.set()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._network is not None:
            await self._network.aclose()
            self._network = None

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
        exchange = Exchange(
            scope["method"],
            path,
            query.decode("latin-1"),
            headers,
            body,
            str(self.upstream),
            self.profile.name,
        )
        started = time.perf_counter()
        if self._network is None:
            self._network = network.Upstream()
        with self._idle:
            self._busy += 1  # until the exchange is written (see _after)
        self._in_flight += 1
        self._last_request = time.monotonic()
        response: network.Response | None = None
        try:
            try:
                response = await self._network.send(
                    scope["method"],
                    self._url(path, _forwarded_query(query)),
                    _forwarded(headers),
                    body,
                    self.timeouts,
                )
            except (network.Failure, httpx.InvalidURL) as exc:
                if isinstance(exc, network.Failure) and exc.timeout:
                    self._failed(exchange, 504, "timeout", f"did not answer in time ({exc})")
                else:
                    self._failed(exchange, 502, "unreachable", f"cannot be reached: {exc}")
                await _send_whole(send, exchange)
                return
            await self._relay(response, exchange, started, send)
        finally:
            self._in_flight -= 1
            self._last_request = time.monotonic()
            exchange.duration = time.perf_counter() - started
            self._after(exchange)
            if response is not None:
                await response.aclose()

    async def _relay(
        self, response: network.Response, exchange: Exchange, started: float, send: Send
    ) -> None:
        """Pass the answer on piece by piece as it arrives, keeping (within the cap) what
        the cassette will hold; nothing is checked before the last byte has gone out."""
        names = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in response.headers]
        exchange.status = response.status
        exchange.response_headers = {k: v for k, v in names if k != "set-cookie"}
        content_type = exchange.response_headers.get("content-type", "")
        capture = Capture(
            self.max_cassette_bytes, stream=content_type.startswith("text/event-stream")
        )
        exchange.capture = capture
        head: list[Violation] = []
        if _chat(exchange.path):
            head = contract.head(
                self.profile, exchange.status, exchange.response_headers, _wants_stream(exchange)
            )
        exchange.violations = [str(v) for v in head]
        relayed = [(k, v) for k, v in response.headers if k.lower().decode() not in HOP_BY_HOP]
        await send(
            {
                "type": "http.response.start",
                "status": exchange.status,
                "headers": _with_drift(relayed, exchange.violations),
            }
        )
        try:
            async for piece in response.pieces(self.timeouts.read):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                capture.add(piece, time.perf_counter() - started)
        except network.Failure as exc:
            exchange.outcome = "timeout" if exc.timeout else "broken"
            exchange.dropped = True
            raise ConnectionDropped(f"the upstream broke off: {exc}") from None
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _after(self, exchange: Exchange) -> None:
        """Check, journal and write `exchange` in a worker thread, the relay being over: a
        large cassette delays neither this client nor the others."""

        size = exchange.capture.size if exchange.capture is not None else len(exchange.body)
        self._held += size

        async def finish() -> None:
            try:
                await self._quiet()
                await anyio.to_thread.run_sync(self._finish, exchange)
            finally:
                self._held -= size
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

        self._spawn(finish())

    async def _quiet(self) -> None:
        """Return once no request has been in flight for `QUIET` seconds, when more than
        `HELD_BYTES` wait, or when `wait_idle` or shutdown asks for everything now."""
        while not self._now.is_set() and self._held <= HELD_BYTES:
            if not self._in_flight and time.monotonic() - self._last_request >= QUIET:
                return
            await asyncio.sleep(QUIET / 4)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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

    def _finish(self, exchange: Exchange) -> None:
        chat = _chat(exchange.path)
        capture = exchange.capture
        notes: dict[str, Any] = {}
        if capture is not None:
            if capture.truncated and exchange.outcome in ("complete", "cut"):
                exchange.outcome = "truncated"
            elif (
                capture.stream
                and exchange.outcome == "complete"
                and not capture.tail(64).rstrip().endswith(b"[DONE]")
            ):
                exchange.outcome = "cut"
            if capture.truncated:
                # A cut transcript breaks rules only because it is cut: it is not checked.
                notes["truncated"] = (
                    f"the answer was {capture.size} bytes; the cassette keeps the first "
                    f"{self.max_cassette_bytes} (--max-cassette-bytes), unchecked"
                )
            elif chat:
                found = contract.body_of(
                    exchange.status,
                    exchange.response_headers,
                    capture,
                    stream=_wants_stream(exchange),
                )
                exchange.violations += [str(v) for v in found]
        where: Path | None = None
        if chat and self.store is not None:
            try:
                where = self.store.write(exchange)
            except (TooLarge, OSError) as exc:
                notes["cassette"] = f"not written: {exc}"
        self.recorded += 1
        self._journal(exchange, where, notes)
        events = (
            f", {capture.event_count()} events" if capture is not None and capture.stream else ""
        )
        if chat:
            self.log(
                f"record: {exchange.method} {exchange.path} -> {exchange.status} "
                f"{exchange.outcome}{events} in {exchange.duration:.3f} s"
                + (f" -> {where.name}" if where is not None else "")
            )
            for violation in exchange.violations:
                self.log(f"  drift: {violation}")
            for note in notes.values():
                self.log(f"  note: {note}")

    def _journal(self, exchange: Exchange, where: Path | None, notes: dict[str, Any]) -> None:
        request = exchange.parsed_request()
        entry = Entry(
            seq=next(self._seq),
            method=exchange.method,
            path=exchange.path,
            headers=redact(exchange.request_headers),
            body=request
            if request is not None
            else exchange.request_body.decode("utf-8", "replace"),
            # As everywhere in the journal, violations are the request's; what the answer
            # breaks is the drift note.
            violations=tuple(validation.validate_request(request)),
            status=exchange.status,
            answered_by=f"upstream:{self.upstream}",
            started=time.time() - exchange.duration,
            duration_ms=exchange.duration * 1000,
            request_id=exchange.response_headers.get("x-request-id", ""),
            stream=_wants_stream(exchange),
            notes={
                "outcome": exchange.outcome,
                "drift": list(exchange.violations),
                **({"cassette": str(where)} if where else {}),
                **notes,
            },
            response_headers=redact(exchange.response_headers),
        )
        self.service.journal.record(entry)


def _chat(path: str) -> bool:
    return path.rstrip("/") in CHAT_PATHS


def _wants_stream(exchange: Exchange) -> bool:
    request = exchange.parsed_request()
    return isinstance(request, dict) and request.get("stream") is True


def _forwarded(headers: dict[str, str]) -> dict[str, str]:
    """What the upstream gets of the client's headers: no credential it does not need, no
    header of the mock's own (``x-mock-*``), and ``accept-encoding: identity``, so that
    the bytes the client gets are the bytes recorded."""
    out = {
        k: v
        for k, v in headers.items()
        if k not in _NOT_FORWARDED
        and not k.startswith("x-mock-")
        and (k in UPSTREAM_CREDENTIALS or not is_credential(k))
    }
    out["accept-encoding"] = "identity"
    return out


def _forwarded_query(query: bytes) -> bytes:
    """The query string without credential parameters (``?api_key=``): the upstream takes
    its key from ``authorization``. Untouched when it has none."""
    text = query.decode("latin-1")
    if not any(is_credential(k) for k, _ in parse_qsl(text, keep_blank_values=True)):
        return query
    return clean_query(text).encode("latin-1")


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
    """`headers` and, when the status or headers break the contract, the drift header
    naming where (a body's findings come later, to the journal and the cassette)."""
    paths = _paths(violations)
    if not paths:
        return headers
    return [*headers, (DRIFT_HEADER.encode(), paths.encode("latin-1", "replace"))]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _read(receive: Receive, limit: int) -> bytes | None:
    body = bytearray()
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            return bytes(body)
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _replaying(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}  # pragma: no cover - the mock reads once

    return receive
