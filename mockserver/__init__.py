"""aimlapi-mockserver: contract tests, JSON Schemas and a realistic mock of AI/ML API's
``POST /v1/chat/completions`` for o3-mini."""

from __future__ import annotations

from mockserver.app import create_app
from mockserver.pipeline import Config, Outcome, RawRequest, Service
from mockserver.profiles import AIMLAPI, OPENAI, Profile

__version__ = "0.1.0"

__all__ = [
    "AIMLAPI",
    "OPENAI",
    "Config",
    "Outcome",
    "Profile",
    "RawRequest",
    "Service",
    "__version__",
    "create_app",
]
