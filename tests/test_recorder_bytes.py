"""The recorder with bytes as upstreams send them: not UTF-8 (compressed, binary, broken
SSE), any model name, answers far larger than a cassette may hold, and clients that must
have their last byte before anything is checked or written."""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import upstreams
from hypothesis import given
from hypothesis import strategies as st
from starlette.types import Receive, Scope, Send

from mockserver import Config, Service
from mockserver._adapters.server import LiveServer
from mockserver._cassettes import capture, cassette
from mockserver._cassettes.cassette import CassetteDir, Exchange
from mockserver._cassettes.live import LiveApp
from mockserver._cassettes.recorder import Recorder

AUTH = {"authorization": "Bearer sk-bytes-0123456789"}
BLOCK = 64 * 1024
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "o3-mini-2025-01-31",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi", "refusal": None},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}
BINARY = bytes(range(256)) * 4 + b"\xff\xfe\xc3\x28"
BAD_SSE = [
    b'data: {"id":"c","object":"chat.completion.chunk"}\n\n',
    b"data: caf\xe9 \xc3\x28 broken\n\n",
    b"data: [DONE]\n\n",
]


def ask(mode: str, **extra: Any) -> dict[str, Any]:
    return {"model": "o3-mini", "messages": [{"role": "user", "content": mode}], **extra}


