"""The in-process adapter: httpx-style requests in, the pipeline's `Outcome` out, no socket.

Two HTTP client families speak the same API: ``httpx`` (routed through respx) and
``httpx2`` (the client of openai 3.x, which respx does not know; its transports are
patched the way respx patches httpx's). Both share this one conversion, so their
behaviour cannot drift apart. Latency is virtual: the clock advances instead of
sleeping, and a delay beyond the client's read timeout raises the client's own
timeout error at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Sequence
from types import ModuleType
from typing import Any
from unittest import mock

from mockserver._core.exchange import Outcome, RawRequest, StreamItem


class VirtualClock:
    """Wall-clock time plus every delay the mock pretended to wait."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += max(seconds, 0.0)

    @property
    def waited(self) -> float:
        """Seconds of scripted latency that passed without sleeping."""
        return self._offset


def _read_timeout(request: Any) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return None if value is None else float(value)


Answerer = Callable[[RawRequest], Outcome]
"""What answers an in-process request: `Service.handle`, or what a test puts in its place
(`MockAPI.answer_with`)."""


class Adapter:
    """Answers requests of one client library (`lib` is the ``httpx`` or ``httpx2`` module)
    by `answer` (called anew for each request, so it may change while the mock runs)."""

    def __init__(
        self, lib: ModuleType, answer: Callable[[], Answerer], clock: VirtualClock, prefix: str
    ) -> None:
        self.lib, self.answer, self.clock, self.prefix = lib, answer, clock, prefix.rstrip("/")
        base = lib.URL(self.prefix)
        self._origin = (base.scheme, base.host, base.port)
        self._path = base.path.rstrip("/")

    def handles(self, url: Any) -> bool:
        return (url.scheme, url.host, url.port) == self._origin and url.path.startswith(
            self._path + "/"
        )

    def __call__(self, request: Any) -> Any:
        url = request.url
        raw = RawRequest(
            request.method,
            url.path[len(self._path) :] or "/",
            {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers.raw},
            request.read(),
            url.query.decode("latin-1") if isinstance(url.query, bytes) else str(url.query),
        )
        outcome = self.answer()(raw)
        self._wait(outcome.delay, request, outcome)
        if outcome.stream is None:
            return self.lib.Response(
                outcome.status, headers=outcome.headers, content=outcome.body, request=request
            )
        stream = _stream_class(self.lib)(self, outcome, request)
        return self.lib.Response(
            outcome.status, headers=outcome.headers, stream=stream, request=request
        )

    def _wait(self, delay: float, request: Any, outcome: Outcome) -> None:
        limit = _read_timeout(request)
        if limit is not None and delay > limit:
            self.clock.advance(limit)
            # The client gives up and leaves, as it would leave a live server: journal it.
            if outcome.on_disconnect is not None:
                outcome.on_disconnect()
            raise self.lib.ReadTimeout(
                f"the mock's scripted latency ({delay:.3f}s) exceeds the read timeout ({limit}s)",
                request=request,
            )
        self.clock.advance(delay)

    def items(self, outcome: Outcome, request: Any) -> Generator[bytes, None, None]:
        stream: Iterator[StreamItem] = outcome.stream or iter(())
        try:
            for delay, data in stream:
                self._wait(delay, request, outcome)
                if data is None:
                    raise self.lib.RemoteProtocolError(
                        "peer closed connection without sending complete message body (incomplete chunked read)",
                        request=request,
                    )
                yield data
        except GeneratorExit:
            # The client closed the response before the end: the journal says so.
            if outcome.on_disconnect is not None:
                outcome.on_disconnect()
            raise
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()


_STREAM_CLASSES: dict[str, type] = {}


def _stream_class(lib: ModuleType) -> type:
    """A body stream usable by both the sync and the async client of `lib`."""
    if lib.__name__ not in _STREAM_CLASSES:

        class Events(lib.SyncByteStream, lib.AsyncByteStream):  # type: ignore[name-defined,misc]
            def __init__(self, adapter: Adapter, outcome: Outcome, request: Any) -> None:
                self._items: Generator[bytes, None, None] = adapter.items(outcome, request)

            def __iter__(self) -> Iterator[bytes]:
                return self._items

            async def __aiter__(self) -> AsyncIterator[bytes]:
                for data in self._items:
                    yield data

            def close(self) -> None:
                # Closing the response early stops the pipeline's generator at once.
                self._items.close()

            async def aclose(self) -> None:
                self._items.close()

        _STREAM_CLASSES[lib.__name__] = Events
    return _STREAM_CLASSES[lib.__name__]


