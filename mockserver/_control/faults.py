"""Faults: what real networks and real providers do to a request (WIRE.md §4, §6, §7).

A `Fault` is data; `apply` turns it into changes of an `Outcome`. Faults are queued for the
next N requests, attached to a stub, picked at random at a seeded rate (chaos), or asked
for by a request header.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace

from mockserver._contract import errors
from mockserver._contract.arguments import (
    NUMBER,
    OPTIONAL_BOOL,
    OPTIONAL_INT,
    OPTIONAL_NUMBER,
    OPTIONAL_STR,
    check,
)
from mockserver._contract.errors import ApiError
from mockserver._contract.sse import Split as Split
from mockserver._contract.sse import StreamItem

MAX_DELAY_SECONDS = 600.0
"""Cap of every scripted delay (ttft, between, jitter): the openai SDK's default timeout,
so a test can still outwait any client timeout, and no connection is held for longer."""
MAX_RETRY_AFTER_SECONDS = 86_400.0
"""Cap of ``retry_after`` (a day; ``retry_after_ms`` likewise in milliseconds)."""


def check_seconds(name: str, value: object, cap: float, *, optional: bool = False) -> None:
    """A finite, non-negative number of at most `cap`; ValueError naming the field."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number; got {value!r}")
    if not (0 <= value <= cap):  # also false for NaN
        raise ValueError(f"{name} must be a finite number within [0, {cap:g}]; got {value!r}")


@dataclass(frozen=True)
class Latency:
    """Seconds before the first byte (``ttft``), between stream events, and a seeded jitter
    (uniform in ``[-jitter, +jitter]``, never below zero); each at most `MAX_DELAY_SECONDS`."""

    ttft: float = 0.0
    between: float = 0.0
    jitter: float = 0.0

    def __post_init__(self) -> None:
        for name in ("ttft", "between", "jitter"):
            check("Latency", name, getattr(self, name), NUMBER, "Latency(ttft=0.5, between=0.02)")
            check_seconds(f"latency.{name}", getattr(self, name), MAX_DELAY_SECONDS)

    def delays(self, rng: random.Random) -> Iterator[float]:
        first = True
        while True:
            base = self.ttft if first else self.between
            first = False
            yield max(0.0, base + (rng.uniform(-self.jitter, self.jitter) if self.jitter else 0.0))


@dataclass(frozen=True)
class StreamFault:
    """What goes wrong inside a stream that already answered 2xx.

    ``cut_after``: end the body cleanly after N events, without ``[DONE]``.
    ``drop_after``: drop the connection after N events (the client sees a broken transfer).
    ``malformed_at``: replace event N with data that is not JSON.
    ``error_after``: after N events send the OpenAI error event (WIRE.md §3), then ``[DONE]``.
    ``keep_alive``: a ``: keep-alive`` comment before every event.
    ``crlf``: CRLF line endings instead of LF.
    ``split``: cut the body into pieces (`Split`), after the other faults.
    """

    cut_after: int | None = None
    drop_after: int | None = None
    malformed_at: int | None = None
    error_after: int | None = None
    keep_alive: bool = False
    crlf: bool = False
    split: Split | None = None

    def __post_init__(self) -> None:
        for name in ("cut_after", "drop_after", "malformed_at", "error_after"):
            check(
                "StreamFault", name, getattr(self, name), OPTIONAL_INT, "StreamFault(cut_after=3)"
            )
        for name in ("keep_alive", "crlf"):
            check("StreamFault", name, getattr(self, name), (bool,), "StreamFault(keep_alive=True)")


RETRYABLE_HINT_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")


