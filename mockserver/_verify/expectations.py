"""What the provider must answer to a request it rejects, in a given profile: the status
and the body shape (the gateway's flat body or OpenAI's envelope)."""

from __future__ import annotations

from typing import Any

from mockserver._contract import errors, rules, validation
from mockserver._contract.errors import ApiError
from mockserver._contract.profiles import ErrorShape, Profile

_MODELS = frozenset(validation.schema("request")["properties"]["model"]["enum"])


def error_for(request: Any, profile: Profile) -> ApiError | None:
    """The error `request` must get, in the order the provider checks (the model, then the
    schema, then o3-mini's rules); None when it must be answered."""
    if not isinstance(request, dict):
        return errors.not_an_object(profile, validation.json_type(request))
    model = request.get("model")
    if isinstance(model, str) and model not in _MODELS:
        return errors.unknown_model(model)
    violations = validation.validate_request(request)
    if violations:
        return rules.first_error(profile, violations)
    return rules.check(request, profile)


def shape_of(body: Any) -> ErrorShape | None:
    """Which error shape `body` has, if either."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return "envelope"
    if isinstance(body, dict) and {"message", "statusCode"} <= body.keys():
        return "gateway"
    return None


SHAPE_NAMES: dict[str, str] = {
    "gateway": "the gateway's flat {message, path, requestId, statusCode, timestamp}",
    "envelope": 'the OpenAI envelope {"error": {message, type, param, code}}',
}
