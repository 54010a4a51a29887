"""The servers the benchmark compares, each run in its own process with the same uvicorn
settings: the mock, a bare Starlette JSON endpoint (parses the body, answers a fixed
completion with JSONResponse), and a bare Starlette SSE endpoint.

    python benchmarks/servers.py {mock,mock-stream,bare-json,bare-sse,...} PORT
    python benchmarks/servers.py bare-json PORT WORKERS
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from mockserver import create_app
from mockserver._adapters.server import http_protocol
from mockserver._contract.profiles import AIMLAPI
from mockserver._core.pipeline import Config, Service
from mockserver._generation import render
from mockserver._generation.fixtures import completion_from_body

# The provider's own sample response, as the fixed body of the bare endpoints.
SEED_COMPLETION: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "completions" / "seed.json").read_text()
)
STREAM_TOKENS = 256


def stream_content() -> str:
    """Exactly STREAM_TOKENS pieces by the mock's tokenizer."""
    return " word" * STREAM_TOKENS


def bare_json() -> Starlette:
    """Parses the JSON body and answers the provider's sample completion with JSONResponse."""

    async def endpoint(request: Request) -> Response:
        await request.json()
        return JSONResponse(SEED_COMPLETION, 201)

    return Starlette(routes=[Route("/v1/chat/completions", endpoint, methods=["POST"])])


def bare_sse() -> Starlette:
    completion = completion_from_body(
        {
            **SEED_COMPLETION,
            "choices": [
                {
                    **SEED_COMPLETION["choices"][0],
                    "message": {"role": "assistant", "content": stream_content(), "refusal": None},
                }
            ],
        }
    )
    events = [
        ("data: " + json.dumps(c, separators=(",", ":")) + "\n\n").encode()
        for c in render.chunks(completion, AIMLAPI, include_usage=True)
    ]
    events.append(b"data: [DONE]\n\n")

    async def endpoint(request: Request) -> Response:
        await request.body()

        async def gen() -> AsyncIterator[bytes]:
            for e in events:
                yield e

        return StreamingResponse(gen(), 201, media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", endpoint, methods=["POST"])])


def mock(self_check: bool = False, stream: bool = False) -> Starlette:
    """The mock with its defaults (validation, generation, journal on); for the stream
    figures a stub makes it send the bare SSE endpoint's 256 tokens."""
    service = Service(Config(seed=1, journal_size=1000, self_check=self_check))
    if stream:
        service.stub(stream_content(), stream=True)
    return create_app(service=service)


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 3:  # bare-json PORT WORKERS: uvicorn's own process manager
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        uvicorn.run(
            "servers:bare_json",
            factory=True,
            workers=int(sys.argv[3]),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        sys.exit(0)
    makers = {
        "mock": mock,
        "mock-stock-uvicorn": mock,
        "mock-self-check": lambda: mock(self_check=True),
        "mock-stream": lambda: mock(stream=True),
        "mock-stream-self-check": lambda: mock(self_check=True, stream=True),
        "bare-json": bare_json,
        "bare-sse": bare_sse,
    }
    app = makers[kind]()
    # The mock runs on the HTTP protocol `mockserver serve` uses (uvicorn's httptools
    # protocol with the mock's short cut); "mock-stock-uvicorn" and the bare
    # endpoints on uvicorn's own (httptools, as "auto" picks when it is installed).
    http = "auto" if kind.startswith("bare") or kind == "mock-stock-uvicorn" else http_protocol()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http=http,
    )
