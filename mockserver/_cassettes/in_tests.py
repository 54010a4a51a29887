"""Cassettes in a test suite: what ``@pytest.mark.aimlapi(cassette=...)`` does under each
``--aimlapi-record`` mode, as pytest-recording and VCR users know them.

``none`` replays only (a request no cassette answers is an error naming the nearest one);
``once`` records when the cassette file is missing, else replays; ``new`` replays what the
cassette answers and records the rest; ``all`` records everything again. Recording goes
through the same proxy as ``mockserver record``, on a loopback port, to the upstream.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import httpx

from mockserver._cassettes import cassette
from mockserver._cassettes.cassette import HOP_BY_HOP, CassetteFile
from mockserver._cassettes.live import LiveApp
from mockserver._cassettes.modes import DEFAULT_UPSTREAM as DEFAULT_UPSTREAM
from mockserver._cassettes.modes import MODES as MODES
from mockserver._cassettes.modes import Mode as Mode
from mockserver._cassettes.recorder import Recorder
from mockserver._control.scenarios import Stub
from mockserver._core.exchange import Outcome, RawRequest, StreamItem
from mockserver._core.pipeline import ADMIN_PREFIX, Service

_LOADED: weakref.WeakValueDictionary[int, Stub] = weakref.WeakValueDictionary()


def is_cassette(stub: Stub) -> bool:
    """Whether `stub` came from a cassette (an unused one is no reason to warn)."""
    return _LOADED.get(id(stub)) is stub


class CassetteMissing(LookupError):
    """Replay-only mode and the cassette file does not exist."""


class Recording:
    """One test's cassette: loads it into `service`, and when the mode records, runs the
    recording proxy (``base_url``) whose exchanges are appended to the cassette file."""

    def __init__(self, service: Service, path: Path, mode: Mode, upstream: str) -> None:
        if mode not in MODES:
            raise ValueError(f"--aimlapi-record must be one of {', '.join(MODES)}; got {mode!r}")
        self.service, self.path, self.mode, self.upstream = service, path, mode, upstream
        self._live: LiveApp | None = None
        self._client: httpx.Client | None = None

    def __enter__(self) -> Recording:
        exists = self.path.exists()
        if self.mode == "none" and not exists:
            raise CassetteMissing(
                f"cassette {self.path} does not exist; record it with --aimlapi-record=once"
            )
        if self.mode == "all" and exists:
            self.path.unlink()
        replaying = exists and self.mode in ("none", "once", "new")
        if replaying:
            for stub in cassette.load(self.path, speed=0).stubs:
                _LOADED[id(self.service.stubs.add(stub))] = stub
            self.service.stubs.strict = self.mode != "new"
        if not replaying or self.mode == "new":
            recorder = Recorder(
                self.upstream,
                CassetteFile(self.path),
                self.service,
                replay=self.mode == "new",
                log=lambda _: None,
            )
            self._live = LiveApp(recorder).__enter__()
            self._client = httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            self._client.close()
        if self._live is not None:
            self._live.__exit__(kind, exc, tb)

    @property
    def base_url(self) -> str | None:
        """The recording proxy's ``http://127.0.0.1:PORT/v1``; None when only replaying."""
        return None if self._live is None else self._live.base_url

    def handle(self, raw: RawRequest) -> Outcome:
        """For the in-process mock: forward to the recording proxy what it should record,
        let the mock answer the rest (the control plane, and in ``new`` mode what the
        cassette already answers)."""
        if self._live is None or self._client is None or raw.path.startswith(ADMIN_PREFIX):
            return self.service.handle(raw)
        recorder = self._live.app
        if (
            isinstance(recorder, Recorder)
            and recorder.replay
            and recorder.replays(raw.path, raw.body)
        ):
            return self.service.handle(raw)
        request = self._client.build_request(
            raw.method,
            self._live.url + raw.path,
            params=raw.query or None,
            headers={k: v for k, v in raw.headers.items() if k not in ("host", "content-length")},
            content=raw.body,
        )
        response = self._client.send(request, stream=True)
        headers = {k: v for k, v in response.headers.items() if k not in HOP_BY_HOP}
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            response.read()
            response.close()
            return Outcome(response.status_code, headers, response.content)
        return Outcome(response.status_code, headers, stream=_relay(response))


def _relay(response: httpx.Response) -> Iterator[StreamItem]:
    try:
        for piece in response.iter_raw():
            yield 0.0, piece
    except httpx.TransportError:
        yield 0.0, None  # the same cut the upstream made
    finally:
        response.close()
