"""Every example in README.md and docs/ runs, as a reader would run it (``make test-docs``;
``make test`` runs it beside the suite: every block starts an interpreter of its own, so
they run outside the coverage run).

A small runner of our own (pytest-examples runs Python blocks only and lints them in its own
style; Sybil has no shell blocks): each fenced block is one test.

- ``python`` blocks that define ``test_...`` functions are test files: pytest runs them
  (with the plugin, as a user's suite would; Hypothesis seeded, so a run repeats) and every
  test must pass. A file that opens
  with ``# $ pytest ARGS`` lines runs once per line, in order, in the same folder, with
  those arguments (a recording run, then an offline one).
- Other ``python`` blocks run as scripts in a fresh interpreter, from the repository's
  root. Where they name ``http://127.0.0.1:8000`` (the address ``make serve`` uses), a mock
  started for the test on a free loopback port answers instead.
- ``console`` blocks: each ``$ command`` runs from the root (with the same substitution)
  and must succeed; the lines shown under it must match what it printed (the test mock's
  address read as ``127.0.0.1:8000``), where ``...`` stands for any lines
  (nondeterministic parts). ``mockserver serve`` and ``record``
  (they run until stopped), ``make``, ``pip``, ``docker``, ``kubectl`` and ``npm`` lines
  are not run: a ``mockserver`` one is parsed by the CLI, so its flags must exist.
- A block whose first line is ``# not run: REASON`` (shown on the page) is skipped, with the
  reason (the real provider, for one).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockserver import Config, LiveServer, Service
from mockserver._cli import main as cli

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SERVE_URL = "http://127.0.0.1:8000"
NOT_RUN = ("make ", "pip ", "docker ", "kubectl ", "npm ", "npx ", "git ", "cd ", "python -m build")
_FENCE = re.compile(
    r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    kind: str
    body: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def not_run(self) -> str | None:
        first = self.body.lstrip().splitlines()[0] if self.body.strip() else ""
        found = re.match(r"#\s*not run:\s*(.+)", first)
        return found.group(1) if found else None


def _blocks() -> Iterator[Block]:
    for page in PAGES:
        text = page.read_text("utf-8")
        for found in _FENCE.finditer(text):
            kind = found.group("info").strip().split(" ")[0]
            if kind in ("python", "console"):
                line = text.count("\n", 0, found.start()) + 1
                indent = len(found.group("indent"))
                body = "\n".join(x[indent:] for x in found.group("body").splitlines())
                yield Block(page, line, kind, body + "\n")


BLOCKS = list(_blocks())


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """The mock a reader would have started with ``make serve`` (seeded, any key)."""
    with LiveServer(Service(Config(seed=1))) as live:
        yield live


def _here(text: str, server: LiveServer) -> str:
    return text.replace(SERVE_URL, server.url)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)  # mockserver, as the venv installs it
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.pop("MOCKSERVER_SELF_CHECK", None)  # what a reader's machine has
    return env


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "python"], ids=lambda b: b.id)
def test_the_python_example_runs(
    block: Block, server: LiveServer, pytester: pytest.Pytester
) -> None:
    if block.not_run:
        pytest.skip(block.not_run)
    source = _here(block.body, server)
    if re.search(r"^(async )?def test_", source, re.M):
        pytester.makepyfile(test_example=source)
        for args in _pytest_runs(source):
            result = pytester.runpytest_subprocess(
                "-p", "no:cacheprovider", "-q", "-W", "error", "--hypothesis-seed=0", *args
            )
            assert result.ret == 0, f"pytest {shlex.join(args)}\n" + "\n".join(
                result.outlines[-30:]
            )
            assert result.parseoutcomes().get("passed", 0) >= 1
        return
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{block.id} failed:\n{done.stdout}\n{done.stderr}"


def _pytest_runs(source: str) -> list[list[str]]:
    """The arguments of each ``# $ pytest ARGS`` line the file opens with ([[]]: one plain
    run); a comment after two spaces is the reader's."""
    runs = []
    for line in source.splitlines():
        found = re.fullmatch(r"#\s*\$\s*pytest\b(.*)", line.strip())
        if found is None:
            break
        runs.append(shlex.split(found.group(1).split("  #")[0]))
    return runs or [[]]


def _commands(body: str) -> Iterator[tuple[str, list[str]]]:
    """Each ``$ command`` (continued lines joined) and the lines shown under it."""
    command: str | None = None
    shown: list[str] = []
    lines = iter(body.splitlines())
    for line in lines:
        if line.startswith("$ "):
            if command is not None:
                yield command, shown
            command, shown = line[2:], []
            while command.endswith("\\"):
                command = command[:-1] + " " + next(lines).strip()
        elif command is not None:
            shown.append(line)
    if command is not None:
        yield command, shown


def _matches(shown: list[str], printed: list[str]) -> bool:
    """Whether `printed` reads as `shown`, ``...`` standing for any lines."""
    pattern = "\n".join(
        ".*?" if line.strip() == "..." else re.escape(line.rstrip()) for line in shown
    )
    text = "\n".join(line.rstrip() for line in printed)
    return re.fullmatch(pattern, text, re.S) is not None


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "console"], ids=lambda b: b.id)
def test_the_console_example_runs(block: Block, server: LiveServer) -> None:
    if block.not_run:
        pytest.skip(block.not_run)
    for command, shown in _commands(block.body):
        command = command.split("  #")[0].strip()  # a comment after two spaces is the reader's
        words = shlex.split(command)
        if words[0] in (".venv/bin/mockserver", "mockserver") and words[1] in ("serve", "record"):
            cli._parser().parse_args(words[1:])  # runs until stopped: its flags must parse
            continue
        if command.startswith(NOT_RUN):
            continue
        done = subprocess.run(
            _here(command, server),
            shell=True,
            cwd=ROOT,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{block.id}: $ {command}\n{done.stdout}\n{done.stderr}"
        output = (done.stdout + done.stderr).replace(server.url, SERVE_URL)
        printed = output.rstrip("\n").splitlines()
        if shown and any(line.strip() for line in shown):
            assert _matches(shown, printed), f"{block.id}: $ {command} printed:\n" + "\n".join(
                printed
            )


def test_the_pages_have_examples() -> None:
    # The runner must find blocks: a change of fence style would otherwise pass silently.
    assert sum(b.kind == "python" for b in BLOCKS) >= 5
    assert sum(b.kind == "console" for b in BLOCKS) >= 3
