"""Scripted replies: what a stub answers with (the engine renders Text, ToolCalls and Refusal
like a generated answer). The public reply types, on the ground floor because both the
control plane (stubs) and generation (rendering them) speak of them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver._contract.arguments import OPTIONAL_INT, OPTIONAL_STR, check
from mockserver._contract.sse import Split


@dataclass(frozen=True)
class Text:
    """Answer with this content (``stop`` and the token budget still apply)."""

    content: str
    reasoning_tokens: int | None = None

    def __post_init__(self) -> None:
        check("Text", "content", self.content, (str,), "Text('It is 18 °C.')")
        check("Text", "reasoning_tokens", self.reasoning_tokens, OPTIONAL_INT, "Text('Hi', 128)")


@dataclass(frozen=True)
class Call:
    """One tool call of a `ToolCalls` reply; ``arguments`` may be a dict or JSON text."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    def __post_init__(self) -> None:
        example = "Call('get_weather', {'city': 'Paris'})"
        check("Call", "name", self.name, (str,), example)
        check("Call", "arguments", self.arguments, (Mapping, str), example)
        check("Call", "id", self.id, OPTIONAL_STR, "Call('get_weather', {}, id='call_1')")

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, init=False)
class ToolCalls:
    """Answer with tool calls: ``ToolCalls(Call(...))``, or several in parallel with
    ``ToolCalls([Call(...), Call(...)])`` (a tuple works too)."""

    calls: tuple[Call, ...]
    reasoning_tokens: int | None = None

    def __init__(self, calls: Call | Iterable[Call], reasoning_tokens: int | None = None) -> None:
        example = "ToolCalls(Call('get_weather', {'city': 'Paris'}))"
        if isinstance(calls, Call):
            made: tuple[Any, ...] = (calls,)
        elif isinstance(calls, Iterable) and not isinstance(calls, str | bytes | Mapping):
            made = tuple(calls)
        else:
            raise TypeError(
                f"ToolCalls: calls must be a Call or a list of Calls; got {type(calls).__name__} "
                f"{calls!r}. Example: {example}"
            )
        if not made:
            raise TypeError(f"ToolCalls: needs at least one Call. Example: {example}")
        for i, call in enumerate(made):
            check("ToolCalls", f"calls[{i}]", call, (Call,), example)
        check("ToolCalls", "reasoning_tokens", reasoning_tokens, OPTIONAL_INT, example)
        object.__setattr__(self, "calls", made)
        object.__setattr__(self, "reasoning_tokens", reasoning_tokens)


@dataclass(frozen=True)
class Refusal:
    text: str = "I'm sorry, but I can't help with that."
    reasoning_tokens: int | None = None

    def __post_init__(self) -> None:
        check("Refusal", "text", self.text, (str,), "Refusal('I cannot help with that.')")
        check("Refusal", "reasoning_tokens", self.reasoning_tokens, OPTIONAL_INT, "Refusal()")


@dataclass(frozen=True)
class Error:
    """Answer with an error: the profile's shape and the documented text, unless given."""

    status: int
    message: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        example = "Error(503, 'busy', headers={'retry-after': '1'})"
        check("Error", "status", self.status, (int,), example)
        check("Error", "message", self.message, OPTIONAL_STR, example)
        check("Error", "headers", self.headers, (Mapping,), example)


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
    split: Split | None = None
    """For ``events``: the pieces the body goes out in (one client read each)."""

    text: bytes | None = None
    """A body that is not JSON, sent as it is."""
    timed: tuple[tuple[float, bytes], ...] | None = None
    """A recorded stream: (seconds to wait before it, event bytes), replayed with that pacing."""
    dropped: bool = False
    """Break the connection after the last event, as the recorded upstream did."""

    def __post_init__(self) -> None:
        check("Raw", "status", self.status, (int,), "Raw(200, body={'id': 'x'})")
        check(
            "Raw", "events", self.events, (bytes, type(None)), "Raw(events=b'data: [DONE]\\n\\n')"
        )
        check("Raw", "headers", self.headers, (Mapping,), "Raw(200, {}, headers={'x-a': '1'})")


@dataclass(frozen=True)
class FromFixture:
    """Serve a recorded fixture file: a completion JSON, an error JSON, or an ``.sse`` transcript.

    A relative path is looked up in the working directory, then in the packaged fixtures.
    An error's status is `status`, else the body's ``statusCode``, else the three digits the
    file name starts with (``429-openai.json``), else 400."""

    path: str | Path
    status: int | None = None

    def __post_init__(self) -> None:
        example = "FromFixture('completions/parallel-tool-calls.json')"
        check("FromFixture", "path", self.path, (str, Path), example)
        check("FromFixture", "status", self.status, OPTIONAL_INT, example)


Reply = Text | ToolCalls | Refusal | Error | Raw | FromFixture
