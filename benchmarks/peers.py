"""The Node peer, aimock (`@copilotkit/aimock` on npm), answering a fixture for the same request.

It is installed on first use with npm into ``benchmarks/.aimock/`` (ignored by git), at the
version pinned here; without npm or node the comparison is skipped with a message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

AIMOCK_VERSION = "1.43.0"
FOLDER = Path(__file__).resolve().parent / ".aimock"
CLI = FOLDER / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"


def install() -> str | None:
    """Install aimock if needed; returns why it cannot run, or None."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not on PATH"
    if not CLI.exists():
        FOLDER.mkdir(exist_ok=True)
        done = subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(FOLDER),
                "--no-audit",
                "--no-fund",
                "--silent",
                f"@copilotkit/aimock@{AIMOCK_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or not CLI.exists():
            return f"npm install failed: {done.stderr.strip()[-300:]}"
    return None


def command(port: int, user_message: str, content: str) -> list[str]:
    """aimock serving one fixture: `content` for requests whose last user message matches."""
    fixtures = FOLDER / "fixtures"
    fixtures.mkdir(parents=True, exist_ok=True)
    fixture = {
        "fixtures": [{"match": {"userMessage": user_message}, "response": {"content": content}}]
    }
    (fixtures / "bench.json").write_text(json.dumps(fixture))
    return [
        "node",
        str(CLI),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--fixtures",
        str(fixtures),
        "--log-level",
        "silent",
    ]
