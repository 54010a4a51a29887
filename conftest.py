"""Settings for the whole repository's tests: Hypothesis profiles (`ci` in `make test`,
`thorough`, `dev` by default) and the mock's self-check."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Every answer any test sees is also checked against schemas/ by the mock itself
# (see Config.self_check): a mock bug fails loudly wherever it shows.
os.environ.setdefault("MOCKSERVER_SELF_CHECK", "1")

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.load_profile("dev")
