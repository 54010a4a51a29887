"""Load generators, run in the benchmark's own process against servers in other processes.

`rate` uses wrk (a C load generator, `apt-get install wrk`) when it is on PATH: it costs a few
microseconds per request, so on a small machine it leaves the cores to the servers, which
matters when comparing one worker with several. Without wrk, a small HTTP/1.1 keep-alive
generator over asyncio streams does the same work (read each response fully, by
content-length or chunk by chunk) at a higher cost per request; the output says which ran.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

WRK = shutil.which("wrk")


def generator() -> str:
    return "wrk" if WRK else "asyncio (install wrk for figures that do not load the same cores)"


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = head.lower()
    if b"transfer-encoding: chunked" in headers:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return status
    start = headers.index(b"content-length:") + 15
    length = int(headers[start : headers.index(b"\r\n", start)])
    await reader.readexactly(length)
    return status


async def _worker(port: int, request: bytes, until: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            writer.write(request)
            status = await _read_response(reader)
            if status >= 300:
                raise RuntimeError(f"benchmark request failed with HTTP {status}")
            counts[0] += 1
    finally:
        writer.close()


def _asyncio_rate(port: int, body: bytes, seconds: float, connections: int) -> float:
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        b"authorization: Bearer bench\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )

    async def main() -> float:
        counts = [0]
        start = time.perf_counter()
        await asyncio.gather(
            *(_worker(port, request, start + seconds, counts) for _ in range(connections))
        )
        return counts[0] / (time.perf_counter() - start)

    return asyncio.run(main())


_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"
errors = 0
response = function(status, headers, body)
  if status >= 300 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("BAD %d\\n", errors))
end
"""


def _wrk_rate(port: int, body: bytes, seconds: float, connections: int) -> float:
    assert WRK is not None
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "post.lua"
        script.write_text(_SCRIPT.format(body=json.dumps(body.decode())))
        out = subprocess.run(
            [
                WRK,
                "-t1",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/v1/chat/completions",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
    bad = re.search(r"BAD (\d+)", out)
    if bad is None or int(bad.group(1)) or "Non-2xx" in out:
        raise RuntimeError(f"benchmark requests failed:\n{out}")
    found = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    return float(found.group(1))


def rate(port: int, body: bytes, *, seconds: float, connections: int) -> float:
    """Completed requests per second over `seconds` with `connections` in flight."""
    return measure(port, body, seconds=seconds, connections=connections)[0]


def measure(port: int, body: bytes, *, seconds: float, connections: int) -> tuple[float, float]:
    """`rate`, and the share of one core the load generator itself used meanwhile (its CPU
    time over the run's length): what it takes from servers that share its cores."""
    if WRK:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        found = _wrk_rate(port, body, seconds, connections)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return found, used / seconds
    before_cpu = time.process_time()
    found = _asyncio_rate(port, body, seconds, connections)
    return found, (time.process_time() - before_cpu) / seconds
