"""Validate requests, completions, stream chunks, error bodies and SSE transcripts.

Every check derives from the JSON Schemas in ``schemas/``. Each ``validate_*`` call
returns every violation it finds, each with the JSON path of the offending value
(``messages[0].role``), the failing rule and a message a person understands; `check`
raises `ContractViolation` instead.
"""

from __future__ import annotations

from mockserver._contract.validation import (
    SCHEMA_FILES,
    Kind,
    check,
    format_path,
    is_valid,
    json_type,
    schema,
    validate,
    validate_chunk,
    validate_completion,
    validate_error,
    validate_request,
    validate_transcript,
)
from mockserver._contract.violations import ContractViolation, Violation

__all__ = [
    "SCHEMA_FILES",
    "ContractViolation",
    "Kind",
    "Violation",
    "check",
    "format_path",
    "is_valid",
    "json_type",
    "schema",
    "validate",
    "validate_chunk",
    "validate_completion",
    "validate_error",
    "validate_request",
    "validate_transcript",
]
