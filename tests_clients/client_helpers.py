"""Sample data shared by the client-library tests (``from client_helpers import ...``)."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver import Call, ToolCalls

PROFILE_OPTIONS: dict[str, dict[str, str]] = {
    "aimlapi": {"profile": "aimlapi"},
    "openai": {"profile": "openai"},
    # The dated wire before 2026 (docs/WIRE.md §9): flat gateway errors, usage only when asked.
    "aimlapi-2025": {"profile": "aimlapi", "wire": "2025"},
    "openai-2025": {"profile": "openai", "wire": "2025"},
}
"""The `profile` fixture's values, each with the marker options that select it."""
PROFILE_NAMES = tuple(PROFILE_OPTIONS)
KEY = "sk-test-clients"
WEATHER_CALL = ToolCalls((Call("get_weather", {"city": "Paris"}),))


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f'{{"city": "{city}", "temperature": 18, "unit": "celsius"}}'


def in_profile(name: str, **options: Any) -> pytest.MarkDecorator:
    """Run a test in one profile only (overrides the `profile` fixture's two), with more
    `aimlapi` marker options."""
    marks = [pytest.mark.aimlapi(profile=name, **options)]
    return pytest.mark.parametrize("profile", [pytest.param(name, marks=marks)])
