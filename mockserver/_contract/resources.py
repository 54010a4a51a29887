"""Locate the data files shipped with the package (schemas/, fixtures/)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # mockserver/


@cache
def data_dir(name: str) -> Path:
    """Return the folder `name` (``schemas`` or ``fixtures``).

    In a wheel the folders live under ``mockserver/_data/``; in a checkout (or an
    editable install) they are the top-level folders of the repository.
    """
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} not found next to {_PACKAGE}")
