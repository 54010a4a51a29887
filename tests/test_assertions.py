"""The journal assertions say exactly what went wrong with a client's retries."""

from __future__ import annotations

import email.utils
from typing import Any

import pytest

from mockserver._contract.violations import Violation
from mockserver._control.assertions import asked_wait, assert_all_valid, assert_retried
from mockserver._control.journal import Entry


def entry(
    seq: int, started: float, retry_count: str | None, status: int = 429, **asked: str
) -> Entry:
    headers = {} if retry_count is None else {"x-stainless-retry-count": retry_count}
    return Entry(
        seq,
        "POST",
        "/v1/chat/completions",
        headers,
        {},
        (),
        status,
        "fault:status=429",
        started,
        1.0,
        f"req_{seq}",
        response_headers=dict(asked),
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "1.5", "retry-after-ms": "10"}, 0.01),
        ({"retry-after": email.utils.formatdate(1000.0 + 3, usegmt=True)}, 3.0),
        ({"retry-after": "soon"}, 0.0),
        ({}, 0.0),
    ],
    ids=["ms", "seconds", "ms-wins", "http-date", "unreadable", "none"],
)
def test_asked_wait_reads_headers_as_the_sdk_does(headers: dict[str, str], expected: float) -> None:
    assert asked_wait(headers, at=1000.0) == pytest.approx(expected)


def test_a_proper_retry_passes() -> None:
    assert_retried(
        [entry(1, 100.0, "0", **{"retry-after-ms": "20"}), entry(2, 100.03, "1", status=201)], 1
    )


@pytest.mark.parametrize(
    ("requests", "times", "message"),
    [
        ([entry(1, 0.0, "0")], 1, "expected 1 request and 1 retry, got 1 request(s)"),
        ([entry(1, 0.0, "0"), entry(2, 1.0, "1"), entry(3, 2.0, "2")], 1, "got 3 request(s)"),
        (
            [entry(1, 0.0, "0"), entry(2, 1.0, "0")],
            1,
            "x-stainless-retry-count should rise 0..1; got ['0', '0']",
        ),
        (
            [entry(1, 0.0, "0", **{"retry-after": "2"}), entry(2, 0.5, "1")],
            1,
            "request #2 came 0.500s after #1, whose 429 answer asked for 2.000s",
        ),
        (
            [entry(1, 0.0, "0", **{"retry-after-ms": "20"}), entry(2, 0.4, "1")],
            1,
            "whose 429 answer asked for 0.020s: more than 0.25s longer than asked",
        ),
    ],
    ids=["too-few", "too-many", "count-not-rising", "too-soon", "own-longer-backoff"],
)
def test_a_wrong_retry_says_what_went_wrong(
    requests: list[Entry], times: int, message: str
) -> None:
    with pytest.raises(AssertionError) as raised:
        assert_retried(requests, times)
    assert message in str(raised.value)


def test_invalid_requests_are_listed_with_their_paths() -> None:
    broken: Any = entry(4, 0.0, None)
    broken.violations = (Violation("messages[0].role", "enum", "must be one of ..."),)
    with pytest.raises(
        AssertionError,
        match=r"request #4 POST /v1/chat/completions: messages\[0\].role: must be one of",
    ):
        assert_all_valid([entry(3, 0.0, None), broken])
