"""`MockAPI`: the in-process mock as one object, and `mock_aimlapi`, the way to start it.

The pytest fixture ``aimlapi_mock`` is `mock_aimlapi` with the marker's options; outside
pytest (or inside a Hypothesis example) use the context manager directly.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
import respx

from mockserver._adapters.transport import Adapter, Httpx2Patch, VirtualClock
from mockserver._contract import profiles
from mockserver._control import assertions
from mockserver._control.journal import Entry, Journal
from mockserver._core.pipeline import CHAT_PATHS, Config, Service

DEFAULT_BASE_URL = "https://api.aimlapi.com/v1"


class MockAPI:
    """The provider, in process. Stubs, faults and the journal are the `Service`'s."""

    def __init__(
        self, service: Service, base_urls: Sequence[str], clock: VirtualClock | None
    ) -> None:
        self.service = service
        self.base_urls = tuple(u.rstrip("/") for u in base_urls)
        self.clock = clock
        self.stub = service.stub
        self.fault = service.fault
        self.chaos = service.chaos

    @property
    def base_url(self) -> str:
        """The base URL to give clients: the first one routed to the mock, or the live
        server's ``http://127.0.0.1:PORT/v1``."""
        return self.base_urls[0]

    @property
    def url(self) -> str:
        """The base URL without its ``/v1``, for clients that spell out the whole path."""
        return self.base_url.removesuffix("/v1")

    @property
    def journal(self) -> Journal:
        return self.service.journal

    @property
    def requests(self) -> list[Entry]:
        """The chat-completion requests received so far, oldest first."""
        return self.journal.entries(lambda e: e.path.rstrip("/").endswith(CHAT_PATHS[1]))

    @property
    def last_request(self) -> Entry:
        requests = self.requests
        if not requests:
            raise LookupError("no chat-completion request has reached the mock")
        return requests[-1]

    def reset(self) -> None:
        """Clear stubs, faults and the journal (between Hypothesis examples, for instance)."""
        self.service.reset()

    def assert_retried(self, times: int, *, overshoot: float = assertions.OVERSHOOT) -> None:
        """The client retried its request exactly `times` times, each time waiting what the
        previous answer asked: at least that, and (when it asked for up to 60 s) at most
        `overshoot` seconds longer (see `mockserver.asked_wait`)."""
        assertions.assert_retried(self.requests, times, overshoot=overshoot)

    def invalid_requests(self) -> list[Entry]:
        """Requests the client sent that break the request schema."""
        return [e for e in self.requests if not e.valid]


@contextmanager
def mock_aimlapi(
    *,
    profile: str = "aimlapi",
    seed: int | None = 0,
    strict: bool = False,
    base_url: str | Sequence[str] = DEFAULT_BASE_URL,
    api_keys: Sequence[str] | None = None,
    validate: bool = True,
    **config: Any,
) -> Iterator[MockAPI]:
    """Route every httpx and httpx2 request under `base_url` to an in-process mock.

    Other URLs are untouched. Seeded by default (``seed=0``) so tests are reproducible;
    ``seed=None`` varies answers between runs. Extra keyword arguments are `Config` fields.
    On a clean exit, as the ``aimlapi_mock`` fixture does, raises AssertionError listing
    every request the client sent that breaks the request schema (``validate=False``:
    don't, for tests that send invalid requests on purpose).
    """
    clock = VirtualClock()
    service = Service(
        Config(
            profile=profiles.get(profile),
            seed=seed,
            strict=strict,
            api_keys=frozenset(api_keys) if api_keys is not None else None,
            clock=clock,
            **config,
        )
    )
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    mock = MockAPI(service, urls, clock)
    router = respx.MockRouter(assert_all_called=False, assert_all_mocked=False, using="httpx")
    httpx_adapters = [Adapter(httpx, service, clock, url) for url in mock.base_urls]
    for adapter in httpx_adapters:
        router.route(url__startswith=adapter.prefix + "/").mock(side_effect=adapter)
    router.route().pass_through()
    patch2 = None
    if importlib.util.find_spec("httpx2") is not None:
        import httpx2

        patch2 = Httpx2Patch([Adapter(httpx2, service, clock, url) for url in mock.base_urls])
    with router:
        if patch2 is not None:
            patch2.start()
        try:
            yield mock
        finally:
            if patch2 is not None:
                patch2.stop()
    if validate:  # only reached when the block raised nothing
        assertions.assert_all_valid(mock.requests)
