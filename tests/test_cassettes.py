"""The cassette format without a network: matching on what matters, credentials scrubbed,
cassettes loaded through every way scenarios are (serve --cassettes, --stubs, admin API)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import AUTH, ask, post

from mockserver import Config, Service
from mockserver._cassettes import cassette
from mockserver._cassettes.capture import Capture
from mockserver._cassettes.cassette import CassetteDir, Exchange
from mockserver._cassettes.secrets import SCRUBBED
from mockserver._cli import main as cli
from mockserver._control import scenario_files
from mockserver._control.same_request import SameRequest
from mockserver._control.scenarios import Match


def _exchange(
    request: dict[str, Any],
    *,
    body: bytes = b"",
    events: list[tuple[float, bytes]] | None = None,
    **kw: Any,
) -> Exchange:
    exchange = Exchange(
        "POST",
        "/v1/chat/completions",
        kw.pop("query", ""),
        kw.pop("headers", {"authorization": "Bearer sk-abcdef123456"}),
        json.dumps(request).encode(),
        "http://upstream.test/v1",
        "aimlapi",
        **kw,
    )
    exchange.capture = Capture(stream=events is not None)
    for at, data in events or [(0.0, body)]:
        exchange.capture.add(data, at)
    return exchange


def _stub(exchange: Exchange, ignore: Any = cassette.IGNORED_BY_DEFAULT) -> dict[str, Any]:
    stub, _ = exchange.stub("c", ignore, exchange.scrubber())
    return stub


STREAM = [
    (0.25, b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"o3-mini",'
     b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n'),
    (0.5, b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"o3-mini",'
     b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'),
    (0.75, b"data: [DONE]\n\n"),
]  # fmt: skip


def _recorded(folder: Path, body: dict[str, Any]) -> Path:
    events = STREAM if body.get("stream") else None
    data = b"" if events else json.dumps({"id": "x"}).encode()
    exchange = _exchange(body, status=201, body=data, events=events)
    exchange.response_headers = {"content-type": "text/event-stream", "x-upstream": "1"}
    return CassetteDir(folder).write(exchange)


@pytest.mark.parametrize(
    ("recorded", "sent", "reason"),
    [
        (ask("hi"), ask("hi", reasoning_effort="low"), "reasoning_effort is 'low', which the recording does not have"),
        (ask("hi", n=1), ask("hi", n=True), "n is True, not 1"),
        (ask("hi", seed=1), ask("hi", seed=1.0), ""),
        (ask("hi"), {"model": "o3-mini", "messages": []}, "messages has 0 item(s), not 1"),
        (ask("hi", tools=[{"a": {"b": 1}}]), ask("hi", tools=[{"a": {"b": 2}}]), "tools[0].a.b is 2, not 1"),
        (ask("hi", user="me"), ask("hi", user="you"), ""),
        (ask("hi", stream=True), ask("hi"), "stream is absent, not True"),
    ],
)  # fmt: skip
def test_replay_matches_on_what_changes_the_answer(
    recorded: dict[str, Any], sent: dict[str, Any], reason: str
) -> None:
    stub = _stub(_exchange(recorded))
    match = scenario_files.match(stub["match"])
    assert match.misses(sent) == ([reason] if reason else [])


def test_the_ignored_fields_are_configurable_and_written_into_the_cassette() -> None:
    stub = _stub(_exchange(ask("hi", reasoning_effort="low")), ignore={"reasoning_effort"})
    assert stub["match"]["request_ignore"] == ["reasoning_effort"]
    match = scenario_files.match(stub["match"])
    assert match.misses(ask("hi", reasoning_effort="high")) == []
    assert Match(where=SameRequest({"model": "o3-mini"})).misses({"model": "o3-mini", "x": 1}) == [
        "x is 1, which the recording does not have"
    ]


def test_credentials_never_reach_the_file_wherever_they_hide(tmp_path: Path) -> None:
    secret = "sk-abcdef123456"
    exchange = _exchange(
        ask("hi"),
        query=f"api_key={secret}&x=1",
        headers={"authorization": f"Bearer {secret}", "x-api-key": secret, "cookie": "s=1"},
        status=401,
        body=json.dumps({"message": f"bad key {secret}"}).encode(),
    )
    text = CassetteDir(tmp_path).write(exchange).read_text()
    assert secret not in text and SCRUBBED in text
    recorded = json.loads(text)["stubs"][0]["recorded"]["request"]
    assert recorded["query"] == "x=1" and recorded["headers"] == {}


def test_serve_cassettes_paces_streams_by_the_replay_speed(tmp_path: Path) -> None:
    _recorded(tmp_path, ask("hi", stream=True))
    scenario = cli._with_cassettes(None, str(tmp_path), 2.0)
    (reply,) = scenario.stubs[0].replies
    assert [delay for delay, _ in reply.timed or ()] == [0.5, 0.5, 0.5]  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="replay speed must be >= 0"):
        cassette.load(tmp_path, speed=-1)
    service = Service(Config(strict=True), scenario=scenario)
    outcome = post(service, ask("hi", stream=True))
    assert outcome.status == 201 and outcome.headers["x-upstream"] == "1"
    assert b"".join(e for _, e in outcome.stream or () if e) == b"".join(e for _, e in STREAM)


def test_a_cassette_loads_through_stubs_and_the_admin_api_too(tmp_path: Path) -> None:
    path = _recorded(tmp_path, ask("hi"))
    service = Service(Config(strict=True), scenario=scenario_files.load(path))
    assert json.loads(post(service, ask("hi")).body) == {"id": "x"}
    fresh = Service(Config(strict=True))
    loaded = post(fresh, json.loads(path.read_text()), path="/__mock/scenario", headers=AUTH)
    assert loaded.status == 201
    assert json.loads(post(fresh, ask("hi")).body) == {"id": "x"}
    assert "nearest is '0001-o3-mini" in post(fresh, ask("bye")).body.decode()
