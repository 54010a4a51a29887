"""A test's cassette (``@pytest.mark.aimlapi(cassette=...)``): replayed into the test's
mock, or recorded from the upstream under ``--aimlapi-record`` (mockserver._cassettes)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from mockserver._adapters.mocking import MockAPI
from mockserver._cassettes import in_tests

__all__ = ["CassetteMissing", "NothingRecorded", "used"]

CassetteMissing = in_tests.CassetteMissing


class NothingRecorded(Exception):
    """The test recorded (``--aimlapi-record``) but sent no request: no cassette was written."""


@contextlib.contextmanager
def used(
    mock: MockAPI, path: Path, mode: str, upstream: str, *, in_process: bool
) -> Iterator[str | None]:
    """Load (and maybe record) the cassette at `path` into `mock`; yields the recording
    proxy's base URL when the test records, else None. In process, the mock's requests
    are answered by the recording (`MockAPI.answer_with`); a live server's clients are
    pointed at the proxy instead. Raises `CassetteMissing` in replay-only mode, and
    `NothingRecorded` at the end when a recording test sent no request."""
    recording = in_tests.Recording(mock.service, path, mode, upstream)  # type: ignore[arg-type]
    recording.__enter__()
    try:
        answering = mock.answer_with(recording.handle) if in_process else contextlib.nullcontext()
        with answering:
            yield recording.base_url
    finally:
        note = recording.close()
    if note is not None:
        raise NothingRecorded(note)
