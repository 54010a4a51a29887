"""A test's cassette (``@pytest.mark.aimlapi(cassette=...)``): replayed into the test's
mock, or recorded from the upstream under ``--aimlapi-record`` (mockserver._cassettes)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from mockserver._adapters.mocking import MockAPI
from mockserver._adapters.transport import RECORDING
from mockserver._cassettes import in_tests

__all__ = ["CassetteMissing", "used"]

CassetteMissing = in_tests.CassetteMissing


@contextlib.contextmanager
def used(
    mock: MockAPI, path: Path, mode: str, upstream: str, *, in_process: bool
) -> Iterator[str | None]:
    """Load (and maybe record) the cassette at `path` into `mock`; yields the recording
    proxy's base URL when the test records, else None. In process, the mock's requests
    are answered by the recording (`MockAPI.answer_with`); a live server's clients are
    pointed at the proxy instead. Raises `CassetteMissing` in replay-only mode."""
    recording = in_tests.Recording(mock.service, path, mode, upstream)  # type: ignore[arg-type]
    recording.__enter__()
    reached: set[str] = set()
    if recording.base_url is not None:  # recording: proxy and upstream are reached on purpose
        reached = {recording.base_url.removesuffix("/v1") + "/", upstream.rstrip("/") + "/"}
        RECORDING.update(reached)
    try:
        answering = mock.answer_with(recording.handle) if in_process else contextlib.nullcontext()
        with answering:
            yield recording.base_url
    finally:
        RECORDING.difference_update(reached)
        recording.__exit__(None, None, None)
