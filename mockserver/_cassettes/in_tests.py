"""Cassettes in a test suite: what ``@pytest.mark.aimlapi(cassette=...)`` does under each
``--aimlapi-record`` mode, as pytest-recording and VCR users know them.

``none`` replays only (a request no cassette answers is an error naming the nearest one);
``once`` records when the cassette file is missing, else replays; ``new`` replays what the
cassette answers and records the rest; ``all`` records everything again. Recording goes
through the same proxy as ``mockserver record``, on a loopback port, to the upstream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

import httpx

from mockserver._cassettes import cassette, network
from mockserver._cassettes.cassette import HOP_BY_HOP, CassetteFile
from mockserver._cassettes.live import LiveApp
from mockserver._cassettes.modes import DEFAULT_UPSTREAM as DEFAULT_UPSTREAM
from mockserver._cassettes.modes import MODES as MODES
from mockserver._cassettes.modes import Mode as Mode
from mockserver._cassettes.recorder import Recorder
from mockserver._control.scenarios import Stub
from mockserver._core.exchange import Outcome, RawRequest, StreamItem
from mockserver._core.pipeline import ADMIN_PREFIX, Service


def is_cassette(stub: Stub) -> bool:
    """Whether `stub` came from a cassette (an unused one is no reason to warn)."""
    return stub.source == "cassette"


class CassetteMissing(LookupError):
    """Replay-only mode and the cassette file does not exist."""


class Recording:
    """One test's cassette: loads it into `service`, and when the mode records, runs the
    recording proxy (``base_url``) whose exchanges are appended to the cassette file.

    The in-process mock hands every request to `handle`; what is to be recorded goes to the
    proxy through `network.Loopback`, which no mock routes, so the client's base URL may
    be the upstream's own (the proxy reaches the upstream the same way)."""

    def __init__(self, service: Service, path: Path, mode: Mode, upstream: str) -> None:
        if mode not in MODES:
            raise ValueError(f"--aimlapi-record must be one of {', '.join(MODES)}; got {mode!r}")
        self.service, self.path, self.mode, self.upstream = service, path, mode, upstream
        self._live: LiveApp | None = None
        self._recorder: Recorder | None = None
        self._store: CassetteFile | None = None
        self._network: network.Loopback | None = None

    def __enter__(self) -> Recording:
        exists = self.path.exists()
        if self.mode == "none" and not exists:
            raise CassetteMissing(
                f"cassette {self.path} does not exist; record it with --aimlapi-record=once "
                "(a test that sends no request needs no cassette)"
            )
        if self.mode == "all" and exists:
            self.path.unlink()
        replaying = exists and self.mode in ("none", "once", "new")
        if replaying:
            for stub in cassette.load(self.path, speed=0).stubs:
                self.service.stubs.add(stub)
            self.service.stubs.strict = self.mode != "new"
        if not replaying or self.mode == "new":
            self._store = CassetteFile(self.path)
            self._recorder = Recorder(
                self.upstream,
                self._store,
                self.service,
                replay=self.mode == "new",
                log=lambda _: None,
            )
            self._live = LiveApp(self._recorder).__enter__()
            self._network = network.Loopback()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._network is not None:
            self._network.close()
        if self._recorder is not None:
            self._recorder.wait_idle()
        if self._live is not None:
            self._live.__exit__(kind, exc, tb)

    def close(self) -> str | None:
        """End the recording (as ``__exit__``); what the test should be told, if anything:
        a recording test that sent no request has nothing to record."""
        self.__exit__(None, None, None)
        if self._store is not None and self._store.written == 0 and not self.path.exists():
            return (
                f"the test sent no request to record, so cassette {self.path} was not written "
                f"(--aimlapi-record={self.mode}); a test that calls no API needs no cassette="
            )
        return None

    @property
    def base_url(self) -> str | None:
        """The recording proxy's ``http://127.0.0.1:PORT/v1``; None when only replaying."""
        return None if self._live is None else self._live.base_url

    def handle(self, raw: RawRequest) -> Outcome:
        """For the in-process mock: forward to the recording proxy what it should record,
        let the mock answer the rest (the control plane, and in ``new`` mode what the
        cassette already answers)."""
        recorder = self._recorder
        if recorder is None or self._live is None or self._network is None:
            return self.service.handle(raw)
        if raw.path.startswith(ADMIN_PREFIX) or (
            recorder.replay and recorder.replays(raw.path, raw.body)
        ):
            return self.service.handle(raw)
        url = httpx.URL(self._live.url + raw.path, query=raw.query.encode("latin-1"))
        headers = {k: v for k, v in raw.headers.items() if k not in ("host", "content-length")}
        response = self._network.send(
            raw.method, url, headers, raw.body, network.Timeouts(10.0, 600.0)
        )
        names = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in response.headers]
        # The client frames the body itself: the proxy's framing headers would lie.
        out = {k: v for k, v in names if k not in HOP_BY_HOP and k != "content-length"}
        pieces = self._network.pieces(response)
        # The recorder journals an exchange after its last byte; waiting for that before the
        # client has all of the answer lets a test read it in the journal, as in replay.
        written = recorder.wait_idle
        if not dict(names).get("content-type", "").startswith("text/event-stream"):
            body = bytearray()
            try:
                for piece in pieces:
                    body += piece
            except network.Failure:
                return Outcome(response.status, out, stream=iter([(0.0, bytes(body)), (0.0, None)]))
            written()
            return Outcome(response.status, out, bytes(body))
        return Outcome(response.status, out, stream=_relay(pieces, written))


def _relay(pieces: Iterator[bytes], written: Callable[[], object]) -> Iterator[StreamItem]:
    tail = b""
    try:
        for piece in pieces:
            tail = (tail + piece)[-16:]
            yield 0.0, piece
        tail = b"[DONE]"  # read to the end
    except network.Failure:
        tail = b""
        yield 0.0, None  # the same cut the upstream made
    finally:
        # Clients stop reading at [DONE] and close the stream (the openai SDK does): the
        # exchange is over upstream, so its journal entry is worth the wait. A client that
        # leaves earlier does not wait for the rest of the upstream's answer.
        if tail.rstrip().endswith(b"[DONE]"):
            written()
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
