"""pytest plugin: ``aimlapi_mock`` (in process), ``aimlapi_server`` (live, loopback) and the
``aimlapi`` marker that configures both. Hooks and fixtures only: what they do lives in
mockserver._plugin (options, teardown checks, cassettes) and the modules it names."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

pytest.register_assert_rewrite("mockserver._control.assertions")

# The mock itself is imported by the fixtures, on first use: pytest imports this plugin in
# every session of every project that installs the package, used or not.
if TYPE_CHECKING:
    from mockserver._adapters.mocking import MockAPI
    from mockserver._adapters.server import LiveServer
    from mockserver._plugin.options import MarkerOptions

from mockserver._cassettes.modes import DEFAULT_UPSTREAM, MODES  # noqa: E402
from mockserver._plugin.warning_types import UnknownFieldWarning, UnusedStubWarning  # noqa: E402

_INI_PASSTHROUGH = "aimlapi_passthrough"
_CONTRACT = pytest.StashKey[Any]()

__all__ = ["UnknownFieldWarning", "UnusedStubWarning"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        _INI_PASSTHROUGH,
        "URL prefixes or host names that aimlapi_mock lets through to the network "
        "(every other unrouted request fails)",
        type="linelist",
        default=[],
    )
    group = parser.getgroup("aimlapi", "aimlapi-mockserver")
    group.addoption(
        "--aimlapi-record",
        choices=MODES,
        default="none",
        help="cassettes (@pytest.mark.aimlapi(cassette=...)): none replays only (default); "
        "once records a missing cassette; new records what no cassette answers; all re-records",
    )
    group.addoption(
        "--aimlapi-upstream",
        default=DEFAULT_UPSTREAM,
        metavar="URL",
        help="where cassettes are recorded from (default: %(default)s); the client's own "
        "key is forwarded, never written",
    )
    group.addoption(
        "--aimlapi-contract",
        metavar="FILE",
        default=None,
        help="write a consumer contract of what the client relied on in this session (the "
        "request shapes it sent, the response variants it was tested with) to FILE; check "
        "a provider against it with `mockserver verify URL --contract FILE`",
    )


def pytest_configure(config: pytest.Config) -> None:
    from mockserver._plugin.options import signature

    config.addinivalue_line(
        "markers", f"{signature()}: configure the aimlapi_mock and aimlapi_server fixtures"
    )
    path = config.getoption("--aimlapi-contract", None)
    if path:
        from mockserver._verify.session_contract import SessionContract

        config.stash[_CONTRACT] = SessionContract.start(config, str(path))


def pytest_unconfigure(config: pytest.Config) -> None:
    found = config.stash.get(_CONTRACT, None)
    if found is not None:
        found.finish()


def _options(request: pytest.FixtureRequest) -> MarkerOptions:
    from mockserver._plugin.options import MarkerOptions, OptionsError

    markers = [(m.args, m.kwargs) for m in request.node.iter_markers("aimlapi")]
    try:
        return MarkerOptions.merged(markers)
    except OptionsError as exc:
        wrong = str(exc)
    pytest.fail(wrong, pytrace=False)


def _finish(mock: MockAPI, options: MarkerOptions) -> None:
    from mockserver._plugin import teardown

    failure = teardown.failure(
        mock, validate=options.validate, assert_all_stubs_used=options.assert_all_stubs_used
    )
    if failure is not None:
        pytest.fail(failure, pytrace=False)


def _entered(stack: contextlib.ExitStack, context: Any, prefix: str) -> Any:
    """`stack.enter_context(context)`; a usage error fails the test with its message."""
    from mockserver._plugin.cassettes import CassetteMissing

    try:
        return stack.enter_context(context)
    except (TypeError, ValueError, KeyError, CassetteMissing) as exc:
        wrong = f"{prefix}{exc}"
    pytest.fail(wrong, pytrace=False)  # outside the except block: no chained traceback


def _closed(stack: contextlib.ExitStack) -> None:
    """Close `stack`; a recording test that sent no request fails with the plain reason."""
    from mockserver._plugin.cassettes import NothingRecorded

    try:
        stack.close()
    except NothingRecorded as exc:
        note = str(exc)
    else:
        return
    pytest.fail(f"aimlapi: {note}", pytrace=False)  # outside the except block: no chain


def _cassette(
    request: pytest.FixtureRequest, mock: MockAPI, options: MarkerOptions, *, in_process: bool
) -> Any:
    """The test's cassette in use (a context yielding the recording's base URL or None)."""
    if options.cassette is None:
        return contextlib.nullcontext(None)
    from mockserver._plugin import cassettes

    return cassettes.used(
        mock,
        Path(request.node.path).parent / options.cassette,
        request.config.getoption("--aimlapi-record"),
        request.config.getoption("--aimlapi-upstream"),
        in_process=in_process,
    )


@pytest.fixture
def aimlapi_mock(request: pytest.FixtureRequest) -> Iterator[MockAPI]:
    """The provider in process: httpx and httpx2 clients (the openai SDK among them) that
    call https://api.aimlapi.com/v1 reach the mock, with no socket. Fails the test at
    teardown if the client sent a request that breaks the request schema."""
    from mockserver._adapters.mocking import mock_aimlapi

    options = _options(request)
    if options.test_id is not None:
        pytest.fail(
            "@pytest.mark.aimlapi(test_id=...) scopes a shared live server (aimlapi_server); "
            "the in-process aimlapi_mock belongs to one test already",
            pytrace=False,
        )
    passthrough = list(options.passthrough or ())
    if options.passthrough is None:  # the marker's list replaces the ini option's
        passthrough = list(request.config.getini(_INI_PASSTHROUGH))
    if "aimlapi_server" in request.fixturenames:
        # Both fixtures in one test: the live mock is routed on purpose, not by accident.
        passthrough.append(request.getfixturevalue("aimlapi_live_server").url + "/")
    options = dataclasses.replace(options, passthrough=passthrough)
    with contextlib.ExitStack() as stack:
        started = mock_aimlapi(**options.mock_arguments())
        mock = _entered(stack, started, "@pytest.mark.aimlapi: ")
        _entered(stack, _cassette(request, mock, options, in_process=True), "aimlapi: ")
        yield mock
        _closed(stack)  # the cassette first: what it recorded belongs to this test
        _finish(mock, options)


@pytest.fixture(scope="session")
def aimlapi_live_server() -> Iterator[LiveServer]:
    """The session's live server (started on first use). Override it to start it another
    way: each test starts from the `Config` it was started with, and its markers' options."""
    from mockserver._adapters.server import LiveServer
    from mockserver._core.pipeline import Config, Service

    with LiveServer(Service(Config(seed=0))) as server:
        yield server


