"""`mockserver conform`: the example clients (Python and Node, official SDKs) pass, a client
with a framing bug fails with its smallest failing example, and CMD that cannot run is exit 2."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from mockserver._cli import main as cli
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
