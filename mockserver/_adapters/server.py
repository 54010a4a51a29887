"""Run the Starlette app on uvicorn: the CLI's ``serve`` and the live-server fixture."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from mockserver._adapters.asgi import ConnectionDropped, create_app
from mockserver._control.journal import redact_target
from mockserver._control.scenario_files import Scenario
from mockserver._core.pipeline import Config, Service

# uvicorn starts each worker as a fresh process that imports an app factory by name; the
# serve arguments and the folder the workers share reach it through the environment.
WORKER_FACTORY = "mockserver._cli.main:worker_app"
WORKER_ARGS = "MOCKSERVER_WORKER_ARGS"
WORKER_STATE = "MOCKSERVER_STATE_DIR"


class Server(uvicorn.Server):
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


class QuietDrops(logging.Filter):
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
_DROPS_FILTER = QuietDrops()


def _uvicorn_config(
    service: Service,
    host: str,
    port: int,
    log_level: str,
    sock: socket.socket | None = None,
    access_log: bool | None = None,
) -> uvicorn.Config:
    options = _options(host, port, log_level, access_log)
    return uvicorn.Config(create_app(service=service), **options)


def _options(host: str, port: int, log_level: str, access_log: bool | None) -> dict[str, Any]:
    # One filter instance each: adding the same object twice is a no-op, so servers started
    # one after another do not stack filters.
    logging.getLogger("uvicorn.error").addFilter(_DROPS_FILTER)
    logging.getLogger("uvicorn.access").addFilter(_ACCESS_FILTER)
    return {
        "host": host,
        "port": port,
        "log_level": log_level,
        # Off by default (one line per request slows load tests); --access-log turns it on.
        "access_log": log_level == "debug" if access_log is None else access_log,
        "loop": "auto",
        "http": http_protocol(),
        "lifespan": "off",
        "timeout_graceful_shutdown": 1,
    }


def http_protocol() -> type[asyncio.Protocol] | str:
    """uvicorn's httptools protocol with the mock's short cut (uvicorn_seam.py) when the
    installed uvicorn answers through it as through its own (`uvicorn_seam.fits`); else
    uvicorn's choice."""
    try:
        from mockserver._adapters.uvicorn_seam import Protocol, fits
    except ImportError:  # uvicorn moved a name the seam imports, or httptools is missing
        return "auto"
    return Protocol if fits() else "auto"


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
    server = Server(_uvicorn_config(service, host, port, log_level, access_log=access_log))

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.01)
        if server.started:
            bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            print(_banner(config, host, bound), file=sys.stderr, flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    return 0 if server.started else 1


def _banner(config: Config, host: str, port: int) -> str:
    keys = "with any API key" if config.api_keys is None else "with the --api-key key"
    shown_host = f"[{host}]" if ":" in host else host
    workers = f", {config.workers} workers" if config.workers > 1 else ""
    return (
        f"aimlapi-mockserver ({config.profile.name} profile{workers}) listening; "
        f"use base_url=http://{shown_host}:{port}/v1 {keys}"
    )


def serve_workers(
    argv: list[str],
    config: Config,
    *,
    host: str,
    port: int,
    log_level: str,
    access_log: bool | None = None,
) -> int:
    """Serve with ``config.workers`` processes sharing one listening socket.

    Each worker builds its own `Service` from the same command-line arguments (so scenario
    files load in every worker); their shared folder holds the metrics snapshots."""
    state = tempfile.mkdtemp(prefix="mockserver-")
    os.environ[WORKER_ARGS] = json.dumps(argv)
    os.environ[WORKER_STATE] = state
    options = _options(host, port, log_level, access_log)
    ucfg = uvicorn.Config(WORKER_FACTORY, factory=True, workers=config.workers, **options)
    sock = ucfg.bind_socket()
    sock.listen(ucfg.backlog)  # connections queue until a worker takes them, not refused
    print(_banner(config, host, sock.getsockname()[1]), file=sys.stderr, flush=True)
    try:
        Multiprocess(ucfg, sockets=[sock]).run()
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return 0


class LiveServer:
    """The mock on a real socket: a uvicorn server in a background thread, on a free
    loopback port unless told otherwise. The ``aimlapi_live_server`` fixture yields one;
    override that fixture to start it another way::

        @pytest.fixture(scope="session")
        def aimlapi_live_server():
            with LiveServer(Service(Config(seed=0, api_keys=frozenset({"sk-test"})))) as server:
                yield server

    Each test that uses ``aimlapi_server`` starts from that `Config`, with what the test's
    ``@pytest.mark.aimlapi(...)`` options set. ``base_url`` is what an OpenAI-style client
    wants; ``service`` is the mock it serves.
    """

    def __init__(self, service: Service, host: str = "127.0.0.1", port: int = 0) -> None:
        self.service = service
        self.config = service.config
        """The `Config` it was started with: the ``aimlapi_server`` fixture starts each test
        from it, with what the test's markers set."""
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
