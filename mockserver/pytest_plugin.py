"""pytest plugin: ``aimlapi_mock`` (in process), ``aimlapi_server`` (live, loopback) and the
``aimlapi`` marker that configures both. The logic lives in mockserver._adapters.mocking."""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import warnings
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

from mockserver._cassettes.modes import DEFAULT_UPSTREAM, MODES  # noqa: E402

_CHECKS = ("validate", "assert_all_stubs_used")
_INI_PASSTHROUGH = "aimlapi_passthrough"


def _valid_options() -> list[str]:
    from mockserver._adapters.mocking import mock_aimlapi
    from mockserver._core.pipeline import Config

    own = [p for p in inspect.signature(mock_aimlapi).parameters if p != "config"]
    internal = ("clock", "profile", "workers", "state_dir")
    fields = [f.name for f in dataclasses.fields(Config) if f.name not in internal]
    return sorted({*own, *fields, *_CHECKS, "cassette", "test_id"})


class UnusedStubWarning(UserWarning):
    """A stub the test registered was never used."""


class UnknownFieldWarning(UserWarning):
    """The client sent keys the contract does not list but the provider tolerates (unknown
    keys inside messages): the requests were served. ``-W error::mockserver.pytest_plugin.
    UnknownFieldWarning`` turns it into a failure."""


# ---- cassettes: --aimlapi-record and the marker's cassette= (mockserver._cassettes) ------


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


