"""The server's HTTP protocol answers small chat requests itself (uvicorn_seam.py): on the
wire it must be indistinguishable from uvicorn's own protocol, keep-alive, pipelining,
slow bodies and the requests it leaves to uvicorn included; and when uvicorn's internals
move, it must step aside, not break a request."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from mockserver import Config, Service
from mockserver._adapters.server import LiveServer

Response = tuple[bytes, list[tuple[bytes, bytes]], bytes]
_VARYING = {b"date", b"openai-processing-ms"}


def _server(service: Service, *, stock: bool = False) -> LiveServer:
    server = LiveServer(service)
    if stock:  # uvicorn's own httptools protocol, as a plain `uvicorn app` would serve
        server._server.config.http = "httptools"
    return server


@pytest.fixture
def live() -> Iterator[tuple[LiveServer, Service]]:
    service = Service(Config(seed=3))
    with _server(service) as server:
        yield server, service


def _request(body: bytes | str, *extra: str, path: str = "/v1/chat/completions") -> bytes:
    data = body.encode() if isinstance(body, str) else body
    head = [
        f"POST {path} HTTP/1.1",
        "host: 127.0.0.1",
        "authorization: Bearer sk-test",
        "content-type: application/json",
        *extra,
    ]
    if not any(h.lower().startswith("transfer-encoding") for h in extra):
        head.append(f"content-length: {len(data)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + data


def _ask(text: str = "Hello", **extra: Any) -> str:
    return json.dumps(
        {"model": "o3-mini", "messages": [{"role": "user", "content": text}], **extra}
    )


def _read(sock: socket.socket, count: int) -> list[Response]:
    """Read `count` responses (content-length or chunked bodies) from a socket."""
    buffer = b""
    out: list[Response] = []
    sock.settimeout(10)
    while len(out) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(out)} responses"
            buffer += chunk
        head, _, buffer = buffer.partition(b"\r\n\r\n")
        status, *lines = head.split(b"\r\n")
        headers = [tuple(line.split(b": ", 1)) for line in lines]
        names = dict(headers)
        if status.startswith(b"HTTP/1.1 100"):
            continue
        if b"content-length" in names:
            size = int(names[b"content-length"])
            while len(buffer) < size:
                buffer += sock.recv(65536)
            body, buffer = buffer[:size], buffer[size:]
        else:  # chunked: chunk by chunk, up to the last (empty) one
            body = b""
            while True:
                while b"\r\n" not in buffer:
                    buffer += sock.recv(65536)
                size_line, _, buffer = buffer.partition(b"\r\n")
                size = int(size_line, 16)
                while len(buffer) < size + 2:
                    buffer += sock.recv(65536)
                chunk, buffer = buffer[:size], buffer[size + 2 :]
                if not size:
                    break
                body += chunk
        out.append((status, headers, body))  # type: ignore[arg-type]
    return out


def _exchange(port: int, *requests: bytes, count: int | None = None) -> list[Response]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for request in requests:
            sock.sendall(request)
        return _read(sock, len(requests) if count is None else count)


def _steady(responses: list[Response]) -> list[Response]:
    """Responses without the headers that differ from run to run (time, processing time)."""
    return [(s, [h for h in hs if h[0] not in _VARYING], b) for s, hs, b in responses]


def _journal(service: Service) -> list[dict[str, Any]]:
    entries = []
    for entry in service.journal.entries():
        record = entry.as_dict()
        del record["duration_ms"], record["started"]
        record["response_headers"].pop("openai-processing-ms", None)
        entries.append(record)
    return entries


def _count_handled(service: Service, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The requests that reach `Service.handle`, the one way in (each exactly once,
    whichever path of the protocol took it)."""
    seen: list[object] = []
    handle = service.handle

    def counted(raw: Any) -> Any:
        seen.append(raw)
        return handle(raw)

    monkeypatch.setattr(service, "handle", counted)
    return seen


