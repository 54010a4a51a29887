"""Stubs, faults and chaos back in the scenario-file format (``schemas/stubs.json``).

The admin API answers ``GET /__mock/stubs`` (and faults, chaos, scenario) with what
`scenario_files.parse` reads, so what a user POSTs they can GET back and POST again.
What the file format cannot say (a Python ``where`` predicate) is left out and named in
``python_only``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from mockserver._contract.replies import (
    Error,
    FromFixture,
    Raw,
    Refusal,
    Reply,
    Text,
    ToolCalls,
)
from mockserver._contract.timed_regex import TimedPattern
from mockserver._control.faults import Fault, FaultQueue, Latency, StreamFault
from mockserver._control.same_request import SameRequest
from mockserver._control.scenarios import Match, Stub, Stubs


def match_spec(match: Match) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for f in fields(match):
        value = getattr(match, f.name)
        if isinstance(value, SameRequest):  # a cassette's: the file format says it
            spec.update(value.spec())
            continue
        if value is None or f.name == "where":
            continue
        if isinstance(value, re.Pattern | TimedPattern):  # a regex from Python or a file
            spec["last_user_regex"] = value.pattern
        else:
            spec[f.name] = value
    return spec


def reply_spec(reply: Reply) -> dict[str, Any]:
    spec: dict[str, Any]
    reasoning = getattr(reply, "reasoning_tokens", None)
    if isinstance(reply, Text):
        spec = {"content": reply.content}
    elif isinstance(reply, ToolCalls):
        spec = {"tool_calls": [_call_spec(c.name, c.arguments, c.id) for c in reply.calls]}
    elif isinstance(reply, Refusal):
        spec = {"refusal": reply.text}
    elif isinstance(reply, Error):
        error: dict[str, Any] = {"status": reply.status}
        if reply.message is not None:
            error["message"] = reply.message
        if reply.headers:
            error["headers"] = dict(reply.headers)
        spec = {"error": error}
    elif isinstance(reply, FromFixture):
        spec = {"fixture": str(reply.path)}
    else:
        spec = {"raw": _raw_spec(reply)}
    if reasoning is not None:
        spec["reasoning_tokens"] = reasoning
    return spec


def _call_spec(name: str, arguments: Mapping[str, Any] | str, id: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else dict(arguments),
    }
    if id is not None:
        spec["id"] = id
    return spec


def _raw_spec(raw: Raw) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if raw.status:
        spec["status"] = raw.status
    if raw.body is not None:
        spec["body"] = raw.body
    if raw.events is not None:
        spec["events"] = raw.events.decode("utf-8", "replace")
    if raw.headers:
        spec["headers"] = dict(raw.headers)
    return spec


def fault_spec(fault: Fault) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for name in ("name", "status", "message", "retry_after", "retry_after_ms", "should_retry"):
        value = getattr(fault, name)
        if value is not None and value != "":
            spec[name] = value
    if fault.retry_after_date:
        spec["retry_after_date"] = True
    if fault.latency is not None:
        spec["latency"] = _changed(fault.latency, Latency())
    if fault.stream is not None:
        spec["stream"] = _changed(fault.stream, StreamFault())
    return spec


def _changed(value: Latency | StreamFault, default: Latency | StreamFault) -> dict[str, Any]:
    return {
        f.name: getattr(value, f.name)
        for f in fields(value)
        if getattr(value, f.name) != getattr(default, f.name)
    }


def stub_spec(stub: Stub) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if stub.name:
        spec["name"] = stub.name
    match = match_spec(stub.match)
    if match:
        spec["match"] = match
    replies = [reply_spec(r) for r in stub.replies]
    if len(replies) == 1:
        spec["reply"] = replies[0]
    else:
        spec["replies"] = replies
    if stub.times is not None:
        spec["times"] = stub.times
    if stub.priority:
        spec["priority"] = stub.priority
    if stub.fault is not None:
        spec["fault"] = fault_spec(stub.fault)
    return spec


def stubs_document(stubs: Stubs) -> dict[str, Any]:
    """``{"strict", "stubs", "usage"}``: the stubs as a scenario file has them, and how often
    each was used (``usage[i]`` is about ``stubs[i]``)."""
    every = stubs.all()
    usage = []
    for s in every:
        used: dict[str, Any] = {
            "stub": s.describe(),
            "number": s.number,
            "used": s.used,
            "exhausted": s.exhausted,
        }
        if s.match.where is not None and not isinstance(s.match.where, SameRequest):
            used["python_only"] = ["match.where"]
        usage.append(used)
    return {"strict": stubs.strict, "stubs": [stub_spec(s) for s in every], "usage": usage}


def faults_document(queue: FaultQueue) -> dict[str, Any]:
    """``{"faults": [...]}``: the queued faults, each with ``times`` still to come."""
    return {"faults": [{**fault_spec(f), "times": left} for f, left in queue.queued()]}


def chaos_document(queue: FaultQueue) -> dict[str, Any]:
    """``{"chaos": {"rate", "faults", "seed"}}``, or ``{"chaos": null}`` when it is off."""
    rate, faults, seed = queue.chaos_settings()
    if not rate:
        return {"chaos": None}
    return {"chaos": {"rate": rate, "faults": [fault_spec(f) for f in faults], "seed": seed}}
