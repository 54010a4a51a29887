"""LangChain.js (`@langchain/openai`, pinned in js/package-lock.json): `withStructuredOutput`
in every method against the live mock in both profiles, unscripted. LangChain's own parser
validates the output against the zod schema; jsonMode's prompt states the keys and types
in prose, and the mock answers them (an integer population, a listed continent)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mockserver import MockAPI

JS = Path(__file__).parent / "js"


def structured(method: str, server: MockAPI) -> dict[str, Any]:
    if shutil.which("node") is None or not (JS / "node_modules" / "@langchain").is_dir():
        pytest.fail("node or tests_clients/js/node_modules is missing: run `make test-clients`")
    run = subprocess.run(
        ["node", str(JS / "langchain.mjs"), method, server.base_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
    )
    assert run.returncode == 0, f"node langchain.mjs {method} failed:\n{run.stderr}"
    result: dict[str, Any] = json.loads(run.stdout)
    return result


@pytest.mark.parametrize("method", ["functionCalling", "jsonSchema", "jsonMode"])
def test_with_structured_output_parses_in_every_method(server: MockAPI, method: str) -> None:
    result = structured(method, server)
    parsed = result["parsed"]
    assert result["valid"] is True
    assert isinstance(parsed["population"], int) and not isinstance(parsed["population"], bool)
    assert parsed["continent"] in ("Africa", "America", "Asia", "Europe", "Oceania")
    sent = server.last_request.body
    kind = {"functionCalling": None, "jsonSchema": "json_schema", "jsonMode": "json_object"}[method]
    assert (sent.get("response_format") or {}).get("type") == kind
    if method == "functionCalling":
        assert sent["tool_choice"]["function"]["name"] == "city"
