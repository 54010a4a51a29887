"""The ``mockserver`` command: ``serve`` and ``validate``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from mockserver._cassettes.capture import DEFAULT_LIMIT as DEFAULT_CASSETTE_BYTES
from mockserver._conform import client as conform_client
from mockserver._contract import profiles
from mockserver._control import scenario_files
from mockserver._core.exchange import LOOPBACK_HOSTS
from mockserver._core.pipeline import Config
from mockserver._verify import command as verify_command


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("aimlapi-mockserver")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        from mockserver import __version__

        return __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="Offline mock and contract tools for AI/ML API's chat completions (o3-mini).",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="print the version"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the mock server",
        description="Serve the mock on HOST:PORT (loopback by default) until Ctrl-C or SIGTERM.",
    )
    _listen_options(serve)
    serve.add_argument(
        "--profile",
        choices=sorted(profiles.PROFILES),
        default="aimlapi",
        help="aimlapi: 201 and the gateway's own errors; openai: 200 and OpenAI's envelope "
        "(default: %(default)s)",
    )
    wire_option(serve)
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
        help="requests kept in the journal; 0 turns it off (default: %(default)s)",
    )
    serve.add_argument(
        "--journal-bytes",
        type=int,
        default=Config.journal_bytes,
        metavar="N",
        help="bytes of request bodies the journal keeps; the oldest entries go first, and a "
        "body over N/64 is journaled with its long strings cut (64 MiB)",
    )
    serve.add_argument(
        "--self-check",
        action="store_true",
        default=None,
        help="validate every body and chunk the mock emits against schemas/ (slower; "
        "default: off, or MOCKSERVER_SELF_CHECK)",
    )
    serve.add_argument(
        "--no-follow-prompt",
        dest="follow_prompt",
        action="store_false",
        help="purely random answers: tools, arguments and formats drawn without reading "
        "the prompt (default: answers follow the prompt's tools, arguments and format)",
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
        "--allow-host",
        action="append",
        dest="allow_hosts",
        default=[],
        metavar="NAME",
        help="a further Host name the admin API answers (repeatable; loopback names and --host "
        "are always allowed)",
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
        "--access-log",
        action="store_true",
        default=None,
        help="log one line per request at info (default: off, except with --log-level debug)",
    )
    _cassette_options(serve)
    _record_parser(commands)
    _drift_parser(commands)
    validate = commands.add_parser(
        "validate",
        help="validate JSON bodies, .sse transcripts and scenario files against schemas/",
        description="Validate JSON bodies, SSE transcripts and scenario files (JSON or YAML); "
        "folders are searched for *.json, *.sse, *.yaml and *.yml. Exits 1 if any file is invalid.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument(
        "--kind",
        choices=["request", "completion", "chunk", "error", "transcript", "stubs", "contract"],
        help="what every file is (default: detected from each file's content)",
    )
    verify_command.add_parser(commands)
    conform = commands.add_parser(
        "conform",
        help="check a client in any language against every case a client must pass",
        description="Run CMD once per example of every case (drawn streams cut anywhere, "
        "drawn completions, each error class, faults to survive or report) against a "
        "loopback mock. CMD gets OPENAI_BASE_URL (ending in /v1), OPENAI_API_KEY and "
        "CONFORM_REQUEST (the chat-completion parameters to send), makes that one call and "
        "prints one JSON object. Exit status: 0 all passed, 1 a case failed, 2 CMD cannot run.",
    )
    conform.add_argument("--client", required=True, metavar="CMD", help="the command to run")
    conform.add_argument(
        "--examples", type=int, default=10, metavar="N", help="examples per drawn case (10)"
    )
    conform.add_argument("--profile", choices=sorted(profiles.PROFILES), default="aimlapi")
    conform.add_argument("--seed", type=int, default=0, metavar="S", help="what is drawn (0)")
    conform.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    conform.add_argument(
        "--timeout",
        type=float,
        default=conform_client.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="seconds one run of CMD may take; then it is killed with every process it "
        "started, and the case fails (default: %(default)s)",
    )
    conform.add_argument(
        "--shrink-time",
        type=float,
        default=conform_client.SHRINK_SECONDS,
        metavar="SECONDS",
        help="seconds a failing drawn case may spend looking for a smaller failing example "
        "(default: %(default)s)",
    )
    conform.add_argument(
        "--case",
        action="append",
        dest="cases",
        metavar="NAME",
        help="run only this case (repeatable; the report names them), e.g. to rerun a failure",
    )
    return parser


def wire_option(command: argparse.ArgumentParser) -> None:
    """``--wire``: the dated wire the profile answers in (docs/WIRE.md §9)."""
    command.add_argument(
        "--wire",
        choices=profiles.WIRES,
        default=profiles.NEWEST,
        help="the dated wire of the profile: 2026 (the gateway's problem-style errors, "
        "usage and billing in every stream) or 2025 (flat errors, usage only when asked) "
        "(default: %(default)s)",
    )


def _listen_options(command: argparse.ArgumentParser) -> None:
    """Where a server of ours listens and how it logs: the same flags and defaults for serve
    and record."""
    command.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    command.add_argument(
        "--port", type=int, default=8000, help="port (default: %(default)s; 0 picks a free one)"
    )
    command.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        default="info",
        help="uvicorn's log level (default: %(default)s)",
    )


def parse(argv: Sequence[str]) -> argparse.Namespace:
    return _parser().parse_args(argv)


def serve_setup(args: argparse.Namespace) -> tuple[Config, scenario_files.Scenario | None]:
    """The `Config` and start-up scenario that ``serve``'s arguments describe (each worker
    of ``--workers N`` builds its own from the same arguments). Raises `SpecError` or
    ValueError for a scenario file or cassette folder that cannot be loaded."""
    config = Config(
        profile=profiles.get(args.profile, args.wire),
        seed=args.seed,
        api_keys=frozenset(args.api_keys) if args.api_keys else None,
        max_body_bytes=args.max_body_bytes,
        journal_size=args.journal_size,
        journal_bytes=args.journal_bytes,
        admin=args.admin,
        admin_token=args.admin_token,
        strict=args.strict,
        allowed_hosts=LOOPBACK_HOSTS | {args.host, *args.allow_hosts},
        workers=args.workers,
        follow_prompt=args.follow_prompt,
    )
    if args.self_check:
        config.self_check = True
    scenario = scenario_files.load(args.stubs) if args.stubs else None
    if args.cassettes:
        scenario = _with_cassettes(scenario, args.cassettes, args.replay_speed)
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
        except (scenario_files.SpecError, ValueError) as exc:
            print(f"mockserver: {exc}", file=sys.stderr)
            return 2
        if args.workers > 1:
            return server.serve_workers(
                given,
                config,
                host=args.host,
                port=args.port,
                log_level=args.log_level,
                access_log=args.access_log,
            )
        return server.serve(
            config,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            scenario=scenario,
            access_log=args.access_log,
        )
    if args.command == "record":
        return _record(args)
    if args.command == "drift":
        from mockserver._cassettes import drift

        return drift.run(args.folder, profiles.get(args.profile, args.wire), as_json=args.json)
    if args.command == "validate":
        from mockserver._cli import validate as validate_cli

        return validate_cli.run(args.paths, args.kind)
    if args.command == "verify":
        return verify_command.run(args)
    if args.command == "conform":
        from mockserver._conform import kit

        return kit.main(
            args.client,
            examples=args.examples,
            profile=args.profile,
            seed=args.seed,
            junit=args.junit,
            only=args.cases,
            timeout=args.timeout,
            shrink_time=args.shrink_time,
        )
    raise AssertionError(args.command)  # pragma: no cover - argparse enforces the choices


# ---- record, replay, drift (mockserver._cassettes) ------------------------------------------


def _cassette_options(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--cassettes",
        metavar="DIR",
        help="replay the cassettes recorded by 'mockserver record' in DIR (a folder or one file)",
    )
    serve.add_argument(
        "--replay-speed",
        type=float,
        default=1.0,
        metavar="X",
        help="multiply the recorded pauses between stream events by X; 0 replays without "
        "waiting (default: %(default)s)",
    )


def _record_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    record = commands.add_parser(
        "record",
        help="proxy to the real provider and record every exchange as a cassette",
        description="Forward every request to UPSTREAM with the client's own credentials, "
        "stream the answer back as it arrives, check it against the contract and write it "
        "to DIR as a cassette (credentials removed).",
    )
    record.add_argument(
        "--upstream", required=True, metavar="URL", help="e.g. https://api.aimlapi.com/v1"
    )
    record.add_argument(
        "--cassettes", required=True, metavar="DIR", help="folder for the cassettes"
    )
    _listen_options(record)
    record.add_argument(
        "--profile",
        choices=sorted(profiles.PROFILES),
        default="aimlapi",
        help="the contract exchanges are checked against (default: %(default)s)",
    )
    wire_option(record)
    record.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds to wait for the upstream to connect, answer, or send the next bytes "
        "(default: %(default)s)",
    )
    record.add_argument(
        "--max-cassette-bytes",
        type=int,
        default=DEFAULT_CASSETTE_BYTES,
        metavar="N",
        help="bytes of one answer a cassette keeps; a larger answer is still relayed whole, "
        "and its cassette keeps the first N bytes with outcome 'truncated' (default: "
        "%(default)s, 8 MiB)",
    )
    record.add_argument(
        "--match-ignore",
        action="append",
        default=None,
        metavar="FIELD",
        help="a request field replay should not match on (repeatable; default: user, "
        "metadata, store, safety_identifier, prompt_cache_key)",
    )


def _drift_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    drift = commands.add_parser(
        "drift",
        help="check recorded cassettes against the contract and the mock, offline",
        description="For each recorded exchange: does it satisfy the profile's contract, which "
        "fields are unknown, missing or of another type, and how the mock's own answer "
        "differs. Exits 1 when any exchange breaks the contract.",
    )
    drift.add_argument("folder", metavar="DIR", help="a folder of cassettes, or one cassette file")
    drift.add_argument(
        "--profile",
        choices=sorted(profiles.PROFILES),
        default="aimlapi",
        help="the contract to check against (default: %(default)s)",
    )
    wire_option(drift)
    drift.add_argument("--json", action="store_true", help="print the report as JSON")


def _with_cassettes(
    scenario: scenario_files.Scenario | None, folder: str, speed: float
) -> scenario_files.Scenario:
    from mockserver._cassettes import cassette

    loaded = cassette.load(folder, speed=speed)
    if scenario is None:
        return loaded
    return scenario_files.Scenario(
        scenario.stubs + loaded.stubs, scenario.faults, scenario.chaos, scenario.strict
    )


def _record(args: argparse.Namespace) -> int:
    from mockserver._cassettes import cassette, live
    from mockserver._cassettes.recorder import Recorder
    from mockserver._core.pipeline import Service

    ignore = cassette.IGNORED_BY_DEFAULT if args.match_ignore is None else args.match_ignore
    if args.max_cassette_bytes < 1:
        print("mockserver record: --max-cassette-bytes must be at least 1", file=sys.stderr)
        return 2
    recorder = Recorder(
        args.upstream,
        cassette.CassetteDir(args.cassettes, ignore),
        Service(Config(profile=profiles.get(args.profile, args.wire))),
        timeout=args.timeout,
        max_cassette_bytes=args.max_cassette_bytes,
    )
    return live.serve(recorder, host=args.host, port=args.port, log_level=args.log_level)
