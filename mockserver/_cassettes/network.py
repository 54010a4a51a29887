"""The recorder's own way onto the network, which nothing in the mock patches.

While a test records, the in-process mock routes httpx and httpx2 requests for its base URL
to itself (respx wraps every ``httpx.Client`` and ``AsyncClient``; the httpx2 transports are
patched). The recorder's request to the upstream, and the in-process mock's request to the
recording proxy, must never be routed so, even when the upstream's URL is the one the mock
routes (the README's own example): they use no httpx client and no httpx transport.

`Upstream` is a small HTTP/1.1 client on asyncio and httptools (the C parser uvicorn uses):
each read from the socket is handed on as one piece, however many chunks it holds, so a
stream of hundreds of small events costs a few parser calls and a few writes to the client,
not hundreds of each. It reads no faster than the client takes what it read (a slow client
pauses the upstream socket), keeps connections alive per origin, and bounds connecting and
every read by a timeout. `Loopback` is a blocking httpcore pool, for the in-process mock's
requests to the recording proxy on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import cast

import httpcore
import httptools
import httpx

_PAUSE_AT = 1024 * 1024
"""Bytes read from the upstream but not yet passed on at which its socket stops being read."""
_IDLE_PER_ORIGIN = 32


class Failure(Exception):
    """The other side could not be reached, did not answer in time, or broke off."""

    def __init__(self, what: str, *, timeout: bool = False) -> None:
        super().__init__(what)
        self.timeout = timeout


@functools.cache
def _tls() -> ssl.SSLContext:
    # Made once: building a verifying context costs a tenth of a second or more.
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class Timeouts:
    """Seconds for connecting and for each read."""

    connect: float
    read: float


def _head(method: str, url: httpx.URL, headers: Mapping[str, str], body: bytes) -> bytes:
    """The request line and headers an HTTP/1.1 client sends (host and length added)."""
    lines = [f"{method} {url.raw_path.decode('ascii')} HTTP/1.1", f"host: {url.netloc.decode()}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
        lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Response:
    """An upstream's answer: status and headers now, the body as it arrives."""

    def __init__(self, connection: _Connection, client: Upstream, origin: tuple[str, str, int]):
        self._connection = connection
        self._client = client
        self._origin = origin
        self.status = connection.status
        self.headers = connection.headers

    async def pieces(self, timeout: float) -> AsyncIterator[bytes]:
        """The body as it arrives, one piece per read from the socket; `Failure` if the
        upstream breaks off or is silent longer than `timeout` between two reads."""
        connection = self._connection
        while True:
            piece = await connection.next_piece(timeout)
            if piece is None:
                return
            yield piece

    async def aclose(self) -> None:
        """Give the connection back for the next request (or close it)."""
        self._client.release(self._origin, self._connection)


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection; one request at a time."""

    def __init__(self, head_only: bool = False) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.reset(head_only)

    def reset(self, head_only: bool) -> None:
        self.head_only = head_only
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.framed = False
        self.complete = False
        self.keep_alive = False
        self.error: str | None = None
        self._pieces: collections.deque[bytes] = collections.deque()
        self._queued = 0
        self._body: list[bytes] = []
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._headers_done = False

    # ---- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are no subclasses of asyncio's, but behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.error = "the upstream switched protocols"
        except httptools.HttpParserError as exc:
            self.error = f"the upstream sent malformed HTTP: {exc}"
        if self._body:
            piece = b"".join(self._body)
            self._body.clear()
            self._pieces.append(piece)
            self._queued += len(piece)
            if self._queued > _PAUSE_AT and self.transport is not None and not self._paused:
                self.transport.pause_reading()  # the client reads slower than the upstream sends
                self._paused = True
        if self.error is not None and self.transport is not None:
            self.transport.close()
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._headers_done and not self.framed and not self.complete and self.error is None:
            self.complete = True  # a body delimited by the end of the connection
        elif not self.complete and self.error is None:
            self.error = "the upstream closed the connection before the answer ended" + (
                f" ({exc})" if exc else ""
            )
        self._wake()

    # ---- httptools callbacks ----------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length" or (
            lowered == b"transfer-encoding" and b"chunked" in value.lower()
        ):
            self.framed = True

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:  # an interim answer: the real one follows
            self.headers.clear()
            self.framed = False
            return
        self.status = status
        self.keep_alive = self.parser.should_keep_alive()
        self._headers_done = True
        if self.head_only:
            self.complete = True
            self.keep_alive = False
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._headers_done:
            self.complete = True

    # ---- the request's side -----------------------------------------------------------------

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def _wait(self, timeout: float, what: str) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(self._waiter, timeout)
        except TimeoutError:
            if self.transport is not None:
                self.transport.close()
            raise Failure(f"{what} within {timeout:g} s", timeout=True) from None
        finally:
            self._waiter = None

    async def answer(self, timeout: float) -> None:
        while not self._headers_done:
            if self.error is not None:
                raise Failure(self.error)
            await self._wait(timeout, "no answer")

    async def next_piece(self, timeout: float) -> bytes | None:
        while not self._pieces:
            if self.complete:
                return None
            if self.error is not None:
                raise Failure(self.error)
            await self._wait(timeout, "no bytes")
        piece = self._pieces.popleft()
        self._queued -= len(piece)
        if self._paused and self._queued <= _PAUSE_AT // 4 and self.transport is not None:
            self.transport.resume_reading()
            self._paused = False
        return piece

    @property
    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.closed and self.error is None


class Upstream:
    """HTTP/1.1 connections to upstreams, kept alive per origin (TLS verified against the
    system's and certifi's CAs)."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def send(
        self,
        method: str,
        url: httpx.URL,
        headers: Mapping[str, str],
        body: bytes,
        timeouts: Timeouts,
    ) -> Response:
        """The response once its status and headers arrived; `Failure` otherwise."""
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        if url.scheme not in ("http", "https"):
            raise Failure(f"the URL scheme {url.scheme!r} is not http or https")
        data = _head(method, url, headers, body) + body
        # A kept-alive connection the upstream has just closed fails before any answer:
        # then the request goes once more, on a new connection.
        for reused in (True, False):
            connection = self._take(origin) if reused else None
            if reused and connection is None:
                continue
            if connection is None:
                connection = await self._connect(origin, timeouts.connect)
            connection.reset(method == "HEAD")
            assert connection.transport is not None
            connection.transport.write(data)
            try:
                await connection.answer(timeouts.read)
            except Failure:
                if connection.transport is not None:
                    connection.transport.close()
                if reused and not connection.status and connection.error is not None:
                    continue
                raise
            return Response(connection, self, origin)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _connect(self, origin: tuple[str, str, int], timeout: float) -> _Connection:
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    _Connection,
                    host,
                    port,
                    ssl=_tls() if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None,
                ),
                timeout,
            )
        except TimeoutError:
            raise Failure(
                f"no connection to {host}:{port} within {timeout:g} s", timeout=True
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise Failure(f"no connection to {host}:{port}: {exc}") from None
        return connection

    def _take(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
        return None

    def release(self, origin: tuple[str, str, int], connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if connection.reusable and len(idle) < _IDLE_PER_ORIGIN:
            idle.append(connection)
        elif connection.transport is not None:
            connection.transport.close()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                if connection.transport is not None:
                    connection.transport.close()
        self._idle.clear()


_LOOPBACK_FAILURES = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


class Loopback:
    """A blocking pool, for the in-process mock's requests to the recording proxy."""

    def __init__(self) -> None:
        self._pool = httpcore.ConnectionPool(max_connections=64, keepalive_expiry=30.0)

    def send(
        self,
        method: str,
        url: httpx.URL,
        headers: Mapping[str, str],
        body: bytes,
        timeouts: Timeouts,
    ) -> httpcore.Response:
        sent = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        sent += [(b"host", url.netloc), (b"content-length", str(len(body)).encode())]
        timeout = {
            "connect": timeouts.connect,
            "read": timeouts.read,
            "write": timeouts.read,
            "pool": timeouts.read,
        }
        request = httpcore.Request(
            method,
            httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=sent,
            content=body,
            extensions={"timeout": timeout},
        )
        try:
            return self._pool.handle_request(request)
        except _LOOPBACK_FAILURES as exc:
            raise Failure(
                str(exc) or type(exc).__name__, timeout=isinstance(exc, httpcore.TimeoutException)
            ) from None

    @staticmethod
    def pieces(response: httpcore.Response) -> Iterator[bytes]:
        try:
            yield from response.iter_stream()
        except _LOOPBACK_FAILURES as exc:
            raise Failure(str(exc) or type(exc).__name__) from None
        finally:
            response.close()

    def close(self) -> None:
        self._pool.close()
