"""Sample data shared by the client-library tests (``from client_helpers import ...``)."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver import Call, ToolCalls

PROFILE_NAMES = ("aimlapi", "openai")
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
