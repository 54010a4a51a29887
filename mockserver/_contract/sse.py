"""Server-sent events: encode the provider's framing, and decode it as the openai SDK does."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
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


@dataclass(frozen=True)
class Split:
    """Where the body of a stream is cut into the pieces the client reads, as real networks
    cut it: inside a UTF-8 character, a JSON token, ``data:``, or between ``\\r`` and ``\\n``.

    ``at``: byte offsets into the whole body (``[DONE]`` included), each a cut.
    ``every``: a piece every N bytes (1: every byte on its own).
    ``pause``: seconds between two pieces of one event, so that a client's reads return
    each piece on its own even over loopback (virtual in process).
    Each piece is one chunk of the client's byte iterator in process and one write live.
    """

    at: tuple[int, ...] = ()
    every: int | None = None
    pause: float = 0.0

    def __post_init__(self) -> None:
        if self.every is not None and self.every < 1:
            raise ValueError(f"split.every must be >= 1; got {self.every}")
        if any(a < 1 for a in self.at):
            raise ValueError(f"split.at offsets must be >= 1; got {list(self.at)}")
        if self.pause < 0:
            raise ValueError(f"split.pause must be >= 0; got {self.pause}")

    @classmethod
    def parse(cls, spec: object) -> Split:
        """The scenario-file form: a list of offsets, ``{"every": N}`` (with an optional
        ``"pause"``, and ``"at"``), or ``"bytes"`` (every byte on its own)."""
        if spec == "bytes":
            return cls(every=1)
        if isinstance(spec, list):
            return cls(at=tuple(spec))
        if isinstance(spec, dict):
            return cls(tuple(spec.get("at", ())), spec.get("every"), spec.get("pause", 0.0))
        raise ValueError(
            f'split must be a list of byte offsets, {{"every": N}} or "bytes"; got {spec!r}'
        )

    def pieces(self, items: Iterator[StreamItem]) -> Iterator[StreamItem]:
        """The body of `items` re-cut at this split's offsets, and only there: a piece may
        span events, and waits for every event it holds (their delays add up)."""
        buffer, start, wait, first = b"", 0, 0.0, True
        cuts = self._cuts()
        cut = next(cuts, None)
        for delay, data in items:
            wait += delay
            if data is None:  # a dropped connection: what came so far, then the drop
                if buffer:
                    yield (wait if first else wait + self.pause), buffer
                yield 0.0, None
                return
            buffer += data
            while cut is not None and cut <= start + len(buffer):
                piece, buffer = buffer[: cut - start], buffer[cut - start :]
                yield (wait if first else wait + self.pause), piece
                first, wait, start = False, 0.0, cut
                cut = next(cuts, None)
        if buffer:
            yield (wait if first else wait + self.pause), buffer

    def _cuts(self) -> Iterator[int]:
        """Every cut, in order: the offsets merged with the multiples of ``every``."""
        fixed = iter(sorted(set(self.at)))
        multiples = itertools.count(self.every, self.every) if self.every else iter(())
        return iter(_merge_unique(fixed, multiples))


def _merge_unique(a: Iterator[int], b: Iterator[int]) -> Iterator[int]:
    last = 0
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x <= y):
            value, x = x, next(a, None)
        else:
            value, y = y, next(b, None)
        if value is not None and value > last:
            yield value
            last = value
