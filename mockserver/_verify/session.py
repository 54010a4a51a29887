"""One ``mockserver verify`` session: the plan, the probe, the properties (or the consumer
contract's shapes), the report lines and the verdict."""

from __future__ import annotations

import argparse
import json
import os
import random
import textwrap
from collections.abc import Sequence
from typing import Any, TextIO

from mockserver._contract import profiles
from mockserver._verify import consumer, junit, runner
from mockserver._verify.properties import MALFORMED, PROPERTIES, Property
from mockserver._verify.runner import Result
from mockserver._verify.target import Target, Unreachable


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``verify`` for parsed `args`, reporting to `out`; the exit status."""
    key = args.api_key if args.api_key is not None else os.environ.get("AIMLAPI_KEY", "")
    if args.examples < 1:
        print("mockserver verify: --examples must be at least 1", file=out)
        return 2
    target = Target(args.url, key or "no-key", max_requests=args.max_requests)
    try:
        if args.contract:
            return _consumer(args, target, out)
        return _provider(args, target, out)
    finally:
        target.close()


def _provider(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    profile = profiles.get(args.profile, args.wire)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    cheap = not args.full_requests
    planned = sum(
        len(MALFORMED) if p.fixed else args.examples * len(p.bodies({})) for p in PROPERTIES
    )
    extra = sum(0 if p.fixed else args.examples * p.may_send_more for p in PROPERTIES)
    print(
        f"mockserver verify {target.base_url}: the {profile.name} profile's provider contract, "
        f"{args.examples} examples per property, seed {seed}"
        + ("" if cheap else ", full requests"),
        file=out,
    )
    if args.dry_run:
        return _dry_run(args, target, profile, seed, cheap, out)
    cap = f"; --max-requests {args.max_requests} caps the total" if args.max_requests else ""
    print(
        f"plan: {planned + 1} requests (up to {planned + extra + 1} if the target's seeds are "
        f"best-effort), more only to shrink a failure{cap}",
        file=out,
    )
    try:
        target.probe()
    except Unreachable as exc:
        return _unreachable(exc, out)
    results = []
    for prop in PROPERTIES:
        result = runner.run(prop, target, profile, examples=args.examples, seed=seed, cheap=cheap)
        _report(result, out)
        results.append(result)
    return _verdict(args, f"verify {profile.name}", results, target, out)


def _dry_run(
    args: argparse.Namespace,
    target: Target,
    profile: profiles.Profile,
    seed: int,
    cheap: bool,
    out: TextIO,
) -> int:
    total = 0
    for prop in PROPERTIES:
        bodies: list[Any] = []

        def collect(example: Any, prop: Property = prop, bodies: list[Any] = bodies) -> None:
            bodies.extend(prop.bodies(example))

        runner.run(
            prop,
            target,
            profile,
            examples=args.examples,
            seed=seed,
            cheap=cheap,
            on_example=collect,
        )
        print(f"{prop.name}: {len(bodies)} request(s)", file=out)
        for body in bodies:
            print(f"  POST {target.url} {_show(body)}", file=out)
        total += len(bodies)
    print(f"dry run: {total} requests listed, none sent (add 1 probe when run)", file=out)
    return 0


def _consumer(args: argparse.Namespace, target: Target, out: TextIO) -> int:
    try:
        contract = consumer.load(args.contract)
    except consumer.ContractError as exc:
        print(f"mockserver verify: {exc}", file=out)
        return 2
    shapes = contract["requests"]
    print(
        f"mockserver verify {target.base_url}: consumer contract {args.contract}, "
        f"{len(shapes)} request shapes, {len(contract['responses'])} response variants",
        file=out,
    )
    if args.dry_run:
        for item in shapes:
            print(f"  POST {target.url} {_show(item['example'])}", file=out)
        print(f"dry run: {len(shapes)} requests listed, none sent (add 1 probe when run)", file=out)
        return 0
    print(f"plan: {len(shapes) + 1} requests", file=out)
    try:
        target.probe()
    except Unreachable as exc:
        return _unreachable(exc, out)
    results = consumer.replay(target, contract)
    for result in results:
        _report(result, out)
    return _verdict(args, "verify contract", results, target, out)


def _unreachable(exc: Unreachable, out: TextIO) -> int:
    print(f"UNREACHABLE  {exc}", file=out)
    print("verdict: nothing was checked (exit 2)", file=out)
    return 2


def _show(body: Any) -> str:
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return json.dumps(body, ensure_ascii=False)


def _report(result: Result, out: TextIO) -> None:
    if result.failure is not None:
        print(f"FAIL  {result.name}: {result.failure}", file=out)
        if result.exchange is not None:
            print(textwrap.indent(result.exchange.describe(), "      "), file=out)
    elif result.incomplete is not None:
        print(f"STOP  {result.name}: {result.incomplete} ({result.checked} checked)", file=out)
    else:
        print(f"PASS  {result.name} ({result.checked} checked, {result.seconds:.1f} s)", file=out)


def _verdict(
    args: argparse.Namespace, suite: str, results: Sequence[Result], target: Target, out: TextIO
) -> int:
    if args.junit:
        junit.write(args.junit, suite, results)
    failed = [r for r in results if r.failure is not None]
    stopped = [r for r in results if r.failure is None and r.incomplete is not None]
    sent = f"{target.sent} requests sent"
    if failed:
        print(f"verdict: FAIL, {len(failed)} of {len(results)} failed ({sent})", file=out)
        return 1
    if stopped:
        print(
            f"verdict: INCOMPLETE, {len(stopped)} of {len(results)} not fully checked within "
            f"--max-requests {args.max_requests} ({sent})",
            file=out,
        )
        return 1
    print(f"verdict: PASS, all {len(results)} held ({sent})", file=out)
    return 0
