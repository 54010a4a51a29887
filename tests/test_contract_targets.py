"""The provider contract runs against any URL on demand, and skips, never passes, without one."""

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


def test_an_unreachable_target_skips_every_provider_test_with_the_reason() -> None:
    result = run_contract("--target-url", "http://127.0.0.1:9/v1")
    assert result.returncode == 0, result.stdout
    assert "passed" not in result.stdout.splitlines()[-1]
    assert "is not reachable" in result.stdout


def test_a_target_that_rejects_the_key_is_skipped_with_the_reason(live: LiveServer) -> None:
    live.service.config.api_keys = frozenset({"the-right-key"})
    try:
        result = run_contract("--target-url", live.base_url, "--api-key", "a-wrong-key")
    finally:
        live.service.config.api_keys = None
    assert "rejected the API key (HTTP 401)" in result.stdout


def test_the_provider_contract_runs_against_a_live_server_by_url(live: LiveServer) -> None:
    result = run_contract("--target-url", live.base_url, "--api-key", "k", "--target-examples", "3")
    assert result.returncode == 0, result.stdout[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    assert "passed" in last and "failed" not in last
    # The seed-determinism property is mock-only; against a URL it says why it skipped.
    assert "seed is best-effort" in result.stdout
