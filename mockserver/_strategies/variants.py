"""The response variants the strategies draw, and `as_reply`, which serves one."""

# No `from __future__ import annotations` here: `mockserver.strategies` re-exports these
# under its own name, and real annotations keep `typing.get_type_hints` working there.

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver._generation.replies import Raw
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


@dataclass(frozen=True)
class ErrorVariant:
    """An error answer: status, headers, body in the profile's shape, and the name of the
    openai SDK exception class that status raises (WIRE.md §7)."""

    status: int
    headers: dict[str, str]
    body: Json
    profile: str
    exception: str


def as_reply(variant: Mapping[str, Any] | StreamVariant | ErrorVariant) -> Raw:
    """A `Raw` reply that makes the mock send `variant`: a completion body (as compact JSON,
    with the profile's success status), a stream transcript (byte for byte), or an error
    answer (its status, headers and body)."""
    if isinstance(variant, StreamVariant):
        return Raw(events=variant.transcript)
    if isinstance(variant, ErrorVariant):
        return Raw(status=variant.status, body=variant.body, headers=dict(variant.headers))
    if isinstance(variant, Mapping):
        return Raw(body=dict(variant))
    raise TypeError(
        f"as_reply takes a completion dict, a StreamVariant or an ErrorVariant; got {variant!r}"
    )
