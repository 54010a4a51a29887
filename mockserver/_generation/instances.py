"""JSON values that satisfy a user's JSON Schema (a tool's ``parameters`` or a ``json_schema``
response format), drawn deterministically from a ``random.Random``.

Values are built by construction from the keywords, and look real where the schema leaves
room: a free string named ``location`` becomes "Boston, MA", ``email`` an address,
``query`` a short phrase, ``*_date`` an ISO date, an unbounded ``limit`` a small integer.
Keywords that construction cannot honour exactly (``allOf`` merges, ``oneOf`` exclusivity,
``not``, ``if``/``then``/``else``, ``contains``, ``propertyNames``...) are checked with
``jsonschema`` and the value is drawn again a few times before giving up.

For tool parameters, a missing schema (``None``), ``True`` and ``{}`` mean "no arguments"
and give ``{}``.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from mockserver._generation import budget, checking, scalars
from mockserver._generation.fake_values import EXTRA_KEYS, name_words, number_hint, singular, text
from mockserver._generation.regex_strings import compiled_pattern, parse_pattern, sample
from mockserver._generation.schema_keywords import (
    ATTEMPTS,
    VALIDATION_KEYS,
    VERIFY_KEYS,
    UnsatisfiableSchema,
    at,
    canonical,
    is_type,
    mentions_ref,
    merge,
    size,
    types_of,
)

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["UnsatisfiableSchema", "instance"]

# Name it after this module in reprs, tracebacks and pickles, whichever module raised it.
UnsatisfiableSchema.__module__ = __name__


def instance(schema: Mapping[str, Any] | bool | None, rng: random.Random) -> Any:
    """A JSON value valid against ``schema``; the same ``rng`` state gives the same value.

    ``None``, ``True`` and a schema without validation keywords give ``{}``. Raises
    :class:`UnsatisfiableSchema` when no valid value can be produced.
    """
    if schema is None or schema is True:
        return {}
    if isinstance(schema, Mapping) and not VALIDATION_KEYS.intersection(schema):
        return {}
    checking.check_schema(schema)
    try:
        return _Generator(schema, rng).value(schema, "$", "")
    except (
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        OverflowError,
        ZeroDivisionError,
    ) as exc:
        # The metaschema accepted it, yet a keyword's value is not what the generator can
        # read (the metaschema allows more than any generator honours): refuse, never 500.
        raise UnsatisfiableSchema(
            f"$: the schema holds a keyword value the mock cannot use ({exc})"
        ) from None


_MAX_REF_DEPTH = 32
_MAX_DEPTH = 120  # nested values; keeps well inside Python's recursion limit
_BUDGET = 10_000  # values drawn per instance, retries included; bounds the time spent
_NULL_CHANCE = 0.15
_NONE = object()
_EXAMPLE_CHANCE = 0.25


class _Generator:
    def __init__(self, root: Mapping[str, Any] | bool, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.refs: list[str] = []
        self.depth = 0
        self.budget = _BUDGET
        self.chars = budget.MAX_OUTPUT_CHARS
        self._validator: Validator | None = None

    @property
    def minimal(self) -> bool:
        """Inside a recursion: take no optional branch, so the value stays finite."""
        return len(self.refs) > 6 or len(set(self.refs)) < len(self.refs)

    def valid(self, value: Any, schema: Any) -> bool:
        if self._validator is None:
            self._validator = checking.validator_for(self.root)
        try:
            return bool(self._validator.evolve(schema=schema).is_valid(value))
        except Exception:  # a schema jsonschema cannot evaluate: trust the construction
            return True

    def resolve(self, ref: str, path: str) -> Any:
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            raise UnsatisfiableSchema(
                f"{path}: only local JSON-pointer $refs ('#/$defs/...') are supported; got {ref!r}"
            )
        node: Any = self.root
        for part in ref[2:].split("/") if ref != "#" else ():
            key = unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise UnsatisfiableSchema(f"{path}: $ref {ref!r} points at nothing in the schema")
        return node

    def value(self, schema: Any, path: str, name: str) -> Any:
        if schema is True or schema is None:
            return self.free(name)
        if schema is False:
            raise UnsatisfiableSchema(f"{path}: the schema is false, so no value is allowed")
        if not isinstance(schema, Mapping):
            raise UnsatisfiableSchema(f"{path}: a schema must be an object or a boolean")
        if self.depth >= _MAX_DEPTH:
            raise UnsatisfiableSchema(f"{path}: the schema nests deeper than {_MAX_DEPTH} levels")
        self.budget -= 1
        if self.budget < 0:
            raise UnsatisfiableSchema(
                f"{path}: gave up after drawing {_BUDGET} values; the schema is too hard to satisfy"
            )
        if budget.expired():
            raise UnsatisfiableSchema(
                f"{path}: gave up after {budget.GENERATION_SECONDS:g} s; the schema is too hard "
                "to satisfy in the time the mock gives one request"
            )
        self.depth += 1
        try:
            return self.verified(schema, path, name)
        finally:
            self.depth -= 1

    def verified(self, schema: Mapping[str, Any], path: str, name: str) -> Any:
        if not VERIFY_KEYS.intersection(schema):
            return self.generate(schema, path, name)
        last: UnsatisfiableSchema | None = None
        for _ in range(ATTEMPTS):
            try:
                candidate = self.generate(schema, path, name)
            except UnsatisfiableSchema as exc:
                last = exc
                continue
            if self.valid(candidate, schema):
                return candidate
        keys = ", ".join(sorted(VERIFY_KEYS.intersection(schema)))
        raise UnsatisfiableSchema(
            f"{path}: found no value that satisfies {keys} in {ATTEMPTS} attempts"
            + (f" ({last})" if last else "")
        )

    def generate(self, schema: Mapping[str, Any], path: str, name: str) -> Any:
        if "$ref" in schema:
            return self.ref(schema, path, name)
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            refs: list[str] = []
            for sub in schema["allOf"]:
                merged = merge(merged, self.flat(sub, path, refs), path)
            # the refs followed while merging count towards recursion, as in ref()
            self.refs.extend(refs)
            try:
                return self.value(merged, path, name)
            finally:
                del self.refs[len(self.refs) - len(refs) :]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                return self.branch(schema, key, path, name)
        if "if" in schema and ("then" in schema or "else" in schema):
            rest = {k: v for k, v in schema.items() if k not in ("if", "then", "else")}
            chosen = schema.get(self.rng.choice(("then", "else")), True)
            return self.value({**rest, "allOf": [chosen]}, path, name)
        if "const" in schema:
            const = schema["const"]
            if VALIDATION_KEYS.intersection(schema) != {"const"} and not self.valid(const, schema):
                raise UnsatisfiableSchema(
                    f"{path}: const {const!r} does not satisfy the schema's other keywords"
                )
            return copy.deepcopy(const)
        types = types_of(schema, path)
        if "enum" in schema:
            return self.enum(schema, types, path)
        example = self.example(schema)
        if example is not None:
            return example
        if not types:
            return self.free(name)
        options = [t for t in types if t != "null"]
        if "null" in types and (not options or self.minimal or self.rng.random() < _NULL_CHANCE):
            return None
        kind = self.rng.choice(options)
        if kind == "object":
            return self.object(schema, path)
        if kind == "array":
            return self.array(schema, path, name)
        if kind == "string":
            drawn = scalars.string(schema, self.rng, path, name)
            self.chars -= len(drawn)
            if self.chars < 0:
                raise UnsatisfiableSchema(
                    f"{path}: the value would hold more than {budget.MAX_OUTPUT_CHARS} "
                    "characters of strings, more than the mock writes in one answer"
                )
            return drawn
        if kind in ("integer", "number"):
            return scalars.number(schema, self.rng, path, name, integer=kind == "integer")
        if kind == "boolean":
            return self.rng.random() < 0.5
        raise UnsatisfiableSchema(f"{path}: unknown type {kind!r}")

    def flat(self, schema: Any, path: str, refs: list[str]) -> Mapping[str, Any]:
        """``schema`` with its top-level ``$ref`` and ``allOf`` folded in, for merging; the
        ``$ref``s it follows are appended to ``refs``."""
        if len(refs) + len(self.refs) > _MAX_REF_DEPTH:
            raise UnsatisfiableSchema(f"{path}: allOf/$ref nest deeper than {_MAX_REF_DEPTH}")
        if schema is True or schema is None:
            return {}
        if schema is False or not isinstance(schema, Mapping):
            raise UnsatisfiableSchema(f"{path}: an allOf member is false, so no value is allowed")
        ref, subs = schema.get("$ref"), schema.get("allOf")
        out = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
        if ref is not None:
            target = self.resolve(ref, path)
            refs.append(ref)
            out = merge(out, self.flat(target, path, refs), path)
        for sub in subs if isinstance(subs, list) else ():
            out = merge(out, self.flat(sub, path, refs), path)
        return out

    def ref(self, schema: Mapping[str, Any], path: str, name: str) -> Any:
        ref = schema["$ref"]
        target = self.resolve(ref, path)
        if len(self.refs) >= _MAX_REF_DEPTH:
            raise UnsatisfiableSchema(
                f"{path}: $ref {ref!r} recurses deeper than {_MAX_REF_DEPTH} levels; "
                "give the recursion an optional or nullable way out"
            )
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        if VALIDATION_KEYS.intersection(rest):
            target = {**rest, "allOf": [target, *rest.get("allOf", ())]}
        self.refs.append(ref)
        try:
            return self.value(target, path, name)
        finally:
            self.refs.pop()

    def branch(self, schema: Mapping[str, Any], key: str, path: str, name: str) -> Any:
        branches = schema[key]
        rest = {k: v for k, v in schema.items() if k != key}
        constrained = VALIDATION_KEYS.intersection(rest)
        order = list(range(len(branches)))
        self.rng.shuffle(order)
        if self.minimal:
            order.sort(key=lambda i: mentions_ref(branches[i]))
        last: UnsatisfiableSchema | None = None
        for i in order:
            sub = branches[i]
            target = {**rest, "allOf": [sub, *rest.get("allOf", ())]} if constrained else sub
            for _ in range(ATTEMPTS if key == "oneOf" else 1):
                try:
                    candidate = self.value(target, path, name)
                except UnsatisfiableSchema as exc:
                    last = exc
                    break
                others = (b for j, b in enumerate(branches) if j != i)
                if key == "anyOf" or not any(self.valid(candidate, b) for b in others):
                    return candidate
        raise UnsatisfiableSchema(
            f"{path}: none of the {len(branches)} {key} branches could be satisfied"
            + (f" ({last})" if last else "")
        )

    def enum(self, schema: Mapping[str, Any], types: list[str], path: str) -> Any:
        values = schema["enum"]
        if not isinstance(values, list):
            raise UnsatisfiableSchema(f"{path}: enum must be an array")
        fits = [v for v in values if not types or any(is_type(v, t) for t in types)]
        self.rng.shuffle(fits)
        if set(schema) - {"enum", "type", "description", "title", "default", "examples"}:
            # Checked lazily and without the enum itself (each value is in it): checking
            # 5,000 values against a schema holding all 5,000 was quadratic.
            rest = {k: v for k, v in schema.items() if k != "enum"}
            fits = [next((v for v in fits if self.valid(v, rest)), _NONE)]
            if fits[0] is _NONE:
                fits = []
        if not fits:
            raise UnsatisfiableSchema(
                f"{path}: no enum value in {values!r} fits the other keywords"
            )
        return copy.deepcopy(fits[0])

    def example(self, schema: Mapping[str, Any]) -> Any:
        """Sometimes a scalar ``examples`` entry or the ``default``, when it is valid."""
        candidates: list[Any] = []
        examples = schema.get("examples")
        if isinstance(examples, list) and examples and self.rng.random() < _EXAMPLE_CHANCE:
            candidates.append(self.rng.choice(examples))
        if "default" in schema and self.rng.random() < _EXAMPLE_CHANCE:
            candidates.append(schema["default"])
        for candidate in candidates:
            if isinstance(candidate, str | int | float | bool) and self.valid(candidate, schema):
                return candidate
        return None

    def free(self, name: str) -> Any:
        """A value for an unconstrained schema: a number or a string, by the name."""
        words = name_words(name)
        hint = number_hint(words)
        if hint is not None:
            return self.rng.randint(int(hint[0]), int(hint[1]))
        return text(self.rng, words)

    def array(self, schema: Mapping[str, Any], path: str, name: str) -> list[Any]:
        prefix = schema.get("prefixItems")
        items = schema.get("items", True)
        if isinstance(items, list):  # draft 7 tuple form
            prefix, items = items, schema.get("additionalItems", True)
        prefix = prefix if isinstance(prefix, list) else []
        low = size(schema, "minItems", path) or 0
        high = size(schema, "maxItems", path)
        if items is False:
            high = len(prefix) if high is None else min(high, len(prefix))
        contains = schema.get("contains")
        min_contains = size(schema, "minContains", path)
        if min_contains is None:
            min_contains = 0 if contains is None else 1
        low = max(low, min_contains)
        if low > budget.MAX_ITEMS:
            raise UnsatisfiableSchema(
                f"{path}: needs at least {low} items, more than the mock writes in one array "
                f"({budget.MAX_ITEMS})"
            )
        if high is not None and low > high:
            raise UnsatisfiableSchema(
                f"{path}: needs at least {low} items but allows at most {high}"
            )
        if self.minimal:
            count = low
        else:
            start = max(low, 1)
            stop = start + 2
            if high is not None:
                start, stop = min(start, high), min(stop, high)
            count = self.rng.randint(start, stop)
        unique = schema.get("uniqueItems") is True
        item_name = singular(name)
        out: list[Any] = []
        seen: set[str] = set()
        i = 0
        tries = 0
        while len(out) < count:
            sub = prefix[i] if i < len(prefix) else items
            if contains is not None and len(out) >= count - min_contains:
                sub = {"allOf": [sub, contains]}
            v = self.value(sub, at(path, i), item_name)
            key = repr(canonical(v))
            if unique and key in seen:
                tries += 1
                if tries > 4 * ATTEMPTS:
                    if len(out) >= low and i >= len(prefix):
                        break
                    raise UnsatisfiableSchema(
                        f"{path}: found only {len(out)} distinct items, but uniqueItems is "
                        f"true and minItems is {low}"
                    )
                continue
            seen.add(key)
            out.append(v)
            i += 1
        return out

    def object(self, schema: Mapping[str, Any], path: str) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, Mapping) else {}
        required = schema.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise UnsatisfiableSchema(f"{path}: required must be an array of strings")
        extra = schema.get("additionalProperties", schema.get("unevaluatedProperties", True))
        patterns = schema.get("patternProperties")
        patterns = patterns if isinstance(patterns, Mapping) else {}
        low = size(schema, "minProperties", path) or 0
        high = size(schema, "maxProperties", path)
        if low > budget.MAX_PROPERTIES:
            raise UnsatisfiableSchema(
                f"{path}: minProperties {low} is more than the mock writes in one object "
                f"({budget.MAX_PROPERTIES})"
            )
        if high is not None and low > high:
            raise UnsatisfiableSchema(
                f"{path}: minProperties {low} is greater than maxProperties {high}"
            )
        strict = extra is False and set(required) >= set(props)
        keys = list(dict.fromkeys(required))
        if high is not None and len(keys) > high:
            raise UnsatisfiableSchema(
                f"{path}: requires {len(keys)} properties but maxProperties is {high}"
            )
        optional = [k for k in props if k not in keys]
        for k in optional:
            if strict or (not self.minimal and self.rng.random() < 0.5):
                keys.append(k)
        dependent = schema.get("dependentRequired")
        if isinstance(dependent, Mapping):
            for k in list(keys):
                keys.extend(d for d in dependent.get(k, ()) if d not in keys)
        if high is not None and len(keys) > high:
            keys = keys[: max(high, len(required))]
        for k in optional:
            if len(keys) >= low:
                break
            if k not in keys:
                keys.append(k)
        free_keys = not props and (extra not in (False, True) or patterns) and not self.minimal
        want = max(low, self.rng.randint(1, 2) if free_keys else 0)
        if high is not None:
            want = min(want, high)
        n = 0
        while len(keys) < want:
            n += 1
            if patterns:
                node = parse_pattern(self.rng.choice(list(patterns)))
                drawn = "" if isinstance(node, str) else (sample(node, self.rng, 3) or "")
                key = drawn or f"key{n}"
            elif extra is False:
                raise UnsatisfiableSchema(
                    f"{path}: needs {low} properties but only {len(props)} are allowed"
                )
            else:
                key = self.rng.choice(EXTRA_KEYS) if n < 4 else f"field_{n}"
            if key not in keys:
                keys.append(key)
            elif n > 4 * ATTEMPTS:
                raise UnsatisfiableSchema(f"{path}: found no {want} distinct property names")
        result: dict[str, Any] = {}
        for k in keys:
            subs = [s for p, s in patterns.items() if (c := compiled_pattern(p)) and c.search(k)]
            if k in props:
                subs.insert(0, props[k])
            elif not subs:
                if extra is False:
                    raise UnsatisfiableSchema(
                        f"{at(path, k)}: is required, but it is not in properties and "
                        "additionalProperties is false"
                    )
                subs = [extra]
            sub = subs[0] if len(subs) == 1 else {"allOf": subs}
            result[k] = self.value(sub, at(path, k), k)
        return result
