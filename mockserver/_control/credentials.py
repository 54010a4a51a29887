"""What counts as a credential: one definition for every place that hides one (the journal,
the access log, cassettes, and what the recorder forwards upstream).

A header or query parameter is a credential when its name is one of the well-known ones
(the mock's own admin token header among them) or looks like one (``x-my-secret``,
``x-access-token``, ``session``), unless it only counts tokens (``x-ratelimit-*``).
"""

from __future__ import annotations

import functools
import re

__all__ = ["REDACTED_HEADERS", "REDACTED_QUERY", "is_credential"]

REDACTED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "cookie",
        "set-cookie",
        "x-admin-token",
        "x-auth-token",
        "x-goog-api-key",
        "anthropic-api-key",
    }
)
# Names that carry a credential by their look, whatever the vendor: x-my-secret, x-access-token.
_CREDENTIAL_NAME = re.compile(r"auth|token|secret|passw|api[-_]?key|cookie|session|credential")
_NOT_CREDENTIALS = frozenset({"idempotency-key"})
# Rate-limit headers count tokens (x-ratelimit-remaining-tokens); they hold no secret.
_NOT_CREDENTIAL_PREFIXES = ("x-ratelimit-", "ratelimit-", "anthropic-ratelimit-")
REDACTED_QUERY = frozenset(
    {"api_key", "apikey", "api-key", "key", "token", "access_token", "auth", "password", "secret"}
)


@functools.lru_cache(maxsize=1024)  # every request redacts the same few names
def is_credential(name: str) -> bool:
    """Whether a header or query parameter named `name` carries a credential."""
    name = name.lower()
    if name in _NOT_CREDENTIALS or name.startswith(_NOT_CREDENTIAL_PREFIXES):
        return False
    return name in REDACTED_HEADERS or name in REDACTED_QUERY or bool(_CREDENTIAL_NAME.search(name))
