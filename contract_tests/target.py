"""A server the provider contract is checked against."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import settings

from mockserver import Profile


@dataclass(frozen=True)
class Target:
    base_url: str
    api_key: str
    profile: Profile
    is_mock: bool
    examples: int | None
    """Hypothesis examples per property for a real target (None: the active profile's)."""
    client: httpx.Client

    def post(self, body: Any) -> httpx.Response:
        """POST a chat-completion body (any JSON value, or raw bytes) and read the answer."""
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.client.post(
            self.base_url + "/chat/completions",
            content=content,
            headers={"authorization": f"Bearer {self.api_key}", "content-type": "application/json"},
        )

    def settings(self) -> settings:
        """Hypothesis settings for a property against this target: fewer examples for a
        real (billed, slow) provider."""
        if self.examples is None:
            return settings()
        return settings(max_examples=self.examples, deadline=None)
