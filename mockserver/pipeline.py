"""The transport-agnostic pipeline: one request in, one `Outcome` out.

parse (auth, size, content type, JSON) -> validate (schema, profile rules) -> control plane
(faults, stubs) -> engine -> render -> journal. Adapters (the Starlette app, the in-process
httpx transport) only turn bytes into a `RawRequest` and an `Outcome` into their response.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver import engine, errors, render, rules, schemas, sse
from mockserver.errors import ApiError
from mockserver.journal import Entry, Journal, redact
from mockserver.model import Completion
from mockserver.profiles import AIMLAPI, Profile
from mockserver.ratelimits import RateLimits

StreamItem = tuple[float, bytes | None]
"""(seconds to wait before it, bytes to send); ``None`` bytes drop the connection there."""

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass(frozen=True, slots=True)
class RawRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    """Lower-case names."""
    body: bytes = b""


@dataclass(slots=True)
class Outcome:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    stream: Iterator[StreamItem] | None = None
    """For ``text/event-stream`` answers: the events, produced lazily."""


@dataclass
class Config:
    """How a mock behaves; every field has the default a newcomer expects."""

    profile: Profile = AIMLAPI
    seed: int | None = None
    """Seeds everything a request without its own ``seed`` gets (ids, text); None: random."""
    api_keys: frozenset[str] | None = None
    """Accepted bearer keys; None accepts any non-empty key (a key is still required)."""
    max_body_bytes: int = 8 * 1024 * 1024
    self_check: bool = True
    """Validate every body and chunk the mock emits against schemas/ (a failure is a 500)."""
    journal_size: int = 1000
    clock: Callable[[], float] = time.time


@dataclass
class Call:
    """What the control plane sees of one chat request."""

    seq: int
    request: dict[str, Any]
    headers: Mapping[str, str]
    request_id: str
    answered_by: str = "generator"
    notes: dict[str, Any] = field(default_factory=dict)


class Service:
    """One mock: configuration, state (journal, counters, rate limits) and `handle`."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.journal = Journal(self.config.journal_size)
        self.rate_limits = RateLimits()
        self._lock = threading.Lock()
        self._known_models = frozenset(schemas.schema("request")["properties"]["model"]["enum"])
        self.reset()

    def reset(self) -> None:
        """Forget everything since start: journal, counters, rate limits."""
        seed = self.config.seed if self.config.seed is not None else random.getrandbits(64)
        with self._lock:
            self._seed = seed
            self._counter = itertools.count(1)
            self._ids = random.Random(f"ids:{seed}")
            self._fingerprint = engine.fingerprint(random.Random(f"fp:{seed}"))
        self.journal.clear()
        self.rate_limits.reset()

    # ---- entry point ---------------------------------------------------------------------

    def handle(self, raw: RawRequest) -> Outcome:
        started = time.perf_counter()
        with self._lock:
            seq = next(self._counter)
            request_id = "req_" + f"{self._ids.getrandbits(128):032x}"
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
        entry.duration_ms = (time.perf_counter() - started) * 1000
        outcome.headers["openai-processing-ms"] = str(int(entry.duration_ms))
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
        endpoint = _GET_ENDPOINTS.get(path)
        if endpoint is None:
            raise errors.unknown_route(profile, raw.method, path)
        if raw.method not in ("GET", "HEAD"):
            raise errors.wrong_method(profile, raw.method, path, ["GET"])
        entry.answered_by = "generator"
        return Outcome(200, {"content-type": "application/json"}, _json_bytes(endpoint(self)))

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
            raise errors.not_an_object(profile, schemas.json_type(body))
        entry.stream = body.get("stream") is True
        model = body.get("model")
        if isinstance(model, str) and model not in self._known_models:
            raise errors.unknown_model(model)
        violations = schemas.validate_request(body)
        entry.violations = tuple(violations)
        if violations:
            raise _first_error(profile, violations)
        broken = rules.check(body, profile)
        if broken is not None:
            raise broken
        call = Call(entry.seq, body, raw.headers, entry.request_id)
        completion = self._complete(call)
        entry.answered_by = call.answered_by
        return self._render(body, completion, call)

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        scheme, _, key = headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise errors.missing_key(self.config.profile)
        if self.config.api_keys is not None and key not in self.config.api_keys:
            raise errors.wrong_key(self.config.profile, key)

    def _complete(self, call: Call) -> Completion:
        with self._lock:
            fallback = f"{self._seed}:{call.seq}"
            completion_id = engine.completion_id(self._ids)
        rng = engine.rng_for(call.request, fallback=fallback)
        return engine.generate(
            call.request,
            rng,
            id=completion_id,
            created=int(self.config.clock()),
            system_fingerprint=self._fingerprint,
        )

    def _render(self, request: Mapping[str, Any], completion: Completion, call: Call) -> Outcome:
        profile = self.config.profile
        usage = completion.usage
        headers = self.rate_limits.take(self.config.clock(), usage.total_tokens)
        if request.get("stream"):
            options = request.get("stream_options") or {}
            chunks = render.chunks(
                completion, profile, include_usage=bool(options.get("include_usage"))
            )
            headers["content-type"] = "text/event-stream; charset=utf-8"
            headers["cache-control"] = "no-cache"
            return Outcome(profile.success_status, headers, stream=self._events(chunks))
        body = render.completion_body(completion, profile)
        if self.config.self_check:
            _self_check("completion", body)
        headers["content-type"] = "application/json"
        return Outcome(profile.success_status, headers, _json_bytes(body))

    def _events(self, chunks: Iterator[dict[str, Any]]) -> Iterator[StreamItem]:
        check = self.config.self_check
        for chunk in chunks:
            if check:
                _self_check("chunk", chunk)
            yield 0.0, sse.encode(chunk)
        yield 0.0, sse.DONE_EVENT


class SelfCheckFailed(RuntimeError):
    """The mock was about to emit something its own schemas reject: a bug in the mock."""


def _self_check(kind: schemas.Kind, value: object) -> None:
    found = schemas.validate(kind, value)
    if found:
        raise SelfCheckFailed(str(schemas.ContractViolation(kind, found)))


def _first_error(profile: Profile, violations: list[schemas.Violation]) -> ApiError:
    """Body-validation problems come from the gateway first; unknown top-level parameters
    reach the model, which names the first one it does not support."""
    unknown = [
        v
        for v in violations
        if v.rule == "additionalProperties" and "." not in v.path and "[" not in v.path
    ]
    others = [v for v in violations if v not in unknown]
    if others:
        return errors.invalid_body(profile, others)
    return errors.unsupported_parameter(unknown[0].path)


def _json_bytes(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _models(service: Service) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": model, "object": "model", "created": 1737146383, "owned_by": "system"}
            for model in sorted(service._known_models)
        ],
    }


def _health(service: Service) -> dict[str, Any]:
    return {"status": "ok", "profile": service.config.profile.name}


def _openapi(service: Service) -> dict[str, Any]:
    from mockserver import openapi

    return openapi.bundled()


_GET_ENDPOINTS: Mapping[str, Callable[[Service], dict[str, Any]]] = {
    "/v1/models": _models,
    "/models": _models,
    "/health": _health,
    "/openapi.json": _openapi,
}
