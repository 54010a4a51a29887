"""The contract suite's target: the in-process mock by default, or any OpenAI-compatible
server with ``--target-url URL --api-key KEY``."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from contract_tests.target import Target
from mockserver import Config, Service
from mockserver._adapters.mocking import DEFAULT_BASE_URL
from mockserver._adapters.transport import Adapter, VirtualClock
from mockserver._contract import profiles


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("aimlapi-contract", "AI/ML API contract suite")
    group.addoption(
        "--target-url",
        default=None,
        help="run the provider contract against this base URL (e.g. https://api.aimlapi.com/v1) "
        "instead of the in-process mock",
    )
    group.addoption(
        "--api-key",
        default=os.environ.get("AIMLAPI_KEY", ""),
        help="bearer key for --target-url (default: $AIMLAPI_KEY)",
    )
    group.addoption(
        "--target-profile",
        choices=sorted(profiles.PROFILES),
        default="aimlapi",
        help="which provider's shapes the target answers in (default: aimlapi)",
    )
    group.addoption(
        "--target-examples",
        type=int,
        default=5,
        help="Hypothesis examples per property against --target-url (each is a real, billed request)",
    )


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Where the provider contract sends its requests; skipped with the reason when a
    given target cannot be reached."""
    option = request.config.getoption
    profile = profiles.get(option("--target-profile"))
    url = option("--target-url")
    if url is None:
        service = Service(Config(profile=profile, seed=1, journal_size=0))
        adapter = Adapter(httpx, service, VirtualClock(), DEFAULT_BASE_URL)
        with httpx.Client(transport=httpx.MockTransport(adapter), timeout=30) as client:
            yield Target(DEFAULT_BASE_URL, "contract-test-key", profile, True, None, client)
        return
    key = option("--api-key")
    with httpx.Client(timeout=120) as client:
        try:
            # An empty body: the key is checked before the body, and a 400 costs nothing.
            answer = client.post(
                url.rstrip("/") + "/chat/completions",
                json={},
                headers={"authorization": f"Bearer {key}"},
            )
        except httpx.HTTPError as exc:
            pytest.skip(f"--target-url {url} is not reachable: {exc!r}")
        if answer.status_code in (401, 403):
            pytest.skip(
                f"--target-url {url} rejected the API key (HTTP {answer.status_code}); pass --api-key or set AIMLAPI_KEY"
            )
        yield Target(url.rstrip("/"), key, profile, False, option("--target-examples"), client)
