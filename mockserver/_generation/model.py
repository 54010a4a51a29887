"""The engine's output: one completion, independent of how it is rendered (JSON or SSE)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str
    """The arguments as JSON text, exactly as the wire carries them."""


@dataclass(frozen=True, slots=True)
class Choice:
    index: int
    content: str | None
    finish_reason: FinishReason
    refusal: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning_tokens: int = 0
    completion_tokens: int = 0
    """Every generated token, reasoning included."""


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int = 0
    cached_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    id: str
    created: int
    model: str
    system_fingerprint: str
    choices: tuple[Choice, ...]
    usage: Usage
    extra: dict[str, object] = field(default_factory=dict)
    """Top-level fields a profile adds (e.g. ``service_tier``)."""
