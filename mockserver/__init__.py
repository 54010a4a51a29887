"""aimlapi-mockserver: contract tests, JSON Schemas and a realistic mock of AI/ML API's
``POST /v1/chat/completions`` for o3-mini."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
