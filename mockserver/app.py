"""The Starlette adapter: bytes in, `Outcome` out, nothing else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from mockserver import errors
from mockserver.pipeline import Config, Outcome, RawRequest, Service

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class ConnectionDropped(Exception):
    """Raised inside a streaming body to make the server cut the connection (a scripted fault)."""


def create_app(
    config: Config | None = None, *, service: Service | None = None, **options: Any
) -> Starlette:
    """The mock as a Starlette app. Pass a `Config`, or its fields as keyword arguments,
    or an existing `Service` to share its state (journal, stubs) with other adapters."""
    if service is None:
        service = Service(config or Config(**options))
    elif config is not None or options:
        raise TypeError("pass either service= or a configuration, not both")

    async def endpoint(request: Request) -> Response:
        raw = await _read(request, service)
        if isinstance(raw, Outcome):
            return _response(raw)
        outcome = service.handle(raw)
        if outcome.delay > 0:
            await asyncio.sleep(outcome.delay)
        return _response(outcome)

    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])
    app.state.service = service
    return app


async def _read(request: Request, service: Service) -> RawRequest | Outcome:
    limit = service.config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return service.error_outcome(errors.too_large(limit), request.url.path, "")
    body = bytearray()
    try:
        async for piece in request.stream():
            body += piece
            if len(body) > limit:
                return service.error_outcome(errors.too_large(limit), request.url.path, "")
    except ClientDisconnect:
        pass
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers.raw}
    return RawRequest(request.method, request.url.path, headers, bytes(body), request.url.query)


def _response(outcome: Outcome) -> Response:
    if outcome.stream is None:
        return Response(outcome.body, outcome.status, outcome.headers)
    headers = dict(outcome.headers)
    media_type = headers.pop("content-type", "text/event-stream")
    return StreamingResponse(_paced(outcome.stream), outcome.status, headers, media_type=media_type)


async def _paced(items: Any) -> AsyncIterator[bytes]:
    stream: Any = items
    for delay, data in stream:
        if delay > 0:
            await asyncio.sleep(delay)
        if data is None:
            raise ConnectionDropped("stream cut by a scripted fault")
        yield data
