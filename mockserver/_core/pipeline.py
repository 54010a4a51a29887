"""`Service`: one mock's configuration, state and control-plane API, and `handle`, the one
way in for every request.

`handle` finds the request's route (routes.py), calls its endpoint (for chat completions,
the chat step in chat.py) and stamps the outcome: journal, request id, processing time,
taps and counters, whatever answered. Adapters (the Starlette app, uvicorn's protocol, the
in-process httpx transport) only turn bytes into a `RawRequest` and an `Outcome` into their
response.
"""

from __future__ import annotations

import contextlib
import random
import time
import traceback
from collections.abc import Iterator, Mapping
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any

from mockserver._contract import errors, input_errors, jsonio
from mockserver._contract.errors import ApiError
from mockserver._contract.replies import Reply, Text
from mockserver._control import scenario_files, scopes, taps
from mockserver._control.faults import Fault, FaultQueue
from mockserver._control.journal import Entry, Journal, LateBody, redact
from mockserver._control.metrics import Metrics
from mockserver._control.ratelimits import RateLimits
from mockserver._control.scenarios import Match, Stub, Stubs
from mockserver._control.scopes import Scope, Scopes
from mockserver._core import routes
from mockserver._core.chat import Chat, SelfCheckFailed
from mockserver._core.exchange import Config, Outcome, RawRequest, StreamItem
from mockserver._core.routes import ADMIN_PREFIX, CHAT_PATHS

__all__ = [
    "ADMIN_PREFIX",
    "CHAT_PATHS",
    "Config",
    "Outcome",
    "RawRequest",
    "SelfCheckFailed",
    "Service",
    "StreamItem",
]


