"""Schemathesis hooks for tests/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

o3-mini enforces a few cross-field rules that JSON Schema cannot state (``tool_choice``
needs ``tools``, a named choice must be among them, tool messages answer earlier calls,
and in the openai profile ``max_tokens`` is refused): the mock answers those schema-valid
requests with the provider's 400, as the provider does (mockserver/_contract/rules.py).
Schemathesis's positive-data check calls that "a valid request rejected"; this hook drops
exactly those reports, and only when the 400 is the very error the rule gives for that
body. Every other failure stands.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

from mockserver._contract import profiles, rules, validation

PROFILE = profiles.get(os.environ.get("MOCKSERVER_PROFILE", "aimlapi"))


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    body = case.body
    if failure.code != "ST202" or response.status_code != 400 or not isinstance(body, dict):
        return True
    if validation.validate_request(body):
        return True  # not schema-valid after all: a real disagreement, report it
    broken = rules.check(body, PROFILE)
    return broken is None or broken.message not in response.text
