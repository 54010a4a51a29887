"""Hypothesis strategies for AI/ML API's chat completions (o3-mini).

Requests a client may send, and every response variant the provider may answer with: JSON
completions, byte-exact SSE transcripts and error answers. Every drawn value is valid against
``schemas/``; the facts the schemas hold (enums, bounds, the shapes' field lists) are read
from them. ``service.stub(as_reply(value))`` serves a drawn response from the mock.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401  (imported here to name the extra when it is missing)
except ImportError:  # pragma: no cover - the test environment has it
    raise ImportError(
        "mockserver.strategies needs Hypothesis: pip install 'aimlapi-mockserver[testing]'"
    ) from None

from mockserver._strategies.completions import chat_completions
from mockserver._strategies.errors import error_responses
from mockserver._strategies.invalid_requests import invalid_chat_requests
from mockserver._strategies.requests import chat_requests
from mockserver._strategies.streams import chat_completion_streams
from mockserver._strategies.variants import ErrorVariant, StreamVariant, as_reply

__all__ = [
    "ErrorVariant",
    "StreamVariant",
    "as_reply",
    "chat_completion_streams",
    "chat_completions",
    "chat_requests",
    "error_responses",
    "invalid_chat_requests",
]

# The public names say they live here (in reprs, tracebacks and docs), as httpx does.
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
