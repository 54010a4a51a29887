"""Schema violations the provider tolerates: unknown keys inside messages.

OpenAI's chat completions ignore keys they do not know on a message (LiteLLM's
``provider_specific_fields``, a ``name`` on a tool message; WIRE.md §1, "Unknown keys
inside messages"), so such a request is served. The keys are still outside the contract:
the mock reports them as warnings (journal, pytest teardown) instead of failing the request.
"""

from __future__ import annotations

from collections.abc import Iterable

from mockserver._contract.violations import Violation


def is_tolerated(violation: Violation) -> bool:
    """Whether the provider serves a request despite `violation`."""
    return violation.rule == "additionalProperties" and violation.path.startswith("messages[")


def split(violations: Iterable[Violation]) -> tuple[list[Violation], list[Violation]]:
    """``(errors, warnings)``: the violations the provider rejects, and those it tolerates."""
    errors: list[Violation] = []
    warnings: list[Violation] = []
    for v in violations:
        (warnings if is_tolerated(v) else errors).append(v)
    return errors, warnings
