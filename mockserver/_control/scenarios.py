"""Stubs: scripted replies matched on what a request says.

A `Stub` pairs a `Match` with replies (a sequence: first A, then B, ...), a use limit and a
priority. The `Stubs` registry picks the stub that answers a request; when none does and
strict mode is on, it explains which stub came nearest and why it did not match.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal

from mockserver._contract.arguments import OPTIONAL_BOOL, OPTIONAL_INT, OPTIONAL_STR, check
from mockserver._contract.replies import (
    Call,
    Error,
    FromFixture,
    Raw,
    Refusal,
    Reply,
    Text,
    ToolCalls,
)
from mockserver._contract.timed_regex import TimedPattern
from mockserver._control import stub_checks
from mockserver._control.faults import Fault

_REPLY_TYPES = (Text, ToolCalls, Refusal, Error, Raw, FromFixture)

Request = Mapping[str, Any]


@dataclass(frozen=True)
class Match:
    """Conditions on a chat request; all that are set must hold.

    ``last_user`` is a substring of the last user message (case-insensitive) or a compiled
    regular expression searched in it; ``turn`` counts the assistant messages already in the
    conversation (0 on the first call of an agent loop); ``tool_call_id`` is that of the last
    message; ``where`` is any predicate on the parsed request.
    """

    model: str | None = None
    last_user: str | re.Pattern[str] | TimedPattern | None = None
    turn: int | None = None
    has_tools: bool | None = None
    last_role: str | None = None
    tool_call_id: str | None = None
    stream: bool | None = None
    where: Callable[[Request], bool] | None = None
    """Any predicate on the parsed request; one that also has a ``misses(request)`` method
    (a cassette's `SameRequest`) explains a miss in its own words."""

    def __post_init__(self) -> None:
        check("Match", "model", self.model, OPTIONAL_STR, "Match(model='o3-mini')")
        check(
            "Match",
            "last_user",
            self.last_user,
            (str, re.Pattern, TimedPattern, type(None)),
            "Match(last_user='weather') or Match(last_user=re.compile(r'weather in \\w+'))",
        )
        check("Match", "turn", self.turn, OPTIONAL_INT, "Match(turn=0) (the first request)")
        check("Match", "has_tools", self.has_tools, OPTIONAL_BOOL, "Match(has_tools=True)")
        check("Match", "last_role", self.last_role, OPTIONAL_STR, "Match(last_role='tool')")
        check(
            "Match", "tool_call_id", self.tool_call_id, OPTIONAL_STR, "Match(tool_call_id='call_1')"
        )
        check("Match", "stream", self.stream, OPTIONAL_BOOL, "Match(stream=True)")
        if self.where is not None and not callable(self.where):
            raise TypeError(
                f"Match: where must be a function of the request; got {type(self.where).__name__}"
                f" {self.where!r}. Example: Match(where=lambda request: 'tools' in request)"
            )

    def misses(self, request: Request) -> list[str]:
        """Why `request` does not match, one phrase per failed condition ([] if it matches)."""
        return list(self._failures(request))

    def matches(self, request: Request) -> bool:
        """No condition fails (stops at the first that does, and words no reason)."""
        return next(self._failures(request), None) is None

    def _failures(self, request: Request) -> Iterator[str]:
        # A generator: a phrase is only written for a condition that fails, and a caller
        # that needs no reasons stops at the first.
        messages: Sequence[Mapping[str, Any]] = request.get("messages") or []
        last = messages[-1] if messages else {}
        if self.model is not None and request.get("model") != self.model:
            yield f"model is {request.get('model')!r}, not {self.model!r}"
        if self.last_user is not None:
            text = last_user_text(messages)
            if isinstance(self.last_user, TimedPattern):
                hit = self.last_user.search(text)
                if hit is not True:
                    slow = " (the search ran out of time)" if hit is None else ""
                    yield (
                        f"last user message {text[:60]!r} does not match "
                        f"/{self.last_user.pattern}/{slow}"
                    )
            elif isinstance(self.last_user, re.Pattern):
                if self.last_user.search(text) is None:
                    yield (
                        f"last user message {text[:60]!r} does not match /{self.last_user.pattern}/"
                    )
            elif self.last_user.lower() not in text.lower():
                yield f"last user message {text[:60]!r} does not contain {self.last_user!r}"
        if self.turn is not None:
            turn = sum(1 for m in messages if m.get("role") == "assistant")
            if turn != self.turn:
                yield f"turn is {turn}, not {self.turn}"
        if self.has_tools is not None:
            has = bool(request.get("tools"))
            if has != self.has_tools:
                yield "tools are offered" if has else "no tools are offered"
        if self.last_role is not None and last.get("role") != self.last_role:
            yield f"last message role is {last.get('role')!r}, not {self.last_role!r}"
        if self.tool_call_id is not None and last.get("tool_call_id") != self.tool_call_id:
            yield f"last tool_call_id is {last.get('tool_call_id')!r}, not {self.tool_call_id!r}"
        if self.stream is not None:
            streams = bool(request.get("stream"))
            if streams != self.stream:
                yield f"stream is {str(streams).lower()}, not {str(self.stream).lower()}"
        if self.where is not None and not self.where(request):
            explain = getattr(self.where, "misses", None)
            yield from explain(request) if callable(explain) else ["the predicate returned false"]


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(p.get("text", "") for p in content or () if isinstance(p, Mapping))
    return ""


@dataclass
class Stub:
    """Replies for the requests `match` accepts: in order, the last one repeating.

    ``times`` caps how many requests it answers (None: no cap); higher ``priority`` wins,
    then the stub added first. ``fault`` is applied to each answer it gives."""

    match: Match
    replies: tuple[Reply, ...]
    times: int | None = None
    priority: int = 0
    name: str = ""
    fault: Fault | None = None
    used: int = 0
    number: int = 0
    """Its place in the registry (1 for the first stub added); names an unnamed stub."""
    source: Literal["stub", "cassette"] = "stub"
    """``cassette`` for a recorded exchange: the journal says so, and an unused one is no
    reason to warn."""

    def __post_init__(self) -> None:
        if not self.replies:
            raise ValueError("a stub needs at least one reply")
        for i, reply in enumerate(self.replies):
            _check_reply(i, reply)
        check("Stub", "match", self.match, (Match,), "Stub(Match(last_user='hi'), (Text('Hi!'),))")
        check("stub", "times", self.times, OPTIONAL_INT, "mock.stub('Hi!', times=2)")
        check("stub", "priority", self.priority, (int,), "mock.stub('Hi!', priority=10)")
        check("stub", "name", self.name, (str,), "mock.stub('Hi!', name='greeting')")
        check(
            "stub",
            "fault",
            self.fault,
            (Fault, type(None)),
            "mock.stub('Hi!', fault=Fault(status=503))",
        )
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be >= 1 or None; got {self.times}")
        if len(self.replies) > 1 and self.match.turn is not None:
            # A sequence advances once per matching request, and turn=N matches one request
            # per conversation: in an agent loop its second reply would never be reached.
            raise ValueError(
                f"a sequence of {len(self.replies)} replies with turn={self.match.turn} never "
                "gets past its first reply in an agent loop (the next request has another "
                "turn). Drop turn=: the sequence itself follows the loop, one reply per "
                "request, as in mock.stub(ToolCalls(Call('get_weather', {...})), 'It is 18 °C.')"
                "; or give each turn its own stub with one reply."
            )

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.used >= self.times

    def next_reply(self) -> Reply:
        reply = self.replies[min(self.used, len(self.replies) - 1)]
        self.used += 1
        return reply

    def describe(self) -> str:
        """Its name, or ``stub #N (conditions)`` for an unnamed one."""
        if self.name:
            return self.name
        conditions = ", ".join(
            f"{f.name}={getattr(self.match, f.name)!r}" if f.name != "where" else "where=..."
            for f in fields(self.match)
            if getattr(self.match, f.name) is not None
        )
        replies = ", ".join(dict.fromkeys(_reply_kind(r) for r in self.replies))
        return f"stub #{self.number} ({conditions or 'any request'} -> {replies})"

    def label(self) -> str:
        """What the journal says answered: ``stub:NAME``, or ``stub #N (conditions)``, or
        ``cassette:NAME`` for a recorded exchange."""
        if self.source == "cassette":
            return f"cassette:{self.name or self.describe()}"
        return f"stub:{self.name}" if self.name else self.describe()


def _reply_kind(reply: Reply) -> str:
    if isinstance(reply, Text):
        return "text"
    if isinstance(reply, ToolCalls):
        return "tool_calls " + ",".join(c.name for c in reply.calls)
    if isinstance(reply, Error):
        return f"error {reply.status}"
    return type(reply).__name__.lower()


def _check_reply(index: int, reply: object) -> None:
    if isinstance(reply, _REPLY_TYPES):
        return
    if isinstance(reply, Call):
        raise TypeError(
            f"stub: reply {index} is a bare Call; wrap it: mock.stub(ToolCalls({reply!r}))"
        )
    if isinstance(reply, tuple | list) and reply and all(isinstance(c, Call) for c in reply):
        raise TypeError(
            f"stub: reply {index} is a list of Calls; wrap it: mock.stub(ToolCalls([...]))"
        )
    if isinstance(reply, Fault):
        raise TypeError(
            f"stub: reply {index} is a Fault, not a reply; queue it with mock.fault({reply!r}) "
            "or attach it with mock.stub('Hi!', fault=...)"
        )
    kinds = ", ".join(t.__name__ for t in _REPLY_TYPES)
    raise TypeError(
        f"stub: reply {index} must be a str, a dict in the stubs-file format, or one of {kinds}; "
        f"got {type(reply).__name__} {reply!r}. Example: mock.stub('It is 18 °C.', last_user='weather')"
    )


@dataclass(frozen=True)
class Miss:
    """Why no stub answered: the nearest stub and its failed conditions."""

    stub: Stub
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"no stub matched; nearest is {self.stub.describe()!r}: " + "; ".join(self.reasons)


class Stubs:
    """The registry of stubs; thread-safe."""

    def __init__(self) -> None:
        self._stubs: list[Stub] = []
        self._lock = threading.Lock()
        self._added = 0
        self.strict = False

    def __len__(self) -> int:
        return len(self._stubs)

    def add(self, stub: Stub) -> Stub:
        """Register `stub`; ValueError when a reply could never be sent (checked now, not
        when a request matches)."""
        label = f"stub {stub.name!r}" if stub.name else "stub"
        for i, reply in enumerate(stub.replies):
            stub_checks.check_reply(reply, f"{label}: replies[{i}]")
        with self._lock:
            self._added += 1
            stub.number = self._added
            self._stubs.append(stub)
        return stub

    def clear(self) -> None:
        with self._lock:
            self._stubs.clear()
            self._added = 0

    def remove(self, key: str) -> list[Stub]:
        """Remove the stubs named `key` (or, for unnamed ones, numbered `key`); returns them."""

        def chosen(stub: Stub) -> bool:
            return stub.name == key or (not stub.name and str(stub.number) == key.lstrip("#"))

        with self._lock:
            gone = [s for s in self._stubs if chosen(s)]
            self._stubs = [s for s in self._stubs if not chosen(s)]
        return gone

    def all(self) -> list[Stub]:
        with self._lock:
            return list(self._stubs)

    def unused(self) -> list[Stub]:
        return [s for s in self.all() if s.used == 0]

    def named(self, name: str) -> tuple[Stub, Reply]:
        """The next reply of the stub called `name`, whatever it matches; LookupError if
        there is none or it is used up."""
        with self._lock:
            for stub in self._stubs:
                if stub.name == name:
                    if stub.exhausted:
                        raise LookupError(
                            f"stub {name!r} was used up after {stub.times} request(s)"
                        )
                    return stub, stub.next_reply()
        raise LookupError(f"no stub is named {name!r}")

    def pick(self, request: Request, *, explain: bool = True) -> tuple[Stub, Reply] | Miss | None:
        """The stub that answers `request` and its reply; a `Miss` (in strict mode, or when
        there are stubs but none matched) explains the nearest candidate, unless `explain`
        is false (then None: nobody will read the reasons)."""
        if not self._stubs:  # the common case in load tests: nothing to lock or sort
            return None
        with self._lock:
            stubs = self._stubs
            ranked = stubs if len(stubs) == 1 else _ranked(stubs)
            if not explain:
                for stub in ranked:
                    if not stub.exhausted and stub.match.matches(request):
                        return stub, stub.next_reply()
                return None
            nearest: tuple[int, Stub, list[str]] | None = None
            for stub in ranked:
                if stub.exhausted:
                    reasons = [f"it was used up after {stub.times} request(s)"]
                else:
                    reasons = stub.match.misses(request)
                    if not reasons:
                        return stub, stub.next_reply()
                if nearest is None or len(reasons) < nearest[0]:
                    nearest = (len(reasons), stub, reasons)
        if nearest is None:
            return None
        return Miss(nearest[1], tuple(nearest[2]))


def _ranked(stubs: list[Stub]) -> list[Stub]:
    """Higher priority first, then the stub added first."""
    return [s for _, s in sorted(enumerate(stubs), key=lambda p: (-p[1].priority, p[0]))]
