"""The agent-framework group (`make test-agents`, its own venv `.venv-agents`): DSPy,
smolagents, the OpenAI Agents SDK, Haystack and AutoGen run their agents against the live
mock in both profiles, unscripted, to their final answer.

Every framework points at the mock's loopback URL; nothing phones home (the variables
below turn telemetry and tracing off, and the hub libraries offline)."""

from __future__ import annotations

import json
import os
from typing import Any

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # DSPy's LiteLLM: no price-map fetch
os.environ["LITELLM_TELEMETRY"] = "False"
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"  # the Agents SDK exports traces to OpenAI
os.environ["HAYSTACK_TELEMETRY_ENABLED"] = "False"  # Haystack posts usage to PostHog
os.environ["HF_HUB_OFFLINE"] = "1"  # smolagents imports huggingface_hub
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["OPENAI_API_KEY"] = "sk-test-agents"

import pytest

from mockserver import MockAPI

PROFILES = [
    pytest.param(name, marks=pytest.mark.aimlapi(profile=name)) for name in ("aimlapi", "openai")
]
KEY = "sk-test-agents"
QUESTION = "What is the weather in Paris?"


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is sunny in {city}, 18 degrees Celsius."


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def server(profile: str, aimlapi_server: MockAPI) -> MockAPI:
    """The live server in `profile` (the parametrisation's marker configures it)."""
    return aimlapi_server


def calls_sent_back(server: MockAPI) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls (name, arguments) in the conversation of the last request: those the
    mock made and the framework sent back with their results."""
    return [
        (call["function"]["name"], json.loads(call["function"]["arguments"]))
        for message in server.last_request.body["messages"]
        for call in message.get("tool_calls") or ()
    ]


def pytest_configure(config: pytest.Config) -> None:
    # pyproject.toml makes every warning an error; the frameworks' own deprecation notices
    # about their dependencies are not this project's to fix.
    for line in (
        "ignore::DeprecationWarning",
        "ignore::PendingDeprecationWarning",
        "ignore:.*:pydantic.warnings.PydanticDeprecatedSince20",
        "ignore::UserWarning:dspy",
        "ignore::ResourceWarning",
    ):
        config.addinivalue_line("filterwarnings", line)
