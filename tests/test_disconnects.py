"""A client that leaves stops the work it started (issue 8, class 5).

The audit left 300 streams behind: 289 were still running half a second after their
clients had gone, and a request sleeping on scripted latency was never freed. These tests
count the server's in-flight tasks instead of timing anything.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn
from helpers import AUTH, HELLO, ask

from mockserver import Config, Fault, Latency, Service, mock_aimlapi
from mockserver._adapters.server import _uvicorn_config

CLIENTS = 40
LONG = 50.0  # seconds of scripted latency: far longer than any test may wait


class _Server:
    """The live server on its own event loop, so a test can count the loop's tasks."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.loop = asyncio.new_event_loop()
        self.server = uvicorn.Server(_uvicorn_config(service, "127.0.0.1", 0, "warning"))
        self.thread = threading.Thread(
            target=self.loop.run_until_complete, args=(self.server.serve(),), daemon=True
        )

    def __enter__(self) -> _Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.loop.close()

    @property
    def port(self) -> int:
        return int(self.server.servers[0].sockets[0].getsockname()[1])

    def tasks(self) -> int:
        """Tasks alive on the server's loop besides uvicorn's own main task and this probe."""

        async def count() -> int:
            return len(asyncio.all_tasks()) - 1

        return asyncio.run_coroutine_threadsafe(count(), self.loop).result(timeout=5)


def _request(port: int, body: object, scenario: str) -> bytes:
    data = json.dumps(body).encode()
    head = [
        "POST /v1/chat/completions HTTP/1.1",
        f"host: 127.0.0.1:{port}",
        *(f"{k}: {v}" for k, v in AUTH.items()),
        f"x-mock-scenario: {scenario}",
        f"content-length: {len(data)}",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


def _until(condition: Callable[[], bool], what: str, limit: float = 15.0) -> None:
    """Poll `condition`; the limit is only a safety net far below the scripted latency."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for: {what}")
        time.sleep(0.02)


@pytest.fixture
def live() -> Iterator[_Server]:
    with _Server(Service(Config(seed=1))) as server:
        yield server


def _open(port: int, body: object, scenario: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(_request(port, body, scenario))
    return sock


def test_streams_whose_clients_leave_stop_at_once(live: _Server) -> None:
    idle = live.tasks()
    sockets = [
        _open(live.port, ask(stream=True), f"ttft=0, between={LONG}") for _ in range(CLIENTS)
    ]
    for sock in sockets:  # each stream has started: its headers and first event arrived
        assert sock.recv(65536).startswith(b"HTTP/1.1 20")
    assert live.tasks() >= idle + CLIENTS  # every stream is sleeping before its next event
    for sock in sockets:
        sock.close()
    _until(lambda: live.tasks() <= idle, "the abandoned streams to stop")
    entries = live.service.journal.entries()
    assert len(entries) == CLIENTS
    assert all(e.client_disconnected and e.stream for e in entries)
    assert all(e.as_dict()["client_disconnected"] is True for e in entries)


def test_requests_sleeping_on_latency_are_freed_when_their_clients_leave(live: _Server) -> None:
    idle = live.tasks()
    sockets = [_open(live.port, HELLO, f"ttft={LONG}") for _ in range(CLIENTS)]
    _until(lambda: len(live.service.journal) == CLIENTS, "every request to reach the mock")
    assert live.tasks() >= idle + CLIENTS
    for sock in sockets:
        sock.close()
    _until(lambda: live.tasks() <= idle, "the sleeping requests to be freed")
    assert all(e.client_disconnected for e in live.service.journal.entries())


def test_a_client_that_stays_gets_everything_and_is_not_marked(live: _Server) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}/v1", headers=AUTH) as client:
        reply = client.post(
            "/chat/completions",
            json=ask(stream=True),
            headers={"x-mock-scenario": "between=0.001"},
        )
    assert reply.text.endswith("data: [DONE]\n\n")
    (entry,) = live.service.journal.entries()
    assert not entry.client_disconnected
    assert entry.as_dict()["client_disconnected"] is False


def test_closing_an_in_process_stream_early_stops_its_generator() -> None:
    with mock_aimlapi(seed=1) as mock:
        mock.fault(Fault(latency=Latency(ttft=0, between=1.0)))
        request = ask("Write a long story", stream=True)
        with (
            httpx.Client() as client,
            client.stream(
                "POST", f"{mock.base_url}/chat/completions", json=request, headers=AUTH
            ) as response,
        ):
            lines = response.iter_lines()
            next(lines)  # the first event; then the client walks away
        assert mock.last_request.client_disconnected
        # Only the events read were waited for: the rest of the stream never ran.
        assert mock.clock is not None and mock.clock.waited <= 2.0


@pytest.mark.parametrize("stream", [False, True])
def test_an_in_process_read_timeout_is_journaled_as_the_client_leaving(stream: bool) -> None:
    # As on a live server: a client that gives up on scripted latency has left.
    with mock_aimlapi(seed=1) as mock:
        mock.fault(Fault(latency=Latency(ttft=0 if stream else 5, between=5)))
        with httpx.Client(timeout=1) as client, pytest.raises(httpx.ReadTimeout):
            client.post(f"{mock.base_url}/chat/completions", json=ask(stream=stream), headers=AUTH)
        assert mock.last_request.client_disconnected
