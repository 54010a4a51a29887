"""The Starlette app: `create_app` builds the mock server as an ASGI application."""

from __future__ import annotations

from mockserver._adapters.asgi import create_app

__all__ = ["create_app"]
