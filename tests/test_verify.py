"""`mockserver verify`: green only when a server honours the chosen profile's contract, red
with the reason otherwise, 2 when nothing can be checked; JUnit output, the budget, and
consumer contracts replayed against a server."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver import Config, Refusal, Service
from mockserver._adapters.server import LiveServer
from mockserver._cli import main as cli
from mockserver._cli import validate as validate_cli
from mockserver._contract import profiles
from mockserver._verify import budget
from mockserver.strategies import chat_requests

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONTRACT = ROOT / "examples" / "contract.json"


@pytest.fixture(scope="module", params=["aimlapi", "openai"])
def live(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    profile = profiles.get(request.param)
    with LiveServer(Service(Config(profile=profile, seed=3))) as server:
        yield server


def verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["verify", *args])
    return code, capsys.readouterr().out


def test_a_server_passes_its_own_profile_and_fails_the_other(
    live: LiveServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    own = live.service.config.profile.name
    other = "openai" if own == "aimlapi" else "aimlapi"
    report = tmp_path / "own.xml"
    args = [live.base_url, "--api-key", "k", "--examples", "2", "--seed", "1"]

    code, out = verify(capsys, *args, "--profile", own, "--junit", str(report))
    assert code == 0, out
    assert out.count("\nPASS  ") == 5 and "verdict: PASS" in out
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "0", "0")

    report = tmp_path / "other.xml"
    code, out = verify(capsys, *args, "--profile", other, "--junit", str(report))
    assert code == 1, out
    expected = profiles.get(other).success_status
    got = live.service.config.profile.success_status
    assert f"HTTP {got}, expected {expected} (the {other} profile's success status)" in out
    assert "verdict: FAIL" in out
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "5"
    failures = suite.findall("testcase/failure")
    assert len(failures) == int(suite.get("failures") or 0) == 5
    # Each failure carries the minimal failing request and the answer to it.
    assert all(
        "request: " in (f.text or "") and "response: HTTP" in (f.text or "") for f in failures
    )


def test_a_closed_port_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify(capsys, "http://127.0.0.1:9/v1", "--examples", "1")
    assert code == 2
    assert "UNREACHABLE  cannot reach http://127.0.0.1:9/v1/chat/completions" in out
    assert "Connection refused" in out or "ConnectError" in out


def test_a_rejected_key_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with LiveServer(Service(Config(api_keys=frozenset({"right"})))) as server:
        code, out = verify(capsys, server.base_url, "--api-key", "wrong")
        assert len(server.service.journal) == 1  # the probe only
    assert code == 2
    assert "rejected the API key (HTTP 401)" in out and "AIMLAPI_KEY" in out


def test_the_budget_is_announced_capped_and_a_dry_run_sends_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LiveServer(Service(Config(seed=1))) as server:
        code, out = verify(capsys, server.base_url, "--examples", "2", "--dry-run", "--seed", "4")
        assert code == 0 and len(server.service.journal) == 0
        listed = [line for line in out.splitlines() if line.startswith("  POST ")]
        assert f"dry run: {len(listed)} requests listed, none sent" in out
        assert all('"reasoning_effort": "low"' in line for line in listed if "messages" in line)

        code, out = verify(capsys, server.base_url, "--examples", "2", "--max-requests", "6")
        assert "plan: 15 requests" in out  # 2 x (1 + 1 + 1 + 2) drawn, 4 malformed, 1 probe
        assert code == 1 and "verdict: INCOMPLETE" in out and "STOP  " in out
        assert len(server.service.journal) == 6


def test_a_contract_written_by_the_examples_holds_against_the_mock_and_fails_when_broken(
    capsys: pytest.CaptureFixture[str],
) -> None:
    contract = str(EXAMPLE_CONTRACT)
    with LiveServer(Service(Config(seed=2))) as server:
        code, out = verify(capsys, server.base_url, "--contract", contract)
        assert code == 0, out
        shapes = len(json.loads(EXAMPLE_CONTRACT.read_text("utf-8"))["requests"])
        assert out.count("\nPASS  ") == shapes

        # The agent's second turn (after the tool result) now gets a refusal, a variant
        # the client's tests never tried.
        server.service.stub(Refusal(), last_role="tool")
        code, out = verify(capsys, server.base_url, "--contract", contract)
    assert code == 1, out
    assert "answered with completion 201 refusal, which the client was never tested with" in out
    assert out.count("\nFAIL  ") == 1


def test_an_unusable_contract_file_exits_2_naming_the_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "contract.json"
    broken.write_text('{"format": "aimlapi-mockserver/consumer-contract", "version": 1}')
    code, out = verify(capsys, "http://127.0.0.1:9/v1", "--contract", str(broken))
    assert code == 2
    assert "requests: is required" in out


def test_the_example_contract_is_what_the_examples_tests_write(tmp_path: Path) -> None:
    written = tmp_path / "contract.json"
    options = ["--hypothesis-profile=ci", "--aimlapi-contract", str(written)]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "examples", "-q", "-p", "no:cacheprovider", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert written.read_text("utf-8") == EXAMPLE_CONTRACT.read_text("utf-8"), (
        "examples/contract.json is stale; rewrite it with: pytest examples "
        "--hypothesis-profile=ci --aimlapi-contract examples/contract.json"
    )
    assert validate_cli.run([str(written)], None) == 0


@given(
    request=chat_requests(),
    limits=st.dictionaries(
        st.sampled_from(budget.TOKEN_LIMITS),
        st.integers(min_value=1, max_value=10**30)
        | st.floats(min_value=1, max_value=1.7e308, allow_nan=False),
    ),
)
def test_cheap_requests_stay_cheap_for_every_token_limit(
    request: dict[str, Any], limits: dict[str, Any]
) -> None:
    made = budget.cheap({**request, **limits})
    assert set(budget.TOKEN_LIMITS) >= {"max_completion_tokens", "max_tokens"}
    for name in budget.TOKEN_LIMITS:
        if name in made:
            assert made[name] <= budget.CHEAP_MAX_TOKENS, (name, made[name])
    assert made["max_completion_tokens"] <= budget.CHEAP_MAX_TOKENS
    assert budget.cheap({**request, "max_tokens": 1.4e308})["max_tokens"] == budget.CHEAP_MAX_TOKENS


def test_the_2025_wire_passes_verify_wire_2025_and_a_gateway_error_may_take_either_shape(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Either dated gateway shape keeps the aimlapi contract for an error (the wire changed
    in 2026, docs/WIRE.md §9); the envelope where the gateway speaks, or a gateway body in
    the openai profile, does not."""
    from mockserver._verify import properties
    from mockserver._verify.target import Target

    bad = {"model": "o3-mini", "messages": [], "seed": 0}
    with LiveServer(Service(Config(seed=3, wire="2025"))) as old:
        args = [old.base_url, "--api-key", "k", "--examples", "2", "--seed", "1"]
        code, out = verify(capsys, *args, "--wire", "2025")
        assert code == 0, out
        target = Target(old.base_url, "k")
        try:
            flat = properties.check_error(target, profiles.get("aimlapi"), bad)
            assert flat["statusCode"] == 400  # the 2025 shape, held to the 2026 profile
            with pytest.raises(properties.Broken, match="the OpenAI envelope"):
                properties.check_error(target, profiles.get("openai"), bad)
        finally:
            target.close()
    with LiveServer(Service(Config(seed=3))) as new:
        target = Target(new.base_url, "k")
        try:
            problem = properties.check_error(target, profiles.get("aimlapi", "2025"), bad)
            assert problem["status"] == 400
        finally:
            target.close()
