"""The recorder's own overhead on a stream, measured against going to the upstream directly.

    .venv/bin/python benchmarks/record.py [--requests 60]

The upstream is the mock (``benchmarks/servers.py mock``), the recorder is ``mockserver record``
in front of it, each in its own process on loopback; the client (this process, httpx, one
keep-alive connection per target) asks both for the same seeded stream, alternating, and
times the first body byte and the last one. Every request through the recorder is checked
against the contract and written to a cassette after its last byte has reached the client,
once the recorder has had no request in flight for a moment (requests back to back, as
here, are not slowed by the work of the ones before; at most 32 MiB wait). The run ends
when every cassette is written. Goals: time to first byte at most the direct figure + 2 ms,
total at most 1.2 times the direct one.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
REQUEST = {
    "model": "o3-mini",
    "messages": [{"role": "user", "content": "Tell me a story"}],
    "stream": True,
    "stream_options": {"include_usage": True},
    "seed": 1,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _process(command: list[str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{command[1:3]} did not start") from None
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)


def _timed(client: httpx.Client, url: str) -> tuple[float, float, int]:
    """Seconds to the first body byte, to the last one, and the bytes received."""
    started = time.perf_counter()
    first = 0.0
    size = 0
    with client.stream("POST", url, json=REQUEST, headers={"authorization": "Bearer k"}) as r:
        for piece in r.iter_raw():
            if not size:
                first = time.perf_counter() - started
            size += len(piece)
    return first, time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    upstream_port, recorder_port = _free_port(), _free_port()
    upstream = f"http://127.0.0.1:{upstream_port}/v1"
    with tempfile.TemporaryDirectory() as cassettes:
        record = [
            sys.executable, "-m", "mockserver", "record", "--upstream", upstream,
            "--cassettes", cassettes, "--port", str(recorder_port), "--log-level", "warning",
        ]  # fmt: skip
        with (
            _process([sys.executable, str(HERE / "servers.py"), "mock-stream", str(upstream_port)], upstream_port),
            _process(record, recorder_port),
            httpx.Client(timeout=30) as direct,
            httpx.Client(timeout=30) as proxied,
        ):  # fmt: skip
            targets = {
                "direct": (direct, upstream + "/chat/completions"),
                "recorder": (proxied, f"http://127.0.0.1:{recorder_port}/v1/chat/completions"),
            }
            times: dict[str, list[tuple[float, float, int]]] = {k: [] for k in targets}
            for i in range(args.requests + 5):
                for name, (client, url) in targets.items():
                    measured = _timed(client, url)
                    if i >= 5:  # warm-up
                        times[name].append(measured)
            deadline = time.monotonic() + 60  # the recorder writes once it is quiet
            while len(list(Path(cassettes).glob("*.json"))) < args.requests + 5:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            written = len(list(Path(cassettes).glob("*.json")))
    sizes = {t[2] for ts in times.values() for t in ts}
    events = REQUEST["stream"] and json.dumps(sorted(sizes))
    print(f"{args.requests} streams each ({events} bytes), {written} cassettes written")
    print("| what | direct | through the recorder | ratio |")
    print("|---|---|---|---|")
    for index, label in ((0, "time to first byte"), (1, "total time")):
        base = statistics.median(t[index] for t in times["direct"]) * 1000
        ours = statistics.median(t[index] for t in times["recorder"]) * 1000
        print(f"| {label} (median) | {base:.2f} ms | {ours:.2f} ms | {ours / base:.2f} |")


if __name__ == "__main__":
    main()