def test_answers_are_byte_for_byte_what_uvicorn_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same seed, same requests over one keep-alive connection: the same status lines,
    headers in the same order, bodies and journal entries as on uvicorn's own protocol,
    with most answers given by the short cut."""
    requests = [
        _request(_ask("Hello")),
        _request(_ask("Tell me about tides", n=2)),
        _request(b'{"model": "o3-mini", "messages": '),  # broken JSON: the ASGI path
        _request(_ask("Hello", stream=True)),  # streams: the ASGI path
        _request(_ask("Hello")),
        _request(_ask("Hi", max_completion_tokens=3), path="/chat/completions"),
    ] * 2  # the lane answers bodies seen before
    seen: list[Response] = []
    journals = []
    for stock in (True, False):
        service = Service(Config(seed=11, clock=lambda: 1_790_000_000.0))
        full_path = _count_handled(service, monkeypatch)
        through_asgi = _count_asgi(monkeypatch)
        with _server(service, stock=stock) as server:
            responses = []
            for request in requests:  # one at a time: the stream's length is not declared
                responses += _exchange(server.port, request)
        seen.append(_steady(responses))
        journals.append(_journal(service))
        assert all((b"server", b"uvicorn") in headers for _, headers, _ in responses)
        # One way in for every request; with the short cut only the streams go through
        # uvicorn's ASGI cycle.
        assert len(full_path) == len(requests)
        assert len(through_asgi) == (len(requests) if stock else 2)
        monkeypatch.undo()
    assert seen[0] == seen[1]
    assert journals[0] == journals[1]
    statuses = [b"201 Created"] * 2 + [b"400 Bad Request"] + [b"201 Created"] * 3
    assert [s for s, _, _ in seen[1]] == [b"HTTP/1.1 " + s for s in statuses * 2]


def _count_asgi(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The requests that go through uvicorn's ASGI cycle to the app's endpoint."""
    from mockserver._adapters import asgi

    seen: list[object] = []
    call = asgi._Endpoint.__call__

    async def counted(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if (b"authorization", b"Bearer sk-probe") not in scope["headers"]:  # not `fits`'s
            seen.append(scope["path"])
        await call(self, scope, receive, send)

    monkeypatch.setattr(asgi._Endpoint, "__call__", counted)
    return seen


def _warm(port: int, *bodies: str) -> None:
    """Send each body once, so that the chat step knows it (its memos keep bodies seen)."""
    for body in bodies:
        ((status, _, _),) = _exchange(port, _request(body))
        assert status == b"HTTP/1.1 201 Created"


def test_pipelined_requests_are_answered_in_order(
    live: tuple[LiveServer, Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, service = live
    _warm(server.port, _ask("one"), _ask("two"), _ask("three"))
    full_path = _count_handled(service, monkeypatch)
    through_asgi = _count_asgi(monkeypatch)
    requests = [
        _request(_ask("one")),  # written by the short cut
        _request(b"{not json"),  # an error, written by the short cut
        _request(_ask("two")),  # written by the short cut
        _request(_ask("stream", stream=True)),  # a stream: through uvicorn's ASGI cycle ...
        _request(_ask("three")),  # ... and queued behind it, so through the cycle too
    ]
    responses = _exchange(server.port, b"".join(requests), count=5)
    assert len(full_path) == 5
    assert len(through_asgi) == 2
    statuses = [s.split(b" ")[1] for s, _, _ in responses]
    assert statuses == [b"201", b"400", b"201", b"201", b"201"]
    assert responses[3][2].startswith(b"data: {")  # the stream, whole, in its turn
    request_ids = [dict(h).get(b"x-request-id", b"").decode() for _, h, _ in responses]
    entries = service.journal.entries()[3:]
    assert [e.status for e in entries] == [201, 400, 201, 201, 201]
    assert [e.request_id for e in entries] == request_ids
    assert [e.seq for e in entries] == sorted(e.seq for e in entries)


def test_a_body_that_arrives_late_is_answered(
    live: tuple[LiveServer, Service], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, service = live
    _warm(server.port, _ask("slow body"))
    full_path = _count_handled(service, monkeypatch)
    through_asgi = _count_asgi(monkeypatch)
    request = _request(_ask("slow body"))
    head, _, body = request.partition(b"\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(head + b"\r\n\r\n" + body[:10])
        time.sleep(0.2)
        sock.sendall(body[10:])
        ((status, _, answer),) = _read(sock, 1)
    assert status == b"HTTP/1.1 201 Created"
    assert json.loads(answer)["object"] == "chat.completion"
    assert len(service.journal.entries()) == 2
    assert len(full_path) == 1 and through_asgi == []  # written by the short cut


def test_a_client_that_leaves_before_its_body_is_not_answered_or_journaled(
    live: tuple[LiveServer, Service],
) -> None:
    server, service = live
    _warm(server.port, _ask("never finished"))
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(_request(_ask("never finished"))[:-5])
        time.sleep(0.1)
    ((status, _, _),) = _exchange(server.port, _request(_ask("next")))
    assert status == b"HTTP/1.1 201 Created"
    entries = service.journal.entries()
    assert [e.body["messages"][0]["content"] for e in entries] == ["never finished", "next"]
    assert service.internal_errors == 0


def test_the_access_log_has_uvicorns_line_for_the_short_cut_too(
    live: tuple[LiveServer, Service],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, service = live
    full_path = _count_handled(service, monkeypatch)
    through_asgi = _count_asgi(monkeypatch)
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        port = sock.getsockname()[1]
        for _ in range(2):  # a new body, then a known one: both written by the short cut
            sock.sendall(_request(_ask("logged"), path="/v1/chat/completions?api_key=sk-secret"))
            _read(sock, 1)
    assert len(full_path) == 2 and through_asgi == []
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    line = f'127.0.0.1:{port} - "POST /v1/chat/completions?api_key=*** HTTP/1.1" 201'
    assert lines == [line, line]


_BIG = _ask("x " * 3000)  # over the 4 KiB the short cut holds


@pytest.mark.parametrize(
    ("request_bytes", "closes"),
    [
        (_request(_ask(), "connection: close"), True),
        (_request(_ask(), "expect: 100-continue"), False),
        (_request(_ask()).replace(b"HTTP/1.1", b"HTTP/1.0", 1), True),
        (
            _request(b"", "transfer-encoding: chunked")
            + f"{len(_ask()):x}\r\n{_ask()}\r\n0\r\n\r\n".encode(),
            False,
        ),
        (_request(_BIG), False),
    ],
    ids=["connection-close", "expect-100", "http-1.0", "chunked-body", "over-4-KiB"],
)
def test_requests_left_to_uvicorn_are_answered_as_before(
    live: tuple[LiveServer, Service],
    monkeypatch: pytest.MonkeyPatch,
    request_bytes: bytes,
    closes: bool,
) -> None:
    server, service = live
    _warm(server.port, _ask(), _BIG)  # known bodies: the short cut would answer them
    through_asgi = _count_asgi(monkeypatch)
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(request_bytes)
        ((status, headers, body),) = _read(sock, 1)
        sock.settimeout(2)
        if closes:
            assert sock.recv(1) == b""  # the server closed the connection
    assert status.endswith(b"201 Created")
    assert json.loads(body)["object"] == "chat.completion"
    assert (b"connection", b"close") in headers if closes else True
    assert len(service.journal.entries()) == 3
    assert len(through_asgi) == 1


def test_an_unknown_uvicorn_gets_uvicorns_own_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from mockserver._adapters import uvicorn_seam
    from mockserver._adapters.server import http_protocol

    uvicorn_seam.fits.cache_clear()
    assert http_protocol() is uvicorn_seam.Protocol
    monkeypatch.delattr(HttpToolsProtocol, "_start_asgi_task")  # internals it builds on
    uvicorn_seam.fits.cache_clear()
    assert http_protocol() == "auto"
    monkeypatch.undo()
    uvicorn_seam.fits.cache_clear()


def _missing(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """As if uvicorn no longer had the internal the seam names by `name`: an imported name
    gone, or an attribute of its protocol or request cycle renamed."""
    from mockserver._adapters import uvicorn_seam

    if name.startswith("_"):  # an attribute name: as if uvicorn had renamed it
        monkeypatch.setattr(uvicorn_seam, name, getattr(uvicorn_seam, name) + "_gone")
    else:
        monkeypatch.delattr(uvicorn_seam, name)


@pytest.mark.parametrize(
    "name",
    __import__("mockserver._adapters.uvicorn_seam").__dict__["_adapters"].uvicorn_seam.INTERNALS,
)
def test_a_missing_uvicorn_internal_is_noticed_at_start_and_costs_no_request(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """For every internal of uvicorn the short cut uses: the start-up check sees it gone
    (``serve`` takes uvicorn's own protocol), and a server that runs the short cut anyway
    still answers every request right, journaled once, with the journal saying what the
    client got."""
    from mockserver._adapters import uvicorn_seam

    service = Service(Config(seed=3, clock=lambda: 1_790_000_000.0))
    with _server(service) as server:  # started with the short cut, before the name went
        _warm(server.port, _ask("known"))
        _missing(monkeypatch, name)
        uvicorn_seam.fits.cache_clear()
        assert not uvicorn_seam.fits()
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            for text in ("known", "new"):
                sock.sendall(_request(_ask(text)))
                ((status, headers, body),) = _read(sock, 1)
                assert status == b"HTTP/1.1 201 Created"
                assert json.loads(body)["object"] == "chat.completion"
                request_id = dict(headers)[b"x-request-id"].decode()
                entry = service.journal.last()
                assert (entry.status, entry.request_id) == (201, request_id)
    monkeypatch.undo()
    uvicorn_seam.fits.cache_clear()
    assert len(service.journal) == 3
    assert service.internal_errors <= 2  # each request that tried the short cut, at most


@pytest.mark.parametrize("stock", [True, False], ids=["uvicorns-protocol", "short-cut"])
def test_an_answer_that_cannot_be_written_is_a_journaled_providers_500(
    stock: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A header no HTTP response can carry (here: a bug in the chat step): the app's
    exception handler answers the provider-shaped 500 and the journal says so, on both
    protocols."""
    from mockserver._core.chat import Chat
    from mockserver._core.exchange import Outcome

    service = Service(Config(seed=1))
    answer = Chat.__call__

    def broken(self: Chat, raw: Any, entry: Any) -> Outcome:
        if b"broken" in raw.body:
            entry.answered_by = "generator"
            return Outcome(201, {"x-broken": "not latin-1: \u2713"}, b"{}")
        return answer(self, raw, entry)

    monkeypatch.setattr(Chat, "__call__", broken)
    with _server(service, stock=stock) as server:
        ((status, headers, body),) = _exchange(server.port, _request(_ask("broken")))
        ((after, _, _),) = _exchange(server.port, _request(_ask("next")))
    assert status == b"HTTP/1.1 500 Internal Server Error"
    error = json.loads(body)
    assert error["statusCode"] == 500 and "a bug in aimlapi-mockserver" in error["message"]
    entry = service.journal.entries()[0]
    assert entry.status == 500 and entry.answered_by == "error"
    assert "UnicodeEncodeError" in entry.notes["internal_error"]
    assert entry.request_id == dict(headers)[b"x-request-id"].decode()
    assert service.internal_errors == 1
    assert after == b"HTTP/1.1 201 Created"  # the server goes on


def test_answers_of_the_full_path_are_what_uvicorn_sends_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stubs, scripted errors, texts, user headers in any case, and a header uvicorn acts
    on: the short cut writes what it can itself and hands the rest to uvicorn's cycle; on
    the wire and in the journal nothing differs."""
    from mockserver import Error, Raw

    replies = [
        "A stubbed answer",
        Raw(body={"id": "raw"}, headers={"X-Custom": "Yes", "openai-version": "2020-10-01"}),
        Raw(text=b"plain text", status=502),
        Error(429, "slow down", headers={"retry-after": "1"}),
        Raw(body={"id": "closing"}, headers={"Connection": "close"}),  # uvicorn acts on it
    ]
    seen: list[list[Response]] = []
    journals = []
    for stock in (True, False):
        service = Service(Config(seed=5, clock=lambda: 1_790_000_000.0))
        service.stub(*replies)
        through_asgi = _count_asgi(monkeypatch)
        with _server(service, stock=stock) as server:
            responses = []
            with socket.create_connection(("127.0.0.1", server.port)) as sock:
                for _ in replies:
                    sock.sendall(_request(_ask("Hello")))
                    responses += _read(sock, 1)
        seen.append(_steady(responses))
        journals.append(_journal(service))
        # uvicorn's cycle: all on its own protocol; with the short cut, the one it acts on.
        assert len(through_asgi) == (len(replies) if stock else 1)
        monkeypatch.undo()
    assert seen[0] == seen[1]
    assert journals[0] == journals[1]
    assert [s.split(b" ")[1] for s, _, _ in seen[1]] == [
        b"201", b"201", b"502", b"429", b"201"
    ]  # fmt: skip
    assert (b"connection", b"close") in seen[1][4][1]
    assert (b"x-custom", b"Yes") in seen[1][1][1]


# ---- the size limit and the event loop, alike on both protocols --------------------------


@pytest.mark.parametrize("stock", [True, False], ids=["uvicorns-protocol", "short-cut"])
def test_a_body_over_the_limit_is_refused_before_the_key_and_journaled_alike(
    stock: bool,
) -> None:
    """--max-body-bytes below the size the short cut holds: both protocols answer the same
    413 (the size is checked before the key, as a server that stops reading must) and
    journal the same entry."""
    service = Service(Config(seed=2, clock=lambda: 1_790_000_000.0, max_body_bytes=100))
    body = _ask("x" * 200)
    request = _request(body).replace(b"authorization: Bearer sk-test\r\n", b"")
    with _server(service, stock=stock) as server:
        ((status, headers, answer),) = _exchange(server.port, request)
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert "limit is 100 bytes" in json.loads(answer)["message"]
    (entry,) = _journal(service)
    assert entry["status"] == 413 and entry["body"] is None
    assert dict(headers)[b"x-request-id"].decode() == entry["request_id"]


def test_the_limit_gives_the_same_answers_and_journal_on_both_protocols() -> None:
    requests = [
        _request(_ask("x" * 200)),  # over the limit, with a key
        _request(_ask("x" * 200)).replace(b"authorization: Bearer sk-test\r\n", b""),
        _request(_ask("ok")),  # within it
    ]
    seen, journals = [], []
    for stock in (True, False):
        service = Service(Config(seed=2, clock=lambda: 1_790_000_000.0, max_body_bytes=100))
        with _server(service, stock=stock) as server:
            responses = [r for request in requests for r in _exchange(server.port, request)]
        seen.append(_steady(responses))
        journals.append(_journal(service))
    assert seen[0] == seen[1]
    assert journals[0] == journals[1]
    assert [s.split(b" ")[1] for s, _, _ in seen[0]] == [b"413", b"413", b"201"]


def test_a_chunked_body_is_refused_as_it_crosses_the_limit(
    live: tuple[LiveServer, Service],
) -> None:
    """The client has not finished its body: the 413 comes as soon as the limit is crossed,
    with ``connection: close``, not after the whole body (which may never end)."""
    server, service = live
    service.config.max_body_bytes = 1000
    chunk = b"x" * 600
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(_request(b"", "transfer-encoding: chunked"))
        for _ in range(2):  # 1200 bytes: over the limit; the last chunk never comes
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        ((status, headers, _),) = _read(sock, 1)
        sock.settimeout(5)
        assert sock.recv(1) == b""  # the server stopped reading and closed
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert (b"connection", b"close") in headers
    entry = service.journal.last()
    assert entry.status == 413 and entry.body_bytes > 1000


_TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({**json.loads(_ask()), "tools": _TOOLS}).encode(),
        # the key spelt with JSON escapes: the bytes hold no "tools", the body does
        json.dumps({**json.loads(_ask()), "tools": _TOOLS})
        .replace('"tools"', '"\\u0074ools"')
        .encode(),
        json.dumps(
            {
                **json.loads(_ask()),
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": "object"}},
                },
            }
        )
        .replace('"json_schema"', '"\\u006Ason_schema"')
        .encode(),
    ],
    ids=["tools", "escaped-tools", "escaped-json-schema"],
)
@pytest.mark.parametrize("stock", [True, False], ids=["uvicorns-protocol", "short-cut"])
def test_schema_driven_generation_runs_off_the_event_loop(
    body: bytes, stock: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Generation from a user's schema may take up to its time budget: whatever the
    spelling of the body, it runs in a worker thread, never on the thread that serves
    every other request (GET /health must not wait for it)."""
    service = Service(Config(seed=2))
    threads: list[str] = []
    handle = service.handle

    def recorded(raw: Any) -> Any:
        if raw.path.endswith("/completions"):
            threads.append(threading.current_thread().name)
        return handle(raw)

    monkeypatch.setattr(service, "handle", recorded)
    assert service.may_block(_raw(body))
    with _server(service, stock=stock) as server:
        ((status, _, _),) = _exchange(server.port, _request(body))
    assert status == b"HTTP/1.1 201 Created"
    assert threads and threads[0] != "aimlapi-mockserver"  # the server's event-loop thread


def test_plain_and_large_bodies_are_decided_from_the_parsed_body() -> None:
    service = Service(Config(seed=2))
    assert not service.may_block(_raw(_ask("tools and json_schema, in words only")))
    assert service.may_block(_raw(_ask("x" * 70_000)))  # parsing it takes a while too
    assert not service.may_block(_raw(b"{not json"))  # answered at once: 400


def _raw(body: bytes | str) -> Any:
    from mockserver._core.exchange import RawRequest

    data = body.encode() if isinstance(body, str) else body
    return RawRequest("POST", "/v1/chat/completions", {"content-type": "application/json"}, data)