@contextlib.contextmanager
def _cassette(
    request: pytest.FixtureRequest, path: Any, mock: MockAPI, *, in_process: bool
) -> Iterator[str | None]:
    """Load (and maybe record) the marker's cassette; yields the recording proxy's base URL
    when this test records, else None."""
    if path is None:
        yield None
        return
    from mockserver._cassettes import in_tests

    resolved = Path(request.node.path).parent / path
    mode = request.config.getoption("--aimlapi-record")
    upstream = request.config.getoption("--aimlapi-upstream")
    recording = in_tests.Recording(mock.service, resolved, mode, upstream)
    missing = None
    try:
        recording.__enter__()
    except in_tests.CassetteMissing as exc:
        missing = str(exc)
    if missing is not None:
        pytest.fail(f"aimlapi: {missing}", pytrace=False)
    if in_process:
        # The in-process mock's requests go through the recording (an attribute of this
        # mock's own service, gone with it at the end of the test).
        mock.service.handle = recording.handle  # type: ignore[method-assign]
    try:
        yield recording.base_url
    finally:
        note = recording.close()
    if note is not None:
        pytest.fail(f"aimlapi: {note}", pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aimlapi(profile='aimlapi', seed=0, strict=False, base_url=..., api_keys=None, passthrough=[], "
        "validate=True, assert_all_stubs_used=False, cassette=None, test_id=None): configure the aimlapi_mock and aimlapi_server "
        "fixtures",
    )


def _options(node: pytest.Item) -> dict[str, Any]:
    """The markers' options merged; the closest marker wins."""
    merged: dict[str, Any] = {}
    valid = _valid_options()
    for marker in reversed(list(node.iter_markers("aimlapi"))):
        if marker.args:
            pytest.fail(
                f"@pytest.mark.aimlapi takes keyword arguments only; got {marker.args!r}. "
                f"Valid options: {', '.join(valid)}",
                pytrace=False,
            )
        unknown = sorted(set(marker.kwargs) - set(valid))
        if unknown:
            pytest.fail(
                f"@pytest.mark.aimlapi: unknown option(s) {', '.join(unknown)}. "
                f"Valid options: {', '.join(valid)}",
                pytrace=False,
            )
        merged.update(marker.kwargs)
    return merged


def _verify(mock: MockAPI, checks: dict[str, Any]) -> None:
    from mockserver._control import assertions  # after the rewrite hook

    # Clients such as the openai SDK wrap the refusal in their own connection error; say it
    # again here so the URL and the fix are in the report whatever the client did with it.
    if mock.offline is not None and mock.offline.refused:
        refused = "\n  ".join(dict.fromkeys(mock.offline.refused))
        pytest.fail(
            f"aimlapi: the test is offline and these requests went to URLs the mock does not "
            f"route:\n  {refused}\nPoint the client at {mock.base_url}, add the URL to "
            "@pytest.mark.aimlapi(base_url=[...]), or let it through with "
            "@pytest.mark.aimlapi(passthrough=[...]) or the aimlapi_passthrough ini option.",
            pytrace=False,
        )
    from mockserver._cassettes import in_tests

    unused = [s for s in mock.service.stubs.unused() if not in_tests.is_cassette(s)]
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
    cassette = options.pop("cassette", None)
    if options.pop("test_id", None) is not None:
        pytest.fail(
            "@pytest.mark.aimlapi(test_id=...) scopes a shared live server (aimlapi_server); "
            "the in-process aimlapi_mock belongs to one test already",
            pytrace=False,
        )
    options.setdefault("passthrough", request.config.getini(_INI_PASSTHROUGH))
    if "aimlapi_server" in request.fixturenames:
        # Both fixtures in one test: the live mock is routed on purpose, not by accident.
        live = request.getfixturevalue("aimlapi_live_server")
        options["passthrough"] = [*options["passthrough"], live.url + "/"]
    from mockserver._adapters.mocking import mock_aimlapi

    with contextlib.ExitStack() as stack:
        try:
            # validate=False: _verify checks at teardown, in pytest's words
            mock = stack.enter_context(mock_aimlapi(validate=False, **options))
        except (TypeError, ValueError, KeyError) as exc:
            wrong = f"@pytest.mark.aimlapi: {exc}"
        else:
            wrong = ""
        if wrong:  # outside the except block, so the report shows no chained traceback
            pytest.fail(wrong, pytrace=False)
        with _cassette(request, cassette, mock, in_process=True):
            yield mock
        _verify(mock, checks)


@pytest.fixture(scope="session")
def aimlapi_live_server() -> Iterator[LiveServer]:
    """The session's live server (started on first use); override to change how it starts."""
    from mockserver._adapters.server import LiveServer
    from mockserver._core.pipeline import Config, Service

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
    options.pop("passthrough", None)  # a live server does not patch the client's transports
    from mockserver._adapters.mocking import MockAPI
    from mockserver._contract import profiles
    from mockserver._core.pipeline import Config

    cassette = options.pop("cassette", None)
    test_id = options.pop("test_id", None)
    service = aimlapi_live_server.service
    keys = options.pop("api_keys", None)
    service.config = Config(
        profile=profiles.get(options.pop("profile", "aimlapi")),
        seed=options.pop("seed", 0),
        api_keys=frozenset(keys) if keys is not None else None,
        **options,
    )
    service.reset()
    # test_id=True scopes by the test's node id; clients send mock.headers with each request.
    scope = request.node.nodeid if test_id is True else test_id
    mock = MockAPI(service, [aimlapi_live_server.base_url], clock=None, test_id=scope)
    try:
        with _cassette(request, cassette, mock, in_process=False) as recording:
            if recording is not None:  # this test records: clients go through the proxy
                mock = MockAPI(service, [recording], clock=None, test_id=scope)
            yield mock
        _verify(mock, checks)
    finally:
        service.reset()


# ---- consumer-driven contracts: ``pytest --aimlapi-contract FILE`` ----------------------
# The hooks carry their own names (specname) so that other blocks of this module may
# define pytest_addoption and pytest_configure too; the logic is in mockserver._verify.

_CONTRACT = pytest.StashKey[Any]()


@pytest.hookimpl(specname="pytest_addoption")
def pytest_aimlapi_contract_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("aimlapi").addoption(
        "--aimlapi-contract",
        metavar="FILE",
        default=None,
        help="write a consumer contract of what the client relied on in this session (the "
        "request shapes it sent, the response variants it was tested with) to FILE; check "
        "a provider against it with `mockserver verify URL --contract FILE`",
    )


@pytest.hookimpl(specname="pytest_configure")
def pytest_aimlapi_contract_configure(config: pytest.Config) -> None:
    path = config.getoption("--aimlapi-contract", None)
    if path:
        from mockserver._verify.session_contract import SessionContract

        config.stash[_CONTRACT] = SessionContract.start(config, str(path))


@pytest.hookimpl(specname="pytest_unconfigure")
def pytest_aimlapi_contract_unconfigure(config: pytest.Config) -> None:
    found = config.stash.get(_CONTRACT, None)
    if found is not None:
        found.finish()
