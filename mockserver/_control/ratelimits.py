"""The ``x-ratelimit-*`` headers OpenAI sends (WIRE.md §6), counting down per minute."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass


def duration(seconds: float) -> str:
    """OpenAI's duration format: ``12ms``, ``1s``, ``6m0s``."""
    if seconds < 1:
        return f"{max(int(seconds * 1000), 1)}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{int(rest)}s"


@dataclass
class RateLimits:
    """A fixed one-minute window of requests and tokens. It only reports: the mock never
    answers 429 on its own (script a fault for that)."""

    requests_per_minute: int = 5000
    tokens_per_minute: int = 4_000_000

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._window = 0.0
        self._requests = 0
        self._tokens = 0

    def reset(self) -> None:
        with self._lock:
            self._window, self._requests, self._tokens = 0.0, 0, 0

    def take(self, now: float, tokens: int) -> dict[str, str]:
        with self._lock:
            if now - self._window >= 60:
                self._window, self._requests, self._tokens = now, 0, 0
            self._requests += 1
            self._tokens += tokens
            left = 60 - (now - self._window)
            used_requests, used_tokens = self._requests, self._tokens
        requests, tokens_ = self.requests_per_minute, self.tokens_per_minute
        # Time until the budget is whole again, as if it refilled steadily.
        reset_requests = min(left, used_requests * 60 / requests)
        reset_tokens = min(left, used_tokens * 60 / tokens_)
        return {
            "x-ratelimit-limit-requests": str(requests),
            "x-ratelimit-limit-tokens": str(tokens_),
            "x-ratelimit-remaining-requests": str(max(requests - used_requests, 0)),
            "x-ratelimit-remaining-tokens": str(max(tokens_ - used_tokens, 0)),
            "x-ratelimit-reset-requests": _in_ms(int(reset_requests * 1000)),
            "x-ratelimit-reset-tokens": _in_ms(int(reset_tokens * 1000)),
        }


@functools.lru_cache(maxsize=4096)  # the resets of a load test repeat, millisecond by millisecond
def _in_ms(milliseconds: int) -> str:
    """`duration` of a whole number of milliseconds (the headers' resolution)."""
    return duration(milliseconds / 1000) if milliseconds >= 1000 else f"{milliseconds or 1}ms"
