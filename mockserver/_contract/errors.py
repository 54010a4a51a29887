"""Error bodies in the provider's shapes, with the texts WIRE.md §1 and §4 record.

`ApiError` is what the pipeline raises and renders; the constructors below name each
situation a client can cause, so that every text lives in exactly one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from mockserver._contract.profiles import ErrorShape, Profile

if TYPE_CHECKING:
    from mockserver._contract.violations import Violation

Source = Literal["gateway", "upstream"]


@dataclass(frozen=True)
class ApiError(Exception):
    """An error answer. ``source`` picks the shape: gateway errors follow the profile,
    upstream (model) errors always use the OpenAI envelope."""

    status: int
    message: str
    source: Source = "gateway"
    type: str | None = "invalid_request_error"
    param: str | None = None
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def shape(self, profile: Profile) -> ErrorShape:
        """The body shape this error takes in `profile`."""
        return "envelope" if self.source == "upstream" else profile.gateway_errors

    def body(
        self, profile: Profile, path: str, request_id: str, at: float | None = None
    ) -> dict[str, Any]:
        """The body in the profile's shape; ``at`` (Unix seconds) stamps the gateway's
        ``timestamp`` (the mock's clock; default: the time of the call)."""
        if self.shape(profile) == "envelope":
            return envelope(self.message, self.type, self.param, self.code)
        return gateway_body(profile, self.status, self.message, path, request_id, at)


def envelope(message: str, type: str | None, param: str | None, code: str | None) -> dict[str, Any]:
    """The OpenAI error envelope; all four keys are always present."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def gateway_body(
    profile: Profile,
    status: int,
    message: str,
    path: str,
    request_id: str,
    at: float | None = None,
) -> dict[str, Any]:
    """AI/ML API's flat gateway body, stamped at ``at`` (Unix seconds; default now)."""
    now = datetime.now(UTC) if at is None else datetime.fromtimestamp(at, UTC)
    return {
        "message": message,
        "path": path,
        "requestId": _as_uuid(request_id),
        "statusCode": str(status) if profile.status_code_as_string else status,
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
    }


def _as_uuid(request_id: str) -> str:
    """The gateway reports request ids as UUIDs; ours are ``req_`` + 32 hex digits."""
    try:
        return str(uuid.UUID(hex=request_id.removeprefix("req_")))
    except ValueError:
        return str(uuid.uuid4())


# ---- the catalogue ---------------------------------------------------------------------

_OPENAI_JSON_HINT = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
    "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact "
    "us through our help center at help.openai.com.)"
)


def not_json(profile: Profile, detail: str) -> ApiError:
    if profile.gateway_errors == "envelope":
        return ApiError(400, _OPENAI_JSON_HINT)
    return ApiError(400, f"Body validation error! The request body is not valid JSON: {detail}")


def not_an_object(profile: Profile, got: str) -> ApiError:
    if profile.gateway_errors == "envelope":
        return ApiError(
            400,
            f"Invalid type for 'body': expected an object, but got {got} instead.",
            code="invalid_type",
        )
    return ApiError(400, f"Body validation error! Expected object, received {got}")


def wrong_content_type(profile: Profile, got: str) -> ApiError:
    detail = f"Content-Type must be application/json; got {got or 'nothing'}"
    if profile.gateway_errors == "envelope":
        return ApiError(400, f"{_OPENAI_JSON_HINT} ({detail})")
    return ApiError(400, f"Body validation error! {detail}")


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"Request body too large: the limit is {limit} bytes.",
        code="request_too_large",
    )


_OPENAI_CODES = {
    "required": ("Missing required parameter: '{path}'.", "missing_required_parameter"),
    "type": ("Invalid type for '{path}': {message}.", "invalid_type"),
    "enum": ("Invalid value for '{path}': {message}.", "invalid_value"),
    "const": ("Invalid value for '{path}': {message}.", "invalid_value"),
    "minimum": ("Invalid '{path}': {message}.", "integer_below_min_value"),
    "maximum": ("Invalid '{path}': {message}.", "integer_above_max_value"),
    "minItems": ("Invalid '{path}': {message}.", "array_below_min_length"),
    "maxItems": ("Invalid '{path}': {message}.", "array_above_max_length"),
    "additionalProperties": ("Unrecognized request argument supplied: {path}", "unknown_parameter"),
}


