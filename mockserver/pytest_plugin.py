"""pytest plugin: the ``aimlapi_mock`` and ``aimlapi_server`` fixtures (being built)."""

from __future__ import annotations
