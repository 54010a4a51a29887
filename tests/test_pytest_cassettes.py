"""Cassettes in a user's suite: ``@pytest.mark.aimlapi(cassette=...)`` with each
``--aimlapi-record`` mode, for ``aimlapi_mock`` and ``aimlapi_server``, run with pytester
against a loopback upstream (a second mock, in the openai profile: it answers 200, the
in-process mock 201, so a test can tell who answered)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openai  # noqa: F401  (see below)
import pytest

from mockserver import Config, Service
from mockserver._adapters.server import LiveServer
from mockserver._contract import profiles

pytest_plugins = ["pytester"]
# openai (and its httpx2) are imported here, not first inside an in-process run: pytester
# unloads what a run imported, and the mock caches stream classes per client library, so
# a second run would get a fresh httpx2 whose classes the cache does not know.

KEY = "sk-inner-secret-0123456789"

SUITE = f"""
import json, httpx, openai, pytest

KEY = {KEY!r}
HI = [{{"role": "user", "content": "Hi"}}]

def sdk(base_url="https://api.aimlapi.com/v1"):
    return openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0)

def log(name, answer):
    with open("seen.jsonl", "a") as f:
        f.write(json.dumps([name, answer]) + "\\n")

@pytest.mark.aimlapi(cassette="cassettes/chat.json")
def test_chat(aimlapi_mock):
    c = sdk().chat.completions.create(model="o3-mini", messages=HI)
    chunks = list(sdk().chat.completions.create(
        model="o3-mini", messages=HI, stream=True, stream_options={{"include_usage": True}}))
    text = "".join(x.choices[0].delta.content or "" for x in chunks if x.choices)
    log("chat", [c.choices[0].message.content, c.usage.total_tokens, text, chunks[-1].usage.total_tokens])

@pytest.mark.aimlapi(cassette="cassettes/server.json")
def test_server(aimlapi_server):
    r = httpx.post(aimlapi_server.base_url + "/chat/completions",
                   json={{"model": "o3-mini", "messages": HI}},
                   headers={{"authorization": "Bearer " + KEY}})
    log("server", [r.status_code, r.json()["choices"][0]["message"]["content"]])

@pytest.mark.aimlapi(cassette="cassettes/chat.json")
def test_other_question(aimlapi_mock):
    c = sdk().chat.completions.create(model="o3-mini", messages=[{{"role": "user", "content": "Bye"}}])
    log("other", c.choices[0].message.content)

@pytest.mark.aimlapi(cassette="cassettes/missing.json")
def test_missing(aimlapi_mock):
    sdk().chat.completions.create(model="o3-mini", messages=HI)
"""


@pytest.fixture(scope="module")
def upstream() -> Iterator[LiveServer]:
    with LiveServer(Service(Config(profile=profiles.OPENAI, seed=5))) as live:
        yield live


def run(pytester: pytest.Pytester, upstream: LiveServer, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-W", "error", f"--aimlapi-upstream={upstream.base_url}", *args
    )


def seen(pytester: pytest.Pytester) -> list[list[object]]:
    path = pytester.path / "seen.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return [json.loads(line) for line in lines]


def stubs(path: Path) -> list[dict[str, object]]:
    stored: list[dict[str, object]] = json.loads(path.read_text())["stubs"]
    return stored


def test_record_once_then_replay_offline_with_both_fixtures(
    pytester: pytest.Pytester, upstream: LiveServer
) -> None:
    pytester.makepyfile(SUITE)
    before = len(upstream.service.journal)
    run(
        pytester, upstream, "--aimlapi-record=once", "-k", "test_chat or test_server"
    ).assert_outcomes(passed=2)
    online = seen(pytester)
    assert len(upstream.service.journal) == before + 3  # both fixtures went to the upstream
    assert ["server", [200, online[1][1][1]]] == online[1]  # 200: the upstream answered
    cassettes = pytester.path / "cassettes"
    assert sorted(p.name for p in cassettes.iterdir()) == ["chat.json", "server.json"]
    for file in cassettes.iterdir():
        assert KEY not in file.read_text()

    run(pytester, upstream, "-k", "test_chat or test_server").assert_outcomes(
        passed=2
    )  # none: replay
    assert seen(pytester) == online
    assert len(upstream.service.journal) == before + 3  # nothing reached the upstream


def test_replay_only_fails_on_a_missing_cassette_or_an_unrecorded_request(
    pytester: pytest.Pytester, upstream: LiveServer
) -> None:
    pytester.makepyfile(SUITE)
    run(pytester, upstream, "--aimlapi-record=once", "-k", "test_chat").assert_outcomes(passed=1)
    result = run(pytester, upstream, "-k", "test_missing or test_other")
    result.assert_outcomes(failed=1, errors=1)
    out = result.stdout.str()
    assert "cassettes/missing.json does not exist; record it with --aimlapi-record=once" in out
    assert "During handling" not in out
    assert "no stub matched; nearest is 'chat#1': messages[0].content is 'Bye', not 'Hi'" in out


def test_new_records_only_what_the_cassette_lacks_and_all_records_again(
    pytester: pytest.Pytester, upstream: LiveServer
) -> None:
    pytester.makepyfile(SUITE)
    cassette = pytester.path / "cassettes" / "chat.json"
    run(pytester, upstream, "--aimlapi-record=once", "-k", "test_chat").assert_outcomes(passed=1)
    assert len(stubs(cassette)) == 2
    first = seen(pytester)

    before = len(upstream.service.journal)
    run(
        pytester, upstream, "--aimlapi-record=new", "-k", "test_chat or test_other"
    ).assert_outcomes(passed=2)
    assert len(upstream.service.journal) == before + 1  # only the new question went out
    assert len(stubs(cassette)) == 3
    assert seen(pytester)[0] == first[0]  # the recorded exchanges were replayed

    before = len(upstream.service.journal)
    run(pytester, upstream, "--aimlapi-record=all", "-k", "test_chat").assert_outcomes(passed=1)
    assert len(upstream.service.journal) == before + 2
    assert [s["name"] for s in stubs(cassette)] == ["chat#1", "chat#2"]


SAME_URL = """
import json, openai, pytest

