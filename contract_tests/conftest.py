"""The contract suite's target: the in-process mock by default, or any OpenAI-compatible
server with ``--target-url URL --api-key KEY``, held to ``--target-profile``'s contract.
A target that cannot be reached or rejects the key fails the suite: nothing checked is
never a pass."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from mockserver import DEFAULT_BASE_URL, PROFILES, Config, Profile, Service, mock_transport
from mockserver.verify import Target, Unreachable


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
        choices=sorted(PROFILES),
        default="aimlapi",
        help="the profile whose contract the target is held to (default: aimlapi)",
    )
    group.addoption(
        "--target-examples",
        type=int,
        default=5,
        help="Hypothesis examples per property against --target-url (each is a real, billed request)",
    )


@dataclass(frozen=True)
class Subject:
    """The target, the profile it is held to, and how to draw for it."""

    target: Target
    profile: Profile
    is_mock: bool
    examples: int | None
    """Examples per property: None runs the active Hypothesis profile's count (the mock)."""

    @property
    def cheap(self) -> bool:
        """Real targets bill each request: send cheap ones."""
        return not self.is_mock


@pytest.fixture(scope="session")
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    option = request.config.getoption
    profile = PROFILES[option("--target-profile")]
    url = option("--target-url")
    if url is None:
        service = Service(Config(profile=profile, seed=1, journal_size=0))
        target = Target(DEFAULT_BASE_URL, "contract-test-key", transport=mock_transport(service))
        yield Subject(target, profile, True, None)
        target.close()
        return
    target = Target(url, option("--api-key"))
    try:
        target.probe()
    except Unreachable as exc:
        target.close()
        pytest.fail(f"--target-url: {exc}", pytrace=False)
    yield Subject(target, profile, False, option("--target-examples"))
    target.close()
