"""Run the recorder on uvicorn: in the foreground (``mockserver record``) or in a thread on a
free loopback port (tests and the pytest plugin)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from mockserver._adapters import server
from mockserver._cassettes.recorder import Recorder

_QUIET = server.QuietDrops()
"""An upstream that broke off is relayed as the same cut (the recorder raises
`ConnectionDropped` for uvicorn to close the connection): no traceback for it."""


def _config(app: ASGIApp, host: str, port: int, log_level: str) -> uvicorn.Config:
    logging.getLogger("uvicorn.error").addFilter(_QUIET)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": log_level == "debug",
        "lifespan": "on",
        "timeout_graceful_shutdown": 1,
        # The upstream's own date and server headers go through untouched.
        "server_header": False,
        "date_header": False,
    }
    return uvicorn.Config(app, **options)


def serve(recorder: Recorder, *, host: str, port: int, log_level: str) -> int:
    """Proxy until Ctrl-C or SIGTERM; prints the base URL clients should use."""
    running = server.Server(_config(recorder, host, port, log_level))

    def announce() -> None:
        while not running.started and not running.should_exit:
            time.sleep(0.01)
        if running.started:
            bound = running.servers[0].sockets[0].getsockname()[1] if running.servers else port
            shown = f"[{host}]" if ":" in host else host
            print(
                f"mockserver record: proxying to {recorder.upstream}; "
                f"use base_url=http://{shown}:{bound}/v1 with your own API key",
                file=sys.stderr,
                flush=True,
            )

    threading.Thread(target=announce, daemon=True).start()
    running.run()
    return 0 if running.started else 1


class LiveApp:
    """An ASGI app (the recorder) in a background thread on a free 127.0.0.1 port."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1") -> None:
        self.app = app
        self.host = host
        self._server = uvicorn.Server(_config(app, host, 0, "warning"))
        self._thread = threading.Thread(
            target=self._server.run, name="mockserver-record", daemon=True
        )

    def __enter__(self) -> LiveApp:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        return f"http://{self.host}:{self._server.servers[0].sockets[0].getsockname()[1]}"

    @property
    def base_url(self) -> str:
        return self.url + "/v1"
