"""Every use of uvicorn's internals, in this one module, checked by behaviour at start-up.

uvicorn's public API is `uvicorn.Config` and `uvicorn.Server`; `Protocol` goes beyond it
(as pytest-httpx keeps its use of httpx's internals in one module, this is ours for
uvicorn). It is uvicorn's httptools protocol with a short cut. uvicorn hands every request
to the ASGI app in a task of its own, through ``receive``/``send`` awaitables, and writes
head and body apart after checking each header: for a warm completion that was about half
of the server's time. `Protocol` holds a small POST to a chat path until its body is
complete and answers it in the parser's callback with `Service.handle` (the one way in, as
the endpoint would call it). An answer that neither waits nor streams goes out in one
write, the bytes uvicorn would send (its ``server`` and ``date`` headers, header names
lower-cased, its access-log line); one that waits or streams, or has headers uvicorn acts
on, is handed to uvicorn's ASGI cycle with the answer already made, and the endpoint
writes it. Every other request goes through that cycle unchanged.

`fits` sends one request through `Protocol` and through uvicorn's own protocol and wants
the same bytes, answered inline; without that (a uvicorn whose internals moved), ``serve``
uses uvicorn's own protocol. Should a name still go missing while serving, the short cut
gives the request to uvicorn's cycle before anything is journaled, and counts it as an
internal error (`Service.internal_errors`). pyproject.toml declares the uvicorn releases
this is tested with; CI also runs its tests against the newest one (``make test-uvicorn``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string
from uvicorn.server import ServerState

from mockserver._adapters.asgi import (
    ANSWERED,
    declared_length,
    decoded_headers,
    direct_service,
    raw_request,
)
from mockserver._core.exchange import Outcome, RawRequest
from mockserver._core.pipeline import CHAT_PATHS, Service

__all__ = ["INTERNALS", "Protocol", "fits"]

_SMALL = 4096  # the chat step remembers bodies up to this size; larger ones take the cycle
_CHAT = frozenset(CHAT_PATHS)

# The attributes of uvicorn's protocol and request cycle the short cut reads or sets, by name:
# `_Writer` checks them all before a connection's first answer, and a test takes any one
# away as a future uvicorn may (tests/test_protocol.py).
_SCOPE, _BODY, _KEEP_ALIVE, _EXPECTS_100 = "scope", "body", "keep_alive", "waiting_for_100_continue"
_DISCONNECTED, _STARTED, _COMPLETE = "disconnected", "response_started", "response_complete"
_FLOW, _WRITE_PAUSED, _TRANSPORT, _STATE = "flow", "write_paused", "transport", "server_state"
_DEFAULTS, _ACCESS_LOG, _ACCESS_LOGGER = "default_headers", "access_log", "access_logger"
_RESPONSE_COMPLETE = "on_response_complete"

INTERNALS = (
    "HEADER_RE", "HEADER_VALUE_RE", "STATUS_LINE", "get_client_addr",
    "get_path_with_query_string", "_SCOPE", "_BODY", "_KEEP_ALIVE", "_EXPECTS_100",
    "_DISCONNECTED", "_STARTED", "_COMPLETE", "_FLOW", "_WRITE_PAUSED", "_TRANSPORT",
    "_STATE", "_DEFAULTS", "_ACCESS_LOG", "_ACCESS_LOGGER", "_RESPONSE_COMPLETE",
)  # fmt: skip
"""This module's globals that name uvicorn's internals (imported names and attribute
names). Besides them it overrides three methods of uvicorn's protocol by name:
``on_headers_complete`` and ``on_message_complete`` (httptools' parser callbacks) and
``_start_asgi_task``; were that one renamed, the short cut would never engage (`fits`
sees it), and every request would take uvicorn's cycle."""

_APART = frozenset({"content-length", "transfer-encoding", "connection"})


_LOWER: tuple[str, ...] = ()
"""What `_names` gives for names uvicorn writes as they are (already lower case)."""


@functools.lru_cache(maxsize=1024)
def _names(names: tuple[str, ...], bad_name: Callable[[bytes], object]) -> tuple[str, ...] | None:
    """The header names as uvicorn writes them (lower case; `_LOWER` when they are
    already), or None where it would do more than write them: a name its check refuses,
    or one it acts on (length, chunking, connection)."""
    lowered = tuple(name.lower() for name in names)
    for name in lowered:
        try:
            refused = bad_name(name.encode("latin-1"))
        except UnicodeEncodeError:
            return None
        if refused or name in _APART:
            return None
    return _LOWER if lowered == names else lowered


@functools.lru_cache(maxsize=4)
def _accepted(bad_value: Callable[[bytes], object]) -> bytes:
    """Every byte uvicorn's header-value check lets through (derived from the check, so
    it follows uvicorn's): deleting these from a block leaves what it refuses."""
    return bytes(b for b in range(256) if not bad_value(bytes([b])))


_LOG = logging.getLogger("uvicorn.error")


class _Writer:
    """What writing an answer inline needs of uvicorn, read once per connection before
    its first answer is made: writing one then touches nothing of uvicorn that could have
    gone missing."""

    __slots__ = (
        "accepted",
        "access",
        "bad_name",
        "bad_value",
        "client_of",
        "complete",
        "logger",
        "statuses",
        "target_of",
        "write",
    )

    def __init__(self, protocol: Protocol, cycle: RequestResponseCycle) -> None:
        self.statuses: dict[int, bytes] = STATUS_LINE
        self.bad_name = HEADER_RE.search
        self.bad_value = HEADER_VALUE_RE.search
        self.accepted = _accepted(self.bad_value)
        self.write: Callable[[bytes], object] = getattr(protocol, _TRANSPORT).write
        self.complete: Callable[[], None] = getattr(protocol, _RESPONSE_COMPLETE)
        self.client_of, self.target_of = get_client_addr, get_path_with_query_string
        self.logger = getattr(protocol, _ACCESS_LOGGER)
        self.access: bool = getattr(protocol, _ACCESS_LOG)
        # Every attribute of uvicorn's the short cut reads or sets, checked once here (the
        # code below spells them out: attribute access is cheaper than getattr per request).
        for name in (_SCOPE, _BODY, _KEEP_ALIVE, _EXPECTS_100, _DISCONNECTED, _STARTED, _COMPLETE):
            getattr(cycle, name)
        getattr(getattr(protocol, _FLOW), _WRITE_PAUSED)
        getattr(getattr(protocol, _STATE), _DEFAULTS)

    def head(self, outcome: Outcome, defaults: bytes) -> bytes | None:
        """The status line and headers uvicorn would write, or None when uvicorn's cycle
        should write it: it waits or streams, its status is not one uvicorn knows, a
        header name or value its checks refuse (it answers 500), or a header it acts on
        (length, chunking, connection)."""
        status = self.statuses.get(outcome.status)
        if status is None or outcome.delay > 0 or outcome.stream is not None:
            return None
        lines = self.lines(outcome.headers)
        return None if lines is None else status + defaults + lines

    def lines(self, headers: dict[str, str]) -> bytes | None:
        """What uvicorn's header loop checks and writes, done on the whole block: the names
        (lower-cased, checked once per set of names, since answers repeat them), then the
        values: of the bytes uvicorn's value check refuses, the block may hold only the CR
        LF that ends each line."""
        items: Iterable[tuple[str, str]] = headers.items()
        names = _names(tuple(headers), self.bad_name)
        if names is None:
            return None
        if names is not _LOWER:  # some name to lower-case (the mock's own are already)
            items = zip(names, headers.values(), strict=True)
        try:
            block = "".join([f"{name}: {value}\r\n" for name, value in items]).encode("latin-1")
        except UnicodeEncodeError:
            return None
        refused = block.translate(None, self.accepted)
        return block if refused == b"\r\n" * len(headers) else None

    def written(self, cycle: RequestResponseCycle, outcome: Outcome, head: bytes) -> None:
        """Write `outcome` in one piece (with uvicorn's access-log line, when that is on)
        and tell uvicorn the response is complete."""
        cycle.response_started = cycle.response_complete = True
        cycle.body = bytearray()
        if self.access:
            scope = cycle.scope
            self.logger.info(
                '%s - "%s %s HTTP/%s" %d',
                self.client_of(scope),
                scope["method"],
                self.target_of(scope),
                scope["http_version"],
                outcome.status,
            )
        length = b"content-length: %d\r\n\r\n" % len(outcome.body)
        self.write(b"".join((head, length, outcome.body)))
        self.complete()


class Protocol(HttpToolsProtocol):
    """See the module doc. Used by ``serve`` and the live-server fixture when `fits`;
    without httptools uvicorn's own h11 protocol serves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: tuple[RequestResponseCycle, Service] | None = None
        self._heading = False
        self._default_headers: object = None  # uvicorn's list (renewed every second) ...
        self._default_lines = b""  # ... as the lines it writes
        self._writer: _Writer | None = None  # made before this connection's first answer
        self._service: Service | None = None  # the app's, found once per connection
        # A client sends the same headers on every request of a connection: decoded once.
        self._raw_headers: object = None
        self._headers: dict[str, str] = {}

    def on_headers_complete(self) -> None:
        self._heading = True
        try:
            super().on_headers_complete()
        finally:
            self._heading = False

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if self._heading:
            try:
                service = self._inline_service(cycle)
            except Exception:  # uvicorn moved: its cycle serves this request
                _LOG.exception("the mock's short cut could not read uvicorn's request")
                service = None
            if service is not None:
                self._held = (cycle, service)  # until on_message_complete: the body is small
                return
        super()._start_asgi_task(cycle, app)

    def _inline_service(self, cycle: RequestResponseCycle) -> Service | None:
        """The service that answers this request in the parser's callback once its body
        is complete; None leaves it to uvicorn's cycle."""
        scope = cycle.scope
        if (
            scope["method"] != "POST"
            or scope["path"] not in _CHAT
            or not cycle.keep_alive
            or cycle.waiting_for_100_continue
        ):
            return None
        size = declared_length(scope["headers"])  # None: chunked, its size is not known yet
        if size is None or size > _SMALL:
            return None
        service = self._service
        if service is None:
            service = self._service = direct_service(self.app)
        # Over the limit, the endpoint refuses it unread (and closes): let it, so that both
        # protocols answer and journal alike.
        return service if service is not None and size <= service.config.max_body_bytes else None

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._held is None:
            return
        cycle, service = self._held
        self._held = None
        try:
            writer = self._writer
            if writer is None:  # checks every name below before this connection's first answer
                writer = self._writer = _Writer(self, cycle)
            # keep_alive turns off when the server shuts down: uvicorn closes after answering.
            if not cycle.keep_alive or cycle.disconnected or self.flow.write_paused:
                super()._start_asgi_task(cycle, self.app)
                return
            scope: dict[str, Any] = cycle.scope  # type: ignore[assignment]
            listed = scope["headers"]
            if listed != self._raw_headers:
                self._raw_headers, self._headers = listed, decoded_headers(listed)
            raw = raw_request(scope, bytes(cycle.body), headers=self._headers)
            defaults = self.default_lines()
            slow = service.may_block(raw)
        except Exception:  # uvicorn moved: before anything is journaled, its cycle answers
            service.internal_errors += 1
            _LOG.exception("the mock's short cut could not use uvicorn's internals")
            super()._start_asgi_task(cycle, self.app)
            return
        if slow:  # the endpoint answers it in a thread
            super()._start_asgi_task(cycle, self.app)
            return
        outcome = service.handle(raw)  # the one way in: from here on it is journaled
        try:
            head = writer.head(outcome, defaults)
            if head is not None:
                writer.written(cycle, outcome, head)
                return
        except Exception as error:  # a bug in the mock: the journal and the client say so
            self._fail(writer, defaults, service, raw, outcome, error)
            return
        # It waits, streams, or has headers uvicorn acts on: its cycle writes it.
        scope[ANSWERED] = outcome
        super()._start_asgi_task(cycle, self.app)

    def _fail(
        self,
        writer: _Writer,
        defaults: bytes,
        service: Service,
        raw: RawRequest,
        outcome: Outcome,
        error: Exception,
    ) -> None:
        """The client gets the provider-shaped 500 and the connection closes; the journal
        entry says what happened (`Service.failed`)."""
        answer = service.failed(raw, outcome, error)
        _LOG.error("the mock's answer could not be written", exc_info=error)
        lines = writer.lines(answer.headers) or b""
        length = b"content-length: %d\r\nconnection: close\r\n\r\n" % len(answer.body)
        writer.write(writer.statuses[500] + defaults + lines + length + answer.body)
        getattr(self, _TRANSPORT).close()

    def default_lines(self) -> bytes:
        """uvicorn's default headers (``server``, ``date``) as it writes them."""
        headers = self.server_state.default_headers
        if headers is not self._default_headers:
            self._default_headers = headers
            self._default_lines = b"".join([b"%s: %s\r\n" % pair for pair in headers])
        return self._default_lines

    def connection_lost(self, exc: Exception | None) -> None:
        self._held = None  # its body never came: like the ASGI path, nothing to answer
        super().connection_lost(exc)


# ---- the start-up check ------------------------------------------------------------------


@functools.cache
def fits() -> bool:
    """Whether `Protocol` answers like uvicorn's own protocol on the installed uvicorn: one
    chat request through each, the same bytes, and `Protocol`'s written before the event
    loop ran (the short cut answered it). Checked once per process."""
    try:
        ours, inline = _through(Protocol)
        stock, _ = _through(HttpToolsProtocol)
    except Exception:
        return False
    return inline and bool(ours) and _steady(ours) == _steady(stock)


_PROBE = b'{"model":"o3-mini","messages":[{"role":"user","content":"Is uvicorn as expected?"}]}'


def _through(protocol_class: type[HttpToolsProtocol]) -> tuple[bytes, bool]:
    """What `protocol_class` writes for one chat request to a fresh mock, and whether it
    had written it all before the event loop ran."""
    from mockserver._adapters.asgi import create_app
    from mockserver._core.exchange import Config

    service = Service(Config(seed=0, clock=lambda: 1_790_000_000.0, self_check=False))
    config = uvicorn.Config(create_app(service=service), lifespan="off", log_config=None)
    config.load()
    state = ServerState()
    state.default_headers = [(b"date", b"Mon, 01 Jan 2026 00:00:00 GMT"), (b"server", b"uvicorn")]
    loop = asyncio.new_event_loop()
    transport = _Transport()
    try:
        protocol = protocol_class(config=config, server_state=state, app_state={}, _loop=loop)
        protocol.connection_made(transport)
        head = (
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
            b"authorization: Bearer sk-probe\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n\r\n" % len(_PROBE)
        )
        protocol.data_received(head + _PROBE)
        inline = transport.complete()
        for _ in range(100):
            if transport.complete():
                break
            loop.run_until_complete(asyncio.sleep(0.001))
        protocol.connection_lost(None)
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        loop.close()
    return bytes(transport.data), inline


def _steady(data: bytes) -> bytes:
    """A response without the header whose value is a time measured while answering."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.startswith(b"openai-processing-ms")]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class _Transport(asyncio.Transport):
    """Collects what a protocol writes, as a connection would carry it."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()
        self._closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.data += data

    def complete(self) -> bool:
        head, found, body = bytes(self.data).partition(b"\r\n\r\n")
        if not found:
            return False
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                return len(body) >= int(line.split(b":", 1)[1])
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass
