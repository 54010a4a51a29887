"""``pytest --aimlapi-contract FILE`` as users run it: under pytest-xdist the contract holds
every worker's requests and answers; negative tests (faults, scripted errors, broken
streams) do not widen it, so ``verify --contract`` fails a provider that cuts streams."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockserver import Config, Fault, Service, StreamFault
from mockserver._adapters.server import LiveServer
from mockserver._cli import main as cli
from mockserver._verify import consumer

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONTRACT = ROOT / "examples" / "contract.json"

pytest_plugins = ["pytester"]


def _shapes(contract: dict[str, Any]) -> dict[str, int]:
    return {json.dumps(r["shape"], sort_keys=True): r["count"] for r in contract["requests"]}


def test_under_xdist_the_contract_is_the_union_of_every_worker(tmp_path: Path) -> None:
    written = tmp_path / "contract.json"
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "examples", "-q", "-p", "no:cacheprovider",
            "-n", "2", "--hypothesis-profile=ci", "--aimlapi-contract", str(written),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:]
    assert "bringing up nodes" in result.stdout  # the tests ran in xdist workers
    union = json.loads(written.read_text("utf-8"))
    single = json.loads(EXAMPLE_CONTRACT.read_text("utf-8"))  # the same tests, one process
    assert union["requests"], "the contract is empty"
    assert _shapes(union) == _shapes(single)
    assert union["responses"] == single["responses"]
    assert union["negative"] == single["negative"]
    assert cli.main(["validate", str(written)]) == 0


def test_union_sums_counts_keeps_the_first_example_and_every_variant() -> None:
    shape = {"model": "o3-mini", "stream": False}
    a = {
        "requests": [{"shape": shape, "example": {"n": 1}, "count": 2}],
        "responses": [{"kind": "completion", "status": 201, "answer": "text"}],
        "negative": [],
    }
    b = {
        "requests": [{"shape": shape, "example": {"n": 2}, "count": 3}],
        "responses": [{"kind": "error", "status": 400, "shape": "gateway"}],
        "negative": [{"kind": "error", "status": 503, "shape": "gateway"}],
    }
    joined = consumer.union([a, b])
    assert joined["requests"] == [{"shape": shape, "example": {"n": 1}, "count": 5}]
    assert len(joined["responses"]) == 2 and len(joined["negative"]) == 1


SUITE = """
import httpx, pytest
from mockserver import Fault, StreamFault

HI = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hi"}]}
STREAM = {**HI, "stream": True}

def post(mock, body):
    try:
        r = httpx.post(mock.base_url + "/chat/completions", json=body,
                       headers={"authorization": "Bearer k"})
    except httpx.HTTPError:  # a dropped stream
        return 0, b""
    return r.status_code, r.content

def test_happy(aimlapi_mock):
    assert post(aimlapi_mock, HI)[0] == 201
    assert post(aimlapi_mock, STREAM)[0] == 201

def test_survives_a_cut_stream(aimlapi_mock):
    aimlapi_mock.fault(Fault(stream=StreamFault(cut_after=2)))
    post(aimlapi_mock, STREAM)

def test_survives_a_dropped_stream(aimlapi_mock):
    aimlapi_mock.fault(Fault(stream=StreamFault(drop_after=1)))
    post(aimlapi_mock, STREAM)

def test_survives_a_503(aimlapi_mock):
    aimlapi_mock.fault(status=503)
    assert post(aimlapi_mock, HI)[0] == 503

def test_reports_a_scripted_429(aimlapi_mock):
    from mockserver import Error
    aimlapi_mock.stub(Error(429))
    assert post(aimlapi_mock, HI)[0] == 429
"""


def test_negative_tests_do_not_widen_the_contract(
    pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    pytester.makepyfile(SUITE)
    written = pytester.path / "contract.json"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-p", "no:xdist", "--aimlapi-contract", str(written)
    )
    result.assert_outcomes(passed=5)
    contract = json.loads(written.read_text("utf-8"))
    accepted = {consumer.response_variants.describe(v) for v in contract["responses"]}
    apart = {consumer.response_variants.describe(v) for v in contract["negative"]}
    assert {v.partition(" (")[0] for v in accepted} == {"completion 201 text", "stream 201 text"}
    assert not any(broken in v for v in accepted for broken in ("no_done", "dropped", "error"))
    assert {v for v in apart if v.startswith("error")} == {"error 503 problem", "error 429 problem"}
    assert any("no_done" in v for v in apart) and any("dropped" in v for v in apart)

    # A provider that cuts every stream fails the stream shape: the client only ever met a
    # cut stream as a scripted fault.
    with LiveServer(Service(Config(seed=1))) as provider:
        provider.service.chaos(1.0, Fault(stream=StreamFault(cut_after=2)))
        capsys.readouterr()
        assert cli.main(["verify", provider.base_url, "--contract", str(written)]) == 1
        out = capsys.readouterr().out
    assert "which the client met only in its negative tests" in out
    assert "FAIL  o3-mini stream user" in out


def test_an_empty_contract_is_flagged_and_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "contract.json"
    consumer.write(empty, consumer.union([]))
    assert cli.main(["validate", str(empty)]) == 1
    assert "requests: must have at least 1 item(s); got 0" in capsys.readouterr().out
    with LiveServer(Service(Config(seed=1))) as provider:
        assert cli.main(["verify", provider.base_url, "--contract", str(empty)]) == 2
        out = capsys.readouterr().out
        assert len(provider.service.journal) == 0  # not even the probe
    assert "the contract holds no request shape, so there is nothing to verify" in out
