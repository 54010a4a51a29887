"""Counters behind ``GET /metrics``: requests, latency, tokens, streams in flight, journal size.

The hot path only bumps plain integers under one lock (well under a microsecond); the
Prometheus text is built by prometheus_client at scrape time from a custom collector, so
serving a request never touches the client library and importing the mock stays cheap.

With several worker processes each worker writes a snapshot of its counters every
`SNAPSHOT_SECONDS` into a folder the server owns; a scrape, whichever worker answers it,
adds the other workers' latest snapshots to its own live figures.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Latency histogram bounds in seconds (time to decide the answer, scripted waits included)."""
SNAPSHOT_SECONDS = 0.5
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Label values are drawn from fixed sets, so no request can grow the series without bound.
_PATHS = frozenset(
    {
        "/v1/chat/completions",
        "/chat/completions",
        "/v1/models",
        "/health",
        "/openapi.json",
        "/metrics",
    }
)
_ANSWERERS = frozenset(
    {"generator", "stub", "fault", "cassette", "error", "admin", "health", "models", "openapi"}
)
_FIRST_WORD = re.compile(r"[a-z]+")


def path_label(path: str) -> str:
    path = path.rstrip("/") or "/"
    if path in _PATHS:
        return path
    if path.startswith("/v1/models/"):
        return "/v1/models/{id}"
    if path.startswith("/__mock"):
        return "/__mock"
    return "other"


def answerer_label(answered_by: str) -> str:
    """``stub:weather`` and ``stub #2 (...)`` are both ``stub``; see the journal's names."""
    found = _FIRST_WORD.match(answered_by)
    kind = found.group() if found else ""
    return kind if kind in _ANSWERERS else "other"


@functools.lru_cache(maxsize=1024)  # the same few (path, status, answerer) over and over
def _key(path: str, status: int, answered_by: str) -> tuple[str, str, str]:
    return path_label(path), str(status), answerer_label(answered_by)


class Metrics:
    """The figures of one process; `render` adds those of sibling workers, if any."""

    def __init__(self, folder: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = {}
        self._latency: dict[str, list[float]] = {}  # path -> [count, sum, *bucket counts]
        self._tokens = {"prompt": 0, "completion": 0, "reasoning": 0}
        self._streams = 0
        self._folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            threading.Thread(target=self._publish, name="mockserver-metrics", daemon=True).start()

    # ---- the hot path ---------------------------------------------------------------------

    def request(self, path: str, status: int, answered_by: str, seconds: float) -> None:
        key = _key(path, status, answered_by)
        slot = bisect.bisect_left(BUCKETS, seconds)
        with self._lock:
            self._requests[key] = self._requests.get(key, 0) + 1
            row = self._latency.get(key[0])
            if row is None:
                row = self._latency[key[0]] = [0.0] * (2 + len(BUCKETS) + 1)
            row[0] += 1
            row[1] += seconds
            row[2 + slot] += 1

    def tokens(self, prompt: int, completion: int, reasoning: int) -> None:
        with self._lock:
            self._tokens["prompt"] += prompt
            self._tokens["completion"] += completion
            self._tokens["reasoning"] += reasoning

    def streaming(self, items: Iterable[Any]) -> Iterator[Any]:
        """`items`, counted as a stream in flight until it ends or is closed."""
        with self._lock:
            self._streams += 1
        try:
            yield from items
        finally:
            with self._lock:
                self._streams -= 1

    # ---- snapshots and exposition -----------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": [[*k, v] for k, v in self._requests.items()],
                "latency": {k: list(v) for k, v in self._latency.items()},
                "tokens": dict(self._tokens),
                "streams": self._streams,
            }

    def _publish(self) -> None:
        assert self._folder is not None
        target = self._folder / f"{os.getpid()}.json"
        scratch = target.with_suffix(".tmp")
        while True:
            time.sleep(SNAPSHOT_SECONDS)
            scratch.write_text(json.dumps(self.snapshot()))
            scratch.replace(target)

    def _siblings(self) -> list[dict[str, Any]]:
        if self._folder is None:
            return []
        found = []
        for file in self._folder.glob("*.json"):
            if file.stem == str(os.getpid()):
                continue
            try:
                found.append(json.loads(file.read_text()))
            except (OSError, ValueError):  # a worker mid-write or gone: skip it this time
                continue
        return found

    def render(self, journal: tuple[int, int]) -> bytes:
        """The Prometheus text format; `journal` is (entries, bytes) of this process."""
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        snapshots = [self.snapshot(), *self._siblings()]
        requests: dict[tuple[str, ...], float] = {}
        latency: dict[str, list[float]] = {}
        tokens = {"prompt": 0.0, "completion": 0.0, "reasoning": 0.0}
        streams = 0.0
        for snap in snapshots:
            for *key, value in snap["requests"]:
                requests[tuple(key)] = requests.get(tuple(key), 0) + value
            for path, row in snap["latency"].items():
                into = latency.setdefault(path, [0.0] * len(row))
                latency[path] = [a + b for a, b in zip(into, row, strict=True)]
            for kind, value in snap["tokens"].items():
                tokens[kind] += value
            streams += snap["streams"]

        def collect() -> Iterator[Any]:
            family = CounterMetricFamily(
                "mockserver_requests",
                "Requests answered, by path, status and what answered them",
                labels=["path", "status", "answered_by"],
            )
            for key, value in sorted(requests.items()):
                family.add_metric(list(key), value)
            yield family
            histogram = HistogramMetricFamily(
                "mockserver_request_duration_seconds",
                "Time from the request to its answer, scripted latency included",
                labels=["path"],
            )
            for path, row in sorted(latency.items()):
                cumulative, buckets = 0.0, []
                for bound, count in zip((*BUCKETS, float("inf")), row[2:], strict=True):
                    cumulative += count
                    buckets.append((_bound(bound), cumulative))
                histogram.add_metric([path], buckets, row[1])
            yield histogram
            served = CounterMetricFamily(
                "mockserver_tokens", "Tokens in the usage the mock reported", labels=["kind"]
            )
            for kind, value in tokens.items():
                served.add_metric([kind], value)
            yield served
            yield GaugeMetricFamily("mockserver_streams_in_flight", "Streams being sent", streams)
            yield GaugeMetricFamily(
                "mockserver_journal_entries", "Requests held by this worker's journal", journal[0]
            )
            yield GaugeMetricFamily(
                "mockserver_journal_bytes",
                "Approximate bytes held by this worker's journal",
                journal[1],
            )
            yield GaugeMetricFamily(
                "mockserver_workers",
                "Worker processes whose figures this scrape adds up",
                len(snapshots),
            )

        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Collector(collect))
        return bytes(generate_latest(registry))


def _bound(value: float) -> str:
    return "+Inf" if value == float("inf") else repr(value)


class _Collector:
    def __init__(self, collect: Callable[[], Iterator[Any]]) -> None:
        self.collect = collect
