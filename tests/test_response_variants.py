"""Response variants told from the bytes a client received, and the tap the consumer-contract
recorder hears them through."""

from __future__ import annotations

import pytest
from helpers import ask, post, transcript

from mockserver import Config, Error, Fault, Refusal, Service, StreamFault
from mockserver._contract import response_variants
from mockserver._control import taps
from mockserver._verify.consumer import Recorder


def variant_of(service: Service, **extra: object) -> response_variants.Variant:
    outcome = post(service, ask(**extra))
    body = outcome.body if outcome.stream is None else transcript(outcome)
    return response_variants.of_answer(
        outcome.status, outcome.headers.get("content-type", ""), body
    )


@pytest.mark.parametrize(
    ("fault", "framing"),
    [
        # The provider's streams end with the usage chunk (2026) unless cut before it.
        (StreamFault(crlf=True), ["crlf", "usage_chunk"]),
        (StreamFault(keep_alive=True), ["comments", "usage_chunk"]),
        (StreamFault(cut_after=2), ["no_done"]),
        (StreamFault(error_after=2), ["error_event"]),
        (StreamFault(malformed_at=1), ["malformed", "usage_chunk"]),
    ],
)
def test_a_streams_framing_is_named(fault: StreamFault, framing: list[str]) -> None:
    service = Service(Config(seed=1))
    service.fault(Fault(stream=fault))
    variant = variant_of(service, stream=True)
    assert variant["kind"] == "stream" and variant["framing"] == framing


def test_answers_and_errors_are_told_apart() -> None:
    service = Service(Config(seed=1))
    service.stub(Refusal(), times=1)
    assert variant_of(service)["answer"] == "refusal"
    assert variant_of(service, max_completion_tokens=1)["answer"] == "length"
    service.stub(Error(429), times=1)
    assert variant_of(service) == {"kind": "error", "status": 429, "shape": "problem"}
    pinned = Service(Config(seed=1, wire="2025"))
    pinned.stub(Error(429), times=1)
    assert variant_of(pinned) == {"kind": "error", "status": 429, "shape": "gateway"}
    assert variant_of(service, n=2, stream=True, stream_options={"include_usage": True}) == {
        "kind": "stream",
        "status": 201,
        "answer": "text",
        "framing": ["usage_chunk"],
    }


def test_the_recorder_hears_only_while_it_listens() -> None:
    service = Service(Config(seed=1))
    with Recorder() as recorder:
        assert taps.listening()
        transcript(post(service, ask(stream=True)))
        post(service, ask(temperature=0.2))  # invalid: a negative test's answer, no shape
    post(service, ask(seed=5))
    contract = recorder.contract()
    assert [r["shape"]["stream"] for r in contract["requests"]] == [True]
    kinds = sorted(response_variants.describe(v) for v in contract["responses"])
    assert kinds == ["stream 201 text (usage_chunk)"]
    apart = [response_variants.describe(v) for v in contract["negative"]]
    assert apart == ["error 400 envelope"]
