"""The warm path a load test takes (a body seen before, an answer rendered before) sends
exactly the bytes a cold service would: same draws, same text, same counts, same JSON.
(That a rendered answer, filled in, is exactly `completion_body`'s JSON: test_render.py.)"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from helpers import ask, post
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import AIMLAPI, OPENAI, Config, Profile, Service, schemas
from mockserver._generation import engine

_PROMPTS = ["Hello", 'Explain "quotes" and \\ slashes', "Tell me about tides", "Hi 👋 ünïcode"]


@st.composite
def plain_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Requests whose answers are plain text: no tools to call, no JSON mode."""
    request = ask(draw(st.sampled_from(_PROMPTS)))
    if draw(st.booleans()):
        request["n"] = draw(st.integers(1, 3))
    if draw(st.booleans()):
        request["max_completion_tokens"] = draw(st.integers(1, 1200))
    if draw(st.booleans()):
        request["stop"] = draw(st.sampled_from(["e", ["the", "."], "zzz"]))
    if draw(st.booleans()):
        request["reasoning_effort"] = draw(st.sampled_from(["low", "medium", "high"]))
    if draw(st.booleans()):
        request["seed"] = draw(st.integers(1, 5))
    return request


def _answers(
    service: Service, bodies: list[dict[str, Any]], *, cold: bool = False
) -> list[tuple[int, Any, bytes, Any]]:
    """Each answer's status, headers, body and journal entry (timings left out)."""
    out = []
    for body in bodies:
        if cold:  # forget every rendered answer and prepared body: cold each time
            service.chat.forget()
        outcome = post(service, body)
        headers = {k: v for k, v in outcome.headers.items() if k != "openai-processing-ms"}
        entry = service.journal.last().as_dict()
        del entry["duration_ms"]
        del entry["response_headers"]["openai-processing-ms"]
        out.append((outcome.status, headers, outcome.body, entry))
    return out


@settings(max_examples=25, deadline=None)
@given(
    requests=st.lists(plain_requests(), min_size=1, max_size=3),
    profile=st.sampled_from([AIMLAPI, OPENAI]),
    seed=st.integers(0, 3),
)
def test_the_warm_path_sends_the_bytes_the_full_path_would(
    requests: list[dict[str, Any]], profile: Profile, seed: int
) -> None:
    # One service forgets what it prepared and rendered before each request (cold every
    # time); the other answers repeats from its memos, from what it rendered once. Both
    # draw the same, send the same bytes and journal the same entries.
    same = {"seed": seed, "profile": profile, "clock": lambda: 1.75e9, "self_check": False}
    bodies = requests * 40
    cold_service, warm_service = Service(Config(**same)), Service(Config(**same))
    full = _answers(cold_service, bodies, cold=True)
    warm = _answers(warm_service, bodies)
    assert warm == full
    # and the same counters for /metrics: requests by path, status and answerer, and tokens
    cold_figures, warm_figures = cold_service.metrics.snapshot(), warm_service.metrics.snapshot()
    assert warm_figures["requests"] == cold_figures["requests"]
    assert warm_figures["tokens"] == cold_figures["tokens"]
    assert warm_figures["latency"].keys() == cold_figures["latency"].keys()


def test_a_load_test_gets_valid_varied_answers_once_every_answer_is_warm() -> None:
    service = Service(Config(seed=1))
    bodies = [json.loads(post(service).body) for _ in range(1500)]
    assert len({b["id"] for b in bodies}) == 1500
    contents = {b["choices"][0]["message"]["content"] for b in bodies}
    assert len(contents) > 100  # answers vary from call to call
    usage = {b["usage"]["completion_tokens_details"]["reasoning_tokens"] for b in bodies}
    assert len(usage) > 2
    for body in bodies[-50:]:
        assert body["model"] == "o3-mini-2025-01-31" and body["object"] == "chat.completion"


@settings(max_examples=60)
@given(request=plain_requests(), seed=st.integers(0, 2**32))
def test_a_plan_draws_and_answers_as_the_general_path_does(
    request: dict[str, Any], seed: int
) -> None:
    plan = engine.plan(request)
    assert plan is not None
    planned = engine.planned(plan, random.Random(seed), id="x", created=1, system_fingerprint="fp")
    rng = random.Random(seed)
    prompt = engine.prompt_tokens(request)
    choices = [engine._choice(i, request, rng, prompt, None) for i in range(plan.count)]
    general = engine.assemble(plan.model, choices, prompt, id="x", created=1, fingerprint="fp")
    assert planned == general


def test_requests_that_are_not_plain_have_no_plan() -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    assert engine.plan(ask(tools=[tool])) is None
    assert engine.plan(ask(tools=[tool], tool_choice="none")) is not None
    assert engine.plan(ask(response_format={"type": "json_object"})) is None
    assert engine.plan(ask("Respond with JSON matching this schema: {}")) is None


def test_a_repeated_body_inside_a_scope_is_journaled_in_that_scope() -> None:
    service = Service(Config(seed=1))
    for _ in range(3):
        post(service)
    with service.scope("t1"):
        for _ in range(2):
            post(service)
        assert len(service.journal) == 2
    assert len(service.journal) == 3


def test_a_failure_on_a_warm_body_is_counted_once_and_answered_in_the_providers_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = Service(Config(seed=1))
    post(service)  # the body is known from now on

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(service.rate_limits, "take", broken)
    outcome = post(service)
    assert outcome.status == 500  # the last-resort guard: a provider-shaped 500, journaled
    error = json.loads(outcome.body)
    assert error["status"] == 500 and not schemas.validate_error(error)  # the 2026 shape
    assert service.internal_errors == 1
    assert "RuntimeError: boom" in service.journal.last().notes["internal_error"]


def test_a_journal_entry_made_for_a_request_has_every_field_an_entry_has() -> None:
    # LateBody sets its fields itself (for speed): a field added to Entry must be set there.
    import dataclasses

    from mockserver._control.journal import Entry, LateBody

    made = LateBody(b'{"a": 1}', 1, "POST", "/v1/chat/completions", {}, 1.0, "req_1", 8)
    plain = Entry(
        1,
        "POST",
        "/v1/chat/completions",
        {},
        {"a": 1},
        (),
        0,
        "error",
        1.0,
        0.0,
        "req_1",
        body_bytes=8,
    )
    for field in dataclasses.fields(Entry):
        assert getattr(made, field.name) == getattr(plain, field.name), field.name
    assert made.as_dict() == plain.as_dict()
