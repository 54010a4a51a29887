"""What the recorder keeps of one answer while relaying it: the body, or a stream's events
with their arrival times, up to a cap.

Memory is bounded by the cap, not by what the upstream sends: past it, bytes are still
counted (and relayed by the recorder) but no longer kept, and the capture says it was cut.
A stream's events are found as the bytes arrive, scanning only what is new (an event that
never ends, 30 MB without a blank line, costs one pass over its bytes).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator

DEFAULT_LIMIT = 8 * 1024 * 1024
"""Bytes of one answer a cassette keeps by default (``--max-cassette-bytes``)."""
EVENT_COST = 32
"""What each stream event counts against the cap besides its bytes: its timing and framing
in the cassette, so that many tiny events cannot make a cassette too large to load."""
# An SSE event ends with an empty line; lines end in CRLF, LF or CR.
_EVENT_END = re.compile(rb"(?:\r\n|\r|\n)(?:\r\n|\r|\n)")
_LONGEST_END = 4


class Capture:
    """The kept bytes of one answer (`stream`: split into events as they arrive)."""

    def __init__(self, limit: int = DEFAULT_LIMIT, *, stream: bool) -> None:
        self.limit = limit
        self.stream = stream
        self.size = 0
        """Bytes the upstream sent, kept or not."""
        self.truncated = False
        """The answer was larger than the cap: only its first bytes are kept."""
        self._data = bytearray()
        self._ends = array("q")  # where each complete event ends in _data
        self._times = array("d")  # when each complete event's last bytes arrived
        self._scanned = 0
        self._last = 0.0

    @property
    def kept(self) -> int:
        """Bytes kept, the events' cost included."""
        return len(self._data) + EVENT_COST * len(self._ends)

    def add(self, piece: bytes, at: float) -> None:
        """Take `piece`, which arrived `at` seconds after the request left."""
        self.size += len(piece)
        self._last = at
        if self.truncated:
            return
        room = self.limit - self.kept
        if len(piece) > room:
            piece = piece[: max(room, 0)]
            self.truncated = True
        self._data += piece
        if self.stream:
            self._split(at)

    def _split(self, at: float) -> None:
        # A terminator not seen yet ends in the new bytes: start a terminator's length back.
        since = max(self._scanned - (_LONGEST_END - 1), self._ends[-1] if self._ends else 0)
        for match in _EVENT_END.finditer(self._data, since):
            end = match.end()
            if end == len(self._data) and self._data[end - 1] == 0x0D:
                break  # a CR last may be the first half of a CRLF still on its way
            self._ends.append(end)
            self._times.append(at)
        self._scanned = len(self._data)

    def body(self) -> bytes:
        """Everything kept, as one piece (a body, or a stream's transcript)."""
        return bytes(self._data)

    def tail(self, size: int) -> bytes:
        """The last `size` bytes kept."""
        return bytes(self._data[-size:])

    def events(self) -> Iterator[tuple[float, bytes]]:
        """Each kept event with its arrival; an unfinished last one as it stands."""
        start = 0
        for end, at in zip(self._ends, self._times, strict=True):
            yield at, bytes(self._data[start:end])
            start = end
        if start < len(self._data):
            yield self._last, bytes(self._data[start:])

    def event_count(self) -> int:
        unfinished = len(self._data) > (self._ends[-1] if self._ends else 0)
        return len(self._ends) + unfinished
