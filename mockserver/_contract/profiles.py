"""Profiles: the facts that differ between the AI/ML API gateway and OpenAI itself.

Nothing else in the package hard-codes these; see DESIGN.md "Profiles" and WIRE.md §4-§5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ErrorShape = Literal["gateway", "envelope"]


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    success_status: int
    """AI/ML API documents 201 for POST /v1/chat/completions; OpenAI answers 200."""
    gateway_errors: ErrorShape
    """Shape of the gateway's own errors (auth, credits, rate limit, 5xx, body validation).
    Upstream model errors ("Unsupported parameter ...") always use the OpenAI envelope."""
    accepts_max_tokens: bool
    """The provider's page lists max_tokens; OpenAI rejects it for o-series models."""
    accepts_parallel_tool_calls: bool
    """The provider's page lists parallel_tool_calls; OpenAI's o3-mini rejects it (WIRE.md §1)."""
    choice_logprobs: bool
    """OpenAI sends ``"logprobs": null`` in every choice; the provider's o3-mini sample has none."""
    service_tier: str | None
    """OpenAI reports ``service_tier``; the provider's sample has none."""
    status_code_as_string: bool = False
    """The provider's docs write ``statusCode`` as a string; real traffic shows an integer."""


AIMLAPI = Profile(
    name="aimlapi",
    success_status=201,
    gateway_errors="gateway",
    accepts_max_tokens=True,
    accepts_parallel_tool_calls=True,
    choice_logprobs=False,
    service_tier=None,
)
OPENAI = Profile(
    name="openai",
    success_status=200,
    gateway_errors="envelope",
    accepts_max_tokens=False,
    accepts_parallel_tool_calls=False,
    choice_logprobs=True,
    service_tier="default",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (AIMLAPI, OPENAI)}


def get(name: str) -> Profile:
    """The profile called `name`; ValueError names the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown profile {name!r}; known profiles: {known}") from None