def invalid_body(profile: Profile, violations: Sequence[Violation]) -> ApiError:
    """A request that breaks the request schema; the first violation sets ``param``."""
    first = violations[0]
    path = first.path or "body"
    if profile.gateway_errors == "envelope":
        template, code = _OPENAI_CODES.get(
            first.rule, ("Invalid '{path}': {message}.", "invalid_value")
        )
        message = template.format(path=path, message=first.message)
        more = len(violations) - 1
        if more:
            message += (
                f" ({more} more problem(s): " + "; ".join(str(v) for v in violations[1:4]) + ")"
            )
        return ApiError(400, message, param=path, code=code)
    detail = "; ".join(str(v) for v in violations[:5])
    return ApiError(400, f"Body validation error! {detail}", param=path, code="invalid_value")


def unsupported_parameter(name: str) -> ApiError:
    """o3-mini's answer to a parameter it does not take (WIRE.md §1), always upstream-shaped."""
    hint = " Use 'max_completion_tokens' instead." if name == "max_tokens" else ""
    return ApiError(
        400,
        f"Unsupported parameter: '{name}' is not supported with this model.{hint}",
        source="upstream",
        param=name,
        code="unsupported_parameter",
    )


def unsupported_value(param: str, detail: str) -> ApiError:
    return ApiError(
        400,
        f"Invalid value for '{param}': {detail}",
        source="upstream",
        param=param,
        code="invalid_value",
    )


def missing_key(profile: Profile) -> ApiError:
    if profile.gateway_errors == "envelope":
        return ApiError(
            401,
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as "
            "the password field (with blank username) if you're accessing the API from your "
            "browser and are prompted for a username and password. You can obtain an API key "
            "from https://platform.openai.com/account/api-keys.",
        )
    return _bad_key()


def masked_key(key: str) -> str:
    """A key as OpenAI echoes it: the first 8 and last 4 characters around one star per
    hidden character (``sk-PMafP***...***E873`` for a 51-character key; docs/WIRE.md §4).
    Shorter keys show proportionally less (at most a quarter and an eighth), and a key
    under 12 characters shows nothing, so a short key is never revealed nearly whole."""
    n = len(key)
    if n < 12:
        return "*" * n
    head, tail = min(8, n // 4), min(4, n // 8)
    return key[:head] + "*" * (n - head - tail) + key[n - tail :]


def wrong_key(profile: Profile, key: str) -> ApiError:
    if profile.gateway_errors == "envelope":
        return ApiError(
            401,
            f"Incorrect API key provided: {masked_key(key)}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )
    return _bad_key()


def _bad_key() -> ApiError:
    return ApiError(
        401,
        "This request requires a valid API key. You can create a new API key on the Billing "
        "page: https://aimlapi.com/app/keys",
        code="invalid_api_key",
    )


def unknown_model(model: str) -> ApiError:
    return ApiError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def unknown_route(profile: Profile, method: str, path: str) -> ApiError:
    if profile.gateway_errors == "envelope":
        return ApiError(404, f"Invalid URL ({method} {path})")
    return ApiError(404, f"Cannot {method} {path}")


def wrong_method(profile: Profile, method: str, path: str, allowed: Sequence[str]) -> ApiError:
    text = f"Method {method} is not allowed on {path}; use {', '.join(allowed)}"
    return ApiError(405, text, headers={"allow": ", ".join(allowed)})


# Texts the provider documents per status (WIRE.md §4), for faults and scripted errors.
STATUS_TEXTS: Mapping[int, tuple[str, str | None, str | None]] = {
    400: ("Body validation error!", "invalid_request_error", None),
    401: (_bad_key().message, "invalid_request_error", "invalid_api_key"),
    403: (
        "You've run out of credits. Please top up your balance or update your payment method "
        "to continue: https://aimlapi.com/app/billing/",
        "insufficient_quota",
        "insufficient_quota",
    ),
    404: ("Not Found", "invalid_request_error", None),
    408: ("Request Timeout", "timeout", None),
    409: ("Conflict", "invalid_request_error", None),
    422: ("Unprocessable Entity", "invalid_request_error", None),
    429: ("Too Many Requests", "requests", "rate_limit_exceeded"),
    500: ("Internal server error", "server_error", None),
    502: ("Bad Gateway", "server_error", None),
    503: ("Service unavailable", "server_error", None),
    504: ("Generation timeout", "server_error", None),
}


def for_status(
    status: int, message: str | None = None, headers: Mapping[str, str] | None = None
) -> ApiError:
    """A gateway error for `status` with the provider's documented text (or `message`)."""
    text, type_, code = STATUS_TEXTS.get(
        status, ("Error", "server_error" if status >= 500 else "invalid_request_error", None)
    )
    return ApiError(status, message or text, type=type_, code=code, headers=dict(headers or {}))
