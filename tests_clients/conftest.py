"""The client-library group (`make test-clients`, its own venv `.venv-clients`): fixtures
shared by every library's tests.

`server` is the plugin's live loopback server (`aimlapi_server`); `mock` is that and the
in-process mock (`aimlapi_mock`) in turn. Each runs once per profile and dated wire;
`profile` names it (``aimlapi``, ``openai``, ``aimlapi-2025``, ``openai-2025``)."""

from __future__ import annotations

import os

# LiteLLM fetches its model price map from the internet on import unless told to use the
# copy it ships; these tests reach loopback only.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ.setdefault("LITELLM_TELEMETRY", "False")
os.environ.setdefault("OPENAI_API_KEY", "sk-test-clients")

import pytest
from client_helpers import PROFILE_OPTIONS

from mockserver import MockAPI

PROFILES = [
    pytest.param(name, marks=pytest.mark.aimlapi(**options))
    for name, options in PROFILE_OPTIONS.items()
]


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def server(profile: str, aimlapi_server: MockAPI) -> MockAPI:
    """The live server in `profile` (the parametrisation's marker configures it)."""
    return aimlapi_server


@pytest.fixture(params=["live", "inproc"])
def mock(request: pytest.FixtureRequest, profile: str) -> MockAPI:
    """For libraries whose client is httpx: the live server, then the in-process mock (at
    https://api.aimlapi.com/v1, no socket), each in `profile`."""
    name = "aimlapi_server" if request.param == "live" else "aimlapi_mock"
    found: MockAPI = request.getfixturevalue(name)
    return found


def pytest_configure(config: pytest.Config) -> None:
    # pyproject.toml makes every warning an error. The libraries' own warnings about their
    # internals are not this project's to fix; anything else still fails.
    for line in (
        "ignore:Items? .* (is|are) using the `ReadOnly` qualifier:UserWarning",  # LiteLLM TypedDicts
    ):
        config.addinivalue_line("filterwarnings", line)
