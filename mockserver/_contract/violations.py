"""A broken rule of the contract: where, which rule, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (a JSON path, ``""`` for the whole value), which rule, and why."""

    path: str
    rule: str
    message: str
    expected: object = field(default=None, compare=False, repr=False)
    """The schema keyword's value (an enum's options, a bound, a type), where there is one."""
    got: object = field(default=None, compare=False, repr=False)
    """The offending value, where there is one (not for a missing key)."""

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


class ContractViolation(ValueError):
    """Raised by `check`: the value breaks the contract; `violations` says where and how."""

    def __init__(self, kind: str, violations: Sequence[Violation]) -> None:
        self.kind = kind
        self.violations = tuple(violations)
        lines = "\n".join(f"  {v}" for v in self.violations)
        super().__init__(f"invalid {kind} ({len(self.violations)} violation(s)):\n{lines}")
