"""The record modes of ``--aimlapi-record`` (as pytest-recording and VCR name them), light
enough for the pytest plugin to read at start-up."""

from __future__ import annotations

from typing import Literal

Mode = Literal["none", "once", "new", "all"]
MODES: tuple[Mode, ...] = ("none", "once", "new", "all")
from mockserver._contract.endpoint import BASE_URL  # noqa: E402

DEFAULT_UPSTREAM = BASE_URL
