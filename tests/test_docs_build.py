"""`make docs` is strict: a warning (a broken link, a page missing from the site) fails it.

MkDocs counts the warnings that strict mode turns into a failure through its logging, so a
flag that silences the log (``--quiet``) also lets every warning through with exit 0."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _recipe() -> list[str]:
    """The mkdocs command of the Makefile's docs target, as it runs."""
    text = (ROOT / "Makefile").read_text("utf-8")
    found = re.search(r"^docs:.*\n\t(.+)$", text, re.M)
    assert found is not None, "the Makefile has a docs target"
    words = [w for w in shlex.split(found.group(1)) if "=" not in w.split("/")[0]]
    assert Path(words[0]).name == "mkdocs", words
    return [str(Path(sys.executable).parent / "mkdocs"), *words[1:]]


def test_the_docs_target_fails_on_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [a page](missing.md).\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n")
    done = subprocess.run(_recipe(), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "missing.md" in done.stdout + done.stderr  # and it says why