@dataclass(frozen=True)
class Fault:
    """One fault. ``status`` answers with that error (the profile's body) instead of a
    completion; the retry fields add the headers real servers send with it."""

    status: int | None = None
    message: str | None = None
    retry_after: float | None = None
    """Seconds, sent as ``retry-after``."""
    retry_after_date: bool = False
    """Send ``retry-after`` as an HTTP date instead of seconds."""
    retry_after_ms: float | None = None
    should_retry: bool | None = None
    latency: Latency | None = None
    stream: StreamFault | None = None
    name: str = ""

    def __post_init__(self) -> None:
        check("Fault", "status", self.status, OPTIONAL_INT, "Fault(status=429)")
        check("Fault", "message", self.message, OPTIONAL_STR, "Fault(status=503, message='busy')")
        for name in ("retry_after", "retry_after_ms"):
            check(
                "Fault", name, getattr(self, name), OPTIONAL_NUMBER, f"Fault(status=429, {name}=2)"
            )
        check(
            "Fault",
            "retry_after_date",
            self.retry_after_date,
            (bool,),
            "Fault(status=429, retry_after=2, retry_after_date=True) (a flag: send retry_after as a date)",
        )
        check(
            "Fault",
            "should_retry",
            self.should_retry,
            OPTIONAL_BOOL,
            "Fault(status=500, should_retry=False)",
        )
        check(
            "Fault",
            "latency",
            self.latency,
            (Latency, type(None)),
            "Fault(latency=Latency(ttft=0.5))",
        )
        check(
            "Fault",
            "stream",
            self.stream,
            (StreamFault, type(None)),
            "Fault(stream=StreamFault(cut_after=3))",
        )
        check("Fault", "name", self.name, (str,), "Fault(status=429, name='rate-limit')")
        if self.status is not None and (
            isinstance(self.status, bool)
            or not isinstance(self.status, int)
            or not 100 <= self.status <= 599
        ):
            raise ValueError(
                f"status must be an HTTP status within [100, 599]; got {self.status!r}"
            )
        check_seconds("retry_after", self.retry_after, MAX_RETRY_AFTER_SECONDS, optional=True)
        check_seconds(
            "retry_after_ms", self.retry_after_ms, MAX_RETRY_AFTER_SECONDS * 1000, optional=True
        )

    def describe(self) -> str:
        if self.name:
            return self.name
        parts = []
        if self.status is not None:
            parts.append(f"status={self.status}")
        if self.latency is not None:
            parts.append("latency")
        if self.stream is not None:
            parts.append("stream")
        return ",".join(parts) or "none"

    def error(self, now: float) -> ApiError | None:
        if self.status is None:
            return None
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["retry-after"] = (
                email.utils.formatdate(now + self.retry_after, usegmt=True)
                if self.retry_after_date
                else _number(self.retry_after)
            )
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = _number(self.retry_after_ms)
        if self.should_retry is not None:
            headers["x-should-retry"] = "true" if self.should_retry else "false"
        return errors.for_status(self.status, self.message, headers)

    def merged(self, other: Fault | None) -> Fault:
        """This fault with the unset parts (None, False, "") taken from `other`."""
        if other is None:
            return self
        taken = {
            f.name: getattr(other, f.name)
            for f in fields(self)
            if getattr(self, f.name) in (None, False, "")
        }
        return replace(self, **taken)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


