"""A small HTTP/1.1 keep-alive load generator over asyncio streams, run in the benchmark's
own process (the servers each run in another). It reads each response fully: by
content-length, or chunk by chunk for streamed (chunked) answers."""

from __future__ import annotations

import asyncio
import time


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


def rate(port: int, body: bytes, *, seconds: float, connections: int) -> float:
    """Completed requests per second over `seconds` with `connections` in flight."""
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
