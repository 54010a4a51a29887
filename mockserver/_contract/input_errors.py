"""Errors for inputs the mock cannot use although they are well-formed JSON: a user's
schema it cannot satisfy, and the last-resort answer when the mock itself fails."""

from __future__ import annotations

from mockserver._contract.errors import ApiError

__all__ = ["INTERNAL_ERROR_MESSAGE", "internal_error", "invalid_schema"]


def invalid_schema(message: str, param: str, kind: str) -> ApiError:
    """OpenAI checks function parameters and response-format schemas itself and answers
    400 ``invalid_request_error`` naming the schema ("Invalid schema for function 'f': ..."),
    so this is an upstream error in both profiles."""
    return ApiError(
        400,
        message,
        source="upstream",
        param=param,
        code="invalid_function_parameters" if kind == "function" else "invalid_json_schema",
    )


INTERNAL_ERROR_MESSAGE = (
    "The mock failed while answering this request: a bug in aimlapi-mockserver. The "
    "traceback is in the journal entry (notes.internal_error); please report it."
)


def internal_error() -> ApiError:
    """The last resort: an unexpected exception still gets the profile's error shape."""
    return ApiError(500, INTERNAL_ERROR_MESSAGE, type="server_error", code="mock_internal_error")
