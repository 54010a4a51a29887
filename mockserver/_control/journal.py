"""The request journal: every request the mock answered, bounded, newest last.

Bounded twice: by entries (``journal_size``) and by the bytes of the request bodies it
keeps (``journal_bytes``). A body larger than `Journal.body_limit` is kept with every
string longer than `KEPT_CHARS` cut, and the entry's notes say so (``body_truncated``)."""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from mockserver._contract import strict_json
from mockserver._contract.violations import Violation
from mockserver._control.credentials import REDACTED_HEADERS as REDACTED_HEADERS
from mockserver._control.credentials import REDACTED_QUERY as REDACTED_QUERY
from mockserver._control.credentials import is_credential


@functools.lru_cache(maxsize=256)  # a client sends the same key on every request
def _mask(value: str) -> str:
    scheme, _, secret = value.partition(" ") if " " in value else ("", "", value)
    tail = secret[-4:] if len(secret) > 16 else ""
    return f"{scheme} ***{tail}".strip()


def redact(headers: Mapping[str, str], *, copy: bool = True) -> dict[str, str]:
    """Headers with credentials masked, keeping the scheme and, of a long secret, the last
    4 characters (enough to tell two keys apart, too few to use one). Names come out
    lower-case. With ``copy=False``, a dict with nothing to mask is given back as it is."""
    plan = _redaction(tuple(headers))
    if plan is None:
        return headers if not copy and type(headers) is dict else dict(headers)
    return dict(_redacted(plan, tuple(headers.values())))


@functools.lru_cache(maxsize=256)  # a client sends the same headers on every request
def _redacted(
    plan: tuple[tuple[str, bool], ...], values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, _mask(value) if secret else value)
        for (name, secret), value in zip(plan, values, strict=True)
    )


@functools.lru_cache(maxsize=4096)  # a client sends the same header names on every request
def _redaction(names: tuple[str, ...]) -> tuple[tuple[str, bool], ...] | None:
    """Each name lower-cased and whether it is a credential; None when that changes
    nothing (names already lower-case, no credential), so a copy will do."""
    plan = tuple((name.lower(), is_credential(name)) for name in names)
    if all(not secret and low == name for (low, secret), name in zip(plan, names, strict=True)):
        return None
    return plan


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
    warnings: tuple[Violation, ...] = ()
    """Keys outside the contract that the provider tolerates (unknown keys in messages):
    the request was served, but a contract check should tell the user."""
    response_headers: dict[str, str] = field(default_factory=dict)
    body_bytes: int = 0
    """The size of the body as received."""
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
            "client_disconnected": self.client_disconnected,
            **({"notes": self.notes} if self.notes else {}),
        }


_BODY: Any = Entry.__dict__["body"]  # the slot under LateBody's property
_UNREAD = object()


class LateBody(Entry):
    """An entry whose body is parsed when first read, unless the mock parsed it while
    answering (then it is set): a load test's repeated body is parsed once, not per request."""

    __slots__ = ("_raw",)

    def __init__(  # every field set here: the dataclass's own __init__ costs twice as much
        self,
        raw: bytes,
        seq: int,
        method: str,
        path: str,
        headers: dict[str, str],
        started: float,
        request_id: str,
        body_bytes: int,
    ) -> None:
        """A new entry for a request being answered (status 0, answered by ``error`` until
        something answers it)."""
        self._raw = raw
        self.seq, self.method, self.path, self.headers = seq, method, path, headers
        _BODY.__set__(self, _UNREAD if raw else None)
        self.violations, self.status, self.answered_by = (), 0, "error"
        self.started, self.duration_ms, self.request_id = started, 0.0, request_id
        self.stream, self.notes, self.warnings = False, {}, ()
        self.response_headers, self.body_bytes, self.client_disconnected = {}, body_bytes, False

    @property
    def body(self) -> Any:
        value = _BODY.__get__(self)
        if value is _UNREAD:
            try:
                value = strict_json.reparse(self._raw)
            except strict_json.JsonProblem:  # answered before the body was read (a 401)
                value = self._raw.decode("utf-8", "replace")
            _BODY.__set__(self, value)
        return value

    @body.setter
    def body(self, value: Any) -> None:
        _BODY.__set__(self, value)


KEPT_CHARS = 1024
"""Characters kept of each long string in a truncated body."""
_ENTRY_OVERHEAD = 1024  # headers, timings and the entry itself, roughly


class Journal:
    """A thread-safe ring buffer of entries; ``size=0`` keeps nothing (for load tests).

    ``max_bytes`` bounds the request bodies kept, all entries together."""

    def __init__(self, size: int = 1000, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: deque[tuple[Entry, int]] = deque()
        self._size = max(size, 0)
        self.max_bytes = max(max_bytes, 0)
        self.body_limit = max(self.max_bytes // 64, 64 * 1024)
        """Bodies larger than this are journaled with their long strings cut."""
        self._bytes = 0
        self._lock = threading.Lock()
        self.enabled = size > 0 and max_bytes > 0

    def record(self, entry: Entry) -> None:
        if not self.enabled:
            return
        if entry.body_bytes > self.body_limit:
            entry.body, cut = _truncated(entry.body)
            entry.notes["body_truncated"] = (
                f"the body ({entry.body_bytes} bytes) is larger than the journal keeps whole "
                f"({self.body_limit} bytes): {cut} strings were cut to {KEPT_CHARS} characters"
            )
        cost = min(entry.body_bytes, self.body_limit) + _ENTRY_OVERHEAD
        with self._lock:
            self._entries.append((entry, cost))
            self._bytes += cost
            while self._entries and (
                len(self._entries) > self._size or self._bytes > self.max_bytes
            ):
                self._bytes -= self._entries.popleft()[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        """The bytes of bodies (and a fixed overhead per entry) the journal holds now."""
        return self._bytes

    def entries(self, where: Callable[[Entry], bool] | None = None) -> list[Entry]:
        with self._lock:
            snapshot = [e for e, _ in self._entries]
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
            return self._entries[-1][0]


def _truncated(value: Any) -> tuple[Any, int]:
    """`value` with every string longer than `KEPT_CHARS` cut, and how many were cut.
    Recursion is safe: the parser bounds the depth (strict_json.MAX_DEPTH)."""
    cut = 0

    def short(text: str) -> str:
        nonlocal cut
        if len(text) <= KEPT_CHARS:
            return text
        cut += 1
        return f"{text[:KEPT_CHARS]}... [{len(text) - KEPT_CHARS} more characters not journaled]"

    def copy(node: Any) -> Any:
        if isinstance(node, str):
            return short(node)
        if isinstance(node, dict):
            return {k: copy(v) for k, v in node.items()}
        if isinstance(node, list):
            return [copy(v) for v in node]
        return node

    return copy(value), cut
