"""The chat step: the one place that decides how a chat request is answered.

parse (key, content type, JSON) -> validate (schema, o3-mini's rules) -> the control plane
(the header's scenario, a queued fault, stubs) -> the engine -> render. Every adapter
reaches it through `Service.handle`, which stamps what it returns (journal, headers,
metrics). What a small body's bytes decide (its verdict and the engine's plan) and each
plain answer's rendering are remembered (`Memo`), so a load test's repeated request costs
its draws and a lookup; the memos change how fast an answer comes, never what it is
(tests/test_warm_path.py).
"""

from __future__ import annotations

import itertools
import random
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

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
from mockserver._contract.replies import Error, FromFixture, Raw, Reply
from mockserver._contract.violations import ContractViolation, Violation
from mockserver._control import faults, scenario_files
from mockserver._control.faults import Fault, FaultQueue
from mockserver._control.journal import Entry
from mockserver._control.metrics import Metrics
from mockserver._control.ratelimits import RateLimits
from mockserver._control.scenarios import Miss, Stub, Stubs
from mockserver._core.exchange import Config, Outcome, RawRequest, StreamItem
from mockserver._generation import billing, engine, fixtures, render
from mockserver._generation.budget import schema_driven
from mockserver._generation.model import Completion
from mockserver._generation.warm import WarmAnswers


class Service(Protocol):
    """What the chat step uses of its `mockserver.Service`."""

    config: Config
    models: frozenset[str]
    metrics: Metrics
    rate_limits: RateLimits

    @property
    def stubs(self) -> Stubs: ...
    @property
    def faults(self) -> FaultQueue: ...
    def authenticate(self, headers: Mapping[str, str]) -> None: ...


__all__ = ["INLINE_BYTES", "REMEMBER_BYTES", "Chat", "Memo", "SeededState", "SelfCheckFailed"]

REMEMBER_BYTES = 4096
"""Bodies up to this size have their verdict and plan remembered (a plan holds its prompt)."""
REMEMBER_BODIES = 512
INLINE_BYTES = 64 * 1024
"""Bodies above this size are answered off the event loop: parsing them takes a while."""


class SelfCheckFailed(RuntimeError):
    """The mock was about to emit something its own schemas reject: a bug in the mock."""


class SeededState:
    """The draws of one service, in the order requests make them (reset with the service):
    request ids, then per answer its completion id and its text, from streams seeded by
    ``Config.seed``, so a server started with ``--seed`` answers a sequence of requests the
    same way each time."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.lock = threading.Lock()
        self._counter = itertools.count(1)
        self.ids = random.Random(f"ids:{seed}")
        self.answers = random.Random(f"answers:{seed}")
        self.fingerprint = engine.fingerprint(random.Random(f"fp:{seed}"))

    def next_request(self) -> tuple[int, str]:
        """The next request's journal number and ``x-request-id``."""
        with self.lock:
            return next(self._counter), f"req_{self.ids.getrandbits(128):032x}"

    def latency(self, seq: int) -> random.Random:
        return random.Random(f"latency:{self.seed}:{seq}")


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a chat body's bytes alone decide."""

    violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...]
    allowed: bool
    """It breaks none of o3-mini's rules beyond the schema (`rules.check`)."""
    plan: engine.Plan | None
    """How to answer it when nothing scripted does (None: not plain, or not valid)."""
    stream: bool
    slow: bool
    """Generating its answer may take up to the schema budget (`budget.schema_driven`)."""
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
    ) -> Prepared:
        stream = body.get("stream") is True
        slow = schema_driven(body)
        violations, warnings = tolerated.split(validation.validate_request(body))
        if violations:
            return cls(tuple(violations), tuple(warnings), False, None, stream, slow, profile)
        allowed = rules.check(body, profile) is None
        plan = engine.plan(body, follow_prompt=follow_prompt) if allowed and planned else None
        return cls((), tuple(warnings), allowed, plan, stream, slow, profile)


