"""The server under verification: POSTs chat-completion bodies within a request budget."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a connection: an unreachable target is reported quickly."""
READ_TIMEOUT = 120.0
"""Seconds to wait for an answer: a reasoning model may think for a while."""


class Unreachable(Exception):
    """Nothing can be checked: the target cannot be reached or rejects the key."""


class BudgetExhausted(Exception):
    """The request budget (``--max-requests``) is spent."""


class Frozen(Exception):
    """Only answers already received may be replayed now (shrinking has spent its share)."""


class NoAnswer(AssertionError):
    """The target broke the connection or timed out instead of answering."""


@dataclass(frozen=True)
class Exchange:
    """One request and the answer to it."""

    request: Any
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.body)

    def describe(self, limit: int = 1200) -> str:
        """The request and the response, for a failure report."""
        request = (
            self.request.decode("utf-8", "replace")
            if isinstance(self.request, bytes)
            else json.dumps(self.request, ensure_ascii=False)
        )
        text = self.body.decode("utf-8", "replace")
        if len(text) > limit:
            text = text[:limit] + f"... ({len(self.body)} bytes)"
        return f"request: {request}\nresponse: HTTP {self.status} {self.content_type}\n{text}"


@dataclass
class Target:
    """A base URL (``https://api.aimlapi.com/v1``) and a key, spending at most
    `max_requests` requests (None: no cap). Once the budget is spent, a request sent
    before gets its recorded answer again (so a failure can be replayed) and a new one
    raises `BudgetExhausted`."""

    base_url: str
    api_key: str
    max_requests: int | None = None
    transport: httpx.BaseTransport | None = None
    sent: int = 0
    last: Exchange | None = None
    frozen: bool = False
    """Send nothing new: replay recorded answers, raise `Frozen` for other requests."""
    _memo: dict[bytes, Exchange] = field(default_factory=dict)
    _client: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    @property
    def url(self) -> str:
        return self.base_url + "/chat/completions"

    def client(self) -> httpx.Client:
        if self._client is None:
            timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
            self._client = httpx.Client(timeout=timeout, transport=self.transport)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def post(self, body: Any) -> Exchange:
        """POST `body` (JSON, or raw bytes); `NoAnswer` when none comes."""
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        spent = self.max_requests is not None and self.sent >= self.max_requests
        if spent or self.frozen:
            if content in self._memo:
                self.last = self._memo[content]
                return self.last
            if self.frozen:
                raise Frozen("shrinking has spent its share of requests")
            raise BudgetExhausted(f"stopped at --max-requests {self.max_requests}")
        self.sent += 1
        try:
            response = self.client().post(
                self.url,
                content=content,
                headers={
                    "authorization": f"Bearer {self.api_key}",
                    "content-type": "application/json",
                },
            )
        except httpx.HTTPError as exc:
            self.last = Exchange(body, 0, {}, b"")
            raise NoAnswer(f"no answer: {exc!r}") from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        self.last = Exchange(body, response.status_code, headers, response.content)
        self._memo[content] = self.last
        return self.last

    def probe(self) -> None:
        """Raise `Unreachable`, with the reason, unless the target answers a chat-completion
        POST and accepts the key. Sends an empty body: keys are checked before bodies, and
        a 400 costs nothing."""
        try:
            answer = self.post({})
        except NoAnswer as exc:
            raise Unreachable(f"cannot reach {self.url} ({exc})") from None
        except BudgetExhausted as exc:
            raise Unreachable(f"nothing sent: {exc}") from None
        if answer.status in (401, 403):
            raise Unreachable(
                f"{self.url} rejected the API key (HTTP {answer.status}): {_message(answer)}; "
                "pass --api-key or set AIMLAPI_KEY"
            )
        if answer.status in (404, 405):
            raise Unreachable(
                f"{self.url} is not a chat-completions endpoint (HTTP {answer.status}); "
                "give the base URL, e.g. https://api.aimlapi.com/v1"
            )


def _message(answer: Exchange) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.body[:200].decode("utf-8", "replace")
    error = body.get("error", body) if isinstance(body, dict) else body
    return str(error.get("message") if isinstance(error, dict) else error)[:300]
