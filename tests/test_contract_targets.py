"""The provider contract runs against any URL on demand, holds it to --target-profile, and
fails, never passes or skips, when the target cannot be checked."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockserver import Config, Service
from mockserver._adapters.server import LiveServer

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = "contract_tests/test_provider_contract.py"


def run_contract(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", PROVIDER, "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(Service(Config(seed=5))) as server:
        yield server


def test_an_unreachable_target_fails_every_provider_test_with_the_reason() -> None:
    result = run_contract("--target-url", "http://127.0.0.1:9/v1")
    assert result.returncode == 1, result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert "passed" not in last and "skipped" not in last
    assert "cannot reach http://127.0.0.1:9/v1/chat/completions" in result.stdout


def test_a_server_in_another_profile_fails_the_chosen_profiles_contract(live: LiveServer) -> None:
    result = run_contract(
        "--target-url", live.base_url, "--api-key", "k", "--target-examples", "2",
        "--target-profile", "openai",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert "HTTP 201, expected 200 (the openai profile's success status)" in result.stdout
    assert "the openai profile answers this in the OpenAI envelope" in result.stdout
