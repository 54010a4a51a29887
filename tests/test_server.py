"""`mockserver serve` as a user runs it: a real process on loopback, stopped by a signal."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

HELLO = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]}


def _started(process: subprocess.Popen[str]) -> str:
    """The base URL the server announces on stderr."""
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        found = re.search(r"use base_url=(\S+)", line)
        if found:
            return found.group(1)
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"the server did not announce its URL (exit code {process.poll()})")


@pytest.fixture
def serve() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()  # SIGTERM: a --workers parent stops its workers too
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def _run(serve: list[subprocess.Popen[str]], *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockserver",
            "serve",
            "--port",
            "0",
            "--log-level",
            "warning",
            *args,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    serve.append(process)
    return process, _started(process)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_serve_answers_on_loopback_and_stops_cleanly(
    serve: list[subprocess.Popen[str]], stop: signal.Signals
) -> None:
    process, base_url = _run(serve, "--seed", "3")
    assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
    answer = httpx.post(
        f"{base_url}/chat/completions",
        json=HELLO,
        headers={"authorization": "Bearer k"},
        timeout=10,
    )
    assert answer.status_code == 201 and answer.json()["object"] == "chat.completion"
    process.send_signal(stop)
    assert process.wait(timeout=15) == 0


def test_serve_flags_reach_the_mock(serve: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"stubs": [{"reply": {"content": "from the file"}}]}))
    _, base_url = _run(
        serve, "--profile", "openai", "--api-key", "sk-one", "--stubs", str(scenario), "--no-admin"
    )
    denied = httpx.post(
        f"{base_url}/chat/completions",
        json=HELLO,
        headers={"authorization": "Bearer sk-two"},
        timeout=10,
    )
    assert denied.status_code == 401 and denied.json()["error"]["code"] == "invalid_api_key"
    answer = httpx.post(
        f"{base_url}/chat/completions",
        json=HELLO,
        headers={"authorization": "Bearer sk-one"},
        timeout=10,
    )
    assert (
        answer.status_code == 200
        and answer.json()["choices"][0]["message"]["content"] == "from the file"
    )
    assert (
        httpx.get(base_url.removesuffix("/v1") + "/__mock/requests", timeout=10).status_code == 404
    )


def test_a_port_in_use_is_reported_not_hidden(serve: list[subprocess.Popen[str]]) -> None:
    _, base_url = _run(serve)
    port = base_url.split(":")[-1].split("/")[0]
    second = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", port, "--log-level", "warning"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert second.returncode != 0
    assert "address already in use" in second.stderr.lower()


def test_with_an_api_key_the_banner_says_so_and_models_want_the_key(
    serve: list[subprocess.Popen[str]],
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--api-key", "sk-one"],
        stderr=subprocess.PIPE,
        text=True,
    )
    serve.append(process)
    assert process.stderr is not None
    banner = ""
    while "use base_url=" not in banner:
        banner = process.stderr.readline()
        assert banner or process.poll() is None, "the server stopped before its banner"
    assert "with the --api-key key" in banner and "any API key" not in banner
    base_url = re.search(r"use base_url=(\S+)", banner).group(1)  # type: ignore[union-attr]
    for path in ("/models", "/models/o3-mini"):
        denied = httpx.get(base_url + path, timeout=10)
        assert denied.status_code == 401 and denied.json()["status"] == 401  # aimlapi's shape
        wrong = httpx.get(base_url + path, headers={"authorization": "Bearer sk-x"}, timeout=10)
        assert wrong.status_code == 401
        right = httpx.get(base_url + path, headers={"authorization": "Bearer sk-one"}, timeout=10)
        assert right.status_code == 200
    assert httpx.get(base_url.removesuffix("/v1") + "/health", timeout=10).status_code == 200


def test_version_journal_size_default_and_access_log_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mockserver import Config, Service, __version__
    from mockserver._adapters import server
    from mockserver._cli import main as cli

    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert (
        stopped.value.code == 0 and capsys.readouterr().out.strip() == f"mockserver {__version__}"
    )
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "0 turns it off (default: 1000)" in help_text and "--access-log" in help_text
    service = Service(Config())
    assert server._uvicorn_config(service, "127.0.0.1", 0, "info", access_log=True).access_log
    assert not server._uvicorn_config(service, "127.0.0.1", 0, "info").access_log


def test_workers_share_the_port_refuse_run_time_changes_and_add_up_metrics(
    serve: list[subprocess.Popen[str]], tmp_path: Path
) -> None:
    scenario = tmp_path / "stubs.json"
    scenario.write_text(
        json.dumps({"stubs": [{"match": {"last_user": "ping"}, "reply": {"content": "pong"}}]})
    )
    process, base_url = _run(serve, "--workers", "2", "--seed", "1", "--stubs", str(scenario))
    url = base_url.removesuffix("/v1")
    with httpx.Client(timeout=60, headers={"authorization": "Bearer k"}) as client:
        pids = set()
        for _ in range(40):  # new connections land on either worker
            with httpx.Client(timeout=60) as fresh:
                journal = fresh.get(f"{url}/__mock/requests").json()
            pids.add(re.search(r"pid (\d+)", journal["partial"]).group(1))  # type: ignore[union-attr]
            if len(pids) == 2:
                break
        assert len(pids) == 2, "both workers answer on the one port"
        for _ in range(6):
            answer = client.post(
                f"{base_url}/chat/completions",
                json={"model": "o3-mini", "messages": [{"role": "user", "content": "ping"}]},
                headers={"connection": "close"},
            )
            assert answer.status_code == 201
            assert answer.json()["choices"][0]["message"]["content"] == "pong"  # in every worker
        refused = client.post(f"{url}/__mock/faults", json={"status": 429})
        assert refused.status_code == 409
        assert "--workers 1" in refused.json()["error"]["message"]
        time.sleep(1.2)  # two snapshot periods: every worker has published its figures
        text = client.get(f"{url}/metrics").text
    served = re.findall(
        r'mockserver_requests_total\{answered_by="stub",path="/v1/chat/completions",'
        r'status="201"\} (\S+)',
        text,
    )
    assert served == ["6.0"], text
    assert "mockserver_workers 2.0" in text
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
