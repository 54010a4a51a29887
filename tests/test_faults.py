"""Faults: queued, attached to stubs, at a chaos rate, or asked for by a request header."""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import pytest
from helpers import AUTH, HELLO, chunks, error_of, folded, post, transcript

from mockserver import (
    AIMLAPI,
    OPENAI,
    Config,
    Fault,
    Latency,
    Outcome,
    Profile,
    Service,
    StreamFault,
    schemas,
)
from mockserver._contract import sse
from mockserver._control.faults import SERVER_ERROR_EVENT
from mockserver._control.scenario_files import HEADER, Scenario

STREAM = {**HELLO, "stream": True}


def items(outcome: Outcome) -> list[tuple[float, bytes | None]]:
    assert outcome.stream is not None
    return list(outcome.stream)


@pytest.fixture
def service() -> Service:
    return Service(Config(seed=3))


# ---- queued faults ------------------------------------------------------------------------


def test_a_fault_answers_the_next_n_requests_then_normal_answers_resume(
    service: Service,
) -> None:
    service.fault(status=503, times=2)
    assert [post(service).status for _ in range(4)] == [503, 503, 201, 201]


def test_queued_faults_apply_in_order(service: Service) -> None:
    service.fault(status=429)
    service.fault(Fault(status=500))
    assert [post(service).status for _ in range(3)] == [429, 500, 201]


def test_times_must_be_positive(service: Service) -> None:
    with pytest.raises(ValueError, match="times must be >= 1"):
        service.fault(status=429, times=0)


# ---- retry headers ------------------------------------------------------------------------


def test_retry_after_in_seconds(service: Service) -> None:
    service.fault(status=429, retry_after=2)
    assert post(service).headers["retry-after"] == "2"


def test_retry_after_as_an_http_date() -> None:
    service = Service(Config(clock=lambda: 1_700_000_000.0))
    service.fault(status=429, retry_after=30, retry_after_date=True)
    value = post(service).headers["retry-after"]
    assert value.endswith("GMT")
    assert email.utils.parsedate_to_datetime(value).timestamp() == 1_700_000_030


def test_retry_after_ms(service: Service) -> None:
    service.fault(status=429, retry_after_ms=20)
    service.fault(status=429, retry_after_ms=12.5)
    assert post(service).headers["retry-after-ms"] == "20"
    assert post(service).headers["retry-after-ms"] == "12.5"


@pytest.mark.parametrize(("should", "header"), [(True, "true"), (False, "false")])
def test_x_should_retry(service: Service, should: bool, header: str) -> None:
    service.fault(status=500, should_retry=should)
    outcome = post(service)
    assert outcome.status == 500 and outcome.headers["x-should-retry"] == header


def test_no_retry_headers_unless_asked(service: Service) -> None:
    service.fault(status=429)
    headers = post(service).headers
    assert not {"retry-after", "retry-after-ms", "x-should-retry"} & set(headers)


# ---- bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=lambda p: p.name)
def test_fault_bodies_follow_the_profile(profile: Profile, status: int) -> None:
    service = Service(Config(profile=profile))
    service.fault(status=status)
    outcome = post(service)
    body = error_of(outcome)
    assert outcome.status == status
    assert outcome.headers["content-type"] == "application/json"
    if profile is AIMLAPI:
        assert body["status"] == status and body["instance"] == "/v1/chat/completions?"
    else:
        assert set(body["error"]) == {"message", "type", "param", "code"}


def test_a_fault_message_replaces_the_documented_text(service: Service) -> None:
    service.fault(status=429)
    service.fault(status=429, message="Free-tier limit: slow down")
    assert error_of(post(service))["message"] == "Too Many Requests"
    assert error_of(post(service))["message"] == "Free-tier limit: slow down"


# ---- latency ------------------------------------------------------------------------------


def test_ttft_delays_a_non_stream_answer(service: Service) -> None:
    service.fault(latency=Latency(ttft=0.25))
    outcome = post(service)
    assert outcome.status == 201 and outcome.delay == 0.25
    assert int(outcome.headers["openai-processing-ms"]) >= 250
    assert post(service).delay == 0


def test_stream_delays_are_ttft_then_between(service: Service) -> None:
    service.fault(latency=Latency(ttft=0.3, between=0.01))
    delays = [d for d, _ in items(post(service, STREAM))]
    assert delays[0] == 0.3 and set(delays[1:]) == {0.01}


def delays_with_jitter(seed: int) -> list[float]:
    service = Service(Config(seed=seed))
    service.fault(latency=Latency(ttft=0.01, between=0.005, jitter=0.02))
    return [d for d, _ in items(post(service, STREAM))]


def test_jitter_is_seeded_and_never_negative() -> None:
    first, again, other = delays_with_jitter(1), delays_with_jitter(1), delays_with_jitter(2)
    assert first == again and first != other
    assert min(first) == 0.0  # jitter larger than the delay clamps at zero
    assert all(d >= 0 for d in first + other)
    assert len(set(first)) > 2


# ---- stream faults ------------------------------------------------------------------------


