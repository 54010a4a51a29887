"""The request journal: every request the mock answered, bounded, newest last."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver._contract.violations import Violation

REDACTED_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "cookie"})


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credentials masked, keeping the scheme and the last 4 characters."""
    out = {}
    for name, value in headers.items():
        if name.lower() in REDACTED_HEADERS:
            scheme, _, secret = value.partition(" ") if " " in value else ("", "", value)
            tail = secret[-4:] if len(secret) > 8 else ""
            value = f"{scheme} ***{tail}".strip()
        out[name.lower()] = value
    return out


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
    warnings: tuple[Violation, ...] = ()
    """Keys outside the contract that the provider tolerates (unknown keys in messages):
    the request was served, but a contract check should tell the user."""
    response_headers: dict[str, str] = field(default_factory=dict)

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
            "warnings": [
                {"path": v.path, "rule": v.rule, "message": v.message} for v in self.warnings
            ],
            "status": self.status,
            "answered_by": self.answered_by,
            "started": self.started,
            "duration_ms": round(self.duration_ms, 3),
            "request_id": self.request_id,
            "stream": self.stream,
            "response_headers": self.response_headers,
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
