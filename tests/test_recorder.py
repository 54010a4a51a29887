"""`mockserver record`: the proxy forwards, streams back as it arrives, validates in flight,
writes cassettes without credentials, and never hangs; cassettes replay what it recorded."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import upstreams
from helpers import WEATHER_TOOL, ask

from mockserver import Config, Service
from mockserver._adapters.server import LiveServer
from mockserver._cassettes import cassette
from mockserver._cassettes.cassette import CassetteDir
from mockserver._cassettes.live import LiveApp
from mockserver._cassettes.recorder import Recorder
from mockserver._contract import profiles

KEY = "sk-live-5ecret-key-0123456789"
AUTH = {"authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def scripted() -> Iterator[LiveApp]:
    with LiveApp(upstreams.app) as live:
        yield live


@pytest.fixture(scope="module")
def openai_upstream() -> Iterator[LiveServer]:
    """A second mock, in the other profile, standing in for the real provider."""
    with LiveServer(Service(Config(profile=profiles.OPENAI, seed=3))) as live:
        yield live


class Proxy:
    def __init__(self, live: LiveApp, folder: Path, lines: list[str]) -> None:
        self.live, self.folder, self.lines = live, folder, lines

    @property
    def base_url(self) -> str:
        return self.live.base_url

    def post(self, body: dict[str, Any], **kw: Any) -> httpx.Response:
        kw.setdefault("headers", AUTH)
        return httpx.post(self.base_url + "/chat/completions", json=body, timeout=10, **kw)

    def settled(self) -> None:
        """Wait until every exchange so far is written (that happens after its last byte)."""
        assert isinstance(self.live.app, Recorder)
        assert self.live.app.wait_idle(30)

    def cassettes(self) -> list[dict[str, Any]]:
        self.settled()
        return [json.loads(p.read_text())["stubs"][0] for p in sorted(self.folder.glob("*.json"))]


def _proxy(upstream: str, folder: Path, lines: list[str], timeout: float = 5.0) -> LiveApp:
    recorder = Recorder(
        upstream, CassetteDir(folder), Service(Config()), timeout=timeout, log=lines.append
    )
    return LiveApp(recorder)


@pytest.fixture
def proxy(scripted: LiveApp, tmp_path: Path) -> Iterator[Proxy]:
    lines: list[str] = []
    with _proxy(scripted.base_url, tmp_path, lines, timeout=0.5) as live:
        yield Proxy(live, tmp_path, lines)


def _replay(folder: Path, speed: float = 0.0, strict: bool = True) -> LiveServer:
    scenario = cassette.load(folder, speed=speed)
    return LiveServer(Service(Config(seed=0, strict=strict), scenario=scenario))


def _timed_stream(url: str, body: dict[str, Any]) -> tuple[bytes, list[float]]:
    started = time.perf_counter()
    seen: list[float] = []
    data = b""
    with httpx.stream("POST", url, json=body, headers=AUTH, timeout=10) as response:
        for piece in response.iter_raw():
            data += piece
            seen.append(time.perf_counter() - started)
    return data, seen


def test_a_stream_comes_back_byte_for_byte_and_replays_byte_identical_with_its_pacing(
    proxy: Proxy, scripted: LiveApp
) -> None:
    body = ask("slow", stream=True)
    direct, _ = _timed_stream(scripted.base_url + "/chat/completions", body)
    through, _ = _timed_stream(proxy.base_url + "/chat/completions", body)
    assert through == direct
    (recorded,) = proxy.cassettes()
    chunks = recorded["reply"]["raw"]["chunks"]
    assert "".join(c["data"] for c in chunks).encode() == direct
    gaps = [b["at"] - a["at"] for a, b in itertools.pairwise(chunks[:3])]
    assert all(g >= upstreams.SLOW_GAP * 0.9 for g in gaps), gaps

    with _replay(proxy.folder, speed=1.0) as replay:
        replayed, seen = _timed_stream(replay.base_url + "/chat/completions", body)
    assert replayed == direct
    # The recorded pauses are kept (at least; the scheduler may add, never remove).
    assert seen[-1] >= 3 * upstreams.SLOW_GAP * 0.9
    fast = cassette.load(proxy.folder, speed=0).stubs[0].replies[0]
    assert all(delay == 0 for delay, _ in fast.timed or ())  # type: ignore[union-attr]
    half = cassette.load(proxy.folder, speed=0.5).stubs[0].replies[0]
    assert half.timed[1][0] == pytest.approx(gaps[0] / 2, abs=1e-3)  # type: ignore[union-attr]


def test_the_openai_sdk_gets_the_same_answers_offline(
    openai_upstream: LiveServer, tmp_path: Path
) -> None:
    lines: list[str] = []
    weather = [{"role": "user", "content": "Weather in Paris?"}]

    def session(base_url: str) -> tuple[Any, Any, list[Any]]:
        client = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)
        plain = client.chat.completions.create(
            model="o3-mini", messages=[{"role": "user", "content": "Hi"}]
        )
        tools = client.chat.completions.create(
            model="o3-mini", messages=weather, tools=[WEATHER_TOOL], tool_choice="required"
        )
        stream = client.chat.completions.create(
            model="o3-mini",
            messages=[{"role": "user", "content": "Tell me a story"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        client.close()
        return plain, tools, chunks

    with _proxy(openai_upstream.base_url, tmp_path, lines) as live:
        online = session(live.base_url)
    with _replay(tmp_path) as replay:
        offline = session(replay.base_url)
    assert offline[0].choices[0].message.content == online[0].choices[0].message.content
    assert offline[0].usage == online[0].usage
    assert offline[1].choices[0].message.tool_calls == online[1].choices[0].message.tool_calls
    assert offline[1].choices[0].message.tool_calls
    assert [c.model_dump() for c in offline[2]] == [c.model_dump() for c in online[2]]
    assert offline[2][-1].usage is not None


def test_no_credential_reaches_a_cassette_even_when_the_upstream_echoes_it(
    proxy: Proxy,
) -> None:
    proxy.post(ask("echo"), params={"api_key": KEY})
    proxy.post(ask("hello"), headers={**AUTH, "api-key": KEY, "x-api-key": KEY})
    answered = proxy.post(ask("echo"))
    assert KEY in answered.text  # the client still gets exactly what the upstream sent
    proxy.settled()
    files = list(proxy.folder.glob("*.json"))
    assert len(files) == 3
    for file in files:
        text = file.read_text()
        assert KEY not in text and KEY[-12:] not in text, file.name
        assert "authorization" not in json.loads(text)["stubs"][0]["recorded"]["request"]["headers"]


def test_concurrent_clients_each_get_their_own_answer_and_cassette(proxy: Proxy) -> None:
    answers: dict[int, httpx.Response] = {}

    def call(i: int) -> None:
        answers[i] = proxy.post(ask(f"question {i}", stream=i % 2 == 1))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers.values()) == [201] * 8
    recorded = proxy.cassettes()
    assert len(recorded) == 8
    asked = sorted(c["match"]["request"]["messages"][0]["content"] for c in recorded)
    assert asked == sorted(f"question {i}" for i in range(8))
    with _replay(proxy.folder) as replay:
        for i in range(8):
            again = httpx.post(
                replay.base_url + "/chat/completions",
                json=ask(f"question {i}", stream=i % 2 == 1),
                headers=AUTH,
            )
            assert again.content == answers[i].content


def test_an_unreachable_upstream_gets_a_provider_shaped_502(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    lines: list[str] = []
    with _proxy(f"http://127.0.0.1:{port}/v1", tmp_path, lines) as live:
        response = httpx.post(live.base_url + "/chat/completions", json=ask(), headers=AUTH)
    assert response.status_code == 502
    body = response.json()
    assert body["status"] == 502 and "cannot be reached" in body["message"]
    recorded = json.loads(next(tmp_path.glob("*.json")).read_text())["stubs"][0]
    assert recorded["recorded"]["outcome"] == "unreachable"


def test_an_upstream_that_never_answers_gets_a_504_not_a_hang(proxy: Proxy) -> None:
    response = proxy.post(ask("silent"))
    assert response.status_code == 504
    assert response.json()["status"] == 504
    assert proxy.cassettes()[0]["recorded"]["outcome"] == "timeout"


def test_an_upstream_dying_mid_stream_gives_the_client_the_same_cut(proxy: Proxy) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        proxy.post(ask("dies", stream=True))
    (recorded,) = proxy.cassettes()
    assert recorded["recorded"]["outcome"] == "broken"
    assert recorded["reply"]["raw"]["dropped"] is True
    assert len(recorded["reply"]["raw"]["chunks"]) == 2
    with _replay(proxy.folder) as replay, pytest.raises(httpx.RemoteProtocolError):
        httpx.post(
            replay.base_url + "/chat/completions", json=ask("dies", stream=True), headers=AUTH
        )


def test_drift_in_flight_is_reported_in_a_header_the_journal_and_the_console(
    proxy: Proxy, scripted: LiveApp
) -> None:
    direct = httpx.post(scripted.base_url + "/chat/completions", json=ask("status200"))
    through = proxy.post(ask("status200"))
    assert (through.status_code, through.content) == (direct.status_code, direct.content)
    assert through.headers["x-mock-drift"] == "status"
    # A body is relayed as it arrives and judged after its last byte: the header can only
    # name what the status and headers break; the journal names the rest.
    missing = proxy.post(ask("missing"))
    assert "x-mock-drift" not in missing.headers
    broken = proxy.post(ask("broken", stream=True))
    assert "x-mock-drift" not in broken.headers
    fine = proxy.post(ask("extra"))
    assert "x-mock-drift" not in fine.headers  # unknown fields are not a breach; drift lists them
    proxy.settled()
    journal = httpx.get(proxy.live.url + "/__mock/requests").json()["requests"]
    assert [bool(e["notes"]["drift"]) for e in journal] == [True, True, True, False]
    assert any("created" in d for d in journal[1]["notes"]["drift"])
    assert all(e["valid"] for e in journal)  # the requests were fine; the answers drifted
    assert "sse:json" not in journal[2]["notes"]["drift"][0]
    assert "data is not JSON" in " ".join(journal[2]["notes"]["drift"])
    assert journal[2]["stream"] is True
    assert journal[0]["headers"]["authorization"].endswith(KEY[-4:]) is True
    assert KEY not in json.dumps(journal)
    assert any(line.startswith("  drift: status") for line in proxy.lines)


def test_replay_is_strict_on_request_and_names_the_nearest_cassette(proxy: Proxy) -> None:
    proxy.post(ask("question", reasoning_effort="low"))
    proxy.settled()
    with _replay(proxy.folder) as replay:
        miss = httpx.post(
            replay.base_url + "/chat/completions",
            json=ask("question", reasoning_effort="high"),
            headers=AUTH,
        )
    assert miss.status_code == 400
    message = miss.json()["error"]["message"]
    assert proxy.cassettes()[0]["name"] in message
    assert "reasoning_effort is 'high', not 'low'" in message


def test_cassettes_are_written_in_a_quiet_moment_without_being_asked(
    proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Requests back to back are not slowed by checking and writing the ones before: that
    # waits until no request has been in flight for QUIET seconds, then happens unasked.
    from mockserver._cassettes import recorder

    monkeypatch.setattr(recorder, "QUIET", 0.5)
    for _ in range(3):
        answer = proxy.post({"model": "o3-mini", "messages": [{"role": "user", "content": "Hi"}]})
        assert answer.status_code in (200, 201)
    last = time.monotonic()
    assert not list(proxy.folder.glob("*.json")), "written while requests were still coming"
    while len(list(proxy.folder.glob("*.json"))) < 3:
        assert time.monotonic() - last < 10, "not written once the proxy was quiet"
        time.sleep(0.02)
    assert time.monotonic() - last >= 0.4


def test_what_waits_for_a_quiet_moment_is_bounded(
    proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Beyond HELD_BYTES an exchange is written at once, even while requests keep coming.
    from mockserver._cassettes import recorder

    monkeypatch.setattr(recorder, "HELD_BYTES", 0)
    monkeypatch.setattr(recorder, "QUIET", 3600.0)  # never quiet
    proxy.post({"model": "o3-mini", "messages": [{"role": "user", "content": "Hi"}]})
    deadline = time.monotonic() + 10
    while not list(proxy.folder.glob("*.json")):
        assert time.monotonic() < deadline, "an exchange beyond the bound kept waiting"
        time.sleep(0.02)
