"""Sample data shared by the client-library tests (``from client_helpers import ...``)."""

from __future__ import annotations

from mockserver import Call, ToolCalls

KEY = "sk-test-clients"
WEATHER_CALL = ToolCalls((Call("get_weather", {"city": "Paris"}),))


def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f'{{"city": "{city}", "temperature": 18, "unit": "celsius"}}'
