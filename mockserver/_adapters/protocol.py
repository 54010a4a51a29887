"""uvicorn's httptools protocol with a short cut for the request a load test repeats.

uvicorn hands every request to the ASGI app in a task of its own, through ``receive`` and
``send`` awaitables, and writes the head and the body apart after checking each header:
for a warm completion that is about half of the server's time. When a request may be one
the pipeline's fast lane answers (a small, plain chat body with nothing scripted, see
`Service.answer_now`), this protocol holds it until its body is complete, asks the lane,
and writes status line, headers and body in one write: the bytes uvicorn would send, its
``server`` and ``date`` headers included, and the access-log line it would log. Every
other request, and every request the lane declines, goes through uvicorn's ASGI cycle
unchanged.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)
from uvicorn.protocols.utils import get_client_addr, get_path_with_query_string

from mockserver._adapters.asgi import LANE_TRIED, direct_service, raw_request
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
    } <= set(cycle)


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
            service = self._lane_for(cycle)
            if service is not None:
                self._held = (cycle, service)  # until on_message_complete: the body is small
                return
        super()._start_asgi_task(cycle, app)

    def _lane_for(self, cycle: RequestResponseCycle) -> Service | None:
        """The service whose lane may answer this request once its body is complete."""
        scope = cycle.scope
        if (
            scope["method"] != "POST"
            or scope["path"] not in _CHAT
            or not cycle.keep_alive
            or cycle.waiting_for_100_continue
        ):
            return None
        for name, value in scope["headers"]:
            if name == b"content-length":
                small = value.isdigit() and int(value) <= _SMALL
                return direct_service(self.app) if small else None
        return None  # chunked: its size is not known yet

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self._held is None:
            return
        cycle, service = self._held
        self._held = None
        outcome = None
        # keep_alive turns off when the server shuts down: uvicorn then closes after answering.
        if cycle.keep_alive and not cycle.disconnected and not self.flow.write_paused:
            raw = raw_request(cycle.scope, bytes(cycle.body))  # type: ignore[arg-type]
            outcome = service.answer_now(raw)
        if outcome is None:
            cycle.scope[LANE_TRIED] = True  # type: ignore[literal-required]
            super()._start_asgi_task(cycle, self.app)
            return
        body = outcome.body
        cycle.response_started = cycle.response_complete = True
        cycle.body = bytearray()
        try:
            fields = "".join([f"{name}: {value}\r\n" for name, value in outcome.headers.items()])
            head = fields.encode("latin-1")
        except Exception:  # a bug in the mock: what uvicorn does when an app fails
            service.internal_errors += 1
            self.logger.exception("the mock's answer could not be written")
            self._log_access(cycle, 500)
            self.transport.write(STATUS_LINE[500] + self._defaults() + _FAILED)
            self.transport.close()
            return
        self._log_access(cycle, outcome.status)
        status = STATUS_LINE[outcome.status]
        length = b"content-length: %d\r\n\r\n" % len(body)
        self.transport.write(b"".join((status, self._defaults(), head, length, body)))
        self.on_response_complete()

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
