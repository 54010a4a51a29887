"""The response variants the strategies draw, and `as_reply`, which serves one."""

# No `from __future__ import annotations` here: `mockserver.strategies` re-exports these
# under its own name, and real annotations keep `typing.get_type_hints` working there.

import email.utils
import itertools
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver._contract.replies import Raw
from mockserver._contract.sse import Split
from mockserver._strategies.common import Json


@dataclass(frozen=True)
class StreamVariant:
    """A streamed answer: the exact bytes, and what a client folding its chunks must get.

    ``completion`` is what `mockserver._contract.folding.fold` gives for the transcript's chunks: the
    first chunk's top-level fields, ``usage`` only if a usage chunk came, and per choice the
    merged message and ``finish_reason`` (None where an error cut the choice short).
    ``error`` is the error object (``{"message", "type", "param", "code"}``) of the error
    event the stream carries after its 2xx status, or None.
    """

    transcript: bytes
    completion: Json
    error: Json | None = None
    cuts: tuple[int, ...] = ()
    """Byte offsets where the network cuts the transcript: `as_reply` delivers each piece
    as one read of the client (one chunk in process, one write live)."""

    @property
    def pieces(self) -> list[bytes]:
        """The transcript cut at `cuts`: the reads a client gets."""
        bounds = [0, *self.cuts, len(self.transcript)]
        return [self.transcript[a:b] for a, b in itertools.pairwise(bounds)]


@dataclass(frozen=True)
class ErrorVariant:
    """An error answer: status, headers, body in the profile's shape, and what a client must
    make of it, with the openai SDK (``exception``: the class that status raises, WIRE.md
    §7) or without it (``retryable`` and ``wait``).

    ``retryable``: whether a client should retry it (`mockserver.should_retry`: an
    ``x-should-retry`` header wins, else 408, 409, 429 and 5xx).
    ``wait``: the seconds the answer asks a client to wait before retrying
    (`mockserver.asked_wait`), 0 when it asks nothing; the SDKs honour at most 60 s.
    ``retry_after_date``: when set, ``retry-after`` is an HTTP date that many seconds after
    the answer goes out (rounded up to the second, the resolution of HTTP dates);
    `headers_at` and `as_reply` write it, ``headers`` alone lacks it.
    """

    status: int
    headers: dict[str, str]
    body: Json
    profile: str
    exception: str
    retryable: bool = False
    wait: float = 0.0
    retry_after_date: float | None = None

    def headers_at(self, now: float) -> dict[str, str]:
        """The headers of the answer sent at `now` (a Unix time)."""
        if self.retry_after_date is None:
            return dict(self.headers)
        at = math.ceil(now + self.retry_after_date)
        return {**self.headers, "retry-after": email.utils.formatdate(at, usegmt=True)}


def as_reply(variant: Mapping[str, Any] | StreamVariant | ErrorVariant) -> Raw:
    """A `Raw` reply that makes the mock send `variant`: a completion body (as compact JSON,
    with the profile's success status), a stream transcript (byte for byte, in the pieces
    its ``cuts`` say), or an error answer (its status, headers and body)."""
    if isinstance(variant, StreamVariant):
        split = Split(at=variant.cuts) if variant.cuts else None
        return Raw(events=variant.transcript, split=split)
    if isinstance(variant, ErrorVariant):
        headers = variant.headers_at(time.time())
        return Raw(status=variant.status, body=variant.body, headers=headers)
    if isinstance(variant, Mapping):
        return Raw(body=dict(variant))
    raise TypeError(
        f"as_reply takes a completion dict, a StreamVariant or an ErrorVariant; got {variant!r}"
    )