class Service:
    """One mock: configuration, state (journal, stubs, faults, rate limits) and `handle`."""

    def __init__(
        self, config: Config | None = None, *, scenario: scenario_files.Scenario | None = None
    ) -> None:
        self.config = config or Config()
        self._baseline = scenario
        self.rate_limits = RateLimits()
        self.scopes = Scopes(self._new_scope)
        self._scope: ContextVar[Scope | None] = ContextVar(f"scope-{id(self)}", default=None)
        state = self.config.state_dir
        self.metrics = Metrics(
            Path(state) / "metrics" if state and self.config.workers > 1 else None
        )
        self.chat = Chat(self)
        """The chat step (and what it remembers between requests)."""
        self._accepted: set[str] = set()  # authorization values that passed, ...
        self._accepted_for: frozenset[str] | None = None  # ... with these api_keys
        self.models = routes.known_models()
        self.internal_errors = 0
        """Requests answered by the last-resort guard (each a bug; tests expect 0)."""
        self.reset()

    def _new_scope(self) -> Scope:
        stubs = Stubs()
        stubs.strict = self.config.strict
        return Scope(
            Journal(self.config.journal_size, self.config.journal_bytes), stubs, FaultQueue()
        )

    @property
    def journal(self) -> Journal:
        """The journal of the current test-id scope (the shared one outside a request)."""
        return (self._scope.get() or self.scopes.shared).journal

    @property
    def stubs(self) -> Stubs:
        return (self._scope.get() or self.scopes.shared).stubs

    @property
    def faults(self) -> FaultQueue:
        return (self._scope.get() or self.scopes.shared).faults

    @contextlib.contextmanager
    def scope(self, test_id: str | None) -> Iterator[Scope]:
        """Script and read the scope of requests sent with ``x-mock-test-id: test_id``:
        ``with service.scope("t1"): service.stub("Hi")``."""
        scope = self.scopes.get(test_id)
        token = self._scope.set(scope)
        try:
            yield scope
        finally:
            self._scope.reset(token)

    def reset(self) -> None:
        """Back to the state at start: journal, counters and rate limits cleared, stubs and
        faults those of the start-up scenario (if any) with their use counts at zero."""
        seed = self.config.seed if self.config.seed is not None else random.getrandbits(64)
        self.chat.reset(seed)
        self.scopes.clear()
        shared = self.scopes.shared
        shared.stubs.clear()
        shared.stubs.strict = self.config.strict
        shared.faults.clear()
        shared.journal.clear()
        self.rate_limits.reset()
        if self._baseline is not None:
            self.load(self._baseline.fresh())

    def reconfigure(self, config: Config) -> None:
        """Serve from now on as `config` says, from the state at start (`reset`): what a
        shared live server does between tests."""
        self.config = config
        self.chat.forget()
        self.reset()

    @property
    def fixture_folders(self) -> tuple[Path, ...]:
        """Where fixtures named over the admin API may live besides the packaged ones: the
        folder of the start-up scenario file."""
        folder = self._baseline.folder if self._baseline is not None else None
        return () if folder is None else (folder,)

    # ---- the Python control plane -----------------------------------------------------------

    def stub(
        self,
        *replies: Reply | str | Mapping[str, Any],
        match: Match | None = None,
        times: int | None = None,
        priority: int = 0,
        name: str = "",
        fault: Fault | None = None,
        **conditions: Any,
    ) -> Stub:
        """Script replies for the requests that match: ``service.stub("Hi!", last_user="hello")``.

        A reply is a `Reply`, a string (the content), or a dict in the stubs-file format;
        several replies form a sequence. Conditions are `Match` fields, given as `match` or
        as keyword arguments."""
        if match is not None and conditions:
            raise TypeError("give the conditions either as match= or as keyword arguments")
        made = tuple(_reply(r) for r in replies)
        return self.stubs.add(
            Stub(match or Match(**conditions), made, times, priority, name, fault)
        )

    def fault(self, fault: Fault | None = None, *, times: int = 1, **fields: Any) -> Fault:
        """Queue a fault for the next `times` chat requests: ``service.fault(status=429)``."""
        if fault is not None and fields:
            raise TypeError("give the fault either as a Fault or as keyword arguments")
        if fault is not None and not isinstance(fault, Fault):
            raise TypeError(
                f"fault() takes a Fault or keyword arguments; got {type(fault).__name__} {fault!r}."
                f" Example: mock.fault(status=429) or mock.fault(Fault(status=429))"
            )
        made = fault or Fault(**fields)
        self.faults.push(made, times)
        return made

    def chaos(self, rate: float, *choices: Fault, seed: int = 0) -> None:
        """Answer a seeded random share `rate` of requests with one of `choices`."""
        self.faults.chaos(rate, tuple(choices), seed)

    def load(self, scenario: scenario_files.Scenario) -> None:
        """Add what a scenario file (or an admin API call) holds."""
        for s in scenario.stubs:
            self.stubs.add(s)
        for f, times in scenario.faults:
            self.faults.push(f, times)
        if scenario.chaos is not None:
            rate, choices, seed = scenario.chaos
            self.faults.chaos(rate, choices, seed)
        if scenario.strict is not None:
            self.stubs.strict = scenario.strict

    # ---- the one way in --------------------------------------------------------------------

    def handle(self, raw: RawRequest) -> Outcome:
        """The answer to one request, stamped (`stamp`): the route's endpoint decides it;
        an error of any kind becomes the profile's error shape."""
        started = time.perf_counter()
        config = self.config
        seq, request_id = self.chat.seeded.next_request()
        body = raw.body
        size = len(body) if raw.size is None else raw.size
        # The body is parsed when someone reads it, if nobody did while answering.
        entry = LateBody(
            body, seq, raw.method, raw.path, redact(raw.headers), config.clock(), request_id, size
        )
        journaled = True
        token = None
        try:
            test_id = raw.headers.get(scopes.HEADER)
            if test_id is not None:
                token = self._enter_scope(test_id)
            route = routes.find(raw, admin_on=config.admin)
            if route is None:
                raise errors.unknown_route(config.profile, raw.method, raw.path)
            journaled = route.journaled
            if route.name is not None:
                entry.answered_by = route.name
            if route.methods is not None and raw.method not in route.methods:
                routes.check_method(route, raw, self)
            if size > config.max_body_bytes:  # before the key, as a server reading it does
                raise errors.too_large(config.max_body_bytes)
            outcome = route.endpoint(self, raw, entry)
        except ApiError as exc:
            outcome = self.error_outcome(exc, raw.path, request_id)
        except SelfCheckFailed as exc:
            failure = ApiError(
                500, f"mock self-check failed (a bug in the mock): {exc}", type="server_error"
            )
            outcome = self.error_outcome(failure, raw.path, request_id)
        except Exception as exc:  # the last resort: every cause found so far has its own 4xx
            self.internal_errors += 1
            _note_failure(entry, exc)
            outcome = self.error_outcome(input_errors.internal_error(), raw.path, request_id)
        try:
            return self.stamp(entry, outcome, started, journaled=journaled)
        finally:
            if token is not None:
                self._scope.reset(token)

    def stamp(
        self, entry: Entry, outcome: Outcome, started: float, *, journaled: bool = True
    ) -> Outcome:
        """What every answer gets, whatever answered: its request id and processing time in
        the headers, the journal entry (when `journaled`), the taps and the counters."""
        headers = outcome.headers
        headers.setdefault("x-request-id", entry.request_id)
        entry.status = outcome.status
        entry.duration_ms = duration = (time.perf_counter() - started) * 1000
        headers["openai-processing-ms"] = str(int(duration + outcome.delay * 1000))
        entry.response_headers = redact(headers, copy=False)  # the answer's own: not changed
        outcome.entry = entry
        outcome.on_disconnect = entry.mark_disconnected
        if journaled:
            self.journal.record(entry)
            if taps.listening():  # the consumer-contract recorder
                outcome.stream = taps.tap(
                    entry, outcome.status, headers, outcome.body, outcome.stream
                )
        self.metrics.request(entry.path, outcome.status, entry.answered_by, duration / 1000)
        return outcome

    def failed(self, raw: RawRequest, outcome: Outcome | None, error: BaseException) -> Outcome:
        """For an adapter that could not deliver `outcome` (None: it failed before it had
        one): the provider-shaped 500 to send instead. The journal says so (the entry of
        `outcome`, or a new one) and the failure counts as an internal error: each is a bug
        in the mock."""
        self.internal_errors += 1
        entry = outcome.entry if outcome is not None else None
        stamped = entry is not None
        if entry is None:
            seq, request_id = self.chat.seeded.next_request()
            entry = Entry(
                seq, raw.method, raw.path, redact(raw.headers), None, (), 0, "error",
                self.config.clock(), 0.0, request_id, body_bytes=len(raw.body),
            )  # fmt: skip
        _note_failure(entry, error)
        entry.answered_by = "error"
        answer = self.error_outcome(input_errors.internal_error(), raw.path, entry.request_id)
        if not stamped:
            journaled = not raw.path.startswith(ADMIN_PREFIX)
            return self.stamp(entry, answer, time.perf_counter(), journaled=journaled)
        # The entry is in the journal already, with the answer that could not be sent.
        answer.headers["x-request-id"] = entry.request_id
        entry.status = answer.status
        entry.response_headers = redact(answer.headers)
        answer.entry = entry
        answer.on_disconnect = entry.mark_disconnected
        return answer

    def may_block(self, raw: RawRequest) -> bool:
        """Whether `handle` may keep its thread busy for a while on `raw` (a large body, or
        generation from a user's schema): an event loop should call it in a thread."""
        if raw.method != "POST" or raw.path.rstrip("/") not in routes.CHAT_PATHS:
            return False
        return self.chat.may_block(raw)

    def _enter_scope(self, test_id: str) -> Token[Scope | None]:
        problem = scopes.check_id(test_id)
        if problem is not None:
            raise ApiError(400, problem, source="upstream", code="invalid_mock_test_id")
        return self._scope.set(self.scopes.get(test_id))

    def error_outcome(self, error: ApiError, path: str, request_id: str) -> Outcome:
        body = error.body(self.config.profile, path, request_id, self.config.clock())
        headers = {"content-type": "application/json", **error.headers}
        return Outcome(error.status, headers, jsonio.dumps(body))

    # ---- keys ------------------------------------------------------------------------------

    def authenticate(self, headers: Mapping[str, str]) -> None:
        """Raise the profile's 401 unless `headers` carry an accepted bearer key."""
        value = headers.get("authorization", "")
        keys = self.config.api_keys
        if value in self._accepted and self._accepted_for is keys:  # a client's every request
            return
        scheme, _, key = value.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise errors.missing_key(self.config.profile)
        if keys is not None and key not in keys:
            raise errors.wrong_key(self.config.profile, key)
        if self._accepted_for is not keys or len(self._accepted) >= 64:
            self._accepted, self._accepted_for = set(), keys
        self._accepted.add(value)

    def authenticate_if_keyed(self, headers: Mapping[str, str]) -> None:
        """`authenticate` when the mock was given keys (the model list is open otherwise)."""
        if self.config.api_keys is not None:
            self.authenticate(headers)


def _reply(value: Reply | str | Mapping[str, Any]) -> Reply:
    if isinstance(value, str):
        return Text(value)
    if isinstance(value, Mapping):
        return scenario_files.parse({"stubs": [{"reply": dict(value)}]}).stubs[0].replies[0]
    return value


def _note_failure(entry: Entry, error: BaseException) -> None:
    entry.notes["internal_error"] = "".join(
        traceback.format_exception(type(error), error, error.__traceback__, limit=20)
    )