async def upstream(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers by the last user message: gzip, binary, bad-sse, stream-MB, noblank-MB,
    body-MB; a ``model`` of any spelling is fine."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    mode = json.loads(await upstreams.read_body(receive))["messages"][-1]["content"]
    kind, _, size = mode.partition("-")
    if kind == "gzip":
        data = gzip.compress(json.dumps(COMPLETION).encode(), mtime=0)
        await _answer(
            send,
            201,
            [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")],
            [data],
        )
    elif kind == "binary":
        await _answer(send, 201, [(b"content-type", b"application/octet-stream")], [BINARY])
    elif kind == "bad":
        await _answer(send, 201, [(b"content-type", b"text/event-stream")], BAD_SSE)
    elif kind == "stream":
        event = b"data: " + b"x" * (BLOCK - 8) + b"\n\n"
        pieces = [event] * (int(size) * 1024 * 1024 // BLOCK)
        await _answer(send, 201, [(b"content-type", b"text/event-stream")], pieces)
    elif kind == "noblank":
        pieces = [b"data: " + b"y" * (BLOCK - 7) + b"\n"] * (int(size) * 1024 * 1024 // BLOCK)
        await _answer(send, 201, [(b"content-type", b"text/event-stream")], pieces)
    elif kind == "body":
        pieces = [b'{"pad": "'] + [b"z" * BLOCK] * (int(size) * 1024 * 1024 // BLOCK) + [b'"}']
        length = str(sum(map(len, pieces))).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", length)]
        await _answer(send, 201, headers, pieces)
    else:
        await _answer(
            send, 201, [(b"content-type", b"application/json")], [json.dumps(COMPLETION).encode()]
        )


async def _answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], pieces: list[bytes]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    for piece in pieces:
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module")
def scripted() -> Iterator[LiveApp]:
    with LiveApp(upstream) as live:
        yield live


def _raw(url: str, body: dict[str, Any]) -> tuple[httpx.Response, bytes]:
    with httpx.stream("POST", url + "/chat/completions", json=body, headers=AUTH, timeout=30) as r:
        return r, b"".join(r.iter_raw())


def _recorder(upstream_url: str, folder: Path, **kw: Any) -> Recorder:
    return Recorder(upstream_url, CassetteDir(folder), Service(Config()), log=lambda _: None, **kw)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("gzip", gzip.compress(json.dumps(COMPLETION).encode(), mtime=0)),
        ("binary", BINARY),
        ("bad-sse", b"".join(BAD_SSE)),
    ],
)
def test_bytes_that_are_not_utf8_are_relayed_recorded_losslessly_and_replayed(
    scripted: LiveApp, tmp_path: Path, mode: str, expected: bytes
) -> None:
    recorder = _recorder(scripted.base_url, tmp_path)
    with LiveApp(recorder) as live:
        response, got = _raw(live.base_url, ask(mode))
        assert recorder.wait_idle(30)
    assert response.status_code == 201 and got == expected  # exactly what the upstream sent
    if mode == "gzip":
        assert response.headers["content-encoding"] == "gzip"
    (path,) = tmp_path.iterdir()  # one cassette, no temporary file beside it
    assert path.suffix == ".json"
    stub = json.loads(path.read_text())["stubs"][0]
    raw = stub["reply"]["raw"]
    kept = (
        b"".join(
            base64.b64decode(c["data"]) if c.get("encoding") else c["data"].encode()
            for c in raw["chunks"]
        )
        if "chunks" in raw
        else base64.b64decode(raw["text"])
    )
    assert kept == expected
    assert "chunks" in raw or raw["encoding"] == "base64"
    assert cassette.load(tmp_path).stubs  # the loader reads it back
    with LiveServer(
        Service(Config(strict=True), scenario=cassette.load(tmp_path, speed=0))
    ) as replay:
        again, replayed = _raw(replay.base_url, ask(mode))
    assert replayed == expected
    assert again.headers.get("content-encoding") == response.headers.get("content-encoding")
    if mode == "gzip":  # and a client that decodes gets the completion
        with LiveServer(
            Service(Config(strict=True), scenario=cassette.load(tmp_path, speed=0))
        ) as replay:
            decoded = httpx.post(
                replay.base_url + "/chat/completions", json=ask(mode), headers=AUTH
            )
        assert decoded.json() == COMPLETION


def test_a_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exchange = _exchange(ask("hi"), b"{}")
    monkeypatch.setattr("mockserver._control.documents.MAX_FILE_BYTES", 10)
    with pytest.raises(cassette.TooLarge):
        CassetteDir(tmp_path).write(exchange)
    assert list(tmp_path.iterdir()) == []


def _exchange(request: Any, answer: bytes, *, raw_body: bytes | None = None) -> Exchange:
    exchange = Exchange(
        "POST", "/v1/chat/completions", "", AUTH,
        raw_body if raw_body is not None else json.dumps(request).encode(),
        "http://upstream.test/v1", "aimlapi", status=201,
        response_headers={"content-type": "application/json"},
    )  # fmt: skip
    exchange.capture = capture.Capture(stream=False)
    exchange.capture.add(answer, 0.0)
    return exchange


NASTY_MODELS = [
    "m" * 300,
    "../../../etc/passwd",
    'a/b\\c:d*e?f"g<h>i|j',
    "..",
    ".hidden",
    "\x00\x01\x1f\x7f control",
    "모델-名前-ñ-😀",
    "",
    "   ",
]


@given(model=st.one_of(st.sampled_from(NASTY_MODELS), st.text(max_size=400)))
def test_any_model_name_makes_a_safe_bounded_name_inside_the_folder(model: str) -> None:
    slug = _exchange({"model": model, "messages": []}, b"{}").slug()
    assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,47}-[0-9a-f]{8}", slug), slug
    assert ".." not in slug.rpartition("-")[0].split(".")  # never a parent folder


def test_nasty_model_names_each_get_their_own_file(tmp_path: Path) -> None:
    store = CassetteDir(tmp_path)
    written = [
        store.write(_exchange({"model": m, "messages": []}, b"{}")) for m in NASTY_MODELS * 2
    ]
    written.append(store.write(_exchange(None, b"{}", raw_body=b"\xff not json")))
    assert len(set(written)) == len(written)  # unique, even for the same request twice
    for path in written:
        assert path.parent == tmp_path and len(path.name) <= 4 + 1 + 48 + 1 + 8 + 5 + 4
        assert path.exists()
    assert len(list(tmp_path.iterdir())) == len(written)
    assert len(cassette.load(tmp_path).stubs) == len(written)


def test_two_stores_on_one_folder_never_overwrite_each_other(tmp_path: Path) -> None:
    first, second = CassetteDir(tmp_path), CassetteDir(tmp_path)  # both start at 0001
    a = first.write(_exchange(ask("same"), b'{"a":1}'))
    b = second.write(_exchange(ask("same"), b'{"b":2}'))
    assert a != b and json.loads(a.read_text()) != json.loads(b.read_text())


# ---- memory and speed: a recorder of its own, in a process of its own ----------------------


def _hwm(pid: int) -> int:
    """The peak resident memory of process `pid` (bytes)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


@pytest.fixture
def recording_process(scripted: LiveApp, tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    folder = tmp_path / "cassettes"
    log = tmp_path / "record.log"
    command = [
        sys.executable, "-m", "mockserver", "record", "--upstream", scripted.base_url,
        "--cassettes", str(folder), "--port", "0", "--log-level", "warning",
        "--max-cassette-bytes", str(1024 * 1024),
    ]  # fmt: skip
    with log.open("w") as err:
        process = subprocess.Popen(command, stderr=err)
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"base_url=(\S+)", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield found.group(1), process.pid, folder
    finally:
        process.terminate()
        process.wait(30)


def _written(folder: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(list(folder.glob("*.json"))) < count:
        assert time.monotonic() < deadline, f"{count} cassette(s) not written"
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
@pytest.mark.parametrize("mode", ["stream-60", "body-40"])
def test_memory_is_bounded_by_the_cap_not_by_the_answer(
    recording_process: tuple[str, int, Path], mode: str
) -> None:
    base_url, pid, folder = recording_process
    _raw(base_url, ask("hello"))  # warm: imports, the first cassette, the pools
    _written(folder, 1)
    before = _hwm(pid)
    _, got = _raw(base_url, ask(mode))
    assert len(got) >= int(mode.split("-")[1]) * 1024 * 1024 - BLOCK  # all of it relayed
    _written(folder, 2)
    grown = _hwm(pid) - before
    assert grown < 24 * 1024 * 1024, f"the recorder grew by {grown / 2**20:.1f} MiB"
    (stub,) = json.loads(sorted(folder.glob("*.json"))[-1].read_text())["stubs"]
    assert stub["recorded"]["outcome"] == "truncated"
    assert stub["recorded"]["size"] == len(got)


def test_a_long_event_without_a_blank_line_is_scanned_once() -> None:
    scanned = 0
    real = capture._EVENT_END

    class Counting:
        def finditer(self, data: bytearray, start: int) -> Iterator[re.Match[bytes]]:
            nonlocal scanned
            scanned += len(data) - start
            return real.finditer(data, start)

    kept = capture.Capture(64 * 1024 * 1024, stream=True)
    capture._EVENT_END = Counting()  # type: ignore[assignment]
    try:
        for _ in range(480):  # 30 MB in 64 KiB reads, no blank line
            kept.add(b"y" * BLOCK, 0.0)
    finally:
        capture._EVENT_END = real
    assert scanned <= 480 * (BLOCK + 3)


def test_30_mb_without_a_blank_line_passes_through_in_one_pass(
    scripted: LiveApp, tmp_path: Path
) -> None:
    recorder = _recorder(scripted.base_url, tmp_path, max_cassette_bytes=64 * 1024 * 1024)
    with LiveApp(recorder) as live:
        done: list[bytes] = []
        worker = threading.Thread(
            target=lambda: done.append(_raw(live.base_url, ask("noblank-30"))[1])
        )
        worker.start()
        worker.join(120)  # a rescan per read would take many minutes
        assert done and len(done[0]) == 480 * BLOCK
        assert recorder.wait_idle(60)


class BlockedStore:
    """A store whose write waits until the test lets it go."""

    def __init__(self, folder: Path) -> None:
        self.inner = CassetteDir(folder)
        self.go = threading.Event()

    def write(self, exchange: Exchange) -> Path:
        assert self.go.wait(30)
        return self.inner.write(exchange)


@pytest.mark.parametrize("mode", ["hello", "bad-sse"])
def test_the_client_has_its_last_byte_before_anything_is_written(
    scripted: LiveApp, tmp_path: Path, mode: str
) -> None:
    store = BlockedStore(tmp_path)
    recorder = Recorder(scripted.base_url, store, Service(Config()), log=lambda _: None)
    with LiveApp(recorder) as live:
        got: list[bytes] = []
        client = threading.Thread(target=lambda: got.append(_raw(live.base_url, ask(mode))[1]))
        client.start()
        client.join(20)
        finished = bool(got)
        store.go.set()  # now let the cassette be written
        assert recorder.wait_idle(30)
    assert finished, "the client waited for the cassette write"
    assert len(list(tmp_path.glob("*.json"))) == 1
