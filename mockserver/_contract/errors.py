"""Error bodies in the provider's shapes, with the texts WIRE.md §1 and §4 record.

`ApiError` is what the pipeline raises and renders; the constructors below name each
situation a client can cause, so that every text lives in exactly one place.
"""

from __future__ import annotations

import binascii
import http
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from mockserver._contract import zod
from mockserver._contract.profiles import ErrorShape, Profile
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
    kind: str | None = None
    """The gateway's ``error.data.kind`` in its problem-style body, where one is captured."""

    def shape(self, profile: Profile) -> ErrorShape:
        """The body shape this error takes in `profile`."""
        return "envelope" if self.source == "upstream" else profile.gateway_errors

    def body(
        self, profile: Profile, path: str, request_id: str, at: float | None = None
    ) -> dict[str, Any]:
        """The body in the profile's shape; ``at`` (Unix seconds) stamps the gateway's
        ``timestamp`` (the mock's clock; default: the time of the call)."""
        shape = self.shape(profile)
        if shape == "envelope":
            return envelope(self.message, self.type, self.param, self.code)
        if shape == "problem":
            return problem_body(self.status, self.message, path, at, self.kind)
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
    """AI/ML API's flat gateway body (2024-2025), in the captured key order, stamped at
    ``at`` (Unix seconds; default now)."""
    return {
        "requestId": gateway_id(request_id),
        "statusCode": str(status) if profile.status_code_as_string else status,
        "timestamp": timestamp(at),
        "path": path,
        "message": message,
    }


def problem_body(
    status: int, message: str, path: str, at: float | None = None, kind: str | None = None
) -> dict[str, Any]:
    """AI/ML API's problem-style gateway body (2026): the HTTP reason as ``title``, the
    path with its (empty) query as ``instance``, and the NestJS exception under ``error``
    (its ``data.kind`` only where one is captured; WIRE.md §4)."""
    error: dict[str, Any] = {"name": exception_name(status), "message": message}
    if kind is not None:
        error["data"] = {"kind": kind}
    return {
        "title": _reason(status),
        "status": status,
        "message": message,
        "instance": f"{path}?",
        "timestamp": timestamp(at),
        "error": error,
    }


def timestamp(at: float | None = None) -> str:
    """ISO 8601 in UTC with milliseconds, as the gateway writes it."""
    now = datetime.now(UTC) if at is None else datetime.fromtimestamp(at, UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def gateway_id(request_id: str) -> str:
    """The gateway's id of a request: a 21-character nanoid (``hRNOI9BMsuLeZ76UNdGhS``,
    2025-12), made from the mock's ``req_`` + 32 hex digits, so the same request always
    shows the same id (in the error body and the ``x-inference-id`` header)."""
    hex_digits = request_id[4:] if request_id.startswith("req_") else request_id
    try:
        raw = bytes.fromhex(hex_digits)
    except ValueError:
        raw = request_id.encode()
    # base64.urlsafe_b64encode, without its two Python calls: this runs for every answer.
    encoded = binascii.b2a_base64(raw.ljust(16, b"\0"), newline=False)
    return encoded[:21].translate(_URLSAFE).decode()


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# NestJS's built-in exception classes (@nestjs/common; 429 from @nestjs/throttler): the
# ``error.name`` of the problem-style body. Captured for 403 only; the rest is inferred.
_EXCEPTIONS: Mapping[int, str] = {
    400: "BadRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    406: "NotAcceptableException",
    408: "RequestTimeoutException",
    409: "ConflictException",
    410: "GoneException",
    412: "PreconditionFailedException",
    413: "PayloadTooLargeException",
    415: "UnsupportedMediaTypeException",
    422: "UnprocessableEntityException",
    429: "ThrottlerException",
    500: "InternalServerErrorException",
    501: "NotImplementedException",
    502: "BadGatewayException",
    503: "ServiceUnavailableException",
    504: "GatewayTimeoutException",
}


def exception_name(status: int) -> str:
    """The NestJS exception a status is thrown as (``HttpException`` when it has none)."""
    return _EXCEPTIONS.get(status, "HttpException")


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
    """A request that breaks the request schema; the first violation sets ``param``. The
    gateway words each problem as zod does (`mockserver._contract.zod`)."""
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
    detail = "; ".join(zod.describe(violations)[:5])
    return ApiError(400, f"Body validation error! {detail}", param=path, code="invalid_value")


def unrecognized_argument(name: str) -> ApiError:
    """OpenAI's answer to a top-level argument it does not know (WIRE.md §1):
    ``param`` and ``code`` null, unlike "Unsupported parameter"."""
    return ApiError(400, f"Unrecognized request argument supplied: {name}", source="upstream")


def logprobs_not_allowed() -> ApiError:
    """o-series models refuse ``logprobs`` with a 403 (WIRE.md §1)."""
    return ApiError(
        403, "You are not allowed to request logprobs from this model", source="upstream"
    )


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


def wrapped(upstream: ApiError) -> ApiError:
    """An upstream error as the gateway was seen to wrap it (2024, aimlapi/api-docs#3): a
    gateway 500 whose message is openai-node's ``"<status> <upstream text>"``."""
    return ApiError(500, f"{upstream.status} {upstream.message}", type="server_error")


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


def unknown_model(model: str, profile: Profile | None = None) -> ApiError:
    """OpenAI's 404 for a model it does not serve; in a profile whose gateway checks
    ``model`` against the models it lists, that check's 400 body validation error."""
    if profile is not None and profile.unknown_model == "invalid":
        return invalid_body(profile, [Violation("model", "enum", "", _models(), model)])
    return ApiError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


@cache
def _models() -> list[str]:
    from mockserver._contract import validation

    models: list[str] = validation.schema("request")["properties"]["model"]["enum"]
    return models


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


# The problem-style body's ``error.data.kind`` for a documented text (captured for 403).
_KINDS: Mapping[int, str] = {403: "err_insufficent_credits"}


def for_status(
    status: int, message: str | None = None, headers: Mapping[str, str] | None = None
) -> ApiError:
    """A gateway error for `status` with the provider's documented text (or `message`)."""
    text, type_, code = STATUS_TEXTS.get(
        status, ("Error", "server_error" if status >= 500 else "invalid_request_error", None)
    )
    kind = _KINDS.get(status) if not message or message == text else None
    return ApiError(
        status, message or text, type=type_, code=code, headers=dict(headers or {}), kind=kind
    )
