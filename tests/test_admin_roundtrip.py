"""The admin API round-trips: what a user POSTs they can GET back in the same shape, POST
again, and DELETE by name; scenario files may be YAML."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers import ask, content, post

from mockserver import (
    Call,
    Config,
    Error,
    Fault,
    Latency,
    RawRequest,
    Service,
    StreamFault,
    ToolCalls,
)

SCENARIO_YAML = b"""
strict: false
stubs:
  - name: weather
    match: {last_user: weather}
    replies:
      - tool_calls: [{name: get_weather, arguments: {city: Paris}}]
      - content: "It is 18 degrees in Paris."
faults:
  - {status: 429, retry_after_ms: 20, times: 2}
chaos: {rate: 0.5, seed: 3, faults: [{status: 500}, {stream: {cut_after: 3}}]}
"""


def call(
    service: Service,
    method: str,
    route: str,
    body: Any = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    headers = {"content-type": content_type} if data else {}
    outcome = service.handle(RawRequest(method, "/__mock" + route, headers, data))
    return outcome.status, json.loads(outcome.body)


@pytest.mark.parametrize("media", ["application/yaml", "application/x-yaml; charset=utf-8"])
def test_a_yaml_scenario_posts_and_reads_back_as_the_same_document(media: str) -> None:
    service = Service(Config(seed=1))
    status, body = call(service, "POST", "/scenario", SCENARIO_YAML, media)
    assert status == 201 and body == {"stubs": 1, "faults": 1}
    import yaml

    expected = yaml.safe_load(SCENARIO_YAML)
    assert call(service, "GET", "/scenario")[1] == expected
    assert call(service, "GET", "/faults")[1] == {"faults": expected["faults"]}
    assert call(service, "GET", "/chaos")[1] == {"chaos": expected["chaos"]}


def test_invalid_yaml_is_a_400_naming_yaml() -> None:
    status, body = call(Service(), "POST", "/scenario", b"stubs: [", "application/yaml")
    assert status == 400 and "not YAML" in body["error"]["message"]


def test_get_stubs_posts_back_into_a_fresh_mock_unchanged() -> None:
    source = Service(Config(seed=1))
    source.stub(
        ToolCalls(Call("get_weather", {"city": "Paris"}, id="call_1"), reasoning_tokens=64),
        "It is 18 °C.",
        last_user=re.compile(r"weather in \w+"),
        has_tools=True,
        name="weather",
        fault=Fault(latency=Latency(ttft=0.25)),
    )
    source.stub(Error(503, "busy", {"retry-after": "1"}), times=2, priority=5, stream=True)
    got = call(source, "GET", "/stubs")[1]
    assert got["stubs"][0]["match"] == {"last_user_regex": r"weather in \w+", "has_tools": True}
    assert [u["used"] for u in got["usage"]] == [0, 0]

    target = Service()
    status, _ = call(target, "POST", "/stubs", got)  # GET's own document, usage and all
    assert status == 201
    again = call(target, "GET", "/stubs")[1]
    assert again["stubs"] == got["stubs"]


def test_post_stubs_takes_the_files_shape_a_list_or_one_stub() -> None:
    service = Service(Config(seed=1))
    one = {"name": "one", "reply": {"content": "One."}}
    two = {"name": "two", "reply": {"content": "Two."}}
    three = {"name": "three", "reply": {"content": "Three."}}
    assert call(service, "POST", "/stubs", {"stubs": [one], "strict": True})[0] == 201
    assert call(service, "POST", "/stubs", [two])[0] == 201
    assert call(service, "POST", "/stubs", three)[0] == 201
    got = call(service, "GET", "/stubs")[1]
    assert got["stubs"] == [one, two, three] and got["strict"] is True


def test_a_stub_is_deleted_by_name_or_by_number_and_a_wrong_name_is_a_404() -> None:
    service = Service(Config(seed=1))
    service.stub("Named.", name="greeting", last_user="hello")
    service.stub("Unnamed.")
    status, body = call(service, "DELETE", "/stubs/greeting")
    assert status == 200 and body == {"deleted": ["greeting"]}
    assert content(post(service, ask("hello"))) == "Unnamed."
    status, body = call(service, "DELETE", "/stubs/nope")
    assert status == 404 and "no stub is named 'nope'" in body["error"]["message"]
    assert "#2" in body["error"]["message"]  # the remaining unnamed stub, by number
    assert call(service, "DELETE", "/stubs/2")[0] == 200
    assert call(service, "GET", "/stubs")[1]["stubs"] == []


def test_faults_and_chaos_can_be_read_and_chaos_deleted_alone() -> None:
    service = Service(Config(seed=1))
    service.fault(status=429, retry_after=2, retry_after_date=True, times=3)
    service.fault(stream=StreamFault(malformed_at=0, keep_alive=True))
    service.chaos(0.25, Fault(status=500), seed=9)
    faults = call(service, "GET", "/faults")[1]
    assert faults == {
        "faults": [
            {"status": 429, "retry_after": 2, "retry_after_date": True, "times": 3},
            {"stream": {"malformed_at": 0, "keep_alive": True}, "times": 1},
        ]
    }
    chaos = call(service, "GET", "/chaos")[1]
    assert chaos == {"chaos": {"rate": 0.25, "faults": [{"status": 500}], "seed": 9}}
    assert call(service, "DELETE", "/chaos")[1] == {"cleared": "chaos"}
    assert call(service, "GET", "/chaos")[1] == {"chaos": None}
    assert call(service, "GET", "/faults")[1] == faults  # the queue is untouched

    fresh = Service()
    assert call(fresh, "POST", "/faults", faults)[0] == 201
    assert call(fresh, "POST", "/chaos", chaos)[0] == 201
    assert call(fresh, "GET", "/faults")[1] == faults
    assert call(fresh, "GET", "/chaos")[1] == chaos
