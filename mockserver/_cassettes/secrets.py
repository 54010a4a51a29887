"""Keeping a client's credentials out of cassettes, in every form an upstream may echo them.

The credentials are what `credentials.is_credential` names (the journal's and the access
log's definition): their headers and query parameters are dropped from a cassette, and
their values are searched for in everything else it keeps (bodies, stream events, the other
headers) and replaced by `SCRUBBED`, whatever the case, and also when the upstream echoes
them URL-encoded, JSON-escaped, in hex or in base64 (at any of base64's three alignments,
so a key inside a longer encoded string is found too).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import parse_qsl, quote, quote_plus

from mockserver._control.credentials import is_credential

SCRUBBED = "***redacted***"
MIN_LENGTH = 4
"""Shorter values are not searched for: they would match ordinary text."""


def values(headers: Mapping[str, str], query: str) -> list[str]:
    """The credential values a request carries: whole header values, each word of them
    (the key of ``Bearer KEY``), and credential query parameters."""
    found: list[str] = []
    for name, value in headers.items():
        if is_credential(name):
            found.append(value)
            found.extend(value.split())
    found.extend(v for k, v in parse_qsl(query, keep_blank_values=True) if is_credential(k))
    return [v for v in dict.fromkeys(found) if len(v) >= MIN_LENGTH]


def forms(secret: str) -> set[str]:
    """The spellings of `secret` an upstream may echo (compared without regard to case)."""
    raw = secret.encode("utf-8")
    found = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        raw.hex(),
    }
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for offset in range(3):
            found.add(_aligned(encode, raw, offset))
    return {f for f in found if len(f) >= MIN_LENGTH}


def _aligned(encode: Callable[[bytes], bytes], raw: bytes, offset: int) -> str:
    """The base64 characters that depend on `raw` alone when it starts `offset` bytes into
    a 3-byte group: the whole groups after the first one it shares."""
    encoded = encode(b"\0" * offset + raw)
    first = 4 if offset else 0
    whole = (offset + len(raw)) // 3 * 4
    return encoded[first:whole].decode("ascii")


class Scrubber:
    """Replaces every form of the given secrets; a no-op without secrets."""

    def __init__(
        self, secrets: Iterable[str] = (), *, spelled: Iterable[str] | None = None
    ) -> None:
        if spelled is None:
            found = {f for s in secrets for f in forms(s)}
            # Inside the cassette's JSON text a form may itself appear escaped.
            found |= {json.dumps(f, ensure_ascii=False)[1:-1] for f in found}
            spelled = found
        self._spelled = sorted(set(spelled), key=len, reverse=True)
        every = self._spelled
        self._text = re.compile("|".join(map(re.escape, every)), re.I) if every else None
        self._bytes = (
            re.compile(b"|".join(re.escape(f.encode()) for f in every), re.I) if every else None
        )

    def __bool__(self) -> bool:
        return self._text is not None

    def within(self, data: bytes) -> Scrubber:
        """This scrubber for pieces of `data` only: the forms `data` holds (usually none, and
        then each piece costs nothing), found in one pass per form over it."""
        if not self._spelled:
            return self
        lowered = data.lower()
        return Scrubber(spelled=[f for f in self._spelled if f.lower().encode() in lowered])

    def text(self, value: str) -> str:
        return value if self._text is None else self._text.sub(SCRUBBED, value)

    def bytes(self, value: bytes) -> bytes:
        return value if self._bytes is None else self._bytes.sub(SCRUBBED.encode(), value)
