"""`mockserver drift DIR`: every drift category is reported, and the exit status follows the
contract. The cassettes are recorded once, through the recorder, from a scripted upstream."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import upstreams
from helpers import ask, post, transcript
from hypothesis import given
from hypothesis import strategies as st

from mockserver import Config, Service
from mockserver._adapters.server import LiveServer
from mockserver._cassettes import cassette
from mockserver._cassettes import drift as drift_module
from mockserver._cassettes.capture import Capture
from mockserver._cassettes.cassette import CassetteDir, Exchange
from mockserver._cassettes.live import LiveApp
from mockserver._cassettes.recorder import Recorder
from mockserver._cli import main as cli
from mockserver._contract import profiles
from mockserver.strategies import chat_requests, invalid_chat_requests

MODES = {
    "hello": ask("hello"),
    "hello-stream": ask("hello", stream=True),
    "extra": ask("extra"),
    "missing": ask("missing"),
    "type": ask("type"),
    "status200": ask("status200"),
    "broken": ask("broken", stream=True),
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One cassette file per mode."""
    folder = tmp_path_factory.mktemp("recorded")
    recorder = Recorder(
        "http://upstream.invalid", CassetteDir(folder), Service(Config()), log=lambda _: None
    )
    with LiveApp(upstreams.app) as upstream:
        recorder.upstream = httpx.URL(upstream.base_url)
        with LiveApp(recorder) as live:
            for body in MODES.values():
                httpx.post(
                    live.base_url + "/chat/completions",
                    json=body,
                    headers={"authorization": "Bearer k-123456"},
                )
    files = sorted(folder.glob("*.json"))
    assert len(files) == len(MODES)
    return dict(zip(MODES, files, strict=True))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


def drift(
    capsys: pytest.CaptureFixture[str], folder: Path, *args: str
) -> tuple[int, dict[str, Any]]:
    code = cli.main(["drift", str(folder), "--json", *args])
    return code, json.loads(capsys.readouterr().out)


def _only(recorded: dict[str, Path], folder: Path, *modes: str) -> Path:
    for mode in modes:
        shutil.copy(recorded[mode], folder / recorded[mode].name)
    return folder


