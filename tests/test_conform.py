"""`mockserver conform`: the example clients (Python and Node, official SDKs) pass, a client
with a framing bug fails with its smallest failing example, and CMD that cannot run is exit 2."""

from __future__ import annotations

import io
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from mockserver._cli import main as cli
from mockserver._conform import client
from mockserver._conform.kit import Kit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = f"{sys.executable} {ROOT / 'examples' / 'conform_client.py'}"
NODE_CLIENT = ROOT / "examples" / "js" / "conform_client.mjs"
BUGGY = f"{sys.executable} {ROOT / 'tests' / 'conform_clients' / 'drops_split_lines.py'}"


def run(command: str, examples: int, *only: str) -> tuple[list[bool], str]:
    out = io.StringIO()
    results = Kit(command, examples=examples, only=only or None).run(out)
    return [r.passed for r in results], out.getvalue()


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_node_example_client_passes_every_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (NODE_CLIENT.parent / "node_modules" / "openai").is_dir():
        pytest.fail(
            "examples/js/node_modules is missing: run `make examples/js/node_modules/.installed`"
        )
    junit = tmp_path / "conform.xml"
    # Every kind of case, one example each (the whole kit takes longer than a unit test).
    chosen = [
        "stream", "completion", "error-401", "error-429",
        "fault-retry-429", "fault-stream-framing", "fault-persistent-500",
    ]  # fmt: skip
    command = ["conform", "--client", f"node {NODE_CLIENT}", "--examples", "1"]
    status = cli.main([*command, "--junit", str(junit), *(f"--case={c}" for c in chosen)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "FAIL" not in out and out.rstrip().endswith("7 passed, 0 failed")
    suite = ElementTree.parse(junit).getroot()
    assert suite.get("tests") == "7" and suite.get("failures") == "0"
    assert [case.get("name") for case in suite] == chosen


def test_the_python_example_client_passes() -> None:
    passed, out = run(PYTHON, 1, "stream", "fault-retry-429")
    assert passed == [True, True], out


def test_a_client_that_drops_lines_cut_in_two_fails_the_stream_case() -> None:
    passed, out = run(BUGGY, 10, "stream")
    assert passed == [False], out
    assert "FAIL stream" in out and "smallest failing example: a stream sent in" in out
    assert "it must print" in out and "CONFORM_REQUEST=" in out


def test_a_client_that_prints_no_json_fails_and_one_that_cannot_run_is_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    passed, out = run("echo hello", 1, "error-400")
    assert passed == [False] and "the client printed no JSON object: hello" in out
    passed, out = run(f"{sys.executable} -c 'raise SystemExit(3)'", 1, "error-400")
    assert passed == [False] and "the client exited with status 3" in out
    missing = ["conform", "--client", "no-such-client-command-xyz", "--case", "error-400"]
    assert cli.main(missing) == 2
    assert "cannot run" in capsys.readouterr().err
    assert cli.main(["conform", "--client", "true", "--case", "nope"]) == 2
    assert "unknown case(s) nope; known: stream, completion, error-400" in capsys.readouterr().err


def _gone(pid: int) -> bool:
    """Whether process `pid` no longer runs (waiting a little for init to reap it)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if "State:\tZ" in Path(f"/proc/{pid}/status").read_text():
            return True  # a zombie: dead, waiting for its parent to collect it
        time.sleep(0.05)
    return False


def test_a_client_that_prints_without_end_fails_with_the_cap_and_memory_stays_flat() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    noisy = f"{sys.executable} -c \"import sys; b = b'x' * 2**20; [sys.stdout.buffer.write(b) for _ in range(400)]\""
    passed, out = run(noisy, 1, "error-400")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert passed == [False]
    assert f"the client printed more than {client.MAX_OUTPUT} bytes on stdout" in out
    assert grown_kib < 64 * 1024, f"the kit grew by {grown_kib} KiB"


def test_a_hanging_client_is_killed_with_its_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    hangs = f"sh -c 'sleep 300 & echo $! > {pidfile}; wait'"
    out = io.StringIO()
    results = Kit(hangs, examples=1, only=["error-400"], timeout=1).run(out)
    assert [r.passed for r in results] == [False]
    assert "the client did not finish within 1s" in out.getvalue()
    assert _gone(int(pidfile.read_text()))  # no orphan left behind


def test_a_grandchild_holding_stdout_does_not_hold_up_the_run(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"
    answers = f"""sh -c 'sleep 300 & echo $! > {pidfile}; echo "{{\\"error\\": {{\\"status\\": 400}}}}"'"""
    out = io.StringIO()
    results = Kit(answers, examples=1, only=["error-400"], timeout=120).run(out)
    assert [r.passed for r in results] == [True], out.getvalue()
    assert results[0].seconds < 60  # not the timeout: the run ended with its command
    assert _gone(int(pidfile.read_text()))


def test_shrinking_has_its_own_time_budget(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    # Fails at once the first time; every later run (the shrinking) would hang.
    flaky = f"sh -c 'if [ -e {seen} ]; then sleep 300; else touch {seen}; echo nonsense; fi'"
    out = io.StringIO()
    results = Kit(flaky, examples=5, only=["stream"], timeout=120, shrink_time=2).run(out)
    assert [r.passed for r in results] == [False]
    assert "the client printed no JSON object: nonsense" in out.getvalue()
    assert results[0].seconds < 60  # each shrinking run would otherwise wait 120 s


def test_the_command_line_takes_the_timeouts(capsys: pytest.CaptureFixture[str]) -> None:
    command = ["conform", "--client", "sleep 30", "--case", "error-400", "--examples", "1"]
    assert cli.main([*command, "--timeout", "0.5", "--shrink-time", "1"]) == 1
    assert "the client did not finish within 0.5s" in capsys.readouterr().out
    assert cli.main([*command, "--timeout", "0"]) == 2


def test_the_kits_cases_follow_the_profiles_dated_shapes() -> None:
    """The cases are drawn from the strategies: a client is tested with the gateway's error
    shapes old and new, and with streams that carry usage unasked and end without [DONE]."""
    from hypothesis import HealthCheck, Phase, find, settings

    from mockserver._conform.cases import Example, cases
    from mockserver._verify.expectations import shape_of

    once = settings(
        database=None, max_examples=2000, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    by_name = {case.name: case for case in cases("aimlapi")}

    def shaped(shape: str) -> Callable[[Example], bool]:
        return lambda e: e.reply is not None and shape_of(e.reply.body) == shape

    def clean_end(e: Example) -> bool:
        data = (e.reply.events if e.reply is not None else None) or b""
        return b"[DONE]" not in data and b'"choices":[]' in data

    errors, streams = by_name["error-403"].examples, by_name["stream"].examples
    assert errors is not None and streams is not None
    for shape in ("problem", "gateway"):
        find(errors, shaped(shape), settings=once)
    find(streams, clean_end, settings=once)
