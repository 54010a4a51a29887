"""Assertions on what a client sent, for tests (registered for pytest's assert rewriting)."""

from __future__ import annotations

import email.utils
import itertools
from collections.abc import Mapping, Sequence

from mockserver._control.journal import Entry

# Scheduling noise tolerated when checking that a client waited long enough.
_SLACK = 0.005


def asked_wait(headers: Mapping[str, str], at: float) -> float:
    """Seconds a response asked the client to wait, the way the openai SDK reads it:
    ``retry-after-ms``, then ``retry-after`` in seconds, then as an HTTP date; 0 if none."""
    if "retry-after-ms" in headers:
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return 0.0
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0  # unreadable: the SDK ignores it too
    return max(parsed.timestamp() - at, 0.0)


def assert_retried(requests: Sequence[Entry], times: int) -> None:
    """The client sent one request and then retried it exactly `times` times, counting
    ``x-stainless-retry-count`` up from 0, and waited before each retry at least what the
    previous answer asked (``retry-after-ms`` / ``retry-after``)."""
    counts = [r.headers.get("x-stainless-retry-count") for r in requests]
    assert len(requests) == times + 1, (
        f"expected 1 request and {times} retr{'y' if times == 1 else 'ies'}, "
        f"got {len(requests)} request(s) (x-stainless-retry-count: {counts})"
    )
    assert counts == [str(i) for i in range(times + 1)] or all(c is None for c in counts), (
        f"x-stainless-retry-count should rise 0..{times}; got {counts}"
    )
    for before, after in itertools.pairwise(requests):
        asked = asked_wait(before.response_headers, before.started)
        waited = after.started - before.started
        assert waited + _SLACK >= asked, (
            f"request #{after.seq} came {waited:.3f}s after #{before.seq}, "
            f"whose {before.status} answer asked for {asked:.3f}s"
        )


def assert_all_valid(requests: Sequence[Entry]) -> None:
    """Every request was valid against the request schema; else each violation is listed."""
    broken = [e for e in requests if not e.valid]
    lines = [f"  request #{e.seq} {e.method} {e.path}: {v}" for e in broken for v in e.violations]
    assert not broken, (
        f"the client sent {len(broken)} request(s) that break the request schema:\n"
        + "\n".join(lines)
    )
