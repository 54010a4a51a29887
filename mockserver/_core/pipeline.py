"""The transport-agnostic pipeline: one request in, one `Outcome` out.

parse (auth, size, content type, JSON) -> validate (schema, profile rules) -> control plane
(faults, stubs) -> engine -> render -> journal. Adapters (the Starlette app, the in-process
httpx transport) only turn bytes into a `RawRequest` and an `Outcome` into their response.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from mockserver._contract import errors, rules, sse, tolerated, validation
from mockserver._contract.errors import ApiError
from mockserver._contract.profiles import Profile
from mockserver._contract.violations import ContractViolation, Violation
from mockserver._control import faults, scenario_files
from mockserver._control.faults import Fault, FaultQueue
from mockserver._control.journal import Entry, Journal, redact
from mockserver._control.ratelimits import RateLimits
from mockserver._control.scenarios import Match, Miss, Stub, Stubs
from mockserver._core import admin
from mockserver._core.exchange import Call, Config, Outcome, RawRequest, StreamItem
from mockserver._generation import engine, fixtures, render
from mockserver._generation.replies import Error, FromFixture, Raw, Reply, Text

__all__ = ["CHAT_PATHS", "Call", "Config", "Outcome", "RawRequest", "Service", "StreamItem"]

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
ADMIN_PREFIX = "/__mock"


class Service:
    """One mock: configuration, state (journal, stubs, faults, rate limits) and `handle`."""

    def __init__(
        self, config: Config | None = None, *, scenario: scenario_files.Scenario | None = None
    ) -> None:
        self.config = config or Config()
        self._baseline = scenario
        self.journal = Journal(self.config.journal_size)
        self.rate_limits = RateLimits()
        self.stubs = Stubs()
        self.faults = FaultQueue()
        self._lock = threading.Lock()
        self._known_models = frozenset(validation.schema("request")["properties"]["model"]["enum"])
        self.reset()

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
        self.stubs.clear()
        self.stubs.strict = self.config.strict
        self.faults.clear()
        self.journal.clear()
        self.rate_limits.reset()
        if self._baseline is not None:
            self.load(self._baseline.fresh())

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

    def handle(self, raw: RawRequest) -> Outcome:
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
        )
        try:
            outcome = self._route(raw, entry)
        except ApiError as exc:
            outcome = self.error_outcome(exc, raw.path, request_id)
        except SelfCheckFailed as exc:
            failure = ApiError(
                500, f"mock self-check failed (a bug in the mock): {exc}", type="server_error"
            )
            outcome = self.error_outcome(failure, raw.path, request_id)
        outcome.headers.setdefault("x-request-id", request_id)
        entry.status = outcome.status
        entry.response_headers = outcome.headers
        entry.duration_ms = (time.perf_counter() - started) * 1000
        outcome.headers["openai-processing-ms"] = str(int(entry.duration_ms + outcome.delay * 1000))
        if not raw.path.startswith(ADMIN_PREFIX):
            self.journal.record(entry)
        return outcome

    def error_outcome(self, error: ApiError, path: str, request_id: str) -> Outcome:
        body = error.body(self.config.profile, path, request_id)
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
            return admin.handle(self, raw, path)
        model = _model_path(path)
        endpoint = _GET_ENDPOINTS.get(path)
        if endpoint is None and model is None:
            raise errors.unknown_route(profile, raw.method, path)
        if raw.method not in ("GET", "HEAD"):
            raise errors.wrong_method(profile, raw.method, path, ["GET"])
        entry.answered_by = "generator"
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
        try:
            body = json.loads(raw.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            entry.body = raw.body.decode("utf-8", "replace")
            raise errors.not_json(profile, str(exc)) from None
        entry.body = body
        if not isinstance(body, dict):
            raise errors.not_an_object(profile, validation.json_type(body))
        entry.stream = body.get("stream") is True
        model = body.get("model")
        if isinstance(model, str) and model not in self._known_models:
            raise errors.unknown_model(model)
        violations, warnings = tolerated.split(validation.validate_request(body))
        entry.violations, entry.warnings = tuple(violations), tuple(warnings)
        if violations:
            raise _first_error(profile, violations)
        broken = rules.check(body, profile)
        if broken is not None:
            raise broken
        return self._answer(Call(entry.seq, body, raw.headers, entry.request_id), entry)

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise errors.missing_key(self.config.profile)
        if self.config.api_keys is not None and key not in self.config.api_keys:
            raise errors.wrong_key(self.config.profile, key)

    def _answer(self, call: Call, entry: Entry) -> Outcome:
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
        entry.answered_by = "generator" if stub is None else f"stub:{stub.describe()}"
        if stub is not None and stub.fault is not None:
            fault = fault.merged(stub.fault) if fault else stub.fault
            self._raise_fault(fault, entry)
        return self._deliver(call, reply, fault)

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
        picked = self.stubs.pick(request)
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

    def _deliver(self, call: Call, reply: Reply | None, fault: Fault | None) -> Outcome:
        request = call.request
        profile = self.config.profile
        if isinstance(reply, Error):
            raise errors.for_status(reply.status, reply.message, reply.headers)
        if isinstance(reply, FromFixture):
            reply = fixtures.as_raw(reply, request, profile)
        if isinstance(reply, Raw):
            return self._raw(reply, fault, call.seq)
        # The lock makes unseeded requests draw from the server's one stream in turn, so a
        # server started with --seed answers the same sequence of requests the same way.
        with self._lock:
            completion = engine.generate(
                request,
                engine.rng_for(request, fallback=self._rng),
                id=engine.completion_id(self._ids),
                created=int(self.config.clock()),
                system_fingerprint=self._fingerprint,
                reply=reply,
            )
        headers = self.rate_limits.take(self.config.clock(), completion.usage.total_tokens)
        if request.get("stream"):
            options = request.get("stream_options") or {}
            chunks = render.chunks(
                completion, profile, include_usage=bool(options.get("include_usage"))
            )
            return self._stream(
                profile.success_status, headers, self._encoded(chunks), fault, call.seq
            )
        body = render.completion_body(completion, profile)
        if self.config.self_check:
            _self_check("completion", body)
        headers["content-type"] = "application/json"
        return Outcome(
            profile.success_status, headers, _json_bytes(body), delay=self._ttft(fault, call.seq)
        )

    def _raw(self, raw: Raw, fault: Fault | None, seq: int) -> Outcome:
        status = raw.status or self.config.profile.success_status
        if raw.events is not None:
            headers = {"content-type": "text/event-stream; charset=utf-8", **raw.headers}
            return self._stream(status, headers, _split_events(raw.events), fault, seq)
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
            return Outcome(status, headers, stream=((0.0, e) for e in events))
        items = faults.stream_items(events, fault.stream, fault.latency, self._latency_rng(seq))
        return Outcome(status, headers, stream=items)

    def _latency_rng(self, seq: int) -> random.Random:
        return random.Random(f"latency:{self._seed}:{seq}")

    def _ttft(self, fault: Fault | None, seq: int) -> float:
        """The wait before a non-stream answer: the latency's first delay, jitter included."""
        if fault is None or fault.latency is None:
            return 0.0
        return next(fault.latency.delays(self._latency_rng(seq)))

    def _encoded(self, chunks: Iterable[dict[str, Any]]) -> Iterator[bytes]:
        check = self.config.self_check
        for chunk in chunks:
            if check:
                _self_check("chunk", chunk)
            yield sse.encode(chunk)
        yield sse.DONE_EVENT


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


def _self_check(kind: validation.Kind, value: object) -> None:
    found = validation.validate(kind, value)
    if found:
        raise SelfCheckFailed(str(ContractViolation(kind, found)))


def _first_error(profile: Profile, violations: list[Violation]) -> ApiError:
    """Body-validation problems come from the gateway first; unknown top-level parameters
    (and sampling parameters away from their default) reach the model, which names the first
    one it does not support."""
    unknown = [
        v
        for v in violations
        if v.path in rules.DEFAULT_ONLY
        or (v.rule == "additionalProperties" and "." not in v.path and "[" not in v.path)
    ]
    others = [v for v in violations if v not in unknown]
    if others:
        return errors.invalid_body(profile, others)
    return errors.unsupported_parameter(unknown[0].path)


def _json_bytes(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


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

    return openapi.bundled()


_GET_ENDPOINTS: Mapping[str, Callable[[Service], dict[str, Any]]] = {
    "/v1/models": _models,
    "/models": _models,
    "/health": _health,
    "/openapi.json": _openapi,
}