KEY = {key!r}
UPSTREAM = {upstream!r}

@pytest.mark.aimlapi(cassette="cassettes/same.json", base_url=UPSTREAM)
def test_same_url(aimlapi_mock):
    # The README's own setup: the client, the mock and the recorder's upstream share one URL.
    client = openai.OpenAI(base_url=UPSTREAM, api_key=KEY, max_retries=0, timeout=20)
    plain = client.chat.completions.create(model="o3-mini", messages=[{{"role": "user", "content": "Hi"}}])
    chunks = list(client.chat.completions.create(
        model="o3-mini", messages=[{{"role": "user", "content": "Hi"}}], stream=True))
    with open("seen.jsonl", "a") as f:
        f.write(json.dumps(["same", plain.choices[0].message.content, len(chunks)]) + "\\n")

@pytest.mark.aimlapi(cassette="cassettes/nothing.json")
def test_sends_nothing(aimlapi_mock):
    pass
"""


def test_in_process_recording_works_when_the_client_calls_the_upstream_url_itself(
    pytester: pytest.Pytester, upstream: LiveServer
) -> None:
    pytester.makepyfile(SAME_URL.format(key=KEY, upstream=upstream.base_url))
    before = len(upstream.service.journal)
    result = run(pytester, upstream, "--aimlapi-record=once", "-k", "test_same_url")
    result.assert_outcomes(passed=1)
    assert len(upstream.service.journal) == before + 2  # the real upstream answered both
    recorded = stubs(pytester.path / "cassettes" / "same.json")
    assert [s["reply"]["raw"]["status"] for s in recorded] == [200, 200]  # type: ignore[index]
    online = seen(pytester)
    run(pytester, upstream, "-k", "test_same_url").assert_outcomes(passed=1)  # replay, offline
    assert seen(pytester) == online
    assert len(upstream.service.journal) == before + 2


def test_recording_a_test_that_sends_nothing_says_so_plainly(
    pytester: pytest.Pytester, upstream: LiveServer
) -> None:
    pytester.makepyfile(SAME_URL.format(key=KEY, upstream=upstream.base_url))
    result = run(pytester, upstream, "--aimlapi-record=once", "-k", "test_sends_nothing")
    result.assert_outcomes(passed=1, errors=1)
    out = result.stdout.str()
    assert "the test sent no request to record, so cassette" in out
    assert "a test that calls no API needs no cassette=" in out
    assert "Traceback" not in out
    assert not (pytester.path / "cassettes" / "nothing.json").exists()


JOURNAL = """
import openai, pytest

KEY = {key!r}
HI = [{{"role": "user", "content": "Hi"}}]

@pytest.mark.aimlapi(cassette="cassettes/journal.json")
def test_journal(aimlapi_mock):
    client = openai.OpenAI(base_url="https://api.aimlapi.com/v1", api_key=KEY, max_retries=0)
    for sent in range(1, 4):
        client.chat.completions.create(model="o3-mini", messages=HI)
        assert len(aimlapi_mock.requests) == 2 * sent - 1
        for chunk in client.chat.completions.create(model="o3-mini", messages=HI, stream=True):
            pass  # the SDK stops reading at [DONE] and closes the stream
        assert [r.status for r in aimlapi_mock.requests] == [200] * 2 * sent
"""


def test_a_recording_test_reads_each_exchange_in_the_journal_once_it_has_its_answer(
    pytester: pytest.Pytester, upstream: LiveServer
) -> None:
    # The journal entry of a recorded exchange is written after its last byte; a test that
    # reads the journal right after its call must find it, as it does when replaying.
    pytester.makepyfile(JOURNAL.format(key=KEY))
    run(pytester, upstream, "--aimlapi-record=all", "-k", "test_journal").assert_outcomes(passed=1)
    run(pytester, upstream, "-k", "test_journal").assert_outcomes(passed=1)  # replay, offline
