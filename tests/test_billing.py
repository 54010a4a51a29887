"""The gateway's billing on the aimlapi profile's answers (docs/WIRE.md §2, §6): meta.usage
consistent with the token counts, at OpenAI's list price x 1.3, 2,000,000 credits a dollar;
the success body's key order and service_tier as the 2026 samples show."""

from __future__ import annotations

import json

import pytest
from helpers import HELLO, completion, post, transcript

from mockserver import OPENAI, Config, Service
from mockserver._generation import billing
from mockserver._generation.model import Usage


def test_the_rule_reproduces_the_providers_own_sample() -> None:
    """gpt-5.5 (docs/api-references/text-models-llm/openai/gpt-5-5.md): 15 prompt and 182
    completion tokens at $5 and $30 per million, x 1.3, are 14,391 credits, $0.0071955;
    the same rule at o3-mini's $1.10, $0.55 (cached) and $4.40 gives the mock's figures."""
    per_million = 1.3 * billing.CREDITS_PER_USD / 1_000_000
    assert round((15 * 5 + 182 * 30) * per_million) == 14391 and billing.usd(14391) == 0.0071955
    usage = Usage(prompt_tokens=1000, completion_tokens=2000, cached_tokens=400)
    expected = (600 * 1.10 + 400 * 0.55 + 2000 * 4.40) * per_million
    assert billing.credits(usage) == 25168 == pytest.approx(expected, abs=1)
    assert billing.credits(Usage(16, 1)) == 58  # 16 x 2.86 + 11.44 = 57.2, rounded up


@pytest.mark.parametrize("extra", [{}, {"n": 3, "reasoning_effort": "high"}, {"seed": 4}])
def test_bodies_carry_meta_usage_consistent_with_their_usage(extra: dict[str, object]) -> None:
    outcome = post(Service(Config(seed=2)), {**HELLO, **extra})
    body = completion(outcome)
    usage = body["usage"]
    expected = billing.credits(Usage(usage["prompt_tokens"], usage["completion_tokens"]))
    assert body["meta"] == {"usage": {"credits_used": expected, "usd_spent": expected / 2e6}}
    assert outcome.headers["x-aimlapi-credits-used"] == str(expected)
    assert float(outcome.headers["x-aimlapi-usd-spent"]) == pytest.approx(expected / 2e6)
    assert len(outcome.headers["x-inference-id"]) == 21


def test_the_body_has_the_2026_samples_key_order_and_service_tier() -> None:
    """gpt-5-5.md (2026-04): ..., "usage", "service_tier": "default", "system_fingerprint",
    "meta"; its choices have no logprobs."""
    body = completion(post(Service(Config(seed=2)), HELLO))
    assert list(body) == [
        "id", "object", "created", "model", "choices", "usage",
        "service_tier", "system_fingerprint", "meta",
    ]  # fmt: skip
    assert body["service_tier"] == "default" and "logprobs" not in body["choices"][0]


def test_the_warm_path_and_the_full_path_bill_alike() -> None:
    """The load-test path fills the rendered body in (render.BodyTemplate): same bytes."""
    service = Service(Config(seed=2))
    first, again = post(service, HELLO).body, post(service, HELLO).body
    for data in (first, again):
        body = json.loads(data)
        assert body["meta"]["usage"]["credits_used"] == billing.credits(
            Usage(body["usage"]["prompt_tokens"], body["usage"]["completion_tokens"])
        )


def test_streams_carry_the_inference_id_but_no_cost_headers() -> None:
    """ "Headers flush before the first token" (request-tracing-and-cost.md)."""
    outcome = post(Service(Config(seed=2)), {**HELLO, "stream": True})
    assert len(outcome.headers["x-inference-id"]) == 21
    assert "x-aimlapi-credits-used" not in outcome.headers
    assert transcript(outcome)


@pytest.mark.parametrize("config", [Config(profile=OPENAI), Config(wire="2025")])
def test_no_billing_where_the_wire_has_none(config: Config) -> None:
    outcome = post(Service(config), HELLO)
    assert "meta" not in json.loads(outcome.body)
    assert not {h for h in outcome.headers if h.startswith(("x-aimlapi", "x-inference"))}
