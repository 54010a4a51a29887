"""Taps: listeners that see each answer as the client received it (the whole body, or the
whole stream once it ends). The consumer-contract recorder (``pytest --aimlapi-contract``)
is the listener; with none registered the pipeline pays one truth test per request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mockserver._contract.sse import StreamItem
from mockserver._control.journal import Entry


@dataclass(frozen=True, slots=True)
class Answer:
    """What the client received: the status, headers and bytes (a stream's, concatenated)."""

    status: int
    headers: dict[str, str]
    body: bytes
    streamed: bool
    dropped: bool = False
    """The connection broke mid-stream (a scripted drop)."""


Listener = Callable[[Entry, Answer], None]

_listeners: list[Listener] = []
_lock = threading.Lock()


def listen(listener: Listener) -> Callable[[], None]:
    """Register `listener`; returns the function that unregisters it."""
    with _lock:
        _listeners.append(listener)

    def stop() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return stop


def listening() -> bool:
    return bool(_listeners)


def _notify(entry: Entry, answer: Answer) -> None:
    with _lock:
        current = list(_listeners)
    for listener in current:
        listener(entry, answer)


def tap(
    entry: Entry,
    status: int,
    headers: dict[str, str],
    body: bytes,
    stream: Iterator[StreamItem] | None,
) -> Iterator[StreamItem] | None:
    """The stream to deliver instead of `stream` (the same items); the listeners hear of
    the answer once it is delivered."""
    if stream is None:
        _notify(entry, Answer(status, dict(headers), body, False))
        return None
    return _tapped(entry, status, dict(headers), stream)


def _tapped(
    entry: Entry, status: int, headers: dict[str, str], items: Iterator[StreamItem]
) -> Iterator[StreamItem]:
    received: list[bytes] = []
    dropped = False
    try:
        for delay, data in items:
            if data is None:
                dropped = True
            else:
                received.append(data)
            yield delay, data
    finally:
        # Also when the client stops reading early: it relied on what it read.
        _notify(entry, Answer(status, headers, b"".join(received), True, dropped))