def test_cut_after_ends_the_body_cleanly_without_done(service: Service) -> None:
    service.fault(stream=StreamFault(cut_after=2))
    got = items(post(service, STREAM))
    assert len(got) == 2 and all(data is not None for _, data in got)
    assert b"[DONE]" not in transcript_of(got)
    assert len(chunks(transcript_of(got))) == 2


def transcript_of(got: list[tuple[float, bytes | None]]) -> bytes:
    return b"".join(data or b"" for _, data in got)


def test_drop_after_ends_with_a_dropped_connection(service: Service) -> None:
    service.fault(stream=StreamFault(drop_after=1))
    got = items(post(service, STREAM))
    assert [data is None for _, data in got] == [False, True]


def test_malformed_at_sends_an_event_that_is_not_json(service: Service) -> None:
    service.fault(stream=StreamFault(malformed_at=1))
    events = sse.decode(transcript(post(service, STREAM)))
    json.loads(events[0].data)
    with pytest.raises(json.JSONDecodeError):
        json.loads(events[1].data)
    assert events[-1].data == sse.DONE


def test_error_after_sends_the_wire_error_event_then_done(service: Service) -> None:
    service.fault(stream=StreamFault(error_after=2))
    outcome = post(service, STREAM)
    assert outcome.status == 201
    data = transcript(outcome)
    assert schemas.validate_transcript(data) == []
    events = sse.decode(data)
    assert [e.data for e in events[-2:]] == [sse.dumps(SERVER_ERROR_EVENT), sse.DONE]
    assert len(events) == 4


def test_a_stream_fault_beyond_the_end_still_happens_before_done(service: Service) -> None:
    service.fault(stream=StreamFault(error_after=1000))
    service.fault(stream=StreamFault(cut_after=1000))
    errored = sse.decode(transcript(post(service, STREAM)))
    assert json.loads(errored[-2].data) == SERVER_ERROR_EVENT
    assert b"[DONE]" not in transcript(post(service, STREAM))


def test_keep_alive_comments_precede_events_and_are_ignored_by_parsers(
    service: Service,
) -> None:
    plain = transcript(post(Service(Config(seed=3)), STREAM))
    service.fault(stream=StreamFault(keep_alive=True), latency=Latency(ttft=0.2, between=0.01))
    got = items(post(service, STREAM))
    data = transcript_of(got)
    assert data.count(b": keep-alive\n\n") == plain.count(b"\n\n")
    assert schemas.validate_transcript(data) == []
    assert folded(data) == folded(plain)
    # A comment does not add its own wait: the first event still comes after ttft.
    assert [d for d, _ in got[:2]] == [0.0, 0.2]


def test_crlf_framing_still_parses() -> None:
    # One fixed clock for both: `created` must not cross a second between the two answers.
    plain = transcript(post(Service(Config(seed=3, clock=lambda: 1_764_000_000.0)), STREAM))
    service = Service(Config(seed=3, clock=lambda: 1_764_000_000.0))
    service.fault(stream=StreamFault(crlf=True))
    data = transcript(post(service, STREAM))
    assert b"\r\n\r\n" in data and b"\n\n" not in data.replace(b"\r\n", b"")
    assert data.replace(b"\r\n", b"\n") == plain
    assert schemas.validate_transcript(data) == []
    assert [e.data for e in sse.decode(data)] == [e.data for e in sse.decode(plain)]


# ---- chaos --------------------------------------------------------------------------------


def chaos_statuses(seed: int, rate: float = 0.3) -> list[int]:
    service = Service(Config(seed=1))
    service.chaos(rate, Fault(status=500), Fault(status=429), seed=seed)
    return [post(service).status for _ in range(200)]


def test_chaos_is_deterministic_and_near_its_rate() -> None:
    first = chaos_statuses(seed=11)
    assert first == chaos_statuses(seed=11)
    assert first != chaos_statuses(seed=12)
    failed = [s for s in first if s != 201]
    assert 40 <= len(failed) <= 80  # 30% of 200, give or take
    assert set(failed) == {429, 500}


def test_chaos_from_the_start_up_scenario_replays_after_reset() -> None:
    baseline = Scenario(stubs=[], faults=[], chaos=(0.5, (Fault(status=500),), 4))
    service = Service(Config(seed=1), scenario=baseline)
    first = [post(service).status for _ in range(20)]
    service.reset()
    assert [post(service).status for _ in range(20)] == first
    assert set(first) == {201, 500}


def test_chaos_rate_is_checked(service: Service) -> None:
    with pytest.raises(ValueError, match=r"within \[0, 1\]"):
        service.chaos(1.5, Fault(status=500))
    with pytest.raises(ValueError, match="at least one fault"):
        service.chaos(0.5)


def test_queued_faults_come_before_chaos(service: Service) -> None:
    service.chaos(1.0, Fault(status=502))
    service.fault(status=429)
    assert [post(service).status for _ in range(2)] == [429, 502]


# ---- faults attached to stubs ----------------------------------------------------------


