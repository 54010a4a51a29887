"""Where the provider answers: its base URL and the paths of the chat endpoint (the seed
page serves both). Nothing else is imported here: the pytest plugin reads it at start-up."""

from __future__ import annotations

BASE_URL = "https://api.aimlapi.com/v1"
"""The provider's base URL, as OpenAI-style clients take it."""
CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
