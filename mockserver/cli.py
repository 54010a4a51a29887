"""The ``mockserver`` command: ``serve`` and ``validate``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Offline mock and contract tools for AI/ML API's chat completions (o3-mini).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate",
        help="validate JSON bodies and .sse transcripts against schemas/",
        description="Validate JSON files and SSE transcripts; folders are searched for "
        "*.json and *.sse. Exits 1 if any file is invalid.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument(
        "--kind",
        choices=["request", "completion", "chunk", "error", "transcript"],
        help="what every file is (default: detected from each file's content)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate":
        from mockserver import _validate_cli

        return _validate_cli.run(args.paths, args.kind)
    raise AssertionError(args.command)  # pragma: no cover - argparse enforces the choices
