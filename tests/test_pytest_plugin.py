"""The plugin, tested from outside with pytester, as a user's suite would use it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HEADER = """
import json, httpx, openai, pytest, requests
from mockserver import Latency

def sdk(base_url="https://api.aimlapi.com/v1", **kw):
    return openai.OpenAI(base_url=base_url, api_key="k", **kw)

HI = [{"role": "user", "content": "Hi"}]
"""


def run(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(HEADER + body)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-W", "error", *args)


def test_in_process_mock_answers_the_sdk_and_journals(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_create(aimlapi_mock):
    completion = sdk().chat.completions.create(model="o3-mini", messages=HI)
    assert completion.choices[0].message.content
    assert aimlapi_mock.last_request.body["messages"] == HI

@pytest.mark.anyio
async def test_async_stream(aimlapi_mock):
    client = openai.AsyncOpenAI(base_url="https://api.aimlapi.com/v1", api_key="k")
    stream = await client.chat.completions.create(model="o3-mini", messages=HI, stream=True)
    assert [c async for c in stream]
    await client.close()

def test_plain_httpx_too(aimlapi_mock):
    r = httpx.post("https://api.aimlapi.com/v1/chat/completions", json={"model": "o3-mini", "messages": HI}, headers={"Authorization": "Bearer k"})
    assert r.status_code == 201 and len(aimlapi_mock.requests) == 1

@pytest.fixture
def anyio_backend():
    return "asyncio"
""",
    )
    result.assert_outcomes(passed=3)


def test_an_invalid_request_fails_the_test_at_teardown_with_its_path(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_sends_temperature(aimlapi_mock):
    with pytest.raises(openai.BadRequestError):
        sdk(max_retries=0).chat.completions.create(model="o3-mini", messages=HI, temperature=0.2)

@pytest.mark.aimlapi(validate=False)
def test_opted_out(aimlapi_mock):
    with pytest.raises(openai.BadRequestError):
        sdk(max_retries=0).chat.completions.create(model="o3-mini", messages=HI, temperature=0.2)
""",
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*request #1 POST /chat/completions: temperature: must be 1; got 0.2*",
            "*opt out with @pytest.mark.aimlapi(validate=False)*",
        ]
    )
    # The report is the list of violations, not a dump of the journal's entries.
    assert "LateBody(" not in result.stdout.str()


LITELLM_LOOP = """
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]

def loop(client):
    first = client.chat.completions.create(model="o3-mini", messages=HI, tools=TOOLS, tool_choice="required")
    call = first.choices[0].message.tool_calls[0]
    # LiteLLM's documented tool loop: the message goes back with its own extra keys.
    assistant = {**first.choices[0].message.model_dump(), "provider_specific_fields": None}
    tool = {"role": "tool", "tool_call_id": call.id, "name": "get_weather", "content": "21C"}
    return client.chat.completions.create(model="o3-mini", messages=[*HI, assistant, tool], tools=TOOLS)
"""


def test_unknown_keys_in_messages_are_served_and_reported_as_a_warning(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        LITELLM_LOOP
        + """
def test_loop(aimlapi_mock):
    assert loop(sdk(max_retries=0)).choices[0].message.content
    assert [w.path for w in aimlapi_mock.requests[1].warnings] == ["messages[1].provider_specific_fields", "messages[2].name"]

@pytest.mark.aimlapi(profile="openai")
def test_loop_openai(aimlapi_server):
    assert loop(sdk(aimlapi_server.base_url, max_retries=0)).choices[0].message.content
""",
        "-W",
        "default::mockserver.pytest_plugin.UnknownFieldWarning",
    )
    result.assert_outcomes(passed=2, warnings=2)
    result.stdout.fnmatch_lines(
        [
            "*UnknownFieldWarning: aimlapi: the client sent keys outside the contract*",
            # fnmatch reads [1] as a character class, hence [[]1].
            "*request #2 POST /chat/completions: messages[[]1].provider_specific_fields: is not a*",
            "*request #2 POST /chat/completions: messages[[]2].name: is not a recognised field here*",
        ]
    )


def test_the_unknown_key_warning_can_be_made_an_error(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        LITELLM_LOOP
        + """
def test_loop(aimlapi_mock):
    loop(sdk(max_retries=0))
""",
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*UnknownFieldWarning: aimlapi: the client sent keys*"])


def test_marker_options_merge_and_the_closest_wins(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
pytestmark = pytest.mark.aimlapi(profile="openai", seed=3)

@pytest.mark.aimlapi(seed=4)
def test_closest(aimlapi_mock):
    raw = sdk().chat.completions.with_raw_response.create(model="o3-mini", messages=HI)
    assert raw.http_response.status_code == 200  # the module's profile
    assert aimlapi_mock.service.config.seed == 4

@pytest.mark.aimlapi(base_url="https://llm.example.test/v1")
def test_other_base_url(aimlapi_mock):
    assert sdk("https://llm.example.test/v1").chat.completions.create(model="o3-mini", messages=HI).id
""",
    )
    result.assert_outcomes(passed=2)


