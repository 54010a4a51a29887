"""What the fixtures check when a test ends, as pytest-httpx does: requests that went to
URLs nobody routes, stubs never used, keys the provider tolerates but the contract does not
list, and requests the schema refuses. Each check returns the failure's text (the plugin
fails the test with it) or warns."""

from __future__ import annotations

import warnings

from mockserver._adapters.mocking import MockAPI
from mockserver._cassettes import in_tests
from mockserver._control import assertions
from mockserver._plugin.warning_types import UnknownFieldWarning, UnusedStubWarning

__all__ = ["UnknownFieldWarning", "UnusedStubWarning", "failure"]


def failure(mock: MockAPI, *, validate: bool, assert_all_stubs_used: bool) -> str | None:
    """Why the test fails (None: it passes); warnings for what only deserves one."""
    # Clients such as the openai SDK wrap the refusal in their own connection error; say it
    # again here so the URL and the fix are in the report whatever the client did with it.
    if mock.offline is not None and mock.offline.refused:
        refused = "\n  ".join(dict.fromkeys(mock.offline.refused))
        return (
            f"aimlapi: the test is offline and these requests went to URLs the mock does not "
            f"route:\n  {refused}\nPoint the client at {mock.base_url}, add the URL to "
            "@pytest.mark.aimlapi(base_url=[...]), or let it through with "
            "@pytest.mark.aimlapi(passthrough=[...]) or the aimlapi_passthrough ini option."
        )
    unused = [s for s in mock.service.stubs.unused() if not in_tests.is_cassette(s)]
    if unused:
        names = ", ".join(s.describe() for s in unused)
        if assert_all_stubs_used:
            return f"aimlapi: stub(s) never used: {names}"
        warnings.warn(UnusedStubWarning(f"aimlapi: stub(s) never used: {names}"), stacklevel=1)
    if not validate:
        return None
    tolerated = [
        f"request #{e.seq} {e.method} {e.path}: {w}" for e in mock.requests for w in e.warnings
    ]
    if tolerated:
        listed = "\n  ".join(tolerated)
        warnings.warn(
            UnknownFieldWarning(
                "aimlapi: the client sent keys outside the contract, which the provider "
                f"ignores (docs/WIRE.md §1):\n  {listed}"
            ),
            stacklevel=1,
        )
    try:
        assertions.assert_all_valid(mock.requests)
    except AssertionError as exc:
        return f"aimlapi: {exc}\n(opt out with @pytest.mark.aimlapi(validate=False))"
    return None
