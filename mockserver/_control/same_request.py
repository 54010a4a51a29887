"""A condition on the whole request, as a cassette records it: every recorded field equal
(deep JSON equality), no field the recording does not have, except the ignored ones.

Cassettes match with it (``match.request`` and ``match.request_ignore`` in
``schemas/stubs.json``); it plugs into `Match` as its ``where`` predicate, which also
explains a miss field by field (``messages[1].content is 'x', not 'y'``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_ABSENT = object()


@dataclass(frozen=True)
class SameRequest:
    """The request must equal `request`, ignoring the top-level fields in `ignore`."""

    request: Mapping[str, Any]
    ignore: frozenset[str] = frozenset()

    def __call__(self, request: Mapping[str, Any]) -> bool:
        return not self.misses(request, first=True)

    def misses(self, request: Mapping[str, Any], *, first: bool = False) -> list[str]:
        """Where `request` differs, one phrase per field ([] when it matches)."""
        found = []
        for key, wanted in self.request.items():
            if key not in self.ignore:
                difference = _difference(wanted, request.get(key, _ABSENT), key)
                if difference:
                    found.append(difference)
                    if first:
                        return found
        for key in request:
            if key not in self.request and key not in self.ignore:
                found.append(f"{key} is {_short(request[key])}, which the recording does not have")
                if first:
                    return found
        return found

    def spec(self) -> dict[str, Any]:
        """Its keys in a stub's ``match`` (``schemas/stubs.json``)."""
        return {"request": dict(self.request), "request_ignore": sorted(self.ignore)}


def _difference(wanted: Any, got: Any, path: str) -> str:
    """Where `got` first differs from `wanted`, as ``messages[1].content is 'x', not 'y'``."""
    if got is _ABSENT:
        return f"{path} is absent, not {_short(wanted)}"
    if isinstance(wanted, Mapping) and isinstance(got, Mapping):
        for key in sorted({*wanted, *got}, key=str):
            if key not in wanted:
                return f"{path}.{key} is {_short(got[key])}, which the recording does not have"
            inner = _difference(wanted[key], got.get(key, _ABSENT), f"{path}.{key}")
            if inner:
                return inner
        return ""
    if isinstance(wanted, list) and isinstance(got, list):
        for i, (w, g) in enumerate(zip(wanted, got, strict=False)):
            inner = _difference(w, g, f"{path}[{i}]")
            if inner:
                return inner
        if len(wanted) != len(got):
            return f"{path} has {len(got)} item(s), not {len(wanted)}"
        return ""
    # JSON equality: 1 == 1.0, but true is not 1.
    same = wanted == got and isinstance(wanted, bool) == isinstance(got, bool)
    return "" if same else f"{path} is {_short(got)}, not {_short(wanted)}"


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
