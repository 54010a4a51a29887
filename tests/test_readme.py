"""The README is a front page that stays true: short, its links resolve, no internal
references, the two set-up commands exist. (Its code blocks run in test_docs_examples.py;
the reference it points to is generated from the code when the site is built.)"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def test_the_readme_is_a_front_page_a_newcomer_reads_in_minutes() -> None:
    assert len(README.splitlines()) <= 200


def test_every_link_of_the_readme_resolves() -> None:
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if "://" not in link]
    assert local, "the README links no page of the documentation"
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"


def test_the_readme_names_no_issue_and_no_target() -> None:
    # Figures are stated as measured, with their command; the history of the work is not
    # the reader's business (CHANGELOG.md says what changed).
    assert not re.search(r"\bissue \d+", README, re.IGNORECASE)
    assert not re.search(r"\btarget\b", README, re.IGNORECASE)


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
