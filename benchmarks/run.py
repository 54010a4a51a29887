"""Reproducible benchmarks: each figure is a ratio against a baseline measured in the same run.

    make bench            # or: .venv/bin/python benchmarks/run.py [--seconds 5]

1. Validation of the seed request by mockserver.schemas (µs per call after warm-up),
   against jsonschema's own validator on the same schema.
2. Non-stream requests per second of the mock (request validation on; then also with the
   self-check of what it emits) against a bare Starlette endpoint returning a fixed body;
   all on uvicorn with the same settings, each in its own process, the load from this one.
   The mock runs on the HTTP protocol `mockserver serve` uses (uvicorn's httptools protocol
   with the mock's short cut, mockserver/_adapters/uvicorn_seam.py); the bare endpoint,
   and the mock once more for comparison, on uvicorn's own. Then aimock, when npm is there.
3. 256-token streams per second of the mock against a bare Starlette SSE endpoint sending the
   same events.
4. With --only workers: `mockserver serve --workers N` against `--workers 1`, the same for
   the bare endpoint, and the ceiling the load generator's own CPU sets on this machine.
5. In process: an openai SDK create() through the in-process mock against the same SDK call
   answered by a bare mock transport returning a fixed body (httpx2.MockTransport for openai
   3.x, whose client is httpx2; a bare respx route for httpx clients).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
from loadgen import generator, measure, rate  # noqa: E402

SEED_REQUEST = json.loads((HERE.parent / "fixtures" / "requests" / "seed.json").read_text())
SEED_COMPLETION = json.loads((HERE.parent / "fixtures" / "completions" / "seed.json").read_text())
HELLO = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]}
ROUNDS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# On a machine with two cores or more, the load generator (this process and wrk, which
# inherits it) runs on core 0 and each single-process server on the last core: otherwise
# the scheduler now and then puts a server and the load on one core, and two runs of the
# same server differ by a fifth. Several workers get every core (they share with the load).
CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
PINNED = len(CORES) >= 2
LOAD_CORES = {CORES[0]} if PINNED else set()
SERVER_CORES = {CORES[-1]} if PINNED else set()


def _on(cores: set[int]) -> Callable[[], None] | None:
    if not cores:
        return None
    return lambda: os.sched_setaffinity(0, cores)


@contextmanager
def process(
    command: list[str], port: int, name: str, cores: set[int] | None = None
) -> Iterator[int]:
    """Run a server process (on `cores`; all of them when None) until the block ends;
    yields once its port accepts connections."""
    every = set(CORES)
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, preexec_fn=_on(every if cores is None else cores)
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"benchmark server {name} did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def server(kind: str) -> contextlib.AbstractContextManager[int]:
    """A server by name: one of benchmarks/servers.py's, ``mock-workers-N`` (the CLI's
    ``mockserver serve --workers N``), ``bare-workers-N`` (the bare endpoint on uvicorn
    with N workers), or ``aimock``."""
    port = _free_port()
    if kind.startswith("mock-workers-"):
        workers = kind.removeprefix("mock-workers-")
        cli = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--seed", "1"]
        command = [*cli, "--workers", workers, "--log-level", "warning"]
        return process(command, port, kind, SERVER_CORES if workers == "1" else None)
    if kind.startswith("bare-workers-"):
        workers = kind.removeprefix("bare-workers-")
        command = [sys.executable, str(HERE / "servers.py"), "bare-json", str(port), workers]
        return process(command, port, kind, SERVER_CORES if workers == "1" else None)
    if kind == "aimock":
        content = SEED_COMPLETION["choices"][0]["message"]["content"]
        return process(peers.command(port, "Hello", content), port, kind, SERVER_CORES)
    command = [sys.executable, str(HERE / "servers.py"), kind, str(port)]
    return process(command, port, kind, SERVER_CORES)


def per_call(fn: Callable[[], object], number: int) -> float:
    """Best-of-5 seconds per call, with the garbage collector on (as in a real test run)."""
    for _ in range(50):
        fn()
    return min(timeit.repeat(fn, setup="gc.enable()", number=number, repeat=5)) / number


def validation() -> None:
    from jsonschema import Draft202012Validator

    from mockserver import schemas
    from mockserver._contract.validation import _loaded

    ours = per_call(lambda: schemas.validate_request(SEED_REQUEST), 2000)
    loaded = _loaded()
    reference: Draft202012Validator = loaded.validators["request"]
    theirs = per_call(lambda: list(reference.iter_errors(SEED_REQUEST)), 300)
    print(
        f"validate seed request: {ours * 1e6:.1f} µs  (jsonschema alone: {theirs * 1e6:.0f} µs, {theirs / ours:.0f}x slower)"
    )


def _rates(
    kinds: tuple[str, ...],
    body: bytes,
    seconds: float,
    connections: int,
    rounds: int = ROUNDS,
    load_shares: dict[str, float] | None = None,
) -> dict[str, float]:
    """The best rate of each server over `rounds` runs. All of them run at once (an idle
    server costs nothing) and are measured in turn, round after round: this machine's speed
    drifts over minutes, and taking turns gives each server the same share of fast and
    slow moments, so the ratios hold even when the rates do not."""
    results = dict.fromkeys(kinds, 0.0)
    with contextlib.ExitStack() as stack:
        ports = {kind: stack.enter_context(server(kind)) for kind in kinds}
        for kind in kinds:
            rate(ports[kind], body, seconds=1, connections=connections)  # warm-up
        for _ in range(rounds):
            for kind in kinds:
                found, share = measure(ports[kind], body, seconds=seconds, connections=connections)
                if found > results[kind]:
                    results[kind] = found
                    if load_shares is not None:  # of the best run
                        load_shares[kind] = share
    return results


def http(seconds: float, connections: int) -> None:
    body = json.dumps(HELLO).encode()
    kinds = ["bare-json", "mock", "mock-stock-uvicorn", "mock-self-check"]
    why_not = peers.install()
    if why_not is None:
        kinds.append("aimock")
    r = _rates(tuple(kinds), body, seconds, connections)
    base = r["bare-json"]
    print(f"non-stream req/s: bare Starlette (parse JSON, JSONResponse) {base:.0f}")
    print(
        f"  mock (validation, generation, journal on): {r['mock']:.0f}, ratio {r['mock'] / base:.2f}"
    )
    stock = r["mock-stock-uvicorn"]
    print(f"  mock on uvicorn's own protocol (no short cut): {stock:.0f}, ratio {stock / base:.2f}")
    checked = r["mock-self-check"]
    print(f"  mock --self-check: {checked:.0f}, ratio {checked / base:.2f}")
    if why_not is None:
        peer = r["aimock"]
        print(
            f"  aimock {peers.AIMOCK_VERSION} (Node) answering a fixture: {peer:.0f}; mock / aimock {r['mock'] / peer:.2f}"
        )
    else:
        print(f"  aimock skipped: {why_not}")
    stream = json.dumps({**HELLO, "stream": True, "stream_options": {"include_usage": True}})
    streams = ("bare-sse", "mock-stream", "mock-stream-self-check")
    r = _rates(streams, stream.encode(), seconds, connections)
    base = r["bare-sse"]
    print(f"256-token streams/s: bare Starlette SSE {base:.0f}")
    print(f"  mock: {r['mock-stream']:.0f}, ratio {r['mock-stream'] / base:.2f}")
    checked = r["mock-stream-self-check"]
    print(f"  mock --self-check (every chunk validated): {checked:.0f}, ratio {checked / base:.2f}")


def workers(seconds: float, connections: int, count: int) -> None:
    body = json.dumps(HELLO).encode()
    kinds = ("mock-workers-1", f"mock-workers-{count}", "bare-workers-1", f"bare-workers-{count}")
    shares: dict[str, float] = {}
    r = _rates(kinds, body, seconds, connections, load_shares=shares)
    one, many = r["mock-workers-1"], r[f"mock-workers-{count}"]
    print(
        f"non-stream req/s, mockserver serve: --workers 1 {one:.0f}, --workers {count} {many:.0f}, ratio {many / one:.2f}"
    )
    # With one worker the load had a core of its own; with `count` workers on `count`
    # cores it takes its share of theirs. If each request costs the server c and the load
    # l (a share s = l / c of a core at one worker's rate), `count` cores serve about
    # count / (c + l) requests a second: count / (1 + s) times one worker. (An estimate:
    # a busier load generator spends a little less per request.)
    share = shares["mock-workers-1"]
    if os.cpu_count() == count:
        print(
            f"  the load generator used {share:.0%} of a core at one worker's rate: sharing these {count} cores, "
            f"{count} workers can expect about {count / (1 + share):.2f} times one"
        )
    one, many = r["bare-workers-1"], r[f"bare-workers-{count}"]
    print(
        f"  the bare Starlette endpoint on uvicorn: 1 worker {one:.0f}, {count} workers {many:.0f}, ratio {many / one:.2f}"
    )


def _in_mock(fn: Callable[[], object], **options: Any) -> float:
    from mockserver import mock_aimlapi

    with mock_aimlapi(journal_size=1000, **options):
        return per_call(fn, 300)


def in_process() -> None:
    import httpx
    import openai
    import respx

    # The baseline answers with the provider's own sample response (fixtures/completions/seed.json).
    fixed = (HERE.parent / "fixtures" / "completions" / "seed.json").read_bytes()
    headers = {"content-type": "application/json"}
    url = "https://api.aimlapi.com/v1"
    hello: Any = HELLO["messages"]

    if importlib.util.find_spec("httpx2") is not None:  # openai 3.x; older SDKs use httpx
        import httpx2

        transport = httpx2.MockTransport(
            lambda r: httpx2.Response(201, content=fixed, headers=headers)
        )
        bare_sdk = openai.OpenAI(
            base_url=url, api_key="k", http_client=httpx2.Client(transport=transport)
        )
        sdk = openai.OpenAI(base_url=url, api_key="k")
        bare_call = lambda: bare_sdk.chat.completions.create(model="o3-mini", messages=hello)  # noqa: E731
        call = lambda: sdk.chat.completions.create(model="o3-mini", messages=hello)  # noqa: E731
        # Alternate the three, twice, and keep each one's best: no order or warm-up favours any.
        bare = ours = checked = float("inf")
        for _ in range(2):
            bare = min(bare, per_call(bare_call, 300))
            ours = min(ours, _in_mock(call))
            checked = min(checked, _in_mock(call, self_check=True))
        print(f"openai SDK create(), in process: bare MockTransport {bare * 1e6:.0f} µs")
        print(f"  mock: {ours * 1e6:.0f} µs, ratio {ours / bare:.2f}")
        print(f"  mock with self-check: {checked * 1e6:.0f} µs, ratio {checked / bare:.2f}")

    client = httpx.Client()

    def post() -> object:
        answer = client.post(
            f"{url}/chat/completions", json=HELLO, headers={"authorization": "Bearer k"}
        )
        return answer.json()

    with respx.mock(using="httpx") as router:
        router.post(f"{url}/chat/completions").mock(
            return_value=httpx.Response(201, content=fixed, headers=headers)
        )
        bare = per_call(post, 300)
    ours = _in_mock(post)
    print(
        f"httpx POST, in process: bare respx route {bare * 1e6:.0f} µs, mock {ours * 1e6:.0f} µs, ratio {ours / bare:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="length of each HTTP measurement"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", choices=["validation", "http", "in-process", "workers"])
    parser.add_argument("--workers", type=int, default=2, help="workers to compare with one")
    args = parser.parse_args()
    if PINNED:
        os.sched_setaffinity(0, LOAD_CORES)  # wrk, started from here, inherits it
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load by {generator()}: best of "
        f"{ROUNDS} runs of {args.seconds:g}s each, servers taking turns, over {args.connections} "
        "keep-alive connections"
        + (
            f"; load on core {min(LOAD_CORES)}, each one-process server on core {min(SERVER_CORES)}"
            if PINNED
            else ""
        )
    )
    if args.only in (None, "validation"):
        validation()
    if args.only in (None, "in-process"):
        in_process()
    if args.only in (None, "http"):
        http(args.seconds, args.connections)
    if args.only in (None, "workers"):
        workers(args.seconds, args.connections, args.workers)


if __name__ == "__main__":
    main()
