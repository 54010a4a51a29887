"""pytest plugin: ``aimlapi_mock`` (in process), ``aimlapi_server`` (live, loopback) and the
``aimlapi`` marker that configures both. The logic lives in mockserver._adapters.mocking."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

pytest.register_assert_rewrite("mockserver._control.assertions")

from mockserver._adapters.mocking import MockAPI, mock_aimlapi  # noqa: E402
from mockserver._adapters.server import LiveServer  # noqa: E402
from mockserver._contract import profiles  # noqa: E402
from mockserver._control import assertions  # noqa: E402  (after the rewrite hook)
from mockserver._core.pipeline import Config, Service  # noqa: E402

_CHECKS = ("validate", "assert_all_stubs_used")


class UnusedStubWarning(UserWarning):
    """A stub the test registered was never used."""


class UnknownFieldWarning(UserWarning):
    """The client sent keys the contract does not list but the provider tolerates (unknown
    keys inside messages): the requests were served. ``-W error::mockserver.pytest_plugin.
    UnknownFieldWarning`` turns it into a failure."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aimlapi(profile='aimlapi', seed=0, strict=False, base_url=..., api_keys=None, validate=True, "
        "assert_all_stubs_used=False): configure the aimlapi_mock and aimlapi_server fixtures",
    )


def _options(node: pytest.Item) -> dict[str, Any]:
    """The markers' options merged; the closest marker wins."""
    merged: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers("aimlapi"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.aimlapi takes keyword arguments only")
        merged.update(marker.kwargs)
    return merged


def _verify(mock: MockAPI, checks: dict[str, Any]) -> None:
    unused = mock.service.stubs.unused()
    if unused:
        names = ", ".join(s.describe() for s in unused)
        if checks.get("assert_all_stubs_used", False):
            pytest.fail(f"aimlapi: stub(s) never used: {names}", pytrace=False)
        warnings.warn(UnusedStubWarning(f"aimlapi: stub(s) never used: {names}"), stacklevel=1)
    if checks.get("validate", True):
        tolerated = [
            f"request #{e.seq} {e.method} {e.path}: {w}" for e in mock.requests for w in e.warnings
        ]
        if tolerated:
            listed = "\n  ".join(tolerated)
            warnings.warn(
                UnknownFieldWarning(
                    f"aimlapi: the client sent keys outside the contract, which the provider "
                    f"ignores (docs/WIRE.md §1):\n  {listed}"
                ),
                stacklevel=1,
            )
        try:
            assertions.assert_all_valid(mock.requests)
        except AssertionError as exc:
            pytest.fail(
                f"aimlapi: {exc}\n(opt out with @pytest.mark.aimlapi(validate=False))",
                pytrace=False,
            )


@pytest.fixture
def aimlapi_mock(request: pytest.FixtureRequest) -> Iterator[MockAPI]:
    """The provider in process: httpx and httpx2 clients (the openai SDK among them) that
    call https://api.aimlapi.com/v1 reach the mock, with no socket. Fails the test at
    teardown if the client sent a request that breaks the request schema."""
    options = _options(request.node)
    checks = {k: options.pop(k) for k in _CHECKS if k in options}
    with mock_aimlapi(**options) as mock:
        yield mock
        _verify(mock, checks)


@pytest.fixture(scope="session")
def aimlapi_live_server() -> Iterator[LiveServer]:
    """The session's live server (started on first use); override to change how it starts."""
    with LiveServer(Service(Config(seed=0))) as server:
        yield server


@pytest.fixture
def aimlapi_server(
    request: pytest.FixtureRequest, aimlapi_live_server: LiveServer
) -> Iterator[MockAPI]:
    """A real HTTP server on a free 127.0.0.1 port, for any client (``.base_url``), reset
    before each test. The marker's options apply, except ``base_url``."""
    options = _options(request.node)
    checks = {k: options.pop(k) for k in _CHECKS if k in options}
    options.pop("base_url", None)
    service = aimlapi_live_server.service
    keys = options.pop("api_keys", None)
    service.config = Config(
        profile=profiles.get(options.pop("profile", "aimlapi")),
        seed=options.pop("seed", 0),
        api_keys=frozenset(keys) if keys is not None else None,
        **options,
    )
    service.reset()
    mock = MockAPI(service, [aimlapi_live_server.base_url], clock=None)
    try:
        yield mock
        _verify(mock, checks)
    finally:
        service.reset()
