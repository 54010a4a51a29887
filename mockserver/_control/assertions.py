"""Assertions on what a client sent, for tests (registered for pytest's assert rewriting)."""

from __future__ import annotations

import email.utils
import itertools
from collections.abc import Mapping, Sequence

from mockserver._control.journal import Entry

# Scheduling noise tolerated when checking that a client waited long enough.
_SLACK = 0.005
# How much longer than asked a retry may come: the SDKs wait exactly what was asked, and
# their own backoff (0.375 s or more for the first retry) does not fit under this bound.
OVERSHOOT = 0.25


def asked_wait(headers: Mapping[str, str], at: float) -> float:
    """Seconds an answer with these (lower-case) headers asked the client to wait before
    retrying, read the way the openai SDK reads them: ``retry-after-ms`` (milliseconds),
    then ``retry-after`` as seconds, then as an HTTP date (counted from `at`, a Unix
    time: the moment the answer came); 0 when none is there or none is readable.

    The SDKs honour an asked wait of at most 60 s; beyond that they use their own backoff."""
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


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a client should retry an answer, as the openai SDKs decide: an
    ``x-should-retry`` header (``true``/``false``) wins, else 408, 409, 429 and 5xx retry."""
    hint = headers.get("x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    return status in (408, 409, 429) or status >= 500


def assert_retried(requests: Sequence[Entry], times: int, *, overshoot: float = OVERSHOOT) -> None:
    """The client sent one request and then retried it exactly `times` times, counting
    ``x-stainless-retry-count`` up from 0 (or not sending it at all), and waited before
    each retry what the previous answer asked (`asked_wait`): at least that, and, when
    an answer asked for a wait (up to 60 s, what the SDKs honour), at most `overshoot`
    seconds (0.25 by default) longer. A client that ignores the asked wait and uses its
    own, longer backoff fails; an answer that asked nothing leaves the wait to the client."""
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
        if 0 < asked <= 60:
            assert waited <= asked + overshoot, (
                f"request #{after.seq} came {waited:.3f}s after #{before.seq}, whose "
                f"{before.status} answer asked for {asked:.3f}s: more than {overshoot}s "
                "longer than asked (a backoff of its own instead of the asked wait?)"
            )


def assert_all_valid(requests: Sequence[Entry]) -> None:
    """Every request was valid against the request schema; else each violation is listed."""
    broken = [e for e in requests if not e.valid]
    if broken:
        # Raised, not asserted: pytest's rewriting would append the repr of every entry.
        lines = [
            f"  request #{e.seq} {e.method} {e.path}: {v}" for e in broken for v in e.violations
        ]
        raise AssertionError(
            f"the client sent {len(broken)} request(s) that break the request schema:\n"
            + "\n".join(lines)
        )
