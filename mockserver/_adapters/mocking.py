"""`MockAPI`: the in-process mock as one object, and `mock_aimlapi`, the way to start it.

The pytest fixture ``aimlapi_mock`` is `mock_aimlapi` with the marker's options; outside
pytest (or inside a Hypothesis example) use the context manager directly.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from mockserver._adapters.transport import Adapter, Answerer, Httpx2Patch, Offline, VirtualClock
from mockserver._contract import profiles
from mockserver._contract.endpoint import BASE_URL
from mockserver._control import assertions
from mockserver._control.journal import Entry, Journal
from mockserver._control.scopes import HEADER
from mockserver._core.admin_guard import LOOPBACK_HOSTS, host_name
from mockserver._core.pipeline import CHAT_PATHS, Config, Service

DEFAULT_BASE_URL = BASE_URL
_T = TypeVar("_T")


class MockAPI:
    """The provider, in process. Stubs, faults and the journal are the `Service`'s."""

    def __init__(
        self,
        service: Service,
        base_urls: Sequence[str],
        clock: VirtualClock | None,
        test_id: str | None = None,
    ) -> None:
        self.service = service
        self.base_urls = tuple(u.rstrip("/") for u in base_urls)
        self.clock = clock
        self.offline: Offline | None = None
        """The in-process mock's network policy (None for a live server)."""
        self.test_id = test_id
        """The ``x-mock-test-id`` scope this mock scripts and reads (None: the shared one)."""
        self.stub = self._scoped(service.stub)
        self.fault = self._scoped(service.fault)
        self.chaos = self._scoped(service.chaos)
        self._answerer: Answerer = service.handle

    @property
    def answerer(self) -> Answerer:
        """What answers this mock's in-process requests: `Service.handle`, unless a test
        put something else in its place (`answer_with`)."""
        return self._answerer

    @contextmanager
    def answer_with(self, answerer: Answerer) -> Iterator[None]:
        """Answer in-process requests with `answerer` (a `RawRequest` in, an `Outcome`
        out) for the length of the block, then with the service again: the seam through
        which a test records its requests (``--aimlapi-record``) instead of mocking them."""
        previous, self._answerer = self._answerer, answerer
        try:
            yield
        finally:
            self._answerer = previous

    def _scoped(self, method: Callable[..., _T]) -> Callable[..., _T]:
        if self.test_id is None:
            return method

        @functools.wraps(method)
        def within(*args: Any, **kwargs: Any) -> _T:
            with self.service.scope(self.test_id):
                return method(*args, **kwargs)

        return within

    @property
    def headers(self) -> dict[str, str]:
        """The headers a client must send to reach this mock's scope (``default_headers=``);
        empty without a test id."""
        return {} if self.test_id is None else {HEADER: self.test_id}

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
        if self.test_id is None:
            return self.service.journal
        return self.service.scopes.get(self.test_id).journal

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
        """Clear stubs, faults and the journal (between Hypothesis examples, for instance);
        with a test id, that scope's only."""
        if self.test_id is None:
            self.service.reset()
        else:
            self.service.scopes.drop(self.test_id)

    def assert_retried(self, times: int, *, overshoot: float = assertions.OVERSHOOT) -> None:
        """The client retried its request exactly `times` times, each time waiting what the
        previous answer asked: at least that, and (when it asked for up to 60 s) at most
        `overshoot` seconds longer (see `mockserver.asked_wait`)."""
        assertions.assert_retried(self.requests, times, overshoot=overshoot)

    def invalid_requests(self) -> list[Entry]:
        """Requests the client sent that break the request schema."""
        return [e for e in self.requests if not e.valid]


def mock_transport(service: Service, *, base_url: str = DEFAULT_BASE_URL) -> httpx.MockTransport:
    """An httpx transport that answers every request from `service`, in process and with
    no socket, as `httpx.MockTransport` does: for a client you build yourself,
    ``httpx.Client(base_url=DEFAULT_BASE_URL, transport=mock_transport(service))``. Paths
    are read below `base_url`; scripted latency advances a virtual clock, never sleeps."""
    return httpx.MockTransport(Adapter(httpx, lambda: service.handle, VirtualClock(), base_url))


def _respx() -> Any:
    """respx, imported on first use so that ``import mockserver`` and the server do not need
    the testing extra."""
    try:
        import respx
    except ImportError:
        raise ImportError(
            "the in-process mock (mock_aimlapi, the aimlapi_mock fixture) needs respx: "
            "pip install 'aimlapi-mockserver[testing]'"
        ) from None
    return respx


@contextmanager
def mock_aimlapi(
    *,
    profile: str = "aimlapi",
    seed: int | None = 0,
    strict: bool = False,
    base_url: str | Sequence[str] = DEFAULT_BASE_URL,
    api_keys: Sequence[str] | None = None,
    passthrough: Sequence[str] = (),
    validate: bool = True,
    **config: Any,
) -> Iterator[MockAPI]:
    """Route every httpx and httpx2 request under `base_url` to an in-process mock.

    Offline by default: a request to any other URL fails with an error naming it, unless
    `passthrough` lets it through on purpose (URL prefixes such as
    ``"http://127.0.0.1:9000/"``, or host names such as ``"localhost"``). Seeded by default
    (``seed=0``) so tests are reproducible; ``seed=None`` varies answers between runs. Extra
    keyword arguments are `Config` fields.
    On a clean exit, as the ``aimlapi_mock`` fixture does, raises AssertionError listing
    every request the client sent that breaks the request schema (``validate=False``:
    don't, for tests that send invalid requests on purpose).
    """
    respx = _respx()
    clock = VirtualClock()
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    # No socket, so the admin API's Host check sees the base URL's host: allow it.
    config.setdefault(
        "allowed_hosts", LOOPBACK_HOSTS | {host_name(urlsplit(u).netloc) for u in urls}
    )
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
    mock = MockAPI(service, urls, clock)
    offline = Offline(mock.base_urls, passthrough)
    mock.offline = offline
    router = respx.MockRouter(assert_all_called=False, assert_all_mocked=False, using="httpx")

    def answerer() -> Answerer:
        return mock.answerer

    httpx_adapters = [Adapter(httpx, answerer, clock, url) for url in mock.base_urls]
    for adapter in httpx_adapters:
        router.route(url__startswith=adapter.prefix + "/").mock(side_effect=adapter)
    for item in offline.passthrough:
        if "://" in item:
            router.route(url__startswith=item).pass_through()
        else:
            host, _, port = item.partition(":")
            pattern = {"host": host, **({"port": int(port)} if port.isdigit() else {})}
            router.route(**pattern).pass_through()
    router.route().mock(side_effect=offline.refuse)
    patch2 = None
    if importlib.util.find_spec("httpx2") is not None:
        import httpx2

        patch2 = Httpx2Patch(
            [Adapter(httpx2, answerer, clock, url) for url in mock.base_urls], offline
        )
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