class Memo:
    """What the chat step remembers between requests; bounded, and it only saves work."""

    def __init__(self, profile: Profile, fingerprint: str) -> None:
        self.bodies: dict[bytes, Prepared] = {}
        self.answers = WarmAnswers(profile, fingerprint)

    def known(self, raw: bytes, profile: Profile) -> Prepared | None:
        """What was prepared for these bytes, if it still holds (same profile)."""
        if len(raw) > REMEMBER_BYTES:
            return None
        found = self.bodies.get(raw)
        return found if found is not None and found.profile is profile else None

    def prepare(
        self, raw: bytes, body: dict[str, Any], profile: Profile, *, follow_prompt: bool = True
    ) -> Prepared:
        if len(raw) > REMEMBER_BYTES:  # not kept, and no plan: a plan holds its prompt
            return Prepared.of(body, profile, planned=False)
        found = self.known(raw, profile)
        if found is None:
            if len(self.bodies) >= REMEMBER_BODIES:
                self.bodies.clear()
            found = self.bodies[raw] = Prepared.of(body, profile, follow_prompt=follow_prompt)
        return found


class Chat:
    """The chat step of one `Service` (its state: config, stubs, faults, draws, memos)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.memo = Memo(service.config.profile, "")
        self.seeded = SeededState(0)

    def reset(self, seed: int) -> None:
        self.seeded = SeededState(seed)
        self.memo.answers = WarmAnswers(self.service.config.profile, self.seeded.fingerprint)

    def forget(self) -> None:
        """Drop every memo (what a cold service knows)."""
        self.memo = Memo(self.service.config.profile, self.seeded.fingerprint)

    def may_block(self, raw: RawRequest) -> bool:
        """Whether answering `raw` may keep a thread busy for a while, decided from its
        parsed body: a large body (parsing alone takes time) or schema-driven generation."""
        size = len(raw.body)
        if size > INLINE_BYTES:
            return True
        config = self.service.config
        known = self.memo.known(raw.body, config.profile)
        if known is not None:
            return known.slow
        try:
            body = strict_json.loads(raw.body)
        except strict_json.JsonProblem:
            return False
        return isinstance(body, dict) and schema_driven(body)

    def __call__(self, raw: RawRequest, entry: Entry) -> Outcome:
        service = self.service
        config = service.config
        profile = config.profile
        service.authenticate(raw.headers)
        content_type = raw.headers.get("content-type", "")
        if content_type and "json" not in content_type.lower():
            entry.body = raw.body.decode("utf-8", "replace")
            raise errors.wrong_content_type(profile, content_type)
        prepared = self.memo.known(raw.body, profile)
        if prepared is None:
            body = _parsed(raw.body, entry, profile)
            model = body.get("model")
            if isinstance(model, str) and model not in service.models:
                raise errors.unknown_model(model, profile)
            prepared = self.memo.prepare(
                raw.body, body, profile, follow_prompt=config.follow_prompt
            )
        entry.stream = prepared.stream
        entry.violations, entry.warnings = prepared.violations, prepared.warnings
        if prepared.violations:
            raise rules.first_error(profile, list(prepared.violations))
        if not prepared.allowed:
            broken = rules.check(entry.body, profile)
            assert broken is not None  # the same body breaks the same rule
            raise broken
        return self._answer(raw, entry, prepared)

    # ---- the control plane -----------------------------------------------------------------

    def _answer(self, raw: RawRequest, entry: Entry, prepared: Prepared) -> Outcome:
        """The header's scenario or the next queued fault, then stubs, then the engine. An
        error fault answers first and leaves the stubs untouched, so "429, then the stubbed
        answer" needs no bookkeeping."""
        service = self.service
        header = raw.headers.get(scenario_files.HEADER)
        try:
            fault, stub_name = scenario_files.header_fault(header) if header else (None, None)
        except scenario_files.SpecError as exc:
            raise ApiError(400, str(exc), source="upstream", code="invalid_mock_scenario") from None
        fault = fault or service.faults.take()
        if fault is not None:
            self._raise_fault(fault, entry)
        stubs = service.stubs
        if stub_name is None and not len(stubs) and not stubs.strict:
            entry.answered_by = "generator"  # nothing scripted: the common case of a load test
            return self._deliver(entry, None, fault, prepared)
        picked = self._pick(entry, stub_name)
        stub, reply = picked if picked else (None, None)
        entry.answered_by = "generator" if stub is None else stub.label()
        if stub is not None and stub.fault is not None:
            fault = fault.merged(stub.fault) if fault else stub.fault
            self._raise_fault(fault, entry)
        return self._deliver(entry, reply, fault, prepared)

    def _raise_fault(self, fault: Fault, entry: Entry) -> None:
        entry.notes["fault"] = fault.describe()
        error = fault.error(self.service.config.clock())
        if error is not None:
            entry.answered_by = f"fault:{fault.describe()}"
            raise error

    def _pick(self, entry: Entry, name: str | None) -> tuple[Stub, Reply] | None:
        stubs = self.service.stubs
        if name is not None:
            try:
                return stubs.named(name)
            except LookupError as exc:
                raise ApiError(
                    400,
                    f"{scenario_files.HEADER}: {exc}",
                    source="upstream",
                    code="invalid_mock_scenario",
                ) from None
        if not len(stubs):  # nothing scripted: the body need not even be read
            if stubs.strict:
                raise ApiError(
                    400,
                    "mock (strict): no stub matched; no stubs are registered",
                    source="upstream",
                    code="mock_no_stub_matched",
                )
            return None
        picked = stubs.pick(entry.body, explain=stubs.strict)
        if isinstance(picked, Miss):
            if stubs.strict:
                raise ApiError(
                    400, f"mock (strict): {picked}", source="upstream", code="mock_no_stub_matched"
                )
            return None
        return picked

    # ---- the answer ----------------------------------------------------------------------------

    def _deliver(
        self, entry: Entry, reply: Reply | None, fault: Fault | None, prepared: Prepared
    ) -> Outcome:
        service = self.service
        config = service.config
        profile = config.profile
        plan = prepared.plan
        if reply is not None:
            if isinstance(reply, Error):
                raise errors.for_status(reply.status, reply.message, reply.headers)
            if isinstance(reply, FromFixture):
                reply = fixtures.as_raw(reply, entry.body, profile)
            if isinstance(reply, Raw):
                return self._raw(reply, fault, entry.seq)
        body: bytes | None = None
        if plan is not None and reply is None and not prepared.stream:
            # A plain answer, rendered once per answer (`WarmAnswers`) and filled in.
            cid, created, draws = self._plain_draws(plan)
            body, usage = self.memo.answers.body(plan, draws, cid, created)
        else:
            completion = self._generate(entry.body, reply, plan)
            usage = completion.usage
        service.metrics.tokens(usage.prompt_tokens, usage.completion_tokens, usage.reasoning_tokens)
        headers = service.rate_limits.take(config.clock(), usage.total_tokens)
        billing.add_headers(headers, profile, entry.request_id, usage, stream=prepared.stream)
        if body is None:
            if prepared.stream:
                with_usage = profile.stream_usage(entry.body)
                events: Iterator[bytes] = itertools.chain(
                    render.encoded_chunks(completion, profile, include_usage=with_usage),
                    (sse.DONE_EVENT,),
                )
                if config.self_check:
                    events = _checked_events(events)
                return self._stream(profile.success_status, headers, events, fault, entry.seq)
            body = jsonio.dumps(render.completion_body(completion, profile))
        if config.self_check:  # what is sent, whichever way it was rendered
            self_check("completion", strict_json.loads(body))
        headers["content-type"] = "application/json"
        delay = 0.0 if fault is None else self._ttft(fault, entry.seq)
        return Outcome(profile.success_status, headers, body, delay=delay)

    def _plain_draws(self, plan: engine.Plan) -> tuple[str, int, engine.Draws]:
        """A plain answer's id, time and draws, in `engine.generate`'s order, from the
        server's streams in turn (the lock): whether it is then rendered from a template
        or streamed, a seeded server answers a sequence of requests the same way."""
        created = int(self.service.config.clock())
        seeded = self.seeded
        with seeded.lock:
            cid = engine.completion_id(seeded.ids)
            return cid, created, engine.draw(plan, plan.rng(seeded.answers))

    def _generate(
        self, request: dict[str, Any], reply: Reply | None, plan: engine.Plan | None
    ) -> Completion:
        # The lock makes unseeded requests draw from the server's one stream in turn, so a
        # server started with --seed answers the same sequence of requests the same way.
        # Schema-driven generation may take up to its time budget: it draws a child stream
        # under the lock and runs outside it, so other requests are never held up.
        scripted = reply if isinstance(reply, engine.Scripted) else None
        seeded = self.seeded
        if plan is not None and scripted is None:  # the plain case: draws and lookups
            cid, created, draws = self._plain_draws(plan)
            return engine.built(
                plan, draws, id=cid, created=created, system_fingerprint=seeded.fingerprint
            )
        with seeded.lock:
            rng = engine.rng_for(request, fallback=seeded.answers)
            cid = engine.completion_id(seeded.ids)
            slow = scripted is None and schema_driven(request)
            if slow and rng is seeded.answers:
                rng = random.Random(seeded.answers.getrandbits(64))
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
                created=int(self.service.config.clock()),
                system_fingerprint=self.seeded.fingerprint,
                reply=reply,
                follow_prompt=self.service.config.follow_prompt,
            )
        except engine.SchemaRefused as exc:
            raise input_errors.invalid_schema(str(exc), exc.param, exc.kind) from None

    def _raw(self, raw: Raw, fault: Fault | None, seq: int) -> Outcome:
        status = raw.status or self.service.config.profile.success_status
        if raw.timed is not None:  # a cassette: its own headers, pacing and cut
            items: list[StreamItem] = list(raw.timed) + ([(0.0, None)] if raw.dropped else [])
            headers = {"content-type": "text/event-stream; charset=utf-8", **raw.headers}
            return Outcome(status, headers, stream=iter(items))
        if raw.text is not None:
            return Outcome(status, {"content-type": "text/plain", **raw.headers}, raw.text)
        if raw.events is not None:
            headers = {"content-type": "text/event-stream; charset=utf-8", **raw.headers}
            outcome = self._stream(status, headers, split_events(raw.events), fault, seq)
            if raw.split is not None and outcome.stream is not None:
                outcome.stream = raw.split.pieces(outcome.stream)
            return outcome
        headers = {"content-type": "application/json", **raw.headers}
        return Outcome(status, headers, jsonio.dumps(raw.body), delay=self._ttft(fault, seq))

    def _stream(
        self,
        status: int,
        headers: dict[str, str],
        events: Iterator[bytes],
        fault: Fault | None,
        seq: int,
    ) -> Outcome:
        metrics = self.service.metrics
        headers.setdefault("content-type", "text/event-stream; charset=utf-8")
        headers["cache-control"] = "no-cache"
        if fault is None or (fault.stream is None and fault.latency is None):
            return Outcome(status, headers, stream=metrics.streaming((0.0, e) for e in events))
        items = faults.stream_items(events, fault.stream, fault.latency, self.seeded.latency(seq))
        return Outcome(status, headers, stream=metrics.streaming(items))

    def _ttft(self, fault: Fault | None, seq: int) -> float:
        """The wait before a non-stream answer: the latency's first delay, jitter included."""
        if fault is None or fault.latency is None:
            return 0.0
        return next(fault.latency.delays(self.seeded.latency(seq)))