def test_a_fault_attached_to_a_stub_applies_to_its_answers(service: Service) -> None:
    service.stub("broken", last_user="break", fault=Fault(stream=StreamFault(cut_after=1)))
    service.stub("limited", last_user="limit", fault=Fault(status=429, retry_after=1))
    cut = items(post(service, {**STREAM, "messages": [{"role": "user", "content": "break"}]}))
    assert len(cut) == 1 and b"[DONE]" not in transcript_of(cut)
    limited = post(service, {**HELLO, "messages": [{"role": "user", "content": "limit"}]})
    assert limited.status == 429 and limited.headers["retry-after"] == "1"
    assert post(service).status == 201


def test_a_queued_fault_and_a_stub_fault_combine(service: Service) -> None:
    service.stub("slow and limited", fault=Fault(status=429, retry_after_ms=20))
    service.fault(latency=Latency(ttft=0.1))
    outcome = post(service)
    assert outcome.status == 429 and outcome.headers["retry-after-ms"] == "20"


def test_a_status_fault_leaves_the_stub_sequence_for_the_retry(service: Service) -> None:
    service.stub("first", "second")
    service.fault(status=429)
    assert post(service).status == 429
    assert json.loads(post(service).body)["choices"][0]["message"]["content"] == "first"


# ---- the x-mock-scenario header -----------------------------------------------------------


def scenario(service: Service, value: str, body: dict[str, Any] = HELLO) -> Outcome:
    return post(service, body, {**AUTH, HEADER: value})


def test_header_status_and_message_and_retry_hints(service: Service) -> None:
    outcome = scenario(
        service, "status=429, message=Too fast, retry-after=3, retry-after-ms=20, should-retry"
    )
    assert outcome.status == 429
    assert error_of(outcome)["message"] == "Too fast"
    assert outcome.headers["retry-after"] == "3" and outcome.headers["retry-after-ms"] == "20"
    assert outcome.headers["x-should-retry"] == "true"
    dated = scenario(service, "status=503,retry-after=5,retry-after-date=true,should-retry=false")
    assert email.utils.parsedate_to_datetime(dated.headers["retry-after"]).timestamp() > time.time()
    assert dated.headers["x-should-retry"] == "false"


def test_header_latency_keys(service: Service) -> None:
    assert scenario(service, "ttft=0.5").delay == 0.5
    delays = [d for d, _ in items(scenario(service, "ttft=0.2,between=0.01,jitter=0", STREAM))]
    assert delays[0] == 0.2 and set(delays[1:]) == {0.01}


def test_header_stream_keys(service: Service) -> None:
    cut = items(scenario(service, "cut-after=1", STREAM))
    assert len(cut) == 1
    dropped = items(scenario(service, "drop-after=0", STREAM))
    assert [data for _, data in dropped] == [None]
    malformed = sse.decode(transcript(scenario(service, "malformed-at=0", STREAM)))
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed[0].data)
    errored = transcript(scenario(service, "error-after=1", STREAM))
    assert b'"server_error"' in errored
    framed = transcript(scenario(service, "keep-alive,crlf", STREAM))
    assert framed.startswith(b": keep-alive\r\n\r\n")


def test_the_header_does_not_consume_queued_faults(service: Service) -> None:
    service.fault(status=500)
    assert scenario(service, "status=429").status == 429
    assert post(service).status == 500


def test_header_stub_picks_a_stub_by_name(service: Service) -> None:
    service.stub("general")
    service.stub("the special one", name="special", last_user="never matches")
    outcome = scenario(service, "stub=special")
    assert json.loads(outcome.body)["choices"][0]["message"]["content"] == "the special one"
    assert service.journal.last().answered_by == "stub:special"


def test_header_unknown_stub_is_400(service: Service) -> None:
    outcome = scenario(service, "stub=ghost")
    assert outcome.status == 400
    assert "'ghost'" in error_of(outcome)["error"]["message"]


def test_header_unknown_key_is_400_naming_the_known_keys(service: Service) -> None:
    outcome = scenario(service, "stauts=429")
    failure = error_of(outcome)["error"]
    assert outcome.status == 400 and failure["code"] == "invalid_mock_scenario"
    assert "'stauts'" in failure["message"]
    for key in ("status", "retry-after-ms", "cut-after", "stub"):
        assert key in failure["message"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("status=abc", "status must be int; got 'abc'"),
        ("ttft=soon", "ttft must be float; got 'soon'"),
        ("crlf=yes", "crlf must be bool; got 'yes'"),
        ("status=200", "status: must be >= 400; got 200"),
    ],
)
def test_header_bad_values_are_400(service: Service, value: str, expected: str) -> None:
    outcome = scenario(service, value)
    assert outcome.status == 400
    assert expected in error_of(outcome)["error"]["message"]


def test_header_with_an_empty_stub_name_is_400(service: Service) -> None:
    service.stub("unnamed")
    outcome = scenario(service, "stub=")
    assert outcome.status == 400
    assert "stub" in error_of(outcome)["error"]["message"]
