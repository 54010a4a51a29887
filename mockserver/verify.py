"""The provider contract as a library: what ``mockserver verify URL`` runs, for a test suite
of your own (the contract suite in ``contract_tests/`` is one).

`Target` sends requests to an OpenAI-compatible base URL within a budget; `PROPERTIES` are
what a provider must answer, exactly for a profile (success status and headers,
schema-valid bodies and streams, the profile's errors, streams that fold into the
non-stream answer); `run` checks one property with Hypothesis and shrinks a failure to the
minimal failing request (kept in `Result.exchange`). `check_error` sends one invalid
request and returns the error body once it is shown to be in the profile's shape.
"""

from __future__ import annotations

from mockserver._verify.properties import PROPERTIES, Property, check_error
from mockserver._verify.runner import Result, run
from mockserver._verify.target import Exchange, Target, Unreachable

__all__ = [
    "PROPERTIES",
    "Exchange",
    "Property",
    "Result",
    "Target",
    "Unreachable",
    "check_error",
    "run",
]

# The public names say they live here (in reprs, tracebacks and docs), as httpx does.
for _name in ("Exchange", "Property", "Result", "Target", "Unreachable", "check_error", "run"):
    globals()[_name].__module__ = __name__
del _name