def test_exchanges_that_keep_the_contract_exit_0_and_match_the_mock(
    recorded: dict[str, Path], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = drift(capsys, _only(recorded, folder, "hello", "hello-stream"))
    assert code == 0 and report["broken"] == 0
    for exchange in report["exchanges"]:
        assert exchange["ok"] and not exchange["contract"] and not exchange["unknown_fields"]
        assert not any(exchange["mock"].values()), exchange["mock"]


def test_unknown_fields_are_listed_without_failing_the_contract(
    recorded: dict[str, Path], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = drift(capsys, _only(recorded, folder, "extra"))
    (exchange,) = report["exchanges"]
    assert code == 0
    assert exchange["unknown_fields"] == ["choices[].message.mood", "surprise"]
    assert "surprise" in exchange["mock"]["only_in_provider"]


def test_a_missing_field_breaks_the_contract_and_shows_in_the_mock_comparison(
    recorded: dict[str, Path], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = drift(capsys, _only(recorded, folder, "missing"))
    (exchange,) = report["exchanges"]
    assert code == 1 and report["broken"] == 1
    assert any("created" in m for m in exchange["missing_fields"])
    assert exchange["mock"]["only_in_mock"] == ["created"]


def test_a_changed_type_is_reported_as_such(
    recorded: dict[str, Path], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = drift(capsys, _only(recorded, folder, "type"))
    (exchange,) = report["exchanges"]
    assert code == 1
    assert any(t.startswith("body.created") for t in exchange["changed_types"])
    assert exchange["mock"]["types"] == ["created: provider string, mock number"]


def test_a_wrong_status_and_a_broken_stream_fail_and_the_table_says_where(
    recorded: dict[str, Path], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _only(recorded, folder, "status200", "broken", "hello")
    assert cli.main(["drift", str(folder)]) == 1
    table = capsys.readouterr().out
    assert "3 exchange(s), 2 break the aimlapi contract" in table
    assert "status is 200; the aimlapi profile answers a completion with 201" in table
    assert "never received a finish_reason (the stream ended without data: [DONE])" in table
    assert "data is not JSON" in table
    code, report = drift(capsys, folder)
    assert code == 1 and [e["ok"] for e in report["exchanges"]].count(False) == 2
    broken = [e for e in report["exchanges"] if e["outcome"] == "cut"]
    assert len(broken) == 1 and not broken[0]["ok"]


def test_the_other_profile_judges_the_same_cassettes_differently(
    recorded: dict[str, Path], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = drift(capsys, _only(recorded, folder, "hello"), "--profile", "openai")
    assert code == 1
    assert "status is 201" in report["exchanges"][0]["contract"][0]
    assert report["exchanges"][0]["mock"]["status"] == "provider 201, mock 200"


def test_cassettes_are_scenario_files_editable_by_hand(
    recorded: dict[str, Path], folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _only(recorded, folder, "hello-stream") / recorded["hello-stream"].name
    document = json.loads(path.read_text())
    document["stubs"][0]["reply"]["raw"]["headers"]["x-provider-thing"] = "1"
    path.write_text(json.dumps(document))
    assert cli.main(["validate", str(folder)]) == 0
    assert ": ok (stubs)" in capsys.readouterr().out
    code, report = drift(capsys, folder)
    assert code == 0
    assert report["exchanges"][0]["mock"]["headers_only_in_provider"] == ["x-provider-thing"]

    document["stubs"][0]["reply"]["raw"]["chunks"][0]["at"] = "soon"
    path.write_text(json.dumps(document))
    capsys.readouterr()
    assert cli.main(["validate", str(folder)]) == 1
    assert cli.main(["drift", str(folder)]) == 2
    assert "stubs[0].reply.raw.chunks[0].at" in capsys.readouterr().err


# ---- the mock's own recordings: nothing to report ------------------------------------------


@pytest.fixture(scope="module", params=["aimlapi", "openai"])
def recording_the_mock(request: pytest.FixtureRequest) -> Iterator[tuple[Recorder, LiveApp, str]]:
    profile = profiles.get(request.param)
    with LiveServer(Service(Config(profile=profile, seed=11))) as mock:
        recorder = Recorder(
            mock.base_url, None, Service(Config(profile=profile)), log=lambda _: None
        )
        with LiveApp(recorder) as live:
            yield recorder, live, request.param


@st.composite
def drawn_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Streams with and without include_usage, tools, n > 1, and invalid requests (errors)."""
    kind = draw(st.sampled_from(["stream", "usage", "tools", "n", "any", "invalid"]))
    if kind == "invalid":
        request: dict[str, Any] = draw(invalid_chat_requests())[0]
        return request
    request = draw(
        chat_requests(stream=kind in ("stream", "usage") or None, tools=kind == "tools" or None)
    )
    if kind == "usage":
        request["stream_options"] = {"include_usage": True}
    if kind == "n":
        request["n"] = draw(st.integers(2, 4))
    return request


@given(body=drawn_requests())
def test_drift_reports_nothing_on_the_mock_s_own_recordings(
    recording_the_mock: tuple[Recorder, LiveApp, str], body: dict[str, Any]
) -> None:
    recorder, live, profile = recording_the_mock
    with tempfile.TemporaryDirectory() as folder:
        recorder.store = CassetteDir(folder)
        httpx.post(
            live.base_url + "/chat/completions",
            json=body,
            headers={"authorization": "Bearer k-123456"},
            timeout=30,
        )
        assert recorder.wait_idle(30)
        (finding,) = drift_module.report(folder, profiles.get(profile))
    assert finding.ok, finding.contract
    assert finding.unknown_fields == []
    assert finding.missing_fields == []
    assert finding.changed_types == []
    assert not finding.mock, json.dumps([str(finding.mock), body])  # "same shape"


PROVIDER_2026 = Path(__file__).resolve().parent / "data" / "aimlapi-2026-03-gpt-4o-stream.sse"


@pytest.mark.parametrize("replay", [False, True], ids=["drift", "replayed"])
def test_the_providers_2026_transcript_drift_checks_clean_against_the_default_profile(
    folder: Path, capsys: pytest.CaptureFixture[str], replay: bool
) -> None:
    """The raw stream of aimlapi/api-docs' quickstart (docs/WIRE.md §3; no stream_options,
    yet usage on every chunk and the usage chunk last, no [DONE]), as a cassette of an
    o3-mini request so the mock can answer the same: it keeps the contract, has no field
    the schemas do not know, and the mock's answer has its very shape. Replayed by
    ``serve --cassettes``, the client gets the recorded bytes back."""
    events = [e + b"\n\n" for e in PROVIDER_2026.read_bytes().split(b"\n\n") if e]
    request = ask("Hi! What do you think about mankind?", stream=True)
    exchange = Exchange(
        "POST", "/v1/chat/completions", "", {"authorization": "Bearer k"},
        json.dumps(request).encode(), "https://api.aimlapi.com/v1", "aimlapi", status=201,
        response_headers={"content-type": "text/event-stream"},
    )  # fmt: skip
    exchange.capture = Capture(stream=True)
    for i, event in enumerate(events):
        exchange.capture.add(event, 0.01 * i)
    path = CassetteDir(folder).write(exchange)
    if replay:
        service = Service(Config(), scenario=cassette.load(path, speed=0))
        outcome = post(service, request)
        assert outcome.status == 201 and transcript(outcome) == b"".join(events)
        return
    code, report = drift(capsys, folder)
    (found,) = report["exchanges"]
    assert code == 0 and found["ok"] and not found["unknown_fields"]
    mock = found["mock"]
    assert not (mock["only_in_mock"] or mock["only_in_provider"] or mock["types"] or mock["status"])
    code, report = drift(capsys, folder, "--wire", "2025")  # the mock before 2026 differs
    only = report["exchanges"][0]["mock"]["only_in_provider"]
    assert only == ["choices[].logprobs", "obfuscation", "service_tier", "usage"]
