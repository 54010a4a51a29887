"""Mistakes in the Python API fail where they are written: a TypeError at definition time
that shows the right call, not an AttributeError (in process) or a 500 (live) later."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ask, post

from mockserver import (
    Call,
    Config,
    Error,
    Fault,
    FromFixture,
    Latency,
    Match,
    Raw,
    Refusal,
    Service,
    StreamFault,
    Text,
    ToolCalls,
)

service = Service(Config(seed=1))

WRONG: list[tuple[Callable[[], Any], str]] = [
    (lambda: service.fault(429), r"mock\.fault\(status=429\)"),  # type: ignore[arg-type]
    (lambda: service.fault("429"), r"mock\.fault\(status=429\)"),  # type: ignore[arg-type]
    (lambda: service.stub(Call("f", {})), r"wrap it: mock\.stub\(ToolCalls\(Call\("),
    (lambda: service.stub((Call("f"), Call("g"))), r"list of Calls; wrap it"),  # type: ignore[arg-type]
    (lambda: service.stub(Fault(status=500)), r"is a Fault, not a reply"),  # type: ignore[arg-type]
    (lambda: service.stub(42), r"reply 0 must be a str"),  # type: ignore[arg-type]
    (lambda: service.stub("Hi", times="2"), r"times must be int or None"),
    (lambda: service.stub("Hi", last_user=3), r"Match: last_user must be str or Pattern"),
    (lambda: service.stub("Hi", turn=True), r"Match: turn must be int or None; got bool"),
    (lambda: service.stub("Hi", where="x"), r"where must be a function"),
    (lambda: service.stub("Hi", fault=429), r"fault=Fault\(status=503\)"),  # type: ignore[arg-type]
    (lambda: service.chaos(0.1, 500), r"mock\.chaos\(0\.1, Fault\(status=500\)\)"),  # type: ignore[arg-type]
    (lambda: ToolCalls("get_weather"), r"ToolCalls\(Call\('get_weather'"),  # type: ignore[arg-type]
    (lambda: ToolCalls(()), r"at least one Call"),
    (lambda: ToolCalls([{"name": "f"}]), r"calls\[0\] must be Call; got dict"),  # type: ignore[list-item]
    (lambda: Call("f", ["city"]), r"arguments must be Mapping or str"),  # type: ignore[arg-type]
    (lambda: Text(5), r"Text: content must be str; got int 5"),  # type: ignore[arg-type]
    (lambda: Refusal(None), r"Refusal: text must be str"),  # type: ignore[arg-type]
    (lambda: Error("503"), r"Error: status must be int; got str '503'"),  # type: ignore[arg-type]
    (lambda: Raw(body={}, events="data: x"), r"Raw: events must be bytes or None"),  # type: ignore[arg-type]
    (lambda: FromFixture(3), r"FromFixture: path must be str or Path"),  # type: ignore[arg-type]
    (lambda: Match(stream="yes"), r"Match: stream must be bool or None"),  # type: ignore[arg-type]
    (lambda: Fault(status="429"), r"Fault: status must be int or None"),  # type: ignore[arg-type]
    (lambda: Fault(retry_after_date="Wed, 21 Oct 2026"), r"retry_after_date must be bool.*a flag"),  # type: ignore[arg-type]
    (lambda: Fault(latency=0.5), r"Fault\(latency=Latency\(ttft=0\.5\)\)"),  # type: ignore[arg-type]
    (lambda: Fault(stream=3), r"Fault\(stream=StreamFault\(cut_after=3\)\)"),  # type: ignore[arg-type]
    (lambda: Latency(ttft="1s"), r"Latency: ttft must be int or float"),  # type: ignore[arg-type]
    (lambda: StreamFault(cut_after=2.5), r"StreamFault: cut_after must be int or None"),  # type: ignore[arg-type]
    (lambda: StreamFault(keep_alive=1), r"StreamFault: keep_alive must be bool"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("make", "shown"), WRONG, ids=range(len(WRONG)))
def test_a_wrong_argument_is_a_type_error_showing_the_right_call(
    make: Callable[[], Any], shown: str
) -> None:
    with pytest.raises(TypeError, match=shown):
        make()


def test_nothing_was_registered_by_the_failed_definitions() -> None:
    assert service.stubs.all() == [] and service.faults.take() is None


@pytest.mark.parametrize(
    "calls",
    [
        Call("get_weather", {"city": "Paris"}),
        [Call("get_weather", {"city": "Paris"})],
        (Call("get_weather", {"city": "Paris"}),),
    ],
    ids=["bare-call", "list", "tuple"],
)
def test_tool_calls_take_a_call_a_list_or_a_tuple(calls: Any) -> None:
    reply = ToolCalls(calls)
    assert reply.calls == (Call("get_weather", {"city": "Paris"}),)
    fresh = Service(Config(seed=1))
    fresh.stub(reply)
    outcome = post(fresh, ask("weather?"))
    assert outcome.status == 201
    assert b"get_weather" in outcome.body


def test_right_values_still_pass() -> None:
    Fault(status=429, retry_after=1.5, retry_after_date=True, latency=Latency(ttft=1))
    StreamFault(cut_after=0, malformed_at=0, keep_alive=True)
    Match(last_user=re.compile("x"), where=lambda request: True, turn=0)
    FromFixture(Path("completions/parallel-tool-calls.json"))
    Raw(200, {"a": 1}, b"data: [DONE]\n\n", {"x": "1"})
