"""``mockserver verify URL``, its arguments: check a server against the provider contract of a profile, or
against a consumer contract (``--contract FILE``). Exit 0: every property held; 1: one
failed, or not every one could be checked within ``--max-requests``; 2: nothing could be
checked (the target is unreachable, rejects the key, or the contract file is unusable)."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from mockserver._contract import profiles

DEFAULT_EXAMPLES = 5


def add_parser(commands: Any) -> None:
    """Add the ``verify`` subcommand to `commands` (argparse subparsers)."""
    verify = commands.add_parser(
        "verify",
        help="check a server against the provider contract (or a consumer contract)",
        description="Check the chat-completions endpoint at URL (a base URL such as "
        "https://api.aimlapi.com/v1) against the provider contract of a profile, or against "
        "a consumer contract written by `pytest --aimlapi-contract FILE`. Exit 0 when every "
        "property holds, 1 when one fails (or the budget stopped the check), 2 when the "
        "target cannot be reached or rejects the key.",
    )
    verify.add_argument("url", metavar="URL")
    verify.add_argument(
        "--profile",
        choices=sorted(profiles.PROFILES),
        default="aimlapi",
        help="the contract to hold the target to (default: %(default)s)",
    )
    verify.add_argument(
        "--wire",
        choices=profiles.WIRES,
        default=profiles.NEWEST,
        help="the dated wire of the profile (docs/WIRE.md §9); a gateway error may come in "
        "either wire's shape (default: %(default)s)",
    )
    verify.add_argument(
        "--api-key", default=None, metavar="KEY", help="bearer key (default: $AIMLAPI_KEY)"
    )
    verify.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        metavar="N",
        help="drawn examples per property; each is a billed request at a real provider "
        "(default: %(default)s)",
    )
    verify.add_argument("--seed", type=int, help="Hypothesis seed (default: random, printed)")
    verify.add_argument(
        "--max-requests", type=int, metavar="N", help="send at most N requests (default: no cap)"
    )
    verify.add_argument(
        "--dry-run", action="store_true", help="list the requests without sending any"
    )
    verify.add_argument(
        "--full-requests",
        action="store_true",
        help="send drawn requests as drawn, instead of cheap ones (low reasoning_effort, "
        "max_completion_tokens <= 256, n <= 2, short prompts)",
    )
    verify.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    verify.add_argument(
        "--contract",
        metavar="FILE",
        help="replay a consumer contract's request shapes instead of the provider contract",
    )


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``verify`` for parsed `args`; the exit status."""
    from mockserver._verify import session  # Hypothesis loads only for this command

    return session.run(args, out or sys.stdout)
