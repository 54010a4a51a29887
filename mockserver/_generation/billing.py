"""What AI/ML API charges for an o3-mini answer: the ``meta.usage`` of its bodies and the
cost headers (docs/WIRE.md §2, "Billing").

The provider bills OpenAI's list price times 1.3, in credits of which 2,000,000 make a
dollar: its own samples fit this to the credit (gpt-5.5: 15 prompt and 182 completion
tokens at $5 and $30 per million, x 1.3, are 14,391 credits, $0.0071955), and its model
list shows gpt-4o's $2.50 per million as $3.25. o3-mini's list price is $1.10 per million
prompt tokens ($0.55 cached) and $4.40 per million completion tokens, reasoning included.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from mockserver._contract import errors, jsonio
from mockserver._contract.profiles import Profile
from mockserver._generation.model import Usage

CREDITS_PER_USD = 2_000_000
"""The provider's rate (docs/faq/how-can-i-track-my-funds.md)."""

# Hundredths of a credit per token: $ per 1M tokens x 1.3 x 2,000,000 / 1,000,000 x 100.
_PROMPT = 286  # $1.10 -> $1.43 per 1M
_CACHED = 143  # $0.55 -> $0.715 per 1M
_COMPLETION = 1144  # $4.40 -> $5.72 per 1M


def credits(usage: Usage) -> int:
    """Credits an answer with `usage` costs, rounded up to a whole credit."""
    return _charge(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens).credits


class Charge(NamedTuple):
    """One answer's cost, in the forms the body and the headers write it."""

    credits: int
    usd_json: bytes
    """``usd_spent`` as the body's JSON writes it."""
    headers: dict[str, str]
    """The cost headers (without ``x-inference-id``)."""


def charge(usage: Usage) -> Charge:
    """The cost of an answer with `usage` (remembered: a load test's counts repeat)."""
    return _charge(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens)


@functools.lru_cache(maxsize=4096)
def _charge(prompt: int, completion: int, cached: int) -> Charge:
    cached = min(cached, prompt)
    hundredths = _PROMPT * (prompt - cached) + _CACHED * cached + _COMPLETION * completion
    used = -(-hundredths // 100)
    dollars = usd(used)
    cost = {"x-aimlapi-credits-used": str(used), "x-aimlapi-usd-spent": f"{dollars:.9f}"}
    return Charge(used, jsonio.dumps(dollars), cost)


def usd(credits_used: int) -> float:
    """The dollars `credits_used` credits are."""
    return credits_used / CREDITS_PER_USD


def meta(usage: Usage) -> dict[str, Any]:
    """The ``meta`` object of an answer with `usage`."""
    used = credits(usage)
    return {"usage": {"credits_used": used, "usd_spent": usd(used)}}


def headers(profile: Profile, request_id: str, usage: Usage, *, stream: bool) -> dict[str, str]:
    """The gateway's own headers on an answer (docs/WIRE.md §6): ``x-inference-id`` (the
    21-character id its error bodies and logs use) and, on a non-stream answer, what it
    cost; none in a profile without billing."""
    out: dict[str, str] = {}
    add_headers(out, profile, request_id, usage, stream=stream)
    return out


def add_headers(
    into: dict[str, str], profile: Profile, request_id: str, usage: Usage, *, stream: bool
) -> None:
    """`headers`, added to `into` (an answer's headers, as they are being made)."""
    if not profile.billing:
        return
    into["x-inference-id"] = errors.gateway_id(request_id)
    if not stream:  # "Headers flush before the first token" of a stream: its cost comes last
        into.update(
            _charge(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens).headers
        )