def _parsed(raw: bytes, entry: Entry, profile: Profile) -> dict[str, Any]:
    """The body as JSON (the journal keeps it), or the error a client gets for it."""
    try:
        body = strict_json.loads(raw)
    except strict_json.JsonProblem as exc:
        entry.body = raw.decode("utf-8", "replace")
        raise errors.not_json(profile, str(exc)) from None
    entry.body = body
    if not isinstance(body, dict):
        raise errors.not_an_object(profile, validation.json_type(body))
    entry.stream = body.get("stream") is True
    return body


def split_events(data: bytes) -> Iterator[bytes]:
    """Cut a transcript into its events (each with its blank line), keeping every byte."""
    start = 0
    for end in (m.end() for m in _EVENT_END.finditer(data)):
        yield data[start:end]
        start = end
    if start < len(data):
        yield data[start:]


_EVENT_END = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


def _checked_events(events: Iterable[bytes]) -> Iterator[bytes]:
    """`events` as they are sent, each chunk checked against the schema on its way out."""
    for event in events:
        if event != sse.DONE_EVENT:
            for decoded in sse.decode(event):
                self_check("chunk", strict_json.loads(decoded.data))
        yield event


def self_check(kind: validation.Kind, value: object) -> None:
    found = validation.validate(kind, value)
    if found:
        raise SelfCheckFailed(str(ContractViolation(kind, found)))
