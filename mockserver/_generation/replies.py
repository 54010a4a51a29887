"""Scripted replies: what a stub answers with, rendered by the engine like a generated answer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Text:
    """Answer with this content (``stop`` and the token budget still apply)."""

    content: str
    reasoning_tokens: int | None = None


@dataclass(frozen=True)
class Call:
    """One tool call of a `ToolCalls` reply; ``arguments`` may be a dict or JSON text."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class ToolCalls:
    calls: tuple[Call, ...]
    reasoning_tokens: int | None = None


@dataclass(frozen=True)
class Refusal:
    text: str = "I'm sorry, but I can't help with that."
    reasoning_tokens: int | None = None


@dataclass(frozen=True)
class Error:
    """Answer with an error: the profile's shape and the documented text, unless given."""

    status: int
    message: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Raw:
    """Send exactly this: a JSON body, or (for ``events``) these SSE bytes, as they are.

    No self-check applies: this is how tests serve variants, even broken ones, to a client.
    """

    status: int = 0
    """0 means the profile's success status."""
    body: Any = None
    events: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    text: bytes | None = None
    """A body that is not JSON, sent as it is."""
    timed: tuple[tuple[float, bytes], ...] | None = None
    """A recorded stream: (seconds to wait before it, event bytes), replayed with that pacing."""
    dropped: bool = False
    """Break the connection after the last event, as the recorded upstream did."""


@dataclass(frozen=True)
class FromFixture:
    """Serve a recorded fixture file: a completion JSON, an error JSON, or an ``.sse`` transcript.

    A relative path is looked up in the working directory, then in the packaged fixtures.
    An error's status is `status`, else the body's ``statusCode``, else the three digits the
    file name starts with (``429-openai.json``), else 400."""

    path: str | Path
    status: int | None = None


Reply = Text | ToolCalls | Refusal | Error | Raw | FromFixture
