"""Importing the mock stays cheap: pytest imports the plugin in every session of every
project that installs the package, and ``import mockserver.app`` should cost little more
than Starlette itself (benchmarks/imports.py measures it). What is heavy (the pipeline,
generation, jsonschema, the schemas) is loaded on first use; these checks keep it so."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "jsonschema",
    "regex",
    "yaml",
    "mockserver._core.pipeline",
    "mockserver._generation.engine",
)


def _loaded_after(statement: str) -> list[str]:
    probe = f"import sys\n{statement}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.parametrize(
    "statement",
    [
        "import mockserver.app",
        "import mockserver",
        "import mockserver.pytest_plugin",
        "from mockserver._plugin.options import signature; signature()",
    ],
)
def test_importing_loads_nothing_heavy(statement: str) -> None:
    assert _loaded_after(statement) == []


def test_a_valid_request_needs_no_jsonschema() -> None:
    # jsonschema explains a value the compiled checks refuse; a valid one never needs it.
    statement = (
        "from mockserver import Service, Config\n"
        "from mockserver._core.exchange import RawRequest\n"
        'body = b\'{"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}]}\'\n'
        "headers = {'authorization': 'Bearer k', 'content-type': 'application/json'}\n"
        "assert Service(Config()).handle(RawRequest('POST', '/v1/chat/completions', headers, body)).status == 201"
    )
    assert "jsonschema" not in _loaded_after(statement)
