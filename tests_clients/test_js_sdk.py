"""The official openai JavaScript SDK (npm `openai`, pinned in js/package-lock.json) against
the live mock in both profiles: create, raw response, stream, the SDK's stream helper, a
hand-written tool loop and runTools, and the error classes. Each test scripts the mock,
runs `node js/sdk.mjs SCENARIO BASE_URL` and checks what the SDK handed the application."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from client_helpers import WEATHER_CALL

from mockserver import Call, Error, MockAPI, ToolCalls

JS = Path(__file__).parent / "js"


def node(scenario: str, server: MockAPI, api_key: str = "sk-test-js") -> dict[str, Any]:
    """Run one scenario of js/sdk.mjs against the server; its JSON result."""
    if shutil.which("node") is None or not (JS / "node_modules" / "openai").is_dir():
        pytest.fail("node or tests_clients/js/node_modules is missing: run `make test-clients`")
    run = subprocess.run(
        ["node", str(JS / "sdk.mjs"), scenario, server.base_url, api_key],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, f"node sdk.mjs {scenario} failed:\n{run.stderr}"
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def test_create(server: MockAPI, profile: str) -> None:
    result = node("create", server)
    assert result["object"] == "chat.completion" and result["model"] == "o3-mini-2025-01-31"
    assert result["content"] and result["finish_reason"] == "stop"
    assert result["reasoning_tokens"] > 0
    assert server.last_request.body["messages"] == [{"role": "user", "content": "Hello"}]


def test_raw_response_shows_the_profiles_status(server: MockAPI, profile: str) -> None:
    result = node("raw", server)
    assert result["status"] == (201 if profile.startswith("aimlapi") else 200)
    assert result["request_id"].startswith("req_") and result["content"]


def test_stream_reassembles_the_answer_and_usage(server: MockAPI) -> None:
    server.stub("Tides follow the moon.")
    result = node("stream", server)
    assert result == {"text": "Tides follow the moon.", "finish_reason": "stop"} | {
        "total_tokens": result["total_tokens"]
    }
    assert result["total_tokens"] > 0
    assert server.last_request.body["stream"] is True


def test_stream_helper_folds_parallel_tool_calls(server: MockAPI) -> None:
    server.stub(
        ToolCalls((Call("get_weather", {"city": "Paris"}), Call("get_weather", {"city": "Oslo"})))
    )
    result = node("stream_helper", server)
    assert result["finish_reason"] == "tool_calls" and result["content"] is None
    assert [c["arguments"] for c in result["tool_calls"]] == [{"city": "Paris"}, {"city": "Oslo"}]
    assert len({c["id"] for c in result["tool_calls"]}) == 2


def test_tool_loop_until_a_text_answer_unscripted(server: MockAPI) -> None:
    """No stubs: the mock calls the tool on the user's turn and answers after the result."""
    result = node("tools", server)
    assert result["turns"] == 2 and result["answer"]
    assert [c["name"] for c in result["calls"]] == ["get_weather"]
    assert isinstance(result["calls"][0]["arguments"]["city"], str)
    second = server.requests[1].body["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool"]
    assert json.loads(second[2]["content"])["temperature"] == 18


def test_run_tools_calls_the_function_and_returns_the_answer(server: MockAPI) -> None:
    server.stub(WEATHER_CALL, last_role="user")
    server.stub("18 °C in Paris.", last_role="tool")
    result = node("run_tools", server)
    assert result == {"answer": "18 °C in Paris.", "messages": 4}
    assert json.loads(server.last_request.body["messages"][-1]["content"])["city"] == "Paris"


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, "BadRequestError"), (401, "AuthenticationError"), (429, "RateLimitError")],
)
def test_scripted_errors_raise_the_sdks_classes(
    server: MockAPI, profile: str, status: int, cls: str
) -> None:
    server.stub(Error(status))
    result = node("error", server)
    assert result["class"] == cls and result["status"] == status
    assert "APIError" in result["instance_of"] and cls in result["instance_of"]


@pytest.mark.aimlapi(api_keys=["sk-right"])
def test_a_wrong_key_is_an_authentication_error(server: MockAPI, profile: str) -> None:
    result = node("error", server, api_key="sk-wrong")
    assert result["class"] == "AuthenticationError" and result["status"] == 401


@pytest.mark.aimlapi(validate=False)  # the request is wrong on purpose
def test_temperature_surfaces_the_providers_own_400(server: MockAPI) -> None:
    result = node("temperature", server)
    assert result["class"] == "BadRequestError" and result["status"] == 400
    assert result["param"] == "temperature" and result["code"] == "unsupported_parameter"
    assert "Unsupported parameter: 'temperature'" in result["message"]
