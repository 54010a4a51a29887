"""The request journal: every request the mock answered, bounded, newest last."""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from mockserver._contract.violations import Violation

REDACTED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "cookie",
        "set-cookie",
        "x-admin-token",
        "x-auth-token",
        "x-goog-api-key",
        "anthropic-api-key",
    }
)
# Names that carry a credential by their look, whatever the vendor: x-my-secret, x-access-token.
_CREDENTIAL_NAME = re.compile(r"auth|token|secret|passw|api[-_]?key|cookie|session|credential")
_NOT_CREDENTIALS = frozenset({"idempotency-key"})
REDACTED_QUERY = frozenset(
    {"api_key", "apikey", "api-key", "key", "token", "access_token", "auth", "password", "secret"}
)


def is_credential(name: str) -> bool:
    """Whether a header or query parameter named `name` carries a credential."""
    name = name.lower()
    if name in _NOT_CREDENTIALS:
        return False
    return name in REDACTED_HEADERS or name in REDACTED_QUERY or bool(_CREDENTIAL_NAME.search(name))


def _mask(value: str) -> str:
    scheme, _, secret = value.partition(" ") if " " in value else ("", "", value)
    tail = secret[-4:] if len(secret) > 16 else ""
    return f"{scheme} ***{tail}".strip()


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credentials masked, keeping the scheme and, of a long secret, the last
    4 characters (enough to tell two keys apart, too few to use one)."""
    return {
        name.lower(): _mask(value) if is_credential(name) else value
        for name, value in headers.items()
    }


def redact_query(query: str) -> str:
    """A query string with the values of credential parameters (``api_key=``) masked."""
    if not query:
        return query
    out = []
    for part in query.split("&"):
        name, eq, _ = part.partition("=")
        out.append(f"{name}{eq}***" if eq and is_credential(unquote_plus(name)) else part)
    return "&".join(out)


def redact_target(target: str) -> str:
    """A request target (``/path?query``) with its credential parameters masked."""
    path, question, query = target.partition("?")
    return f"{path}{question}{redact_query(query)}"


@dataclass(slots=True)
class Entry:
    """One request and how it was answered."""

    seq: int
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The parsed JSON body, or the raw text when it was not JSON."""
    violations: tuple[Violation, ...]
    status: int
    answered_by: str
    """``generator``, ``stub:<name>``, ``fault:<kind>`` or ``error``."""
    started: float
    duration_ms: float
    request_id: str
    stream: bool = False
    notes: dict[str, Any] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    client_disconnected: bool = False
    """The client left before the answer was complete (a stream or a scripted wait)."""

    def mark_disconnected(self) -> None:
        self.client_disconnected = True

    @property
    def valid(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "headers": self.headers,
            "body": self.body,
            "valid": self.valid,
            "violations": [
                {"path": v.path, "rule": v.rule, "message": v.message} for v in self.violations
            ],
            "status": self.status,
            "answered_by": self.answered_by,
            "started": self.started,
            "duration_ms": round(self.duration_ms, 3),
            "request_id": self.request_id,
            "stream": self.stream,
            "response_headers": self.response_headers,
            "client_disconnected": self.client_disconnected,
            **({"notes": self.notes} if self.notes else {}),
        }


class Journal:
    """A thread-safe ring buffer of entries; ``size=0`` keeps nothing (for load tests)."""

    def __init__(self, size: int = 1000) -> None:
        self._entries: deque[Entry] = deque(maxlen=max(size, 0))
        self._lock = threading.Lock()
        self.enabled = size > 0

    def record(self, entry: Entry) -> None:
        if self.enabled:
            with self._lock:
                self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(self, where: Callable[[Entry], bool] | None = None) -> list[Entry]:
        with self._lock:
            snapshot = list(self._entries)
        return snapshot if where is None else [e for e in snapshot if where(e)]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)

    def last(self) -> Entry:
        """The newest entry; LookupError when the journal is empty."""
        with self._lock:
            if not self._entries:
                raise LookupError("the journal is empty: no request has reached the mock")
            return self._entries[-1]
