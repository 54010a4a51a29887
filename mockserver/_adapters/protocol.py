"""uvicorn's httptools protocol with a short cut for the request a load test repeats.

uvicorn hands every request to the ASGI app in a task of its own, through ``receive`` and
``send`` awaitables, and writes the head and the body apart after checking each header:
for a warm completion that is about half of the server's time. When a request may be one
the pipeline's fast lane answers (a small, plain chat body with nothing scripted, see
`Service.answer_now`), this protocol holds it until its body is complete, asks the lane,
and writes status line, headers and body in one write: the bytes uvicorn would send, its
``server`` and ``date`` headers included. Every other request, and every request the lane
declines, goes through uvicorn's ASGI cycle unchanged.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from mockserver._adapters.asgi import LANE_TRIED, direct_service, raw_request
from mockserver._core.pipeline import CHAT_PATHS

_SMALL = 4096  # the pipeline plans bodies up to this size; larger ones never take the lane
_CHAT = frozenset(CHAT_PATHS)


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
        self._held: RequestResponseCycle | None = None
        self._heading = False

    def on_headers_complete(self) -> None:
        self._heading = True
        try:
            super().on_headers_complete()
        finally:
            self._heading = False

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if self._heading and self._may_take_lane(cycle):
            self._held = cycle  # until on_message_complete: the body is small
            return
        super()._start_asgi_task(cycle, app)

    def _may_take_lane(self, cycle: RequestResponseCycle) -> bool:
        scope = cycle.scope
        if (
            scope["method"] != "POST"
            or scope["path"] not in _CHAT
            or not cycle.keep_alive
            or cycle.waiting_for_100_continue
            or self.access_log
            or direct_service(self.app) is None
        ):
            return False
        for name, value in scope["headers"]:
            if name == b"content-length":
                return value.isdigit() and int(value) <= _SMALL
        return False  # chunked: its size is not known yet

    def on_message_complete(self) -> None:
        super().on_message_complete()
        cycle = self._held
        if cycle is None:
            return
        self._held = None
        service = direct_service(self.app)
        outcome = None
        if service is not None and not cycle.disconnected and not self.flow.write_paused:
            raw = raw_request(cycle.scope, bytes(cycle.body))  # type: ignore[arg-type]
            outcome = service.answer_now(raw)
        if outcome is None:
            cycle.scope[LANE_TRIED] = True  # type: ignore[literal-required]
            super()._start_asgi_task(cycle, self.app)
            return
        body = outcome.body
        head = [STATUS_LINE[outcome.status]]
        for name, value in self.server_state.default_headers:
            head += (name, b": ", value, b"\r\n")
        for key, text in outcome.headers.items():
            head += (key.encode("latin-1"), b": ", text.encode("latin-1"), b"\r\n")
        head += (b"content-length: ", b"%d" % len(body), b"\r\n\r\n", body)
        cycle.response_started = cycle.response_complete = True
        cycle.body = bytearray()
        self.transport.write(b"".join(head))
        self.on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._held = None  # its body never came: like the ASGI path, nothing to answer
        super().connection_lost(exc)
