"""Test-id scopes: one server shared by many test runs without them seeing each other.

A request carrying ``x-mock-test-id: ID`` (a chat request or an admin call) sees the stubs,
faults, chaos and journal of scope ID only; requests without it use the shared scope, as
a server without scopes would. Scopes are made on first use and bounded in number: the
least recently used one is dropped when `MAX_SCOPES` is reached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from mockserver._control.faults import FaultQueue
from mockserver._control.journal import Journal
from mockserver._control.scenarios import Stubs

HEADER = "x-mock-test-id"
MAX_SCOPES = 256
MAX_ID_LENGTH = 200


@dataclass
class Scope:
    """What one test id sees."""

    journal: Journal
    stubs: Stubs
    faults: FaultQueue


class Scopes:
    def __init__(self, make: Callable[[], Scope]) -> None:
        self._make = make
        self.shared = make()
        self._by_id: OrderedDict[str, Scope] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, test_id: str | None) -> Scope:
        if not test_id:
            return self.shared
        with self._lock:
            scope = self._by_id.get(test_id)
            if scope is None:
                scope = self._by_id[test_id] = self._make()
                if len(self._by_id) > MAX_SCOPES:
                    self._by_id.popitem(last=False)
            else:
                self._by_id.move_to_end(test_id)
            return scope

    def drop(self, test_id: str) -> None:
        with self._lock:
            self._by_id.pop(test_id, None)

    def clear(self) -> None:
        with self._lock:
            self._by_id.clear()

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._by_id)


def check_id(value: str) -> str | None:
    """Why `value` cannot be a test id, or None when it can."""
    if len(value) > MAX_ID_LENGTH:
        return f"{HEADER} must be at most {MAX_ID_LENGTH} characters; got {len(value)}"
    if not value.isprintable():
        return f"{HEADER} must be printable text; got {value!r}"
    return None
