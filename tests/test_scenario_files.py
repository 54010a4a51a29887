"""Scenario files (``mockserver serve --stubs FILE``): loading, and errors that say where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mockserver import (
    Call,
    Config,
    Error,
    Fault,
    FromFixture,
    Latency,
    Raw,
    RawRequest,
    Refusal,
    Service,
    StreamFault,
    Text,
    ToolCalls,
)
from mockserver._cli import main as cli
from mockserver._control import scenario_files

AUTH = {"authorization": "Bearer sk-test", "content-type": "application/json"}

YAML = """\
strict: true
stubs:
  - name: weather
    match: {last_user: weather, has_tools: true, turn: 0}
    reply:
      tool_calls:
        - {name: get_weather, arguments: {city: Paris}, id: call_1}
  - name: after-tool
    match: {last_role: tool, tool_call_id: call_1}
    replies:
      - content: It is 22 degrees.
        reasoning_tokens: 12
      - refusal: No more weather.
  - name: regex
    match: {last_user_regex: "^ping\\\\b", stream: false, model: o3-mini}
    times: 2
    priority: 3
    reply: {content: pong}
    fault: {latency: {ttft: 0.01}}
  - match: {last_user: boom}
    reply: {error: {status: 503, message: down, headers: {retry-after: "1"}}}
  - match: {last_user: raw}
    reply: {raw: {status: 200, body: {anything: true}, events: "data: x\\n\\n"}}
  - match: {last_user: fixture}
    reply: {fixture: completions/refusal.json}
faults:
  - {status: 429, retry_after_ms: 20, times: 2}
  - {stream: {cut_after: 3, crlf: true}, name: cut}
