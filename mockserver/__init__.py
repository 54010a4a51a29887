"""aimlapi-mockserver: contract tests, JSON Schemas and a realistic mock of AI/ML API's
``POST /v1/chat/completions`` for o3-mini."""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from mockserver._adapters.asgi import create_app
    from mockserver._adapters.mocking import DEFAULT_BASE_URL, MockAPI, mock_aimlapi, mock_transport
    from mockserver._adapters.server import LiveServer
    from mockserver._contract.profiles import AIMLAPI, OPENAI, PROFILES, Profile
    from mockserver._contract.replies import (
        Call,
        Error,
        FromFixture,
        Raw,
        Refusal,
        Text,
        ToolCalls,
    )
    from mockserver._control.assertions import asked_wait, should_retry
    from mockserver._control.faults import Fault, Latency, Split, StreamFault
    from mockserver._control.scenarios import Match
    from mockserver._core.exchange import Config, Outcome, RawRequest
    from mockserver._core.pipeline import Service

__version__ = "0.2.0"

# Imported on first use: pytest imports this package for its plugin in every session, and
# a session that never touches the mock should not pay for Starlette and jsonschema.
_HOMES = {
    "create_app": "mockserver._adapters.asgi",
    "DEFAULT_BASE_URL": "mockserver._adapters.mocking",
    "MockAPI": "mockserver._adapters.mocking",
    "mock_aimlapi": "mockserver._adapters.mocking",
    "mock_transport": "mockserver._adapters.mocking",
    "LiveServer": "mockserver._adapters.server",
    "AIMLAPI": "mockserver._contract.profiles",
    "OPENAI": "mockserver._contract.profiles",
    "PROFILES": "mockserver._contract.profiles",
    "Profile": "mockserver._contract.profiles",
    "Fault": "mockserver._control.faults",
    "Latency": "mockserver._control.faults",
    "StreamFault": "mockserver._control.faults",
    "Split": "mockserver._control.faults",
    "asked_wait": "mockserver._control.assertions",
    "should_retry": "mockserver._control.assertions",
    "Match": "mockserver._control.scenarios",
    "Config": "mockserver._core.exchange",
    "Outcome": "mockserver._core.exchange",
    "RawRequest": "mockserver._core.exchange",
    "Service": "mockserver._core.pipeline",
    "Call": "mockserver._contract.replies",
    "Error": "mockserver._contract.replies",
    "FromFixture": "mockserver._contract.replies",
    "Raw": "mockserver._contract.replies",
    "Refusal": "mockserver._contract.replies",
    "Text": "mockserver._contract.replies",
    "ToolCalls": "mockserver._contract.replies",
}


def __getattr__(name: str) -> _typing.Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    # Not cached here: a module imported again (pytester's in-process runs drop what they
    # imported) must give its new classes, or isinstance checks mix two generations.
    return getattr(_importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


__all__ = [
    "AIMLAPI",
    "DEFAULT_BASE_URL",
    "OPENAI",
    "PROFILES",
    "Call",
    "Config",
    "Error",
    "Fault",
    "FromFixture",
    "Latency",
    "LiveServer",
    "Match",
    "MockAPI",
    "Outcome",
    "Profile",
    "Raw",
    "RawRequest",
    "Refusal",
    "Service",
    "Split",
    "StreamFault",
    "Text",
    "ToolCalls",
    "__version__",
    "asked_wait",
    "create_app",
    "mock_aimlapi",
    "mock_transport",
    "should_retry",
]
