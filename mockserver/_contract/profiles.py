"""Profiles: the facts that differ between the AI/ML API gateway and OpenAI itself, and
between the dated wires each has been seen to send.

Nothing else in the package hard-codes these; see DESIGN.md "Profiles" and WIRE.md §4-§5,
§9 (the dated wires). A profile is a (name, wire) pair: ``get("aimlapi")`` is the newest
wire, ``get("aimlapi", "2025")`` the one the mock modelled from 2025 evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

ErrorShape = Literal["gateway", "problem", "envelope"]
"""``gateway``: the flat ``{requestId, statusCode, timestamp, path, message}`` of 2024-2025;
``problem``: the problem-style ``{title, status, message, instance, timestamp, error}`` of
2026; ``envelope``: OpenAI's ``{"error": {message, type, param, code}}``."""

WIRES: tuple[str, ...] = ("2026", "2025")
"""The dated wires, newest first (WIRE.md §9)."""
NEWEST = WIRES[0]


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
    """OpenAI sends ``"logprobs": null`` in every choice; the provider's samples have none."""
    service_tier: str | None
    """``service_tier`` on bodies and chunks; the provider's 2025 sample has none."""
    status_code_as_string: bool = False
    """The provider's docs write ``statusCode`` as a string; real traffic shows an integer."""
    success_headers: tuple[str, ...] = ("content-type",)
    """Response headers every 2xx chat completion carries (WIRE.md §6)."""
    stream_options_need_stream: bool = False
    """OpenAI rejects ``stream_options`` unless ``stream`` is true; the provider's own request
    sample sends it with ``"stream": false`` (WIRE.md §1)."""
    wire: str = NEWEST
    """The dated wire these facts describe (`WIRES`)."""
    chunk_logprobs: bool = False
    """``"logprobs": null`` in every stream choice (OpenAI's chunks, passed through)."""
    obfuscation: bool = False
    """Stream chunks carry OpenAI's ``obfuscation`` padding string (since 2025-08)."""
    usage_always: bool = False
    """Streams carry ``"usage": null`` on every chunk and end with the usage chunk whether
    or not ``stream_options.include_usage`` asks (WIRE.md §3, the 2026 transcripts)."""
    billing: bool = False
    """Success bodies carry the gateway's ``meta.usage`` (``credits_used``, ``usd_spent``),
    and answers its ``x-inference-id`` and (non-stream) cost headers (WIRE.md §2, §6)."""
    unknown_model: Literal["not_found", "invalid"] = "not_found"
    """An unknown ``model``: OpenAI's 404 ``model_not_found``, or the gateway's 400 body
    validation error over the models it lists (WIRE.md §4)."""

    def stream_usage(self, request: Mapping[str, Any]) -> bool:
        """Whether a stream answering `request` carries usage (``"usage": null`` on every
        chunk, then the ``choices: []`` usage chunk)."""
        if self.usage_always:
            return True
        options = request.get("stream_options")
        return isinstance(options, dict) and bool(options.get("include_usage"))


AIMLAPI = Profile(
    name="aimlapi",
    success_status=201,
    gateway_errors="problem",
    accepts_max_tokens=True,
    accepts_parallel_tool_calls=True,
    choice_logprobs=False,
    service_tier="default",
    chunk_logprobs=True,
    obfuscation=True,
    usage_always=True,
    billing=True,
    unknown_model="invalid",
)
OPENAI = Profile(
    name="openai",
    success_status=200,
    gateway_errors="envelope",
    accepts_max_tokens=False,
    accepts_parallel_tool_calls=False,
    choice_logprobs=True,
    service_tier="default",
    success_headers=(
        "content-type",
        "x-request-id",
        "openai-processing-ms",
        "x-ratelimit-limit-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-requests",
        "x-ratelimit-reset-tokens",
    ),
    stream_options_need_stream=True,
    chunk_logprobs=True,
    obfuscation=True,
)

# The wires before: what each differed in (WIRE.md §9). The 2025 aimlapi wire is the mock's
# model of 2025 evidence, with the flat error body's captured key order and request ids.
_OLDER: Mapping[tuple[str, str], Mapping[str, Any]] = {
    ("aimlapi", "2025"): {
        "gateway_errors": "gateway",
        "service_tier": None,
        "chunk_logprobs": False,
        "obfuscation": False,
        "usage_always": False,
        "billing": False,
        "unknown_model": "not_found",
    },
    ("openai", "2025"): {"obfuscation": False},
}

PROFILES: dict[str, Profile] = {p.name: p for p in (AIMLAPI, OPENAI)}
"""Each profile at its newest wire, by name."""
_DATED: dict[tuple[str, str], Profile] = {
    (p.name, wire): replace(p, wire=wire, **_OLDER.get((p.name, wire), {})) if wire != NEWEST else p
    for p in PROFILES.values()
    for wire in WIRES
}


def get(name: str, wire: str | None = None) -> Profile:
    """The profile called `name` at `wire` (None: the newest); ValueError names the known
    profiles or wires."""
    if name not in PROFILES:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown profile {name!r}; known profiles: {known}")
    return dated(PROFILES[name], wire)


def dated(profile: Profile, wire: str | None) -> Profile:
    """`profile` at `wire` (None: as given); ValueError names the known wires."""
    if wire is None:
        return profile
    found = _DATED.get((profile.name, str(wire)))
    if found is None:
        raise ValueError(f"unknown wire {wire!r}; known wires: {', '.join(WIRES)}")
    return found