SERVER_ERROR_EVENT = {
    "error": {
        "message": "The server experienced an error while processing your request. "
        "We apologize for the inconvenience!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}


def stream_items(
    events: Iterator[bytes], fault: StreamFault | None, latency: Latency | None, rng: random.Random
) -> Iterator[StreamItem]:
    """Pace and break a stream of encoded events (``[DONE]`` last) as `fault` and `latency` say.

    Keep-alive comments go out without a wait of their own, so they do not stretch the
    scripted latency."""
    items = _paced(_broken(events, fault), latency.delays(rng) if latency else None)
    return fault.split.pieces(items) if fault is not None and fault.split else items


def _paced(events: Iterator[bytes | None], delays: Iterator[float] | None) -> Iterator[StreamItem]:
    for data in events:
        if data is not None and data.startswith(b": keep-alive"):
            yield 0.0, data
        else:
            yield (next(delays) if delays else 0.0), data


def _is_done(data: bytes) -> bool:
    return data.lstrip().startswith(b"data: [DONE]")


def _broken(events: Iterator[bytes], fault: StreamFault | None) -> Iterator[bytes | None]:
    if fault is None:
        yield from events
        return
    for n, data in enumerate(events):
        # A stream shorter than the fault's N still breaks: just before [DONE], so a
        # scripted failure is never silently lost.
        done = _is_done(data)
        if fault.cut_after is not None and (n >= fault.cut_after or done):
            return
        if fault.drop_after is not None and (n >= fault.drop_after or done):
            yield None
            return
        if fault.error_after is not None and (n >= fault.error_after or done):
            yield _frame(
                b"data: "
                + json.dumps(SERVER_ERROR_EVENT, separators=(",", ":")).encode()
                + b"\n\n",
                fault,
            )
            yield _frame(b"data: [DONE]\n\n", fault)
            return
        if fault.malformed_at is not None and n == fault.malformed_at and not done:
            data = b'data: {"id": "chatcmpl-broken", "choices": [{"delta": {"content": "cut\n\n'
        if fault.keep_alive:
            yield _frame(b": keep-alive\n\n", fault)
        yield _frame(data, fault)


def _frame(data: bytes, fault: StreamFault) -> bytes:
    return data.replace(b"\n", b"\r\n") if fault.crlf else data


@dataclass
class _Queued:
    fault: Fault
    left: int


@dataclass
class FaultQueue:
    """Faults for the next requests, in order; then chaos, if set. Thread-safe."""

    pending: list[_Queued] = field(default_factory=list)
    chaos_rate: float = 0.0
    chaos_faults: tuple[Fault, ...] = ()
    chaos_rng: random.Random = field(default_factory=lambda: random.Random(0))
    chaos_seed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def push(self, fault: Fault, times: int = 1) -> None:
        if times < 1:
            raise ValueError(f"times must be >= 1; got {times}")
        with self._lock:
            self.pending.append(_Queued(fault, times))

    def chaos(self, rate: float, faults: tuple[Fault, ...], seed: int = 0) -> None:
        check("chaos", "rate", rate, NUMBER, "mock.chaos(0.1, Fault(status=500))")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"the chaos rate must be within [0, 1]; got {rate}")
        if rate and not faults:
            raise ValueError("chaos needs at least one fault to pick from")
        for i, choice in enumerate(faults):
            check("chaos", f"fault {i}", choice, (Fault,), "mock.chaos(0.1, Fault(status=500))")
        with self._lock:
            self.chaos_rate, self.chaos_faults = rate, faults
            self.chaos_rng, self.chaos_seed = random.Random(seed), seed

    def queued(self) -> list[tuple[Fault, int]]:
        """The pending faults, each with how many requests it still applies to."""
        with self._lock:
            return [(q.fault, q.left) for q in self.pending]

    def chaos_settings(self) -> tuple[float, tuple[Fault, ...], int]:
        with self._lock:
            return self.chaos_rate, self.chaos_faults, self.chaos_seed

    def clear_chaos(self) -> None:
        with self._lock:
            self.chaos_rate, self.chaos_faults = 0.0, ()

    @property
    def idle(self) -> bool:
        """No fault is queued and no chaos is set: `take` would give None."""
        return not self.pending and not self.chaos_rate

    def take(self) -> Fault | None:
        if not self.pending and not self.chaos_rate:  # nothing scripted: skip the lock
            return None
        with self._lock:
            if self.pending:
                head = self.pending[0]
                head.left -= 1
                if head.left == 0:
                    self.pending.pop(0)
                return head.fault
            if self.chaos_rate and self.chaos_rng.random() < self.chaos_rate:
                return self.chaos_rng.choice(self.chaos_faults)
            return None

    def clear(self) -> None:
        with self._lock:
            self.pending.clear()
            self.chaos_rate, self.chaos_faults = 0.0, ()
