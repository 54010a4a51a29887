"""Each journal entry names what answered it in words a reader understands."""

from __future__ import annotations

from helpers import AUTH, ask, post

from mockserver import Config, RawRequest, Service


def get(service: Service, path: str, headers: dict[str, str] | None = None) -> int:
    return service.handle(RawRequest("GET", path, headers or {})).status


def test_health_models_and_openapi_are_named_not_generator() -> None:
    service = Service(Config(seed=1))
    for path in ("/health", "/v1/models", "/v1/models/o3-mini", "/models", "/openapi.json"):
        assert get(service, path) == 200
    assert [e.answered_by for e in service.journal] == [
        "health",
        "models",
        "models",
        "models",
        "openapi",
    ]


def test_unnamed_stubs_are_named_by_their_number_conditions_and_replies() -> None:
    service = Service(Config(seed=1))
    service.stub("Sunny.", last_user="weather")
    service.stub("Named.", name="greeting", last_user="hello")
    service.stub("Anything.")
    service.fault(status=429)
    for text in ("rate limited", "weather?", "hello", "other"):
        post(service, ask(text))
    assert [e.answered_by for e in service.journal] == [
        "fault:status=429",
        "stub #1 (last_user='weather' -> text)",
        "stub:greeting",
        "stub #3 (any request -> text)",
    ]


def test_models_want_a_key_only_when_keys_are_configured() -> None:
    open_mock = Service(Config())
    assert get(open_mock, "/v1/models") == 200
    keyed = Service(Config(api_keys=frozenset({"sk-test-123456789"})))
    assert get(keyed, "/v1/models") == 401
    assert get(keyed, "/v1/models/o3-mini", {"authorization": "Bearer nope"}) == 401
    assert get(keyed, "/v1/models", AUTH) == 200
    assert get(keyed, "/health") == 200
