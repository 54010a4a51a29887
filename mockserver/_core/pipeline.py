"""The transport-agnostic pipeline: one request in, one `Outcome` out.

parse (auth, size, content type, JSON) -> validate (schema, profile rules) -> control plane
(faults, stubs) -> engine -> render -> journal. Adapters (the Starlette app, the in-process
httpx transport) only turn bytes into a `RawRequest` and an `Outcome` into their response.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import re
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver._contract import (
    errors,
    input_errors,
    jsonio,
    rules,
    sse,
    strict_json,
    tolerated,
    validation,
)
from mockserver._contract.errors import ApiError
from mockserver._contract.profiles import Profile
from mockserver._contract.violations import ContractViolation, Violation
from mockserver._control import faults, scenario_files, scopes, taps
from mockserver._control.faults import Fault, FaultQueue
from mockserver._control.journal import Entry, Journal, LateBody, redact
from mockserver._control.metrics import Metrics
from mockserver._control.ratelimits import RateLimits
from mockserver._control.scenarios import Match, Miss, Stub, Stubs
from mockserver._control.scopes import Scope, Scopes
from mockserver._core import admin
from mockserver._core.exchange import Call, Config, Outcome, RawRequest, StreamItem
from mockserver._generation import engine, fixtures, render
from mockserver._generation.budget import schema_driven
from mockserver._generation.model import Completion, Usage
from mockserver._generation.replies import Error, FromFixture, Raw, Reply, Text
from mockserver._generation.warm import WarmAnswers

__all__ = ["CHAT_PATHS", "Call", "Config", "Outcome", "RawRequest", "Service", "StreamItem"]

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
ADMIN_PREFIX = "/__mock"
_REMEMBER_BYTES = 4096
_REMEMBER_BODIES = 512
METRICS_PATH = "/metrics"


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
        self._lock = threading.Lock()
        self._prepared: dict[bytes, _Prepared] = {}
        self._accepted: set[str] = set()  # authorization values that passed, ...
        self._accepted_for: frozenset[str] | None = None  # ... with these api_keys
        self._known_models = frozenset(validation.schema("request")["properties"]["model"]["enum"])
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
        with self._lock:
            self._seed = seed
            self._counter = itertools.count(1)
            self._ids = random.Random(f"ids:{seed}")
            self._rng = random.Random(f"answers:{seed}")
            self._fingerprint = engine.fingerprint(random.Random(f"fp:{seed}"))
            self._warm = WarmAnswers(self.config.profile, self._fingerprint)
        self.scopes.clear()
        shared = self.scopes.shared
        shared.stubs.clear()
        shared.stubs.strict = self.config.strict
        shared.faults.clear()
        shared.journal.clear()
        self.rate_limits.reset()
        if self._baseline is not None:
            self.load(self._baseline.fresh())

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

    # ---- entry point ---------------------------------------------------------------------

    def handle(self, raw: RawRequest, *, lane: bool = True) -> Outcome:
        """The answer to one request. ``lane=False``: `answer_now` declined it already."""
        if lane:
            fast = self.answer_now(raw)
            if fast is not None:
                return fast
        started = time.perf_counter()
        with self._lock:
            seq = next(self._counter)
            request_id = f"req_{self._ids.getrandbits(128):032x}"
        entry = Entry(
            seq=seq,
            method=raw.method,
            path=raw.path,
            headers=redact(raw.headers),
            body=None,
            violations=(),
            status=0,
            answered_by="error",
            started=self.config.clock(),
            duration_ms=0.0,
            request_id=request_id,
            body_bytes=len(raw.body),
        )
        test_id = raw.headers.get(scopes.HEADER)
        token = None
        try:
            if test_id is not None:
                token = self._enter_scope(test_id)
            outcome = self._route(raw, entry)
        except ApiError as exc:
            outcome = self.error_outcome(exc, raw.path, request_id)
        except SelfCheckFailed as exc:
            failure = ApiError(
                500, f"mock self-check failed (a bug in the mock): {exc}", type="server_error"
            )
            outcome = self.error_outcome(failure, raw.path, request_id)
        except Exception:  # the last resort: every cause found so far has its own 4xx
            self.internal_errors += 1
            entry.notes["internal_error"] = traceback.format_exc(limit=20)
            outcome = self.error_outcome(input_errors.internal_error(), raw.path, request_id)
        outcome.headers.setdefault("x-request-id", request_id)
        outcome.on_disconnect = entry.mark_disconnected
        entry.status = outcome.status
        entry.duration_ms = (time.perf_counter() - started) * 1000
        outcome.headers["openai-processing-ms"] = str(int(entry.duration_ms + outcome.delay * 1000))
        entry.response_headers = redact(outcome.headers)
        if not raw.path.startswith(ADMIN_PREFIX):
            self.journal.record(entry)
            if taps.listening():  # the consumer-contract recorder
                outcome.stream = taps.tap(
                    entry, outcome.status, outcome.headers, outcome.body, outcome.stream
                )
        if token is not None:
            self._scope.reset(token)
        self.metrics.request(raw.path, outcome.status, entry.answered_by, entry.duration_ms / 1000)
        return outcome

    def answer_now(self, raw: RawRequest) -> Outcome | None:
        """The fast lane's answer (no delay, no stream), or None when the full path must
        answer. What `handle` tries first; a server protocol may ask it directly."""
        try:
            return self._fast_lane(raw)
        except Exception:  # a bug in the lane: counted, and the full path answers
            self.internal_errors += 1
            return None

    def _fast_lane(self, raw: RawRequest) -> Outcome | None:
        """The answer to the request a load test sends again and again, when nothing is
        scripted: the full path's answer, journal entry and counters, without the steps
        whose outcome is known already (the body was parsed, checked and planned before).
        None when any step could go another way; then the full path answers."""
        headers = raw.headers
        if (
            raw.method != "POST"
            or raw.path not in CHAT_PATHS
            or scopes.HEADER in headers
            or scenario_files.HEADER in headers
        ):
            return None
        prepared = self._known(raw.body)
        if prepared is None or prepared.plan is None or prepared.stream:
            return None
        if len(raw.body) > self.config.max_body_bytes:
            return None
        content_type = headers.get("content-type", "")
        if content_type and "json" not in content_type.lower():
            return None
        if self._scope.get() is not None:  # inside `with service.scope(...)`
            return None
        shared = self.scopes.shared
        if len(shared.stubs) or shared.stubs.strict or not shared.faults.idle:
            return None
        if taps.listening():
            return None
        try:
            self._authenticate(headers)
        except ApiError:
            return None
        started = time.perf_counter()
        clock = self.config.clock
        now = clock()
        plan = prepared.plan
        with self._lock:  # the draws of the full path, in its order
            seq = next(self._counter)
            request_id = f"req_{self._ids.getrandbits(128):032x}"
            cid = engine.completion_id(self._ids)
            draws = engine.draw(plan, plan.rng(self._rng))
            warm = self._warm
        body, usage = warm.body(plan, draws, cid, int(clock()))
        if self.config.self_check and validation.validate("completion", strict_json.loads(body)):
            return None  # a bug in the mock: the full path answers it with a 500 that says so
        self.metrics.tokens(usage.prompt_tokens, usage.completion_tokens, usage.reasoning_tokens)
        answer = self.rate_limits.take(clock(), usage.total_tokens)
        answer["content-type"] = "application/json"
        answer["x-request-id"] = request_id
        duration_ms = (time.perf_counter() - started) * 1000
        answer["openai-processing-ms"] = str(int(duration_ms))
        status = self.config.profile.success_status
        entry = LateBody(  # the body is parsed when someone reads it
            raw.body,
            seq,
            raw.method,
            raw.path,
            redact(headers),
            (),  # violations
            status,
            "generator",
            now,
            duration_ms,
            request_id,
            warnings=prepared.warnings,
            response_headers=dict(answer),  # the mock's own headers: nothing to redact
            body_bytes=len(raw.body),
        )
        shared.journal.record(entry)
        self.metrics.request(raw.path, status, "generator", duration_ms / 1000)
        return Outcome(status, answer, body, on_disconnect=entry.mark_disconnected)

    def _enter_scope(self, test_id: str) -> Token[Scope | None]:
        problem = scopes.check_id(test_id)
        if problem is not None:
            raise ApiError(400, problem, source="upstream", code="invalid_mock_test_id")
        return self._scope.set(self.scopes.get(test_id))

    def error_outcome(self, error: ApiError, path: str, request_id: str) -> Outcome:
        body = error.body(self.config.profile, path, request_id, self.config.clock())
        headers = {"content-type": "application/json", **error.headers}
        return Outcome(error.status, headers, _json_bytes(body))

    # ---- routing ---------------------------------------------------------------------------

    def _route(self, raw: RawRequest, entry: Entry) -> Outcome:
        path = raw.path.rstrip("/") or "/"
        profile = self.config.profile
        if path in CHAT_PATHS:
            if raw.method != "POST":
                raise errors.wrong_method(profile, raw.method, path, ["POST"])
            return self._chat(raw, entry)
        if path.startswith(ADMIN_PREFIX) and self.config.admin:
            entry.answered_by = "admin"
            return admin.handle(self, raw, path)
        if path == METRICS_PATH and self.config.admin:
            entry.answered_by = "admin"
            return admin.metrics(self, raw)
        model = _model_path(path)
        endpoint = _GET_ENDPOINTS.get(path)
        if endpoint is None and model is None:
            raise errors.unknown_route(profile, raw.method, path)
        if raw.method not in ("GET", "HEAD"):
            raise errors.wrong_method(profile, raw.method, path, ["GET"])
        # Named for the reader of the journal: "health", "models", "openapi".
        entry.answered_by = "models" if model is not None else path.split("/")[-1].split(".")[0]
        if self.config.api_keys is not None and entry.answered_by == "models":
            self._authenticate(raw.headers)  # the real API wants a key here too
        if model is not None:
            if model not in self._known_models:
                raise errors.unknown_model(model)
            body = _model(model)
        else:
            assert endpoint is not None
            body = endpoint(self)
        return Outcome(200, {"content-type": "application/json"}, _json_bytes(body))

    # ---- chat completions --------------------------------------------------------------------

    def _chat(self, raw: RawRequest, entry: Entry) -> Outcome:
        profile = self.config.profile
        self._authenticate(raw.headers)
        if len(raw.body) > self.config.max_body_bytes:
            raise errors.too_large(self.config.max_body_bytes)
        content_type = raw.headers.get("content-type", "")
        if content_type and "json" not in content_type.lower():
            entry.body = raw.body.decode("utf-8", "replace")
            raise errors.wrong_content_type(profile, content_type)
        known = self._known(raw.body)
        try:
            body = strict_json.loads(raw.body) if known is None else strict_json.reparse(raw.body)
        except strict_json.JsonProblem as exc:
            entry.body = raw.body.decode("utf-8", "replace")
            raise errors.not_json(profile, str(exc)) from None
        entry.body = body
        if not isinstance(body, dict):
            raise errors.not_an_object(profile, validation.json_type(body))
        entry.stream = body.get("stream") is True
        model = body.get("model")
        if isinstance(model, str) and model not in self._known_models:
            raise errors.unknown_model(model)
        prepared = known or self._prepare(raw.body, body)
        entry.violations, entry.warnings = prepared.violations, prepared.warnings
        if prepared.violations:
            raise rules.first_error(profile, list(prepared.violations))
        if not prepared.allowed:
            broken = rules.check(body, profile)
            assert broken is not None  # the same body breaks the same rule
            raise broken
        call = Call(entry.seq, body, raw.headers, entry.request_id)
        return self._answer(call, entry, prepared.plan)

    def _known(self, raw: bytes) -> _Prepared | None:
        """What was prepared for these bytes, if it still holds (same profile)."""
        if len(raw) > _REMEMBER_BYTES:
            return None
        found = self._prepared.get(raw)
        return found if found is not None and found.profile is self.config.profile else None

    def _prepare(self, raw: bytes, body: dict[str, Any]) -> _Prepared:
        """What the body's bytes decide (its verdict, the engine's plan), remembered for
        small bodies: a load test sends the same bytes again and again."""
        if len(raw) > _REMEMBER_BYTES:  # not kept, and no plan: a plan holds its prompt
            return _Prepared.of(body, self.config.profile, planned=False)
        found = self._known(raw)
        if found is None:
            if len(self._prepared) >= _REMEMBER_BODIES:
                self._prepared.clear()
            found = self._prepared[raw] = _Prepared.of(
                body, self.config.profile, follow_prompt=self.config.follow_prompt
            )
        return found

    def _authenticate(self, headers: Mapping[str, str]) -> None:
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

    def _answer(self, call: Call, entry: Entry, plan: engine.Plan | None = None) -> Outcome:
        """The control plane: the header's scenario or the next queued fault, then stubs,
        then the engine. An error fault answers first and leaves the stubs untouched, so
        "429, then the stubbed answer" needs no bookkeeping."""
        header = call.headers.get(scenario_files.HEADER)
        try:
            fault, stub_name = scenario_files.header_fault(header) if header else (None, None)
        except scenario_files.SpecError as exc:
            raise ApiError(400, str(exc), source="upstream", code="invalid_mock_scenario") from None
        fault = fault or self.faults.take()
        self._raise_fault(fault, entry)
        picked = self._pick(call.request, stub_name)
        stub, reply = picked if picked else (None, None)
        entry.answered_by = "generator" if stub is None else stub.label()
        if stub is not None and stub.fault is not None:
            fault = fault.merged(stub.fault) if fault else stub.fault
            self._raise_fault(fault, entry)
        return self._deliver(call, reply, fault, plan)

    def _raise_fault(self, fault: Fault | None, entry: Entry) -> None:
        if fault is None:
            return
        entry.notes["fault"] = fault.describe()
        error = fault.error(self.config.clock())
        if error is not None:
            entry.answered_by = f"fault:{fault.describe()}"
            raise error

    def _pick(self, request: Mapping[str, Any], name: str | None) -> tuple[Stub, Reply] | None:
        if name is not None:
            try:
                return self.stubs.named(name)
            except LookupError as exc:
                raise ApiError(
                    400,
                    f"{scenario_files.HEADER}: {exc}",
                    source="upstream",
                    code="invalid_mock_scenario",
                ) from None
        stubs = self.stubs
        picked = stubs.pick(request, explain=stubs.strict)
        if isinstance(picked, Miss):
            if self.stubs.strict:
                raise ApiError(
                    400, f"mock (strict): {picked}", source="upstream", code="mock_no_stub_matched"
                )
            return None
        if picked is None and self.stubs.strict:
            raise ApiError(
                400,
                "mock (strict): no stub matched; no stubs are registered",
                source="upstream",
                code="mock_no_stub_matched",
            )
        return picked

    def _deliver(
        self, call: Call, reply: Reply | None, fault: Fault | None, plan: engine.Plan | None
    ) -> Outcome:
        request = call.request
        profile = self.config.profile
        if isinstance(reply, Error):
            raise errors.for_status(reply.status, reply.message, reply.headers)
        if isinstance(reply, FromFixture):
            reply = fixtures.as_raw(reply, request, profile)
        if isinstance(reply, Raw):
            return self._raw(reply, fault, call.seq)
        body: bytes | None = None
        if plan is not None and reply is None and not request.get("stream"):
            body, usage = self._planned_body(plan)  # the warm path: rendered once, filled in
        else:
            completion = self._generate(request, reply, plan)
            usage = completion.usage
        self.metrics.tokens(usage.prompt_tokens, usage.completion_tokens, usage.reasoning_tokens)
        headers = self.rate_limits.take(self.config.clock(), usage.total_tokens)
        if body is None:
            if request.get("stream"):
                options = request.get("stream_options") or {}
                with_usage = bool(options.get("include_usage"))
                events: Iterator[bytes] = itertools.chain(
                    render.encoded_chunks(completion, profile, include_usage=with_usage),
                    (sse.DONE_EVENT,),
                )
                if self.config.self_check:
                    events = _checked_events(events)
                return self._stream(profile.success_status, headers, events, fault, call.seq)
            body = _json_bytes(render.completion_body(completion, profile))
        if self.config.self_check:  # what is sent, whichever way it was rendered
            _self_check("completion", strict_json.loads(body))
        headers["content-type"] = "application/json"
        return Outcome(profile.success_status, headers, body, delay=self._ttft(fault, call.seq))

    def _planned_body(self, plan: engine.Plan) -> tuple[bytes, Usage]:
        """The body of a plain answer and its usage: drawn as `engine.generate` draws, and
        rendered once per answer (`WarmAnswers`)."""
        created = int(self.config.clock())
        with self._lock:
            cid = engine.completion_id(self._ids)
            draws = engine.draw(plan, plan.rng(self._rng))
            warm = self._warm
        return warm.body(plan, draws, cid, created)

    def _generate(
        self, request: dict[str, Any], reply: Reply | None, plan: engine.Plan | None
    ) -> Completion:
        # The lock makes unseeded requests draw from the server's one stream in turn, so a
        # server started with --seed answers the same sequence of requests the same way.
        # Schema-driven generation may take up to its time budget: it draws a child stream
        # under the lock and runs outside it, so other requests are never held up.
        scripted = reply if isinstance(reply, engine.Scripted) else None
        if plan is not None and scripted is None:  # the plain case: draws and lookups
            created = int(self.config.clock())
            with self._lock:
                cid = engine.completion_id(self._ids)
                return engine.planned(
                    plan,
                    plan.rng(self._rng),
                    id=cid,
                    created=created,
                    system_fingerprint=self._fingerprint,
                )
        with self._lock:
            rng = engine.rng_for(request, fallback=self._rng)
            cid = engine.completion_id(self._ids)
            slow = scripted is None and schema_driven(request)
            if slow and rng is self._rng:
                rng = random.Random(self._rng.getrandbits(64))
            if not slow:
                return self._completion(request, rng, cid, scripted)
        return self._completion(request, rng, cid, scripted)

    def _completion(
        self, request: dict[str, Any], rng: random.Random, cid: str, reply: engine.Scripted | None
    ) -> Completion:
        try:
            return engine.generate(
                request,
                rng,
                id=cid,
                created=int(self.config.clock()),
                system_fingerprint=self._fingerprint,
                reply=reply,
                follow_prompt=self.config.follow_prompt,
            )
        except engine.SchemaRefused as exc:
            raise input_errors.invalid_schema(str(exc), exc.param, exc.kind) from None

    def _raw(self, raw: Raw, fault: Fault | None, seq: int) -> Outcome:
        status = raw.status or self.config.profile.success_status
        if raw.timed is not None:  # a cassette: its own headers, pacing and cut
            items: list[StreamItem] = list(raw.timed) + ([(0.0, None)] if raw.dropped else [])
            headers = {"content-type": "text/event-stream; charset=utf-8", **raw.headers}
            return Outcome(status, headers, stream=iter(items))
        if raw.text is not None:
            return Outcome(status, {"content-type": "text/plain", **raw.headers}, raw.text)
        if raw.events is not None:
            headers = {"content-type": "text/event-stream; charset=utf-8", **raw.headers}
            outcome = self._stream(status, headers, _split_events(raw.events), fault, seq)
            if raw.split is not None and outcome.stream is not None:
                outcome.stream = raw.split.pieces(outcome.stream)
            return outcome
        headers = {"content-type": "application/json", **raw.headers}
        return Outcome(status, headers, _json_bytes(raw.body), delay=self._ttft(fault, seq))

    def _stream(
        self,
        status: int,
        headers: dict[str, str],
        events: Iterator[bytes],
        fault: Fault | None,
        seq: int,
    ) -> Outcome:
        headers.setdefault("content-type", "text/event-stream; charset=utf-8")
        headers["cache-control"] = "no-cache"
        if fault is None or (fault.stream is None and fault.latency is None):
            return Outcome(status, headers, stream=self.metrics.streaming((0.0, e) for e in events))
        items = faults.stream_items(events, fault.stream, fault.latency, self._latency_rng(seq))
        return Outcome(status, headers, stream=self.metrics.streaming(items))

    def _latency_rng(self, seq: int) -> random.Random:
        return random.Random(f"latency:{self._seed}:{seq}")

    def _ttft(self, fault: Fault | None, seq: int) -> float:
        """The wait before a non-stream answer: the latency's first delay, jitter included."""
        if fault is None or fault.latency is None:
            return 0.0
        return next(fault.latency.delays(self._latency_rng(seq)))


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What a chat body's bytes alone decide."""

    violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...]
    allowed: bool
    """It breaks none of o3-mini's rules beyond the schema (`rules.check`)."""
    plan: engine.Plan | None
    """How to answer it when nothing scripted does (None: not plain, or not valid)."""
    stream: bool
    profile: Profile
    """The profile it was prepared for (o3-mini's rules differ by profile)."""

    @classmethod
    def of(
        cls,
        body: dict[str, Any],
        profile: Profile,
        *,
        planned: bool = True,
        follow_prompt: bool = True,
    ) -> _Prepared:
        stream = body.get("stream") is True
        violations, warnings = tolerated.split(validation.validate_request(body))
        if violations:
            return cls(tuple(violations), tuple(warnings), False, None, stream, profile)
        allowed = rules.check(body, profile) is None
        plan = engine.plan(body, follow_prompt=follow_prompt) if allowed and planned else None
        return cls((), tuple(warnings), allowed, plan, stream, profile)