def test_stubs_faults_and_retries_in_process_take_no_wall_time(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import time

def test_retry_then_stub(aimlapi_mock):
    aimlapi_mock.fault(status=429, retry_after_ms=30)
    aimlapi_mock.stub("Scripted!", last_user="hi")
    completion = sdk().chat.completions.create(model="o3-mini", messages=HI)
    assert completion.choices[0].message.content == "Scripted!"
    aimlapi_mock.assert_retried(1)

def test_timeout_is_virtual(aimlapi_mock):
    aimlapi_mock.fault(latency=Latency(ttft=30))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        sdk(max_retries=0, timeout=5).chat.completions.create(model="o3-mini", messages=HI)
    assert time.monotonic() - start < 2 and aimlapi_mock.clock.waited == 5

@pytest.mark.aimlapi(assert_all_stubs_used=True)
def test_unused_stub_fails(aimlapi_mock):
    aimlapi_mock.stub("never", last_user="nobody says this")

def test_unused_stub_warns(aimlapi_mock):
    aimlapi_mock.stub("never", last_user="nobody says this", name="lonely")
""",
        "-W",
        "default::mockserver.pytest_plugin.UnusedStubWarning",
    )
    result.assert_outcomes(passed=4, errors=1, warnings=1)
    result.stdout.fnmatch_lines(["*stub(s) never used*", "*lonely*"])


def test_live_server_for_any_client_is_reset_between_tests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import subprocess, sys

def test_requests_and_a_subprocess(aimlapi_server):
    aimlapi_server.stub("from the stub")
    r = requests.post(aimlapi_server.base_url + "/chat/completions", json={"model": "o3-mini", "messages": HI}, headers={"Authorization": "Bearer k"}, timeout=5)
    assert r.status_code == 201 and r.json()["choices"][0]["message"]["content"] == "from the stub"
    code = "import httpx,sys; print(httpx.get(sys.argv[1] + '/models').status_code)"
    out = subprocess.run([sys.executable, "-c", code, aimlapi_server.base_url], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "200"

def test_no_state_leaks(aimlapi_server):
    r = requests.post(aimlapi_server.base_url + "/chat/completions", json={"model": "o3-mini", "messages": HI}, headers={"Authorization": "Bearer k"}, timeout=5)
    assert r.json()["choices"][0]["message"]["content"] != "from the stub"
    assert len(aimlapi_server.requests) == 1

@pytest.mark.aimlapi(profile="openai")
def test_marker_applies(aimlapi_server):
    raw = sdk(aimlapi_server.base_url).chat.completions.with_raw_response.create(model="o3-mini", messages=HI)
    assert raw.http_response.status_code == 200
""",
    )
    result.assert_outcomes(passed=3)


def test_hypothesis_pattern_has_no_health_check_failures_or_leaks(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
from hypothesis import given, settings, strategies as st
from mockserver import mock_aimlapi

@settings(max_examples=15, deadline=None)
@given(word=st.sampled_from(["alpha", "beta", "gamma"]))
def test_each_example_gets_a_fresh_mock(word):
    with mock_aimlapi() as mock:
        mock.stub(f"about {word}", last_user=word)
        content = sdk().chat.completions.create(model="o3-mini", messages=[{"role": "user", "content": word}]).choices[0].message.content
        assert content == f"about {word}" and len(mock.requests) == 1
""",
    )
    result.assert_outcomes(passed=1)


def test_an_overridden_live_server_keeps_its_config_between_tests(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
from mockserver import Config, LiveServer, Service

@pytest.fixture(scope="session")
def aimlapi_live_server():
    with LiveServer(Service(Config(seed=0, api_keys=frozenset({"sk-test"})))) as server:
        yield server

def test_its_key_is_wanted(aimlapi_server):
    with pytest.raises(openai.AuthenticationError):
        sdk(aimlapi_server.base_url, max_retries=0).chat.completions.create(model="o3-mini", messages=HI)
    right = openai.OpenAI(base_url=aimlapi_server.base_url, api_key="sk-test")
    assert right.chat.completions.create(model="o3-mini", messages=HI).choices

@pytest.mark.aimlapi(profile="openai")
def test_a_marker_changes_only_what_it_sets(aimlapi_server):
    right = openai.OpenAI(base_url=aimlapi_server.base_url, api_key="sk-test")
    raw = right.chat.completions.with_raw_response.create(model="o3-mini", messages=HI)
    assert raw.status_code == 200
    with pytest.raises(openai.AuthenticationError):
        sdk(aimlapi_server.base_url, max_retries=0).chat.completions.create(model="o3-mini", messages=HI)
""",
    )
    result.assert_outcomes(passed=2)
