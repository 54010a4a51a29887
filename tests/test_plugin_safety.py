"""The plugin's safe defaults, from a user's suite (pytester): offline unless told, and a
marker typo reported as a usage error listing the valid options."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

HEADER = """
import httpx, openai, pytest

HI = [{"role": "user", "content": "Hi"}]
"""


def run(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(HEADER + body)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-W", "error", *args)


def test_a_client_on_openais_url_fails_the_test_with_the_url_and_the_fix(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_forgot_base_url(aimlapi_mock):
    client = openai.OpenAI(api_key="k", max_retries=0)
    try:
        client.chat.completions.create(model="o3-mini", messages=HI)
    except Exception:
        pass  # an app that swallows errors must still not pass offline
""",
    )
    result.assert_outcomes(passed=1, errors=1)
    text = result.stdout.str()
    assert "POST https://api.openai.com/v1/chat/completions" in text
    assert "passthrough" in text and "base_url" in text


def test_passthrough_on_the_marker_and_in_the_ini_lets_urls_through(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\naimlapi_passthrough =\n    127.0.0.1\n")
    result = run(
        pytester,
        """
def test_ini(aimlapi_mock):
    with pytest.raises(Exception, match="Connect|connect|refused"):
        httpx.get("http://127.0.0.1:9/health")  # let through: a real (refused) connection

@pytest.mark.aimlapi(passthrough=["localhost"])
def test_marker_replaces_the_ini(aimlapi_mock):
    with pytest.raises(Exception, match="127.0.0.1"):
        httpx.get("http://127.0.0.1:9/health")
    aimlapi_mock.offline.refused.clear()  # refused on purpose: not a teardown failure
""",
    )
    result.assert_outcomes(passed=2)


def test_the_live_server_is_let_through_when_a_test_uses_both_fixtures(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_both(aimlapi_mock, aimlapi_server):
    assert httpx.get(aimlapi_server.url + "/health").status_code == 200
    with pytest.raises(Exception, match="not routed"):
        httpx.get("http://127.0.0.1:9/health")
    aimlapi_mock.offline.refused.clear()
""",
    )
    result.assert_outcomes(passed=1)


def test_a_marker_typo_is_a_usage_error_listing_the_options(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.aimlapi(profle="openai")
def test_typo(aimlapi_mock):
    pass

@pytest.mark.aimlapi(profile="nope")
def test_bad_value(aimlapi_mock):
    pass
""",
    )
    result.assert_outcomes(errors=2)
    text = result.stdout.str()
    assert "unknown option(s) profle" in text
    assert "Valid options: admin, admin_token, " in text
    assert all(f" {name}," in text for name in ("cassette", "passthrough", "profile", "seed"))
    assert "@pytest.mark.aimlapi: " in text and "nope" in text
    assert "contextlib" not in text and "Traceback" not in text
