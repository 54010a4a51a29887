"""The ``mockserver`` command: ``serve`` and ``validate``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from mockserver._contract import profiles
from mockserver._control import scenario_files
from mockserver._core.pipeline import Config


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Offline mock and contract tools for AI/ML API's chat completions (o3-mini).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the mock server",
        description="Serve the mock on HOST:PORT (loopback by default) until Ctrl-C or SIGTERM.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port (default: %(default)s; 0 picks a free one)"
    )
    serve.add_argument(
        "--profile",
        choices=sorted(profiles.PROFILES),
        default="aimlapi",
        help="aimlapi: 201 and the gateway's flat errors; openai: 200 and OpenAI's envelope "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this bearer key (repeatable; default: any non-empty key)",
    )
    serve.add_argument(
        "--seed", type=int, help="seed for unseeded requests, ids and text (default: random)"
    )
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        default=Config.max_body_bytes,
        help="larger bodies get 413 (default: %(default)s)",
    )
    serve.add_argument(
        "--journal-size",
        type=int,
        default=Config.journal_size,
        help="requests kept in the journal; 0 turns it off",
    )
    serve.add_argument(
        "--self-check",
        action="store_true",
        default=None,
        help="validate every body and chunk the mock emits against schemas/ (slower; "
        "default: off, or MOCKSERVER_SELF_CHECK)",
    )
    serve.add_argument(
        "--stubs",
        metavar="FILE",
        help="load stubs, faults and chaos from a JSON or YAML scenario file (format: schemas/stubs.json)",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="answer requests that no stub matches with an error naming the nearest stub",
    )
    serve.add_argument(
        "--no-admin",
        dest="admin",
        action="store_false",
        help="do not serve the control plane under /__mock/",
    )
    serve.add_argument(
        "--admin-token", metavar="TOKEN", help="require 'Authorization: Bearer TOKEN' on /__mock/"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes on the same port, one per core you give the mock; above 1 "
        "the admin API refuses run-time changes and each worker keeps its own journal "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        default="info",
        help="uvicorn's log level (default: %(default)s)",
    )
    validate = commands.add_parser(
        "validate",
        help="validate JSON bodies, .sse transcripts and scenario files against schemas/",
        description="Validate JSON bodies, SSE transcripts and scenario files (JSON or YAML); "
        "folders are searched for *.json, *.sse, *.yaml and *.yml. Exits 1 if any file is invalid.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument(
        "--kind",
        choices=["request", "completion", "chunk", "error", "transcript", "stubs"],
        help="what every file is (default: detected from each file's content)",
    )
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    return _parser().parse_args(argv)


def serve_setup(args: argparse.Namespace) -> tuple[Config, scenario_files.Scenario | None]:
    """The `Config` and start-up scenario that ``serve``'s arguments describe (each worker
    of ``--workers N`` builds its own from the same arguments)."""
    config = Config(
        profile=profiles.get(args.profile),
        seed=args.seed,
        api_keys=frozenset(args.api_keys) if args.api_keys else None,
        max_body_bytes=args.max_body_bytes,
        journal_size=args.journal_size,
        admin=args.admin,
        admin_token=args.admin_token,
        strict=args.strict,
        workers=args.workers,
    )
    if args.self_check:
        config.self_check = True
    scenario = scenario_files.load(args.stubs) if args.stubs else None
    return config, scenario


def worker_app() -> Any:
    """The app of one worker of ``serve --workers N``, built from the same arguments."""
    from mockserver._adapters import server
    from mockserver._adapters.asgi import create_app
    from mockserver._core.pipeline import Service

    config, scenario = serve_setup(parse(json.loads(os.environ[server.WORKER_ARGS])))
    config.state_dir = os.environ.get(server.WORKER_STATE)
    return create_app(service=Service(config, scenario=scenario))


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    args = parse(given)
    if args.command == "serve":
        from mockserver._adapters import server

        if args.workers < 1:
            print("mockserver: --workers must be at least 1", file=sys.stderr)
            return 2
        try:
            config, scenario = serve_setup(args)
        except scenario_files.SpecError as exc:
            print(f"mockserver: {exc}", file=sys.stderr)
            return 2
        if args.workers > 1:
            return server.serve_workers(
                given, config, host=args.host, port=args.port, log_level=args.log_level
            )
        return server.serve(
            config, host=args.host, port=args.port, log_level=args.log_level, scenario=scenario
        )
    if args.command == "validate":
        from mockserver._adapters import validate_cli

        return validate_cli.run(args.paths, args.kind)
    raise AssertionError(args.command)  # pragma: no cover - argparse enforces the choices
