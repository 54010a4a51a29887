"""``x-mock-test-id``: many test runs share one server without seeing each other's scripts."""

from __future__ import annotations

import json

import pytest
from helpers import AUTH, ask, content, error_of, post

from mockserver import Config, RawRequest, Service
from mockserver._control import scopes

pytest_plugins = ["pytester"]


def _as(test_id: str | None) -> dict[str, str]:
    return AUTH if test_id is None else {**AUTH, scopes.HEADER: test_id}


def _admin(
    service: Service, method: str, path: str, test_id: str | None, body: object = None
) -> dict[str, object]:
    headers = {"content-type": "application/json"}
    if test_id is not None:
        headers[scopes.HEADER] = test_id
    data = b"" if body is None else json.dumps(body).encode()
    outcome = service.handle(RawRequest(method, f"/__mock{path}", headers, data))
    assert outcome.status < 300, outcome.body
    answer: dict[str, object] = json.loads(outcome.body)
    return answer


def test_stubs_faults_and_journal_belong_to_their_test_id() -> None:
    service = Service(Config(seed=1))
    _admin(
        service,
        "POST",
        "/stubs",
        "a",
        {"match": {"last_user": "hi"}, "reply": {"content": "for a"}},
    )
    _admin(
        service,
        "POST",
        "/stubs",
        "b",
        {"match": {"last_user": "hi"}, "reply": {"content": "for b"}},
    )
    _admin(service, "POST", "/faults", "b", {"status": 429})
    assert content(post(service, ask("hi"), _as("a"))) == "for a"
    assert error_of(post(service, ask("hi"), _as("b")))  # b's fault, not a's
    assert content(post(service, ask("hi"), _as("b"))) == "for b"
    assert content(post(service, ask("hi"))) not in ("for a", "for b")  # the shared scope
    journal_a = _admin(service, "GET", "/requests", "a")
    assert journal_a["count"] == 1
    assert _admin(service, "GET", "/requests", "b")["count"] == 2
    assert _admin(service, "GET", "/requests", None)["count"] == 1


def test_python_api_scripts_a_scope_and_reset_drops_only_it() -> None:
    service = Service(Config(seed=1))
    with service.scope("t1"):
        service.stub("scoped")
    service.stub("shared")
    assert content(post(service, ask("x"), _as("t1"))) == "scoped"
    assert content(post(service, ask("x"))) == "shared"
    _admin(service, "POST", "/reset", "t1")
    assert content(post(service, ask("x"), _as("t1"))) != "scoped"
    assert content(post(service, ask("x"))) == "shared"


def test_a_bad_test_id_is_a_clear_400_and_scopes_are_bounded() -> None:
    service = Service(Config(seed=1))
    outcome = post(service, ask("x"), _as("x" * (scopes.MAX_ID_LENGTH + 1)))
    assert outcome.status == 400 and scopes.HEADER in outcome.body.decode()
    assert error_of(outcome)
    for n in range(scopes.MAX_SCOPES + 10):
        post(service, ask("x"), _as(f"run-{n}"))
    assert len(service.scopes.ids()) == scopes.MAX_SCOPES
    assert "run-0" not in service.scopes.ids()


def test_the_server_fixture_scopes_a_test_by_its_id(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.aimlapi(test_id=True)
        def test_scoped(aimlapi_server):
            aimlapi_server.stub("only for me")
            assert aimlapi_server.headers["x-mock-test-id"].endswith("::test_scoped")
            ask = {"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}]}
            auth = {"authorization": "Bearer k"}
            url = aimlapi_server.base_url + "/chat/completions"
            mine = httpx.post(url, json=ask, headers={**auth, **aimlapi_server.headers})
            assert mine.json()["choices"][0]["message"]["content"] == "only for me"
            shared = httpx.post(url, json=ask, headers=auth)
            assert shared.json()["choices"][0]["message"]["content"] != "only for me"
            assert len(aimlapi_server.requests) == 1  # the scope's journal holds its own
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
