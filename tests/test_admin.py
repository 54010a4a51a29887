"""The control plane over HTTP, under ``/__mock/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers import HELLO, ask, content, post

from mockserver import Config, Outcome, RawRequest, Service
from mockserver._adapters.server import LiveServer


def chat(service: Service, text: str = "Hello", path: str = "/v1/chat/completions") -> Outcome:
    return post(service, ask(text), path=path)


def admin(
    service: Service,
    method: str,
    route: str,
    body: Any = None,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    data = b"" if body is None else json.dumps(body).encode()
    # A JSON body is declared as such, as every HTTP client does (the admin API insists).
    sent = {"content-type": "application/json"} if body is not None else {}
    sent.update(headers or {})
    outcome = service.handle(RawRequest(method, "/__mock" + route, sent, data, query))
    assert outcome.headers["content-type"] == "application/json"
    return outcome.status, json.loads(outcome.body)


def message(body: dict[str, Any]) -> str:
    text: str = body["error"]["message"]
    return text


@pytest.fixture
def service() -> Service:
    return Service(Config(seed=5))


# ---- the journal --------------------------------------------------------------------------


def test_requests_lists_the_journal_newest_last_with_the_key_redacted(service: Service) -> None:
    chat(service, "one")
    chat(service, "two")
    status, body = admin(service, "GET", "/requests")
    assert status == 200 and body["count"] == 2
    first, second = body["requests"]
    assert first["body"]["messages"][0]["content"] == "one" and second["seq"] > first["seq"]
    assert first["status"] == 201 and first["answered_by"] == "generator"
    assert first["headers"]["authorization"] == "Bearer ***6789"
    assert first["request_id"].startswith("req_")


def test_requests_filters_by_path_status_and_limit(service: Service) -> None:
    service.fault(status=429)
    chat(service, "limited")
    chat(service, "a")
    chat(service, "b", path="/chat/completions")
    chat(service, "c")

    def texts(query: str) -> list[str]:
        status, body = admin(service, "GET", "/requests", query=query)
        assert status == 200 and body["count"] == len(body["requests"])
        return [r["body"]["messages"][0]["content"] for r in body["requests"]]

    assert texts("path=/chat/completions") == ["b"]
    assert texts("status=429") == ["limited"]
    assert texts("status=201&limit=2") == ["b", "c"]
    assert texts("limit=0") == []
    assert texts("limit=99") == ["limited", "a", "b", "c"]


@pytest.mark.parametrize("query", ["limit=-1", "limit=many", "status=ok"])
def test_requests_rejects_a_bad_filter(service: Service, query: str) -> None:
    status, body = admin(service, "GET", "/requests", query=query)
    name = query.partition("=")[0]
    assert status == 400 and body["error"]["param"] == name and name in message(body)


def test_delete_requests_clears_the_journal(service: Service) -> None:
    chat(service)
    assert admin(service, "DELETE", "/requests")[0] == 200
    assert admin(service, "GET", "/requests")[1]["count"] == 0
    assert len(service.journal) == 0


def test_admin_requests_are_not_journaled(service: Service) -> None:
    admin(service, "GET", "/stubs")
    admin(service, "POST", "/stubs", {"reply": {"content": "x"}})
    admin(service, "GET", "/nope")
    assert admin(service, "GET", "/requests")[1]["count"] == 0


# ---- stubs ----------------------------------------------------------------------------------


def test_post_stubs_adds_one_or_several_and_get_lists_them(service: Service) -> None:
    status, body = admin(
        service,
        "POST",
        "/stubs",
        {"name": "hi", "match": {"last_user": "hi"}, "reply": {"content": "Hey!"}},
    )
    assert status == 201 and body == {"added": ["hi"]}
    status, body = admin(
        service,
        "POST",
        "/stubs",
        [{"reply": {"content": "one"}, "times": 1}, {"reply": {"refusal": "no"}, "priority": -1}],
    )
    assert status == 201 and body == {
        "added": ["stub #2 (any request -> text)", "stub #3 (any request -> refusal)"]
    }
    assert content(chat(service, "hi there")) == "Hey!"
    assert content(chat(service, "other")) == "one"
    status, body = admin(service, "GET", "/stubs")
    assert status == 200 and body["strict"] is False
    assert [(s["stub"], s["used"], s["exhausted"]) for s in body["usage"]] == [
        ("hi", 1, False),
        ("stub #2 (any request -> text)", 1, True),
        ("stub #3 (any request -> refusal)", 0, False),
    ]
    assert body["stubs"] == [
        {"name": "hi", "match": {"last_user": "hi"}, "reply": {"content": "Hey!"}},
        {"reply": {"content": "one"}, "times": 1},
        {"reply": {"refusal": "no"}, "priority": -1},
    ]
    assert service.journal.last().answered_by == "stub #2 (any request -> text)"


def test_post_stubs_validation_error_is_400_with_the_path(service: Service) -> None:
    status, body = admin(service, "POST", "/stubs", {"reply": {"tool_calls": [{"arguments": {}}]}})
    assert status == 400 and body["error"]["code"] == "invalid_mock_scenario"
    assert "stubs[0].reply.tool_calls[0].name: is required" in message(body)
    assert service.stubs.all() == []


def test_post_stubs_with_a_body_that_is_not_json_is_400(service: Service) -> None:
    headers = {"content-type": "application/json"}
    outcome = service.handle(RawRequest("POST", "/__mock/stubs", headers, b"{nope"))
    assert outcome.status == 400 and "not JSON" in message(json.loads(outcome.body))


def test_delete_stubs_removes_them(service: Service) -> None:
    admin(service, "POST", "/stubs", {"reply": {"content": "stubbed"}})
    assert admin(service, "DELETE", "/stubs")[0] == 200
    assert admin(service, "GET", "/stubs")[1]["stubs"] == []
    assert content(chat(service)) != "stubbed"


# ---- faults, chaos, scenario, reset ----------------------------------------------------------


def test_post_faults_queues_them_and_delete_clears_them(service: Service) -> None:
    status, body = admin(
        service, "POST", "/faults", [{"status": 429, "retry_after": 1, "times": 2}, {"status": 500}]
    )
    assert status == 201 and body == {"queued": 2}
    first = chat(service)
    assert first.status == 429 and first.headers["retry-after"] == "1"
    assert [chat(service).status for _ in range(3)] == [429, 500, 201]
    admin(service, "POST", "/faults", {"status": 503})
    assert admin(service, "DELETE", "/faults")[0] == 200
    assert chat(service).status == 201


def test_post_faults_validation_error_names_the_path(service: Service) -> None:
    status, body = admin(service, "POST", "/faults", {"latency": {"ttft": -1}})
    assert status == 400 and "faults[0].latency.ttft: must be >= 0; got -1" in message(body)


def test_post_chaos_fails_a_seeded_share_of_requests(service: Service) -> None:
    status, _ = admin(service, "POST", "/chaos", {"rate": 1, "faults": [{"status": 502}]})
    assert status == 201
    assert {chat(service).status for _ in range(5)} == {502}
    status, body = admin(service, "POST", "/chaos", {"rate": 0.5})
    assert status == 400 and "chaos.faults: is required" in message(body)


def test_post_scenario_loads_stubs_faults_and_strict(service: Service) -> None:
    status, body = admin(
        service,
        "POST",
        "/scenario",
        {
            "strict": True,
            "stubs": [
                {"name": "only", "match": {"last_user": "known"}, "reply": {"content": "ok"}}
            ],
            "faults": [{"status": 503}],
        },
    )
    assert status == 201 and body == {"stubs": 1, "faults": 1}
    assert chat(service, "known").status == 503
    assert content(chat(service, "known")) == "ok"
    unmatched = chat(service, "something else")
    assert unmatched.status == 400 and "'only'" in message(json.loads(unmatched.body))


def test_post_reset_clears_everything(service: Service) -> None:
    admin(service, "POST", "/scenario", {"strict": True, "stubs": [{"reply": {"content": "x"}}]})
    admin(service, "POST", "/faults", {"status": 500})
    chat(service)
    assert admin(service, "POST", "/reset") == (200, {"reset": True})
    assert admin(service, "GET", "/requests")[1]["count"] == 0
    assert admin(service, "GET", "/stubs")[1] == {"strict": False, "stubs": [], "usage": []}
    assert chat(service, "anything").status == 201


# ---- routing and access -----------------------------------------------------------------------


def test_an_unknown_admin_route_is_404_listing_the_routes(service: Service) -> None:
    status, body = admin(service, "GET", "/stub")
    assert status == 404
    for route in ("GET /__mock/requests", "POST /__mock/stubs", "POST /__mock/reset"):
        assert route in message(body)


def test_a_wrong_method_on_an_admin_route_is_405_with_allow(service: Service) -> None:
    outcome = service.handle(RawRequest("PUT", "/__mock/stubs", {}, b"{}"))
    assert outcome.status == 405 and outcome.headers["allow"] == "GET, POST, DELETE"


def test_admin_off_makes_the_control_plane_an_unknown_route() -> None:
    service = Service(Config(admin=False))
    outcome = service.handle(RawRequest("GET", "/__mock/requests", {}, b""))
    assert outcome.status == 404
    assert json.loads(outcome.body)["message"] == "Cannot GET /__mock/requests"


def test_admin_token_is_required_when_set() -> None:
    service = Service(Config(admin_token="s3cret"))
    status, body = admin(service, "GET", "/stubs")
    assert status == 401 and "Bearer" in message(body)
    status, _ = admin(service, "GET", "/stubs", headers={"authorization": "Bearer wrong"})
    assert status == 401
    status, _ = admin(service, "GET", "/stubs", headers={"authorization": "Bearer s3cret"})
    assert status == 200
    assert chat(service).status == 201  # the token guards only the control plane


# ---- over a real socket -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(Service(Config(seed=2, admin_token="t0ken"))) as server:
        yield server


def test_the_admin_api_over_http(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, headers={"authorization": "Bearer t0ken"}) as http:
        assert http.post("/__mock/reset").status_code == 200
        added = http.post(
            "/__mock/stubs", json={"name": "live", "reply": {"content": "over the wire"}}
        )
        assert added.status_code == 201 and added.json() == {"added": ["live"]}
        assert (
            http.post("/__mock/faults", json={"status": 429, "retry_after_ms": 5}).status_code
            == 201
        )
        answers = [
            http.post("/v1/chat/completions", json=HELLO, headers={"authorization": "Bearer k"})
            for _ in range(2)
        ]
        assert [a.status_code for a in answers] == [429, 201]
        assert answers[0].headers["retry-after-ms"] == "5"
        assert answers[1].json()["choices"][0]["message"]["content"] == "over the wire"
        journal = http.get("/__mock/requests", params={"status": 201}).json()
        assert [r["answered_by"] for r in journal["requests"]] == ["stub:live"]
        assert http.get("/__mock/requests", params={"limit": 1}).json()["count"] == 1
        assert (
            http.get("/__mock/requests", headers={"authorization": "Bearer no"}).status_code == 401
        )
        assert http.delete("/__mock/requests").status_code == 200
        assert http.get("/__mock/requests").json()["count"] == 0
        assert http.get("/__mock/unknown").status_code == 404
