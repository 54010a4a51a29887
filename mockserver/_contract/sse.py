"""Server-sent events: encode the provider's framing, and decode it as the openai SDK does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mockserver._contract import jsonio

DONE = "[DONE]"
DONE_EVENT = b"data: [DONE]\n\n"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

StreamItem = tuple[float, bytes | None]
"""(seconds to wait before it, bytes to send); ``None`` bytes drop the connection there."""


@dataclass(frozen=True, slots=True)
class Event:
    """One dispatched event: its data (``data:`` lines joined by newlines) and optional fields."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


def dumps(obj: Any) -> str:
    """Compact JSON on one line, as the provider sends it."""
    return jsonio.dumps(obj).decode()


def encode(obj: Any) -> bytes:
    """One ``data: <json>`` event with its blank line."""
    return b"data: " + jsonio.dumps(obj) + b"\n\n"


def decode(text: str | bytes) -> list[Event]:
    """Decode a whole transcript.

    Follows the openai SDK's decoder: lines end at CR, LF or CRLF; ``:`` lines are
    comments; one space after the colon is dropped; several ``data:`` lines join with
    ``\\n``; a blank line dispatches the event. A trailing event without its blank
    line is not dispatched, exactly as a client would lose it.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    events: list[Event] = []
    data: list[str] = []
    fields: dict[str, str] = {}
    retry: int | None = None
    for line in _LINE_BREAK.split(text):
        if not line:
            if data or fields:
                events.append(Event("\n".join(data), fields.get("event"), fields.get("id"), retry))
            data, fields, retry = [], {}, None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name in ("event", "id"):
            fields[name] = value
        elif name == "retry" and value.isdigit():
            retry = int(value)
    return events