@pytest.fixture
def aimlapi_server(
    request: pytest.FixtureRequest, aimlapi_live_server: LiveServer
) -> Iterator[MockAPI]:
    """A real HTTP server on a free 127.0.0.1 port, for any client (``.base_url``), reset
    before each test. The marker's options apply, except ``base_url`` and ``passthrough``."""
    from mockserver._adapters.mocking import MockAPI

    options = _options(request)
    service = aimlapi_live_server.service
    wrong = ""
    try:
        service.reconfigure(options.live_config(base=aimlapi_live_server.config))
    except (TypeError, ValueError, KeyError) as exc:
        wrong = f"@pytest.mark.aimlapi: {exc}"
    if wrong:
        pytest.fail(wrong, pytrace=False)
    # test_id=True scopes by the test's node id; clients send mock.headers with each request.
    scope = request.node.nodeid if options.test_id is True else options.test_id or None
    mock = MockAPI(service, [aimlapi_live_server.base_url], clock=None, test_id=scope)
    try:
        with contextlib.ExitStack() as stack:
            cassette = _cassette(request, mock, options, in_process=False)
            recording = _entered(stack, cassette, "aimlapi: ")
            if recording is not None:  # this test records: clients go through the proxy
                mock = MockAPI(service, [recording], clock=None, test_id=scope)
            yield mock
            _closed(stack)
        _finish(mock, options)
    finally:
        service.reset()