chaos:
  rate: 0.25
  seed: 9
  faults: [{status: 500, should_retry: false}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_yaml_file_builds_every_kind_of_stub_and_fault(tmp_path: Path) -> None:
    scenario = scenario_files.load(write(tmp_path, "scenario.yaml", YAML))
    assert scenario.strict is True
    weather, after, regex, boom, raw, fixture = scenario.stubs
    assert weather.name == "weather" and weather.match.turn == 0 and weather.match.has_tools
    assert weather.replies == (ToolCalls((Call("get_weather", {"city": "Paris"}, "call_1"),)),)
    assert after.replies == (Text("It is 22 degrees.", 12), Refusal("No more weather."))
    assert after.match.last_role == "tool" and after.match.tool_call_id == "call_1"
    assert not isinstance(regex.match.last_user, str | None)
    assert regex.match.last_user.pattern == r"^ping\b"
    assert (
        regex.match.misses(
            {"model": "o3-mini", "messages": [{"role": "user", "content": "ping me"}]}
        )
        == []
    )
    assert (regex.times, regex.priority, regex.match.stream) == (2, 3, False)
    assert regex.fault == Fault(latency=Latency(ttft=0.01))
    assert boom.replies == (Error(503, "down", {"retry-after": "1"}),)
    assert raw.replies == (Raw(200, {"anything": True}, b"data: x\n\n"),)
    (served,) = fixture.replies
    assert isinstance(served, FromFixture) and Path(served.path).name == "refusal.json"
    assert scenario.faults == [
        (Fault(status=429, retry_after_ms=20), 2),
        (Fault(stream=StreamFault(cut_after=3, crlf=True), name="cut"), 1),
    ]
    assert scenario.chaos == (0.25, (Fault(status=500, should_retry=False),), 9)


def test_a_json_file_loads_the_same_as_yaml(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    document = yaml.safe_load(YAML)
    from_json = scenario_files.load(write(tmp_path, "scenario.json", json.dumps(document)))
    from_yaml = scenario_files.load(write(tmp_path, "scenario.yml", YAML))
    assert from_json.faults == from_yaml.faults and from_json.chaos == from_yaml.chaos
    assert [s.replies for s in from_json.stubs] == [s.replies for s in from_yaml.stubs]


def test_a_loaded_file_drives_the_service(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.json",
        json.dumps(
            {
                "stubs": [{"match": {"last_user": "hello"}, "replies": [{"content": "Hi!"}]}],
                "faults": [{"status": 503}],
            }
        ),
    )
    service = Service(Config(seed=1), scenario=scenario_files.load(path))
    body = json.dumps({"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]})
    answers = [
        service.handle(RawRequest("POST", "/v1/chat/completions", AUTH, body.encode()))
        for _ in range(2)
    ]
    assert answers[0].status == 503
    assert json.loads(answers[1].body)["choices"][0]["message"]["content"] == "Hi!"


def test_a_fixture_path_is_looked_up_beside_the_scenario_file(tmp_path: Path) -> None:
    write(tmp_path, "mine.json", json.dumps({"message": "x", "statusCode": 418}))
    scenario = scenario_files.load(
        write(tmp_path, "s.json", json.dumps({"stubs": [{"reply": {"fixture": "mine.json"}}]}))
    )
    (reply,) = scenario.stubs[0].replies
    assert isinstance(reply, FromFixture) and Path(reply.path) == tmp_path / "mine.json"


def spec_error(tmp_path: Path, name: str, document: Any) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    path = write(tmp_path, name, text)
    with pytest.raises(scenario_files.SpecError) as caught:
        scenario_files.load(path)
    message = str(caught.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"stubs": [{"reply": {"tool_calls": [{"arguments": {}}]}}]},
            "stubs[0].reply.tool_calls[0].name: is required",
        ),
        (
            {"stubs": [{"reply": {"content": "a"}}, {"reply": {"content": 3}}]},
            "stubs[1].reply.content: must be a string, got integer 3",
        ),
        (
            {"stubs": [{"match": {"turn": -1}, "reply": {"content": "a"}}]},
            "stubs[0].match.turn: must be >= 0; got -1",
        ),
        (
            {"stubs": [{"match": {"color": "red"}, "reply": {"content": "a"}}]},
            "stubs[0].match.color: is not a recognised field here",
        ),
        (
            {"stubs": [{"reply": {"content": "a", "refusal": "b"}}]},
            "stubs[0].reply: must have exactly one of content, tool_calls, refusal, error, "
            "fixture, raw; got content, refusal",
        ),
        (
            {"stubs": [{"match": {}}]},
            "stubs[0]: must have exactly one of reply, replies; got none of them",
        ),
        (
            {"stubs": [{"replies": [{"content": "a"}, {}]}]},
            "stubs[0].replies[1]: must have exactly one of content",
        ),
        (
            {"stubs": [{"match": {"last_user_regex": "("}, "reply": {"content": "a"}}]},
            "stubs[0].match.last_user_regex: must be a regular expression",
        ),
        (
            {
                "stubs": [
                    {"match": {"last_user": "a", "last_user_regex": "b"}, "reply": {"content": "a"}}
                ]
            },
            "stubs[0].match: give last_user or last_user_regex, not both",
        ),
        (
            {"stubs": [{"reply": {"fixture": "completions/missing.json"}}]},
            "stubs[0].reply.fixture: must name an existing file",
        ),
        ({"faults": [{"status": 200}]}, "faults[0].status: must be >= 400; got 200"),
        (
            {"faults": [{"latency": {"ttft": "slow"}}]},
            'faults[0].latency.ttft: must be a number, got string "slow"',
        ),
        ({"chaos": {"rate": 2, "faults": [{}]}}, "chaos.rate: must be <= 1; got 2"),
        ({"stubz": []}, "stubz: is not a recognised field here"),
        ([], "(root): must be an object"),
    ],
)
def test_an_invalid_file_names_the_file_the_path_and_the_expectation(
    tmp_path: Path, document: Any, expected: str
) -> None:
    assert expected in spec_error(tmp_path, "bad.json", document)


def test_every_violation_is_reported(tmp_path: Path) -> None:
    message = spec_error(
        tmp_path, "bad.json", {"faults": [{"status": 200}, {"retry_after": -1}], "strict": "yes"}
    )
    assert "faults[0].status" in message and "faults[1].retry_after" in message
    assert "strict: must be a boolean" in message


def test_an_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(scenario_files.SpecError, match="cannot read: No such file"):
        scenario_files.load(missing)
    with pytest.raises(scenario_files.SpecError, match="not UTF-8"):
        scenario_files.load(write_bytes(tmp_path / "latin1.json", b'{"stubs": "\xe9"}'))


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_invalid_yaml(tmp_path: Path) -> None:
    message = spec_error(tmp_path, "bad.yaml", "stubs: [unclosed\n")
    assert "not YAML" in message


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    message = spec_error(tmp_path, "bad.json", '{\n  "stubs": [,]\n}')
    assert "not JSON" in message and "line 2" in message


def test_an_empty_yaml_file_is_not_a_scenario(tmp_path: Path) -> None:
    assert "(root): must be an object" in spec_error(tmp_path, "empty.yaml", "")


def test_serve_with_a_bad_stubs_file_exits_2_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, "bad.yaml", "stubs:\n  - reply:\n      tool_calls:\n        - arguments: {}\n"
    )
    assert cli.main(["serve", "--stubs", str(path), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockserver: ")
    assert str(path) in err and "stubs[0].reply.tool_calls[0].name: is required" in err


def test_serve_with_a_missing_stubs_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--stubs", str(tmp_path / "none.json"), "--port", "0"]) == 2
    assert "cannot read: No such file" in capsys.readouterr().err


def test_a_dict_reply_given_to_stub_uses_the_file_format() -> None:
    service = Service(Config(seed=1))
    service.stub({"tool_calls": [{"name": "f", "arguments": '{"a":1}'}]})
    (reply,) = service.stubs.all()[0].replies
    assert reply == ToolCalls((Call("f", '{"a":1}'),))
    with pytest.raises(
        scenario_files.SpecError, match=r"stubs\[0\]\.reply\.content: must be a string"
    ):
        service.stub({"content": 1})
