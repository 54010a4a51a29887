"""Reading JSON Schema keywords: the types a schema allows, sizes, ``allOf`` merges, and
the error raised when no value can satisfy them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

__all__ = [
    "ATTEMPTS",
    "VALIDATION_KEYS",
    "VERIFY_KEYS",
    "UnsatisfiableSchema",
    "at",
    "canonical",
    "is_multiple",
    "is_type",
    "mentions_ref",
    "merge",
    "size",
    "types_of",
]


class UnsatisfiableSchema(ValueError):
    """No value satisfies the schema (or none could be found); the message names the path."""


def _keywords(text: str) -> frozenset[str]:
    return frozenset(text.split())


VALIDATION_KEYS = _keywords(
    """type enum const properties required additionalProperties patternProperties
    propertyNames minProperties maxProperties dependentRequired dependentSchemas items
    prefixItems additionalItems contains minContains maxContains minItems maxItems uniqueItems
    minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength maxLength pattern
    format $ref allOf anyOf oneOf not if then else unevaluatedProperties
    unevaluatedItems"""
)
# Keywords that construction honours only approximately; values are verified and redrawn.
VERIFY_KEYS = _keywords(
    """allOf oneOf not if dependentSchemas unevaluatedProperties unevaluatedItems
    propertyNames contains patternProperties"""
)
_OBJECT_KEYS = _keywords(
    """properties required additionalProperties patternProperties propertyNames
    minProperties maxProperties dependentRequired"""
)
_ARRAY_KEYS = _keywords("items prefixItems additionalItems contains minItems maxItems uniqueItems")
_STRING_KEYS = _keywords("minLength maxLength pattern format")
_NUMBER_KEYS = _keywords("minimum maximum exclusiveMinimum exclusiveMaximum multipleOf")
_TYPES = _keywords("null boolean object array number integer string")
ATTEMPTS = 8  # redraws before a keyword counts as unsatisfiable; more rarely helps


def size(schema: Mapping[str, Any], key: str, path: str) -> int | None:
    """A non-negative integer keyword such as ``minLength``; None when it is absent."""
    v = schema.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or v != int(v):
        raise UnsatisfiableSchema(f"{path}: {key} must be a non-negative integer; got {v!r}")
    return int(v)


def at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{key!r}]"


def is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, Mapping)
    if name == "array":
        return isinstance(value, list | tuple)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return name == "number" or isinstance(value, int) or value.is_integer()


def is_multiple(value: int | float, step: int | float) -> bool:
    """``multipleOf`` exactly as ``jsonschema`` checks it, float rounding included."""
    if isinstance(step, float):
        quotient = value / step
        return math.isfinite(quotient) and int(quotient) == quotient
    return value % step == 0


def mentions_ref(schema: Any) -> bool:
    if isinstance(schema, Mapping):
        return "$ref" in schema or any(mentions_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(mentions_ref(v) for v in schema)
    return False


def types_of(schema: Mapping[str, Any], path: str) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        types = [declared]
    elif isinstance(declared, list) and all(isinstance(t, str) and t in _TYPES for t in declared):
        types = declared
    elif declared is not None:
        raise UnsatisfiableSchema(
            f"{path}: type must be one of {sorted(_TYPES)} or an array of them; got {declared!r}"
        )
    elif _OBJECT_KEYS.intersection(schema):
        types = ["object"]
    elif _ARRAY_KEYS.intersection(schema):
        types = ["array"]
    elif _STRING_KEYS.intersection(schema):
        types = ["string"]
    elif _NUMBER_KEYS.intersection(schema):
        whole = all(
            isinstance(schema.get(k, 0), int)
            for k in ("minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum")
        )
        types = ["integer" if whole else "number"]
    else:
        types = []
    # OpenAPI's ``nullable: true`` is not JSON Schema: null would fail a JSON Schema
    # validator, and a value of the declared type satisfies both readings.
    return types


# ---------------------------------------------------------------------------------- merging


def merge(a: dict[str, Any], b: Mapping[str, Any], path: str) -> dict[str, Any]:
    """Fold ``b`` into ``a`` as ``allOf`` would; lossy cases are caught by verification."""
    for key, new in b.items():
        if key not in a:
            a[key] = new
            continue
        old = a[key]
        if key == "type":
            olds = [old] if isinstance(old, str) else list(old) if isinstance(old, list) else []
            news = [new] if isinstance(new, str) else list(new) if isinstance(new, list) else []
            both = [t for t in olds if t in news or (t == "integer" and "number" in news)]
            both += ["integer" for t in olds if t == "number" and "integer" in news]
            if not both:
                raise UnsatisfiableSchema(f"{path}: allOf requires types {olds} and {news} at once")
            a[key] = list(dict.fromkeys(both))
        elif key == "properties" and isinstance(old, Mapping) and isinstance(new, Mapping):
            merged = dict(old)
            for name, sub in new.items():
                merged[name] = {"allOf": [old[name], sub]} if name in old else sub
            a[key] = merged
        elif key == "required" and isinstance(old, list) and isinstance(new, list):
            a[key] = list(dict.fromkeys([*old, *new]))
        elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"):
            if is_type(old, "number") and is_type(new, "number"):
                a[key] = max(old, new)
        elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"):
            if is_type(old, "number") and is_type(new, "number"):
                a[key] = min(old, new)
        elif key == "enum" and isinstance(old, list) and isinstance(new, list):
            a[key] = [v for v in old if v in new]
            if not a[key]:
                raise UnsatisfiableSchema(f"{path}: allOf enums {old} and {new} share no value")
        elif key == "const" and old != new:
            raise UnsatisfiableSchema(f"{path}: allOf requires const {old!r} and {new!r} at once")
        elif key in ("items", "additionalProperties", "contains", "propertyNames"):
            if not isinstance(old, list) and not isinstance(new, list):
                a[key] = {"allOf": [old, new]}
        elif key == "not":
            a[key] = {"anyOf": [old, new]}
        elif key in ("anyOf", "oneOf") and isinstance(old, list) and isinstance(new, list):
            a[key] = [{"allOf": [x, y]} for x in old for y in new]
        elif key == "uniqueItems":
            a[key] = bool(old or new)
        elif key == "multipleOf" and isinstance(old, int) and isinstance(new, int):
            a[key] = math.lcm(old, new)
        elif (
            key in ("dependentRequired", "patternProperties", "$defs", "definitions")
            and isinstance(old, Mapping)
            and isinstance(new, Mapping)
        ):
            a[key] = {**new, **old}
    return a


def canonical(value: Any) -> Any:
    """A hashable form that treats values as JSON Schema's ``uniqueItems`` does."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", Fraction(value) if math.isfinite(value) else value)
    if isinstance(value, Mapping):
        return ("object", tuple(sorted((k, canonical(v)) for k, v in value.items())))
    if isinstance(value, Sequence):
        return ("array", tuple(canonical(v) for v in value))
    return ("other", repr(value))
