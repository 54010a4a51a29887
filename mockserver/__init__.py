"""aimlapi-mockserver: contract tests, JSON Schemas and a realistic mock of AI/ML API's
``POST /v1/chat/completions`` for o3-mini."""

from __future__ import annotations

from mockserver.app import create_app
from mockserver.exchange import Config, Outcome, RawRequest
from mockserver.faults import Fault, Latency, StreamFault
from mockserver.mocking import MockAPI, mock_aimlapi
from mockserver.pipeline import Service
from mockserver.profiles import AIMLAPI, OPENAI, Profile
from mockserver.scenarios import Call, Error, FromFixture, Match, Raw, Refusal, Text, ToolCalls

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
    "StreamFault",
    "Text",
    "ToolCalls",
    "__version__",
    "create_app",
    "mock_aimlapi",
]
