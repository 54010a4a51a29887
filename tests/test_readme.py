"""The README stays true: its examples come from files that run, its flag table matches the CLI."""

from __future__ import annotations

import re
from pathlib import Path

from mockserver._cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_plugin_examples_are_taken_from_the_example_suite_that_make_test_runs() -> None:
    suite = (ROOT / "examples" / "test_weather_app.py").read_text("utf-8")
    tests = [b for b in _blocks("python") if b.lstrip().startswith(("def test_", "@settings"))]
    assert tests, "the README shows no example test"
    for block in tests:
        for line in block.splitlines():
            if line.strip() and line.strip() != "...":
                assert line in suite, f"README line not in examples/test_weather_app.py: {line!r}"


def test_every_serve_flag_is_in_the_readme_table() -> None:
    serve = cli._parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    flags = {
        s
        for action in serve._actions
        for s in action.option_strings
        if s.startswith("--") and s != "--help"
    }
    documented = set(re.findall(r"^\| `(--[a-z-]+)", README, flags=re.MULTILINE))
    assert flags == documented


def test_the_two_setup_commands_exist_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "make serve" in README and "make test" in README
    assert re.search(r"^serve:", makefile, flags=re.MULTILINE) and re.search(
        r"^test:", makefile, flags=re.MULTILINE
    )


def test_the_ci_entry_runs_the_readmes_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text("utf-8")


def test_benchmark_figures_are_filled_in() -> None:
    assert "BENCH" not in README, "run `make bench` and put the figures in the README"
