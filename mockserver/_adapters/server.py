"""Run the Starlette app on uvicorn: the CLI's ``serve`` and the live-server fixture."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from mockserver._adapters.asgi import ConnectionDropped, create_app
from mockserver._control.journal import redact_target
from mockserver._control.scenario_files import Scenario
from mockserver._core.pipeline import Config, Service


class _Server(uvicorn.Server):
    """Stops gracefully on Ctrl-C or SIGTERM and then exits 0: uvicorn re-raises the signal
    after its shutdown, which reports a mock stopped on purpose as killed."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


class _QuietDrops(logging.Filter):
    """A scripted dropped connection is the mock doing its job, not an error worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


class _RedactedAccessLog(logging.Filter):
    """uvicorn's access log prints the query string: mask credentials (``?api_key=``) in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


_ACCESS_FILTER = _RedactedAccessLog()
_DROPS_FILTER = _QuietDrops()


def _uvicorn_config(
    service: Service,
    host: str,
    port: int,
    log_level: str,
    sock: socket.socket | None = None,
    access_log: bool | None = None,
) -> uvicorn.Config:
    # One filter instance each: adding the same object twice is a no-op, so servers started
    # one after another do not stack filters.
    logging.getLogger("uvicorn.error").addFilter(_DROPS_FILTER)
    logging.getLogger("uvicorn.access").addFilter(_ACCESS_FILTER)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        # Off by default (one line per request slows load tests); --access-log turns it on.
        "access_log": log_level == "debug" if access_log is None else access_log,
        "loop": "auto",
        "http": "auto",
        "lifespan": "off",
        "timeout_graceful_shutdown": 1,
    }
    return uvicorn.Config(create_app(service=service), **options)


def serve(
    config: Config,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    scenario: Scenario | None = None,
    access_log: bool | None = None,
) -> int:
    """Serve until Ctrl-C or SIGTERM; prints the base URL clients should use."""
    service = Service(config, scenario=scenario)
    server = _Server(_uvicorn_config(service, host, port, log_level, access_log=access_log))
    keys = "with any API key" if config.api_keys is None else "with the --api-key key"
    shown_host = f"[{host}]" if ":" in host else host

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.01)
        if server.started:
            bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            base = f"http://{shown_host}:{bound}/v1"
            print(
                f"aimlapi-mockserver ({config.profile.name} profile) listening; "
                f"use base_url={base} {keys}",
                file=sys.stderr,
                flush=True,
            )

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    return 0 if server.started else 1


class LiveServer:
    """A uvicorn server in a background thread on a free loopback port."""

    def __init__(self, service: Service, host: str = "127.0.0.1", port: int = 0) -> None:
        self.service = service
        self._server = uvicorn.Server(_uvicorn_config(service, host, port, "warning"))
        self._thread = threading.Thread(
            target=self._server.run, name="aimlapi-mockserver", daemon=True
        )
        self.host = host

    def start(self, timeout: float = 10.0) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the mock server did not start")
            time.sleep(0.005)
        return self

    @property
    def port(self) -> int:
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The base URL an OpenAI-style client wants: ``http://127.0.0.1:PORT/v1``."""
        return self.url + "/v1"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
