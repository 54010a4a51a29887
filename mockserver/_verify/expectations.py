"""What the provider must answer to a request it rejects, in a given profile: the status
and the body shape (one of the gateway's, or OpenAI's envelope)."""

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
        return errors.unknown_model(model, profile)
    violations = validation.validate_request(request)
    if violations:
        return rules.first_error(profile, violations)
    return rules.check(request, profile)


def shape_of(body: Any) -> ErrorShape | None:
    """Which error shape `body` has, if any."""
    if not isinstance(body, dict):
        return None
    if {"title", "status", "error"} <= body.keys():
        return "problem"
    if isinstance(body.get("error"), dict):
        return "envelope"
    if {"message", "statusCode"} <= body.keys():
        return "gateway"
    return None


def accepted(shape: ErrorShape) -> frozenset[ErrorShape]:
    """The shapes a provider may answer in where a profile says `shape`: either of the
    gateway's dated shapes for a gateway error (its wire changed in 2026; WIRE.md §9)."""
    return GATEWAY_SHAPES if shape in GATEWAY_SHAPES else frozenset({shape})


GATEWAY_SHAPES: frozenset[ErrorShape] = frozenset({"gateway", "problem"})

SHAPE_NAMES: dict[str, str] = {
    "gateway": "the gateway's flat {requestId, statusCode, timestamp, path, message}",
    "problem": "the gateway's problem-style {title, status, message, instance, timestamp, error}",
    "envelope": 'the OpenAI envelope {"error": {message, type, param, code}}',
}
