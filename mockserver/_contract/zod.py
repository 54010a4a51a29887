"""The gateway's body-validation wording: what zod, the library behind AI/ML API's
``Body validation error!`` (WIRE.md §4), says of each violation of the request schema.

The texts are zod v3's English error map (``colinhacks/zod``, ``src/locales/en.ts``), filled
in from the violation's rule and values, so every rule the schema checks gets one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence

from mockserver._contract.violations import Violation

__all__ = ["describe", "issue"]


def _parsed_type(value: object) -> str:
    """zod's name for the type of a parsed JSON value (``getParsedType``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _joined(options: Iterable[object]) -> str:
    """zod's ``joinValues``: strings quoted with ``'``, joined by `` | ``."""
    return " | ".join(f"'{o}'" if isinstance(o, str) else json.dumps(o) for o in options)


def _number(value: object) -> str:
    """A bound as JavaScript prints it (``1``, not ``1.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _type(v: Violation) -> str:
    names = v.expected if isinstance(v.expected, list) else [v.expected]
    wanted = [n for n in names if n != "null"]
    if len(wanted) != 1:
        return "Invalid input"  # a union of types
    if wanted[0] == "integer" and isinstance(v.got, float):
        return "Expected integer, received float"
    name = "number" if wanted[0] == "integer" else str(wanted[0])
    return f"Expected {name}, received {_parsed_type(v.got)}"


def _enum(v: Violation) -> str:
    options = v.expected if isinstance(v.expected, list) else []
    if not all(isinstance(o, str) for o in options):
        return "Invalid input"  # zod writes other enums as unions of literals
    if isinstance(v.got, str):
        return f"Invalid enum value. Expected {_joined(options)}, received '{v.got}'"
    return f"Expected {_joined(options)}, received {_parsed_type(v.got)}"


def _bound(v: Violation) -> str:
    limit = v.expected
    low = v.rule in ("minimum", "minItems", "minLength")
    if v.rule in ("minimum", "maximum"):
        relation = "greater than or equal to" if low else "less than or equal to"
        return f"Number must be {relation} {_number(limit)}"
    kind, unit = ("Array", "element(s)") if "Items" in v.rule else ("String", "character(s)")
    return f"{kind} must contain {'at least' if low else 'at most'} {_number(limit)} {unit}"


def issue(v: Violation) -> tuple[str, str]:
    """``(path, message)`` as zod reports `v`: an unknown key is reported on its object."""
    if v.rule == "additionalProperties":
        parent, _, key = v.path.rpartition(".")
        return parent, f"Unrecognized key(s) in object: '{key}'"
    if v.rule in _BOUNDS:
        return v.path, _bound(v)
    return v.path, _MESSAGES.get(v.rule, _union)(v)


def _union(v: Violation) -> str:
    return "Invalid input"  # oneOf, anyOf and whatever else: zod's union failure


_BOUNDS = frozenset({"minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength"})
_MESSAGES: dict[str, Callable[[Violation], str]] = {
    "required": lambda v: "Required",
    "type": _type,
    "enum": _enum,
    "const": lambda v: f"Invalid literal value, expected {json.dumps(v.expected)}",
    "pattern": lambda v: "Invalid",
}


def describe(violations: Sequence[Violation]) -> list[str]:
    """``path: message`` per zod issue; unknown keys of one object make one issue, as in
    zod (``Unrecognized key(s) in object: 'a', 'b'``)."""
    out: list[str] = []
    merged: dict[str, int] = {}
    enums = {v.path for v in violations if v.rule == "enum"}
    for v in violations:
        if v.rule == "type" and v.path in enums:
            continue  # zod's enum reports the wrong type itself
        path, message = issue(v)
        if v.rule == "additionalProperties":
            if path in merged:
                out[merged[path]] += ", " + message.rsplit(": ", 1)[1]
                continue
            merged[path] = len(out)
        out.append(f"{path or '(root)'}: {message}")
    return out
