"""Error answers: every status of the error catalogue in either profile's shape, with the
retry headers and the openai SDK exception each status raises."""

from __future__ import annotations

import email.utils
import math
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver._contract import errors, profiles, rules, validation
from mockserver._control import assertions
from mockserver._strategies.common import ALNUM, DEFAULT_ONLY, UNKNOWN_PARAMETERS, invalid
from mockserver._strategies.invalid_requests import invalid_requests
from mockserver._strategies.variants import ErrorVariant

# WIRE.md §7: the openai SDK's `_make_status_error`.
_EXCEPTIONS = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}
_STATUSES = sorted(errors.STATUS_TEXTS)
_UNRECOGNIZED = [p for p in UNKNOWN_PARAMETERS if p not in rules.REFUSED]
_request_ids = st.text("0123456789abcdef", min_size=32, max_size=32).map("req_".__add__)
_keys = st.text(ALNUM, min_size=20, max_size=48).map("sk-".__add__)
_PATH = "/v1/chat/completions"


def _exception(status: int) -> str:
    return _EXCEPTIONS.get(status) or ("InternalServerError" if status >= 500 else "APIStatusError")


@st.composite
def _api_errors(draw: DrawFn, status: int, profile: profiles.Profile) -> errors.ApiError:
    """The mock's own error for `status`: the catalogue text, or a situation it names."""
    makers: list[Callable[[], errors.ApiError]] = [lambda: errors.for_status(status)]
    if status == 400:
        rejected = [
            *sorted(DEFAULT_ONLY),
            *["max_tokens"] * (not profile.accepts_max_tokens),
            *["parallel_tool_calls"] * (not profile.accepts_parallel_tool_calls),
        ]
        makers += [
            lambda: errors.unsupported_parameter(draw(st.sampled_from(rejected))),
            lambda: errors.unrecognized_argument(draw(st.sampled_from(_UNRECOGNIZED))),
            lambda: errors.unsupported_value("tool_choice", "'tool_choice' is only allowed when 'tools' are specified."),
            lambda: errors.invalid_body(profile, validation.validate_request(draw(invalid_requests())[0])),
        ]  # fmt: skip
    elif status == 403:
        makers += [errors.logprobs_not_allowed]
    elif status == 401:
        makers += [
            lambda: errors.missing_key(profile),
            lambda: errors.wrong_key(profile, draw(_keys)),
        ]
    elif status == 404:
        makers += [
            lambda: errors.unknown_model(draw(st.sampled_from(["gpt-4o", "openai/o3-mini"]))),
            lambda: errors.unknown_route(profile, "POST", "/v1/chat"),
        ]
    elif status == 500 and profile.gateway_errors != "envelope":
        # An upstream 400 as the gateway was seen to wrap it (2024).
        makers += [
            lambda: errors.wrapped(
                errors.unsupported_parameter(draw(st.sampled_from(sorted(DEFAULT_ONLY))))
            )
        ]
    # One draw whatever the status, so that examples shrink toward the first status.
    return makers[draw(st.integers(0, 3)) % len(makers)]()


_PAST = 1.75e9
"""June 2025: the HTTP dates of the "in the past" form are up to 120 s after it."""


@st.composite
def _headers(draw: DrawFn, status: int) -> tuple[dict[str, str], float | None]:
    """The retry headers the SDKs read, in every combination: ``retry-after-ms``,
    ``retry-after`` as seconds (integer or not), as an HTTP date in the past or (returned
    apart, as seconds from sending) in the future, and ``x-should-retry`` true or false."""
    headers: dict[str, str] = {}
    future: float | None = None
    if (status == 429 or status >= 500) and draw(st.booleans()):
        if draw(st.booleans()):
            headers["retry-after-ms"] = str(draw(st.integers(1, 60_000)))
        seconds = draw(st.integers(1, 120) | st.floats(0.1, 60).map(lambda s: round(s, 3)))
        form = draw(st.integers(0, 3))  # none, seconds, a date in the past, in the future
        if form == 1:
            headers["retry-after"] = str(seconds)
        elif form == 2:
            headers["retry-after"] = email.utils.formatdate(_PAST + seconds, usegmt=True)
        elif form == 3:
            future = float(math.ceil(seconds))
        hint = draw(st.sampled_from([None, "true", "false"]))
        if hint is not None:
            headers["x-should-retry"] = hint
    if draw(st.booleans()):
        headers["x-request-id"] = draw(_request_ids)
    return headers, future


@st.composite
def _errors(draw: DrawFn, profile: str | None, status: int | None = None) -> ErrorVariant:
    name = profile if profile is not None else draw(st.sampled_from(sorted(profiles.PROFILES)))
    # Every dated wire of the profile: a client must survive the gateway's shapes old and new.
    chosen = profiles.get(name, draw(st.sampled_from(profiles.WIRES)))
    if status is None:
        status = draw(st.sampled_from(_STATUSES))
    error = draw(_api_errors(status, chosen))
    request_id = draw(_request_ids)
    shape = replace(chosen, status_code_as_string=draw(st.booleans()))
    body = error.body(shape, _PATH, request_id)
    at = draw(st.datetimes(datetime(2024, 1, 1), datetime(2027, 1, 1))).replace(tzinfo=UTC)
    if "timestamp" in body:  # drawn, so that examples replay exactly
        body["timestamp"] = errors.timestamp(at.timestamp())
    if "requestId" in body and draw(st.booleans()):  # the 2024 form: a UUID
        body["requestId"] = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4))
    headers, future = draw(_headers(status))
    variant = ErrorVariant(status, headers, body, name, _exception(status), retry_after_date=future)
    # A future date asks for `future` seconds (to the second), unless retry-after-ms wins;
    # a past date asks for no wait, read at any time after it.
    asked = {**headers, "retry-after": str(future)} if future is not None else headers
    return replace(
        variant,
        retryable=assertions.should_retry(status, headers),
        wait=assertions.asked_wait(asked, _PAST + 86_400),
    )


def error_responses(*, profile: str | None = None) -> SearchStrategy[ErrorVariant]:
    """Error answers in the shape of `profile` (``"aimlapi"`` or ``"openai"``; None: either).

    Every status the provider's error catalogue has a text for (400, 401, 403, 404, 408,
    409, 422, 429, 500, 502, 503, 504), with the mock's own texts: ``openai`` answers in
    the OpenAI envelope, ``aimlapi`` in either of its gateway's dated shapes (the
    problem-style body of 2026, or the flat body of 2024-2025 with ``statusCode`` as integer
    or string and ``requestId`` a nanoid or a UUID) except for upstream model errors
    ("Unsupported parameter ...", "Unrecognized request argument ..."), which keep the
    envelope, or come wrapped as the gateway's 500 with the message ``"400 <upstream
    text>"`` (seen in 2024). Any answer may carry the retry headers the SDKs read, in every
    combination:
    ``retry-after-ms``, ``retry-after`` in seconds or as an HTTP date (past, or in the
    future: see `ErrorVariant.retry_after_date`), and ``x-should-retry: true|false``.
    ``exception`` names the openai SDK class the status raises; ``retryable`` and ``wait``
    say what any client must do (retry or not, after how long).

    Examples shrink toward a bare 400 of the aimlapi profile.
    """
    if profile is not None and profile not in profiles.PROFILES:
        known = ", ".join(sorted(profiles.PROFILES))
        return invalid(f"profile must be None or one of {known}; got {profile!r}")
    return _errors(profile)
