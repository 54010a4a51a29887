"""``mockserver validate``: not written yet."""

from __future__ import annotations

from collections.abc import Sequence


def run(paths: Sequence[str], kind: str | None) -> int:
    raise NotImplementedError