def _reply(value: Reply | str | Mapping[str, Any]) -> Reply:
    if isinstance(value, str):
        return Text(value)
    if isinstance(value, Mapping):
        return scenario_files.parse({"stubs": [{"reply": dict(value)}]}).stubs[0].replies[0]
    return value


def _split_events(data: bytes) -> Iterator[bytes]:
    """Cut a transcript into its events (each with its blank line), keeping every byte."""
    start = 0
    for end in (m.end() for m in _EVENT_END.finditer(data)):
        yield data[start:end]
        start = end
    if start < len(data):
        yield data[start:]


_EVENT_END = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


class SelfCheckFailed(RuntimeError):
    """The mock was about to emit something its own schemas reject: a bug in the mock."""


def _checked_events(events: Iterable[bytes]) -> Iterator[bytes]:
    """`events` as they are sent, each chunk checked against the schema on its way out."""
    for event in events:
        if event != sse.DONE_EVENT:
            for decoded in sse.decode(event):
                _self_check("chunk", strict_json.loads(decoded.data))
        yield event


def _self_check(kind: validation.Kind, value: object) -> None:
    found = validation.validate(kind, value)
    if found:
        raise SelfCheckFailed(str(ContractViolation(kind, found)))


_json_bytes = jsonio.dumps


def _model(model: str) -> dict[str, Any]:
    # o3-mini's entry in OpenAI's model list (created 2025-01-17).
    return {"id": model, "object": "model", "created": 1737146383, "owned_by": "system"}


def _model_path(path: str) -> str | None:
    """The model id of ``/v1/models/{id}`` (ids may hold slashes), else None."""
    for prefix in ("/v1/models/", "/models/"):
        if path.startswith(prefix) and len(path) > len(prefix):
            return path[len(prefix) :]
    return None


def _models(service: Service) -> dict[str, Any]:
    return {"object": "list", "data": [_model(m) for m in sorted(service._known_models)]}


def _health(service: Service) -> dict[str, Any]:
    return {"status": "ok", "profile": service.config.profile.name}


def _openapi(service: Service) -> dict[str, Any]:
    from mockserver._contract import openapi

    return openapi.document(service.config.profile)


_GET_ENDPOINTS: Mapping[str, Callable[[Service], dict[str, Any]]] = {
    "/v1/models": _models,
    "/models": _models,
    "/health": _health,
    "/openapi.json": _openapi,
}
