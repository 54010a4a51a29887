"""The Starlette adapter: bytes in, `Outcome` out, nothing else.

The one route is a plain ASGI endpoint: it reads the body (with the size limit), hands
the pipeline a `RawRequest`, and writes the `Outcome` back, pacing stream events and
cutting the connection where a fault says so. While it waits (scripted latency) or
streams, it watches for ``http.disconnect``: a client that leaves stops the work at once,
so abandoned streams and sleeping requests do not pile up.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from mockserver._core.exchange import Config, Outcome, RawRequest, StreamItem

if TYPE_CHECKING:  # imported by create_app: importing the app module stays cheap
    from mockserver._core.pipeline import Service


class ConnectionDropped(Exception):
    """Raised while streaming to make the server cut the connection (a scripted fault)."""


def create_app(
    config: Config | None = None, *, service: Service | None = None, **options: Any
) -> Starlette:
    """The mock as a Starlette app. Pass a `Config`, or its fields as keyword arguments,
    or an existing `Service` to share its state (journal, stubs) with other adapters."""
    from mockserver._core.pipeline import Service

    if service is None:
        service = Service(config or Config(**options))
    elif config is not None or options:
        raise TypeError("pass either service= or a configuration, not both")
    app = _App(_Endpoint(service))
    app.state.service = service
    return app


ANSWERED = "mockserver.answered"
"""Scope key of the `Outcome` a server protocol got from `Service.handle` already (one that
waits or streams): the endpoint writes it, reading and handling nothing again."""
_OUTCOME = "mockserver.outcome"  # the outcome being written, for the exception handler
_STARTED = "mockserver.started"  # its head is on the wire: a failure can only cut it
_LOG = logging.getLogger("uvicorn.error")


def direct_service(app: Any) -> Service | None:
    """The service behind an app made by `create_app` (through server middleware such as
    uvicorn's proxy headers), while requests go straight to it; else None."""
    while not isinstance(app, _App):
        app = getattr(app, "app", None)
        if app is None:
            return None
    return app.endpoint.service if app.direct() else None


async def server_error(request: Request, exc: Exception) -> Response:
    """The app's handler for an exception no step caught (a bug in the mock): the
    provider-shaped 500, journaled (`Service.failed`)."""
    service: Service = request.app.state.service
    scope = request.scope
    answer = service.failed(raw_request(scope, b""), scope.get(_OUTCOME), exc)
    _LOG.error(
        "the mock failed while answering %s %s", scope["method"], scope["path"], exc_info=exc
    )
    return Response(answer.body, answer.status, headers=answer.headers)


class _App(Starlette):
    """A Starlette app whose one route takes every path (the pipeline routes: routes.py),
    with `server_error` as its handler for any exception. While nobody has added
    middleware or routes in front of it, HTTP requests go straight to the endpoint:
    Starlette's middleware and router would only hand them on, at a tenth of a warm
    request's cost, so the same handler is called here."""

    def __init__(self, endpoint: _Endpoint) -> None:
        self._catch_all = Route("/{path:path}", endpoint)
        self.endpoint = endpoint
        super().__init__(routes=[self._catch_all], exception_handlers={Exception: server_error})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.direct():
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        try:
            await self.endpoint(scope, receive, send)
        except ConnectionDropped:
            raise
        except Exception as exc:
            if scope.get(_STARTED):
                raise  # uvicorn cuts the connection; there is nothing else to say now
            response = await server_error(Request(scope), exc)
            await response(scope, receive, send)

    def direct(self) -> bool:
        routes = self.router.routes
        return not self.user_middleware and len(routes) == 1 and routes[0] is self._catch_all


class _Endpoint:
    """Every path and method goes to the pipeline, which does the routing."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        outcome = scope.get(ANSWERED)
        if outcome is None:
            outcome = await self._outcome(scope, receive)
            if outcome is None:  # the client left before its body arrived
                return
        scope[_OUTCOME] = outcome
        if outcome.delay <= 0 and outcome.stream is None:
            await self._write(scope, outcome, send)  # nothing to wait on: no watcher needed
            return
        writer = asyncio.ensure_future(self._write(scope, outcome, send))
        watcher = asyncio.ensure_future(_disconnected(receive))
        done, _ = await asyncio.wait({writer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if writer in done:
            watcher.cancel()
            writer.result()  # re-raises ConnectionDropped (a scripted cut)
            return
        # The client left while the mock waited or streamed: stop now and say so.
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionDropped):
            await writer
        if outcome.stream is not None and hasattr(outcome.stream, "close"):
            outcome.stream.close()
        if outcome.on_disconnect is not None:
            outcome.on_disconnect()

    async def _outcome(self, scope: Scope, receive: Receive) -> Outcome | None:
        raw = await self._read(scope, receive)
        if raw is None:
            return None
        service = self.service
        if service.may_block(raw):
            return await asyncio.to_thread(service.handle, raw)
        outcome = service.handle(raw)
        if raw.size is not None:  # refused unread: the rest of the body is not wanted
            outcome.headers["connection"] = "close"
        return outcome

    async def _write(self, scope: Scope, outcome: Outcome, send: Send) -> None:
        if outcome.delay > 0:
            await asyncio.sleep(outcome.delay)
        headers = [(_name(k), v.encode("latin-1")) for k, v in outcome.headers.items()]
        scope[_STARTED] = True
        if outcome.stream is None:
            headers.append((b"content-length", str(len(outcome.body)).encode()))
            await send(
                {"type": "http.response.start", "status": outcome.status, "headers": headers}
            )
            body = b"" if scope["method"] == "HEAD" else outcome.body
            await send({"type": "http.response.body", "body": body})
            return
        await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
        await _stream(outcome.stream, send)

    async def _read(self, scope: Scope, receive: Receive) -> RawRequest | None:
        """The request with its body; past the size limit, without it (`RawRequest.size`)
        as soon as the limit is crossed, declared or not."""
        limit = self.service.config.max_body_bytes
        declared = declared_length(scope["headers"])
        if declared is not None and declared > limit:
            return raw_request(scope, b"", size=declared)
        message: Message = await receive()
        if message["type"] != "http.request":  # the client went away
            return None
        first: bytes = message.get("body", b"")
        if len(first) > limit:
            return raw_request(scope, b"", size=len(first))
        if message.get("more_body", False):
            body = bytearray(first)  # += on bytes would copy the whole body once per chunk
            while message.get("more_body", False):
                message = await receive()
                if message["type"] != "http.request":
                    return None
                body += message.get("body", b"")
                if len(body) > limit:
                    return raw_request(scope, b"", size=len(body))
            first = bytes(body)
        return raw_request(scope, first)


def declared_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The Content-Length among an ASGI request's headers, if it declares one in digits
    (the server's parser has refused any that overflow)."""
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def raw_request(
    scope: Scope,
    body: bytes,
    *,
    size: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> RawRequest:
    """The pipeline's view of an ASGI request whose body has been read (or, with `size`,
    refused unread); `headers`: its headers decoded already (`decoded_headers`)."""
    if headers is None:
        headers = decoded_headers(scope["headers"])
    query = scope.get("query_string", b"").decode("latin-1")
    return RawRequest(scope["method"], scope["path"], headers, body, query, size)


def decoded_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """An ASGI request's headers as the pipeline reads them (names lower case)."""
    return {_NAMES.get(k) or k.decode("latin-1"): v.decode("latin-1") for k, v in raw}


# Header names a client sends on every request, decoded once (uvicorn gives them lower-case).
_NAMES = {
    name.encode(): name
    for name in (
        "host", "authorization", "content-type", "content-length", "accept", "user-agent",
        "accept-encoding", "connection", "x-stainless-retry-count", "x-stainless-lang",
        "x-stainless-package-version", "x-stainless-os", "x-stainless-arch",
        "x-stainless-runtime", "x-stainless-runtime-version", "x-stainless-async",
        "x-stainless-read-timeout", "openai-organization", "openai-project",
    )
}  # fmt: skip


@functools.lru_cache(maxsize=256)  # the mock sends the same few names on every answer
def _name(name: str) -> bytes:
    return name.encode("latin-1")


async def _disconnected(receive: Receive) -> None:
    """Return when the client has gone (the body was read already, so only
    ``http.disconnect`` can arrive)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _stream(items: Iterator[StreamItem], send: Send) -> None:
    for delay, data in items:
        if delay > 0:
            await asyncio.sleep(delay)
        if data is None:
            raise ConnectionDropped("stream cut by a scripted fault")
        await send({"type": "http.response.body", "body": data, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
