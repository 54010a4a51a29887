"""aimlapi-mockserver: contract tests, JSON Schemas and a realistic mock of AI/ML API's
``POST /v1/chat/completions`` for o3-mini."""

from __future__ import annotations

from mockserver._adapters.asgi import create_app
from mockserver._adapters.mocking import MockAPI, mock_aimlapi
from mockserver._contract.profiles import AIMLAPI, OPENAI, Profile
from mockserver._control.assertions import asked_wait, should_retry
from mockserver._control.faults import Fault, Latency, Split, StreamFault
from mockserver._control.scenarios import Match
from mockserver._core.exchange import Config, Outcome, RawRequest
from mockserver._core.pipeline import Service
from mockserver._generation.replies import Call, Error, FromFixture, Raw, Refusal, Text, ToolCalls

__version__ = "0.1.0"

__all__ = [
    "AIMLAPI",
    "OPENAI",
    "Call",
    "Config",
    "Error",
    "Fault",
    "FromFixture",
    "Latency",
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
    "should_retry",
]
