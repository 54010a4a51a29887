"""`mockserver conform`: run a client command once per example of every case against a
loopback mock, compare what it prints with what the example must fold into, and report.

Each run is bounded (`client`: ``--timeout`` seconds, `client.MAX_OUTPUT` bytes of output,
its process group killed at the end). A drawn case that fails is shrunk, within
`SHRINK_RUNS` more client runs and `SHRINK_SECONDS` (``--shrink-time``), to the smallest
failing example the kit found; the report shows it.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from xml.etree import ElementTree

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.reporting import with_reporter

from mockserver._adapters.server import LiveServer
from mockserver._conform import client
from mockserver._conform.cases import Case, Example, cases, expected, fold_transcript, normalized
from mockserver._conform.client import CannotRun as CannotRun
from mockserver._contract import profiles
from mockserver._core.exchange import Config, RawRequest
from mockserver._core.pipeline import Service

API_KEY = "sk-conform-0000000000000000"
# Client runs a failing drawn case may spend looking for a smaller failing example.
SHRINK_RUNS = 4
SHRINK_SECONDS = client.SHRINK_SECONDS


@dataclass
class Result:
    case: Case
    passed: bool
    runs: int
    seconds: float
    message: str = ""
    example: Any = None


class Kit:
    """One loopback mock and one client command; `run` goes through every case."""

    def __init__(
        self, command: str, *, profile: str = "aimlapi", seed: int = 0, examples: int = 10,
        timeout: float = client.DEFAULT_TIMEOUT, only: Sequence[str] | None = None,
        shrink_time: float = SHRINK_SECONDS, max_output: int = client.MAX_OUTPUT,
    ) -> None:  # fmt: skip
        self.command, self.profile, self.seed = command, profile, seed
        self.examples, self.timeout, self.only = examples, timeout, only
        self.shrink_time, self.max_output = shrink_time, max_output
        self.config = Config(profile=profiles.get(profile), seed=seed)
        self.service = Service(Config(profile=profiles.get(profile), seed=seed))
        self.base_url = ""

    def run(self, out: TextIO) -> list[Result]:
        with LiveServer(self.service) as live:
            self.base_url = live.base_url
            print(
                f"mockserver conform: {self.command}\n  against {self.base_url} (profile "
                f"{self.profile}, seed {self.seed}, {self.examples} example(s) per drawn case)",
                file=out,
            )
            results = []
            chosen = [c for c in cases(self.profile) if self.only is None or c.name in self.only]
            for case in chosen:
                result = self._case(case)
                results.append(result)
                print(_line(result), file=out, flush=True)
        passed = sum(r.passed for r in results)
        print(f"{passed} passed, {len(results) - passed} failed", file=out)
        return results

    # ---- one case ---------------------------------------------------------------------------

    def _case(self, case: Case) -> Result:
        started = time.monotonic()
        runs = 0
        if case.examples is None:
            for example in case.fixed:
                runs += 1
                message = self.check(example)
                if message:
                    return Result(case, False, runs, time.monotonic() - started, message, example)
            return Result(case, True, runs, time.monotonic() - started)
        failures: list[tuple[Example, str]] = []
        counter = {"runs": 0, "budget": SHRINK_RUNS}
        first_failure: list[float] = []

        @settings(
            max_examples=1 if case.once else self.examples,
            database=None,
            deadline=None,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @seed(self.seed)
        @given(example=case.examples)
        def test(example: Example) -> None:
            timeout = self.timeout
            if failures:
                left = self.shrink_time - (time.monotonic() - first_failure[0])
                if counter["budget"] <= 0 or left <= 0:
                    return  # the shrink budget is spent: keep the smallest failure found
                counter["budget"] -= 1
                timeout = min(timeout, left)
            counter["runs"] += 1
            message = self.check(example, timeout=timeout)
            if message and timeout < self.timeout and message == _late(timeout):
                return  # stopped by the shrink budget, not by --timeout: no finding
            if message:
                if not failures:
                    first_failure.append(time.monotonic())
                failures.append((example, message))
                raise AssertionError(message)

        try:
            with with_reporter(lambda _: None):
                test()
        except CannotRun:
            raise
        except Exception:
            pass
        seconds = time.monotonic() - started
        if not failures:
            return Result(case, True, counter["runs"], seconds)
        example, message = min(failures, key=lambda f: len(repr(f[0].shown)))
        return Result(case, False, counter["runs"], seconds, message, example)

    def check(self, example: Example, *, timeout: float | None = None) -> str | None:
        """Serve `example`, run the client once (at most `timeout` seconds, default the
        kit's); what is wrong, or None."""
        self.service.reset()
        if example.reply is not None:
            self.service.stub(example.reply)
        for fault, times in example.faults:
            self.service.fault(fault, times=times)
        want = example.expected if example.expected is not None else self._generated(example)
        printed, problem = self._client(example.request, timeout or self.timeout)
        if problem:
            return problem
        try:
            got = normalized(printed)
        except ValueError as exc:
            return str(exc)
        if got != want:
            return f"the client printed {_dumps(got)}\n  it must print {_dumps(want)}"
        return None

    def _generated(self, example: Example) -> dict[str, Any]:
        """What the mock answers `example.request` with when nothing goes wrong."""
        twin = Service(Config(profile=self.config.profile, seed=self.seed))
        headers = {"authorization": f"Bearer {API_KEY}", "content-type": "application/json"}
        outcome = twin.handle(
            RawRequest(
                "POST", "/v1/chat/completions", headers, json.dumps(example.request).encode()
            )
        )
        if outcome.stream is not None:
            data = b"".join(d for _, d in outcome.stream if d is not None)
            return expected(fold_transcript(data))
        return expected(json.loads(outcome.body))

    def _client(self, request: dict[str, Any], timeout: float) -> tuple[Any, str]:
        env = {
            **os.environ,
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": API_KEY,
            "CONFORM_REQUEST": json.dumps(request),
        }
        done = client.run(self.command, env, timeout=timeout, max_output=self.max_output)
        if done.problem:
            return None, done.problem
        if done.status in (126, 127):
            raise CannotRun(f"{self.command!r} cannot run: {_tail(done.stderr)}")
        if done.status != 0:
            return None, f"the client exited with status {done.status}: {_tail(done.stderr)}"
        for text in (done.stdout.strip(), *reversed(done.stdout.strip().splitlines())):
            try:
                return json.loads(text), ""
            except json.JSONDecodeError:
                continue
        return None, f"the client printed no JSON object: {_tail(done.stdout) or '(nothing)'}"


def _late(timeout: float) -> str:
    return f"the client did not finish within {timeout:g}s"


def _tail(text: str, size: int = 400) -> str:
    text = text.strip()
    return text if len(text) <= size else "..." + text[-size:]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _shown(example: Example) -> str:
    shown = example.shown
    if hasattr(shown, "transcript"):
        pieces = [p.decode("utf-8", "backslashreplace") for p in shown.pieces]
        return f"a stream sent in {len(pieces)} piece(s): {pieces!r}"
    if hasattr(shown, "status"):
        return f"{shown.status} with headers {shown.headers} and body {_dumps(shown.body)}"
    return shown if isinstance(shown, str) else _dumps(shown)


def _line(result: Result) -> str:
    head = f"{'PASS' if result.passed else 'FAIL'} {result.case.name}"
    head += f" ({result.runs} run(s), {result.seconds:.1f}s)"
    if result.passed:
        return head
    lines = [head, f"  must: {result.case.must}", f"  {result.message}"]
    if result.example is not None:
        lines.append(f"  smallest failing example: {_shown(result.example)}")
        lines.append(f"  request: CONFORM_REQUEST={shlex.quote(_dumps(result.example.request))}")
    return "\n".join(lines)


def write_junit(results: Sequence[Result], path: Path) -> None:
    suite = ElementTree.Element(
        "testsuite",
        name="mockserver conform",
        tests=str(len(results)),
        failures=str(sum(not r.passed for r in results)),
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname="conform",
            name=result.case.name,
            time=f"{result.seconds:.3f}",
        )
        if not result.passed:
            failure = ElementTree.SubElement(
                case, "failure", message=result.message.splitlines()[0]
            )
            failure.text = _line(result)
    path.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def main(
    command: str, *, examples: int, profile: str, seed: int, junit: str | None,
    only: Sequence[str] | None = None, timeout: float = client.DEFAULT_TIMEOUT,
    shrink_time: float = SHRINK_SECONDS,
) -> int:  # fmt: skip
    """Exit status: 0 when every case passed, 1 when one failed, 2 when CMD cannot run."""
    if examples < 1:
        print(f"mockserver conform: --examples must be >= 1; got {examples}", file=sys.stderr)
        return 2
    if not timeout > 0 or not shrink_time >= 0:
        print(
            "mockserver conform: --timeout must be > 0 and --shrink-time >= 0",
            file=sys.stderr,
        )
        return 2
    known = [c.name for c in cases(profile)]
    unknown = sorted(set(only or ()) - set(known))
    if unknown:
        print(
            f"mockserver conform: unknown case(s) {', '.join(unknown)}; known: {', '.join(known)}",
            file=sys.stderr,
        )
        return 2
    kit = Kit(
        command, profile=profile, seed=seed, examples=examples, only=only, timeout=timeout,
        shrink_time=shrink_time,
    )  # fmt: skip
    try:
        results = kit.run(sys.stdout)
    except CannotRun as exc:
        print(f"mockserver conform: {exc}", file=sys.stderr)
        return 2
    if junit:
        write_junit(results, Path(junit))
    return 0 if all(r.passed for r in results) else 1
