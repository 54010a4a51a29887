"""What adapters and the pipeline exchange: the request as bytes, the answer as an
`Outcome`, and the `Config` that shapes a mock. Nothing here knows a transport."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mockserver._contract import profiles
from mockserver._contract.profiles import AIMLAPI, Profile
from mockserver._contract.sse import StreamItem as StreamItem

if TYPE_CHECKING:
    from mockserver._control.journal import Entry


@dataclass(frozen=True, slots=True)
class RawRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    """Lower-case names."""
    body: bytes = b""
    query: str = ""
    size: int | None = None
    """The body's size when the adapter stopped reading it (past ``max_body_bytes``, with
    `body` left empty); None: ``len(body)``."""


@dataclass(slots=True)
class Outcome:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    stream: Iterator[StreamItem] | None = None
    """For ``text/event-stream`` answers: the events, produced lazily."""
    delay: float = 0.0
    """Seconds to wait before answering (scripted latency)."""
    on_disconnect: Callable[[], None] | None = None
    """Adapters call it when the client left before the answer was complete."""
    entry: Entry | None = None
    """The journal entry `Service.handle` stamped it with (for `Service.failed`)."""


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


@dataclass
class Config:
    """How a mock behaves; every field has the default a newcomer expects."""

    profile: Profile = AIMLAPI
    seed: int | None = None
    """Seeds everything a request without its own ``seed`` gets (ids, text); None: random."""
    api_keys: frozenset[str] | None = None
    """Accepted bearer keys; None accepts any non-empty key (a key is still required)."""
    max_body_bytes: int = 8 * 1024 * 1024
    """Request bodies larger than this are refused (413) as soon as the limit is crossed."""
    self_check: bool = field(
        default_factory=lambda: _env_flag("MOCKSERVER_SELF_CHECK"),
        metadata={"default": "False (True with MOCKSERVER_SELF_CHECK=1)"},
    )
    """Validate every body and chunk the mock emits against schemas/ (a failure is a 500
    naming the violation). Off by default for speed: the test suite proves every variant
    valid, and runs with MOCKSERVER_SELF_CHECK=1 so that every answer it sees is checked."""
    journal_size: int = 1000
    """Requests the journal keeps (the oldest go first); 0 keeps none, for load tests."""
    journal_bytes: int = 64 * 1024 * 1024
    """Bytes of request bodies the journal keeps (the oldest entries go first); a body
    larger than 1/64 of it is journaled with its long strings cut, and says so."""
    admin: bool = True
    """Serve the control plane under ``/__mock/``."""
    admin_token: str | None = None
    """When set, ``/__mock/`` wants ``Authorization: Bearer <token>``."""
    allowed_hosts: frozenset[str] = LOOPBACK_HOSTS
    """``Host`` names (and ``Origin`` hosts) the admin API answers; anything else is a 403
    (DNS-rebinding and cross-site protection). The CLI adds ``--host`` and ``--allow-host``;
    the in-process mock adds the host of its base URL."""
    strict: bool = False
    """Unmatched requests get an error naming the nearest stub instead of a generated answer."""
    clock: Callable[[], float] = time.time
    workers: int = 1
    """Worker processes serving the same port (``mockserver serve --workers N``): run-time
    changes through the admin API are refused when above 1, and the journal says it holds
    one worker's requests."""
    state_dir: str | None = None
    """A folder the server owns for what its workers share (their metrics snapshots)."""
    wire: str | None = None
    """The dated wire the profile answers in: ``"2026"`` (the newest, what a profile is
    by default) or ``"2025"`` (docs/WIRE.md §9). Applied when the Config is made; None
    keeps `profile` as given."""
    follow_prompt: bool = True
    """Answers follow the prompt: the tool it asks for with the arguments it gives, the
    output format a framework asks for (docs/explanation/answers.md). False: tools,
    arguments and JSON-mode objects drawn at random, prose for every format."""

    def __post_init__(self) -> None:
        self.profile = profiles.dated(self.profile, self.wire)