class UnroutedRequestError(RuntimeError):
    """A test that is offline by default sent a request to a URL the mock does not route."""


class Offline:
    """The network policy of an in-process mock: URLs routed to the mock, URLs let through on
    purpose (``passthrough``), and an error naming the URL for every other request, so a test
    never reaches the network by accident (as respx and pytest-httpx do by default)."""

    def __init__(self, routed: Sequence[str], passthrough: Sequence[str]) -> None:
        if isinstance(passthrough, str):
            passthrough = [passthrough]
        for item in passthrough:
            if not isinstance(item, str):
                raise TypeError(
                    f"passthrough must be a list of URL prefixes or host names; got "
                    f"{type(item).__name__} {item!r}. Example: passthrough=['http://127.0.0.1:9000/']"
                )
        self.routed = tuple(routed)
        self.passthrough = tuple(passthrough)
        self.refused: list[str] = []

    def allows(self, url: Any) -> bool:
        text = str(url)
        for item in self.passthrough:
            if "://" in item:
                if text.startswith(item):
                    return True
            elif url.host == item or f"{url.host}:{url.port}" == item:
                return True
        return False

    def refuse(self, request: Any) -> Any:
        """The error for an unrouted request (raised inside the client's send); a request
        allowed since the mock started passes through (respx: the request itself)."""
        if self.allows(request.url):
            return request
        url = request.url
        text = str(url)
        self.refused.append(f"{request.method} {text}")
        origin = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
        routed = ", ".join(self.routed)
        raise UnroutedRequestError(
            f"aimlapi mock: {request.method} {text} is not routed to the mock and the test is "
            f"offline (routed: {routed}). Point the client at the mock (base_url={routed.split(', ')[0]!r}), "
            f"route this URL with @pytest.mark.aimlapi(base_url=[..., {origin + '/v1'!r}]) or "
            f"mock_aimlapi(base_url=...), or let it through on purpose with "
            f"passthrough=[{origin + '/'!r}] (on the marker, in the aimlapi_passthrough ini "
            "option, or on mock_aimlapi)."
        )


class Httpx2Patch:
    """Routes ``httpx2`` traffic for the adapters' URLs in process; the rest is refused unless
    the `Offline` policy lets it through."""

    def __init__(self, adapters: list[Adapter], offline: Offline | None = None) -> None:
        self.adapters = adapters
        self.offline = offline
        self._patches: list[Any] = []

    def _admit(self, request: Any) -> None:
        """Let a request no adapter handles go out, unless the offline policy refuses it."""
        if self.offline is not None and not self.offline.allows(request.url):
            self.offline.refuse(request)

    def _find(self, request: Any) -> Adapter | None:
        return next((a for a in self.adapters if a.handles(request.url)), None)

    def start(self) -> None:
        import httpx2

        sync_send = httpx2.HTTPTransport.handle_request
        async_send = httpx2.AsyncHTTPTransport.handle_async_request
        find, admit = self._find, self._admit

        def handle_request(transport: Any, request: Any) -> Any:
            adapter = find(request)
            if adapter is None:
                admit(request)
                return sync_send(transport, request)
            return adapter(request)

        async def handle_async_request(transport: Any, request: Any) -> Any:
            adapter = find(request)
            if adapter is None:
                admit(request)
                return await async_send(transport, request)
            await request.aread()
            return adapter(request)

        self._patches = [
            mock.patch.object(httpx2.HTTPTransport, "handle_request", handle_request),
            mock.patch.object(
                httpx2.AsyncHTTPTransport, "handle_async_request", handle_async_request
            ),
        ]
        for patch in self._patches:
            patch.start()

    def stop(self) -> None:
        for patch in reversed(self._patches):
            patch.stop()
        self._patches = []
