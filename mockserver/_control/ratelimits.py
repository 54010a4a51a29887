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
            used_requests = self._requests = self._requests + 1
            used_tokens = self._tokens = self._tokens + tokens
            left = 60 - (now - self._window)
        requests, tokens_ = self.requests_per_minute, self.tokens_per_minute
        # Time until the budget is whole again, as if it refilled steadily (in ms; plain
        # comparisons instead of min() and max(): this runs for every answer).
        reset_requests = used_requests * 60_000 // requests
        reset_tokens = used_tokens * 60_000 // tokens_
        left_ms = int(left * 1000)
        return {
            "x-ratelimit-limit-requests": _text(requests),
            "x-ratelimit-limit-tokens": _text(tokens_),
            "x-ratelimit-remaining-requests": str(requests - used_requests)
            if used_requests < requests
            else "0",
            "x-ratelimit-remaining-tokens": str(tokens_ - used_tokens)
            if used_tokens < tokens_
            else "0",
            "x-ratelimit-reset-requests": _in_ms(
                reset_requests if reset_requests < left_ms else left_ms
            ),
            "x-ratelimit-reset-tokens": _in_ms(reset_tokens if reset_tokens < left_ms else left_ms),
        }


@functools.lru_cache(maxsize=8)  # the limits of a mock (two numbers)
def _text(number: int) -> str:
    return str(number)


@functools.lru_cache(maxsize=4096)  # the resets of a load test repeat, millisecond by millisecond
def _in_ms(milliseconds: int) -> str:
    """`duration` of a whole number of milliseconds (the headers' resolution)."""
    return duration(milliseconds / 1000) if milliseconds >= 1000 else f"{milliseconds or 1}ms"
