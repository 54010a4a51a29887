"""uvicorn's httptools protocol with a short cut for the requests a load test sends.

uvicorn hands every request to the ASGI app in a task of its own, through ``receive`` and
``send`` awaitables, and writes the head and the body apart after checking each header:
for a warm completion that was about half of the server's time. This protocol holds a
small POST to the chat path until its body is complete and answers it in the parser's
callback: by the pipeline's fast lane (`Service.answer_now`), or else by the full path
(`Service.handle`, inline as the endpoint would). An answer that neither waits nor streams
goes out in one write, the bytes uvicorn would send (its ``server`` and ``date``
headers, header names lower-cased as it does, its access-log line); one that waits or
streams, or has headers uvicorn acts on, is handed to uvicorn's ASGI cycle and written by
the endpoint. Every other request goes through that cycle unchanged."""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

from mockserver._adapters.asgi import (
    ANSWERED,
    LANE_TRIED,
    declared_length,
    direct_service,
    needs_thread,
    raw_request,
)
from mockserver._core.exchange import Outcome
from mockserver._core.pipeline import CHAT_PATHS, Service

_SMALL = 4096  # the pipeline plans bodies up to this size; larger ones never take the lane
_CHAT = frozenset(CHAT_PATHS)
_FAILED = (  # uvicorn's own answer when an app fails before it answered
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 21\r\n"
    b"connection: close\r\n\r\nInternal Server Error"
)


def fits() -> bool:
    """Whether the installed uvicorn has the internals this protocol builds on (tested
    with the version constraints.txt pins); if not, uvicorn's own protocol serves."""
    cycle = RequestResponseCycle.__init__.__code__.co_names
    return callable(getattr(HttpToolsProtocol, "_start_asgi_task", None)) and {
        "response_complete",
        "waiting_for_100_continue",
        "keep_alive",
        "body",
        "disconnected",
        "response_started",
    } <= set(cycle)


def _lane_head(headers: dict[str, str]) -> bytes | None:
    """The header lines of a fast-lane answer (the mock's own lower-case names and plain
    values, which uvicorn's checks would pass); None if they cannot be encoded."""
    try:
        return "".join([f"{name}: {value}\r\n" for name, value in headers.items()]).encode(
            "latin-1"
        )
    except UnicodeEncodeError:
        return None


_APART = frozenset({b"content-length", b"transfer-encoding", b"connection"})


def _head(headers: dict[str, str]) -> bytes | None:
    """The header lines uvicorn would write for any answer's headers (names lower-cased),
    or None where it would do more than write them: a name or value its checks refuse
    (it answers 500), or a header it acts on (length, chunking, connection)."""
    lines: list[bytes] = []
    try:
        for name, value in headers.items():
            key, text = name.encode("latin-1").lower(), value.encode("latin-1")
            if HEADER_RE.search(key) or HEADER_VALUE_RE.search(text) or key in _APART:
                return None
            lines += (key, b": ", text, b"\r\n")
    except UnicodeEncodeError:
        return None
    return b"".join(lines)


class Protocol(HttpToolsProtocol):
    """See the module doc. Used by ``serve`` and the live-server fixture when httptools
    is installed (uvicorn[standard]); without it uvicorn's own h11 protocol serves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: tuple[RequestResponseCycle, Service] | None = None
        self._heading = False
        self._default_headers: object = None  # uvicorn's list (renewed every second) ...
        self._default_lines = b""  # ... as the lines it writes

    def on_headers_complete(self) -> None:
        self._heading = True
        try:
            super().on_headers_complete()
        finally:
            self._heading = False

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if self._heading:
            service = self._inline_service(cycle)
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
        return direct_service(self.app) if size is not None and size <= _SMALL else None

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._held is None:
            return
        cycle, service = self._held
        self._held = None
        # keep_alive turns off when the server shuts down: uvicorn then closes after answering.
        if not cycle.keep_alive or cycle.disconnected or self.flow.write_paused:
            super()._start_asgi_task(cycle, self.app)
            return
        raw = raw_request(cycle.scope, bytes(cycle.body))  # type: ignore[arg-type]
        outcome = service.answer_now(raw)
        if outcome is not None:
            self._answer(cycle, service, outcome, _lane_head(outcome.headers))
            return
        scope: dict[str, Any] = cycle.scope  # type: ignore[assignment]
        scope[LANE_TRIED] = True
        if needs_thread(raw.body):  # the endpoint runs it in a thread
            super()._start_asgi_task(cycle, self.app)
            return
        try:  # what the endpoint would do, inline as it would
            outcome = service.handle(raw, lane=False)
        except Exception as error:
            self._fail(cycle, service, error)
            return
        head = None if outcome.delay > 0 or outcome.stream is not None else _head(outcome.headers)
        if head is None:  # it waits, streams, or has headers uvicorn treats apart
            scope[ANSWERED] = outcome
            super()._start_asgi_task(cycle, self.app)
            return
        self._answer(cycle, service, outcome, head)

    def _answer(
        self, cycle: RequestResponseCycle, service: Service, outcome: Outcome, head: bytes | None
    ) -> None:
        """Write `outcome` (no wait, no stream) as uvicorn would; `head` its header lines."""
        cycle.response_started = cycle.response_complete = True
        cycle.body = bytearray()
        if head is None:
            self._fail(cycle, service)
            return
        self._log_access(cycle, outcome.status)
        body = outcome.body
        status = STATUS_LINE[outcome.status]
        length = b"content-length: %d\r\n\r\n" % len(body)
        self.transport.write(b"".join((status, self._defaults(), head, length, body)))
        self.on_response_complete()

    def _fail(
        self, cycle: RequestResponseCycle, service: Service, error: Exception | None = None
    ) -> None:
        """A bug in the mock: what uvicorn does when an app fails before answering."""
        cycle.response_started = cycle.response_complete = True
        service.internal_errors += 1
        self.logger.error("the mock's answer could not be written", exc_info=error)
        self._log_access(cycle, 500)
        self.transport.write(STATUS_LINE[500] + self._defaults() + _FAILED)
        self.transport.close()

    def _log_access(self, cycle: RequestResponseCycle, status: int) -> None:
        """The line uvicorn's access log has for a response (when it is on)."""
        if self.access_log:
            scope = cycle.scope
            self.access_logger.info(
                '%s - "%s %s HTTP/%s" %d',
                get_client_addr(scope),
                scope["method"],
                get_path_with_query_string(scope),
                scope["http_version"],
                status,
            )

    def _defaults(self) -> bytes:
        """uvicorn's default headers (``server``, ``date``) as it writes them."""
        headers = self.server_state.default_headers
        if headers is not self._default_headers:
            self._default_headers = headers
            self._default_lines = b"".join([b"%s: %s\r\n" % pair for pair in headers])
        return self._default_lines

    def connection_lost(self, exc: Exception | None) -> None:
        self._held = None  # its body never came: like the ASGI path, nothing to answer
        super().connection_lost(exc)
