"""Run the properties with Hypothesis, programmatically (no pytest): each property gets its
examples, a failure is shrunk to the minimal failing request, and the result keeps that
request and the answer to it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as seeded
from hypothesis.errors import Unsatisfiable

from mockserver._contract.profiles import Profile
from mockserver._verify.properties import MALFORMED, Property
from mockserver._verify.target import BudgetExhausted, Exchange, Frozen, Target

SHRINK_REQUESTS = 20
"""Requests a property may spend shrinking a failure to the minimal failing request;
after that it keeps the smallest failure found (every one sent is billed)."""


class _OutOfBudget(BaseException):
    """Stops a Hypothesis run: it lets BaseExceptions through without shrinking them."""


@dataclass
class Result:
    """How one property fared."""

    name: str
    checked: int = 0
    """Examples checked (a failing one included)."""
    failure: str | None = None
    exchange: Exchange | None = None
    """The minimal failing request and the answer to it."""
    incomplete: str | None = None
    """Why not every example was checked (the budget ran out)."""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.failure is None and self.incomplete is None


def run(
    prop: Property,
    target: Target,
    profile: Profile,
    *,
    examples: int | None,
    seed: int | None,
    cheap: bool,
    on_example: Callable[[Any], None] | None = None,
) -> Result:
    """Check `prop` against `target` on `examples` drawn examples (None: the active
    Hypothesis profile's count), from `seed` (None: Hypothesis's own). With `on_example`
    each example is handed to it instead of being checked (``--dry-run``)."""
    result = Result(prop.name)
    started = time.perf_counter()
    failed_at: list[int] = []

    def check(example: Any) -> None:
        if on_example is not None:
            on_example(example)
            return
        if failed_at and target.sent - failed_at[0] >= SHRINK_REQUESTS:
            target.frozen = True
        try:
            prop.check(target, profile, example)
        except Frozen:
            reject()
        except BudgetExhausted as exc:
            result.incomplete = str(exc)
            if prop.fixed or not failed_at:
                raise _OutOfBudget from None  # ends the run at once, not as a failure
            # While shrinking: the example stays unchecked, and the failure found is
            # replayed from the answers already received.
            reject()
        except BaseException:
            if not failed_at:
                failed_at.append(target.sent)
            raise
        result.checked += 1

    spent = target.max_requests is not None and target.sent >= target.max_requests
    if on_example is None and spent:
        result.incomplete = f"stopped at --max-requests {target.max_requests}"
        return result
    try:
        if prop.fixed:
            for example in MALFORMED:
                check(example)
        else:
            _hypothesis(check, prop.examples(profile, cheap), examples, seed)()
    except _OutOfBudget:
        pass
    except Unsatisfiable:
        if result.incomplete is None:  # pragma: no cover - the strategies always satisfy
            raise
    except Exception as exc:  # any failure of the target is the verdict
        result.failure = _message(exc)
        result.exchange = target.last
    finally:
        target.frozen = False
    result.seconds = time.perf_counter() - started
    return result


def _hypothesis(
    check: Callable[[Any], None], strategy: Any, examples: int | None, seed: int | None
) -> Callable[[], None]:
    options: dict[str, Any] = {
        "deadline": None,
        "database": None,
        "suppress_health_check": list(HealthCheck),
        "verbosity": Verbosity.quiet,
        "print_blob": False,
        "report_multiple_bugs": False,
        # No explain phase: it re-runs variations of the failure, each a billed request.
        "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    }
    if examples is not None:
        options["max_examples"] = examples
    test: Callable[[], None] = settings(**options)(given(strategy)(check))  # type: ignore[no-untyped-call]
    if seed is not None:
        test = seeded(seed)(test)
    return test


def _message(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _message(exc.exceptions[0])
    if isinstance(exc, AssertionError) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
