"""Compile the project's JSON Schemas into fast yes/no checks.

jsonschema explains *why* a value is invalid but takes ~350 µs for the seed
request; the server validates every request and every response it emits, so the
common case (a valid value) goes through these closures instead, and jsonschema
is asked for the explanation only when a check says no. The compiler accepts the
keyword subset the schemas use and refuses any other keyword, so a schema cannot
quietly outgrow it; tests prove both paths agree on drawn values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urldefrag, urljoin

Check = Callable[[Any], bool]
Lookup = Callable[[str], Mapping[str, Any]]

# Keywords that never change the verdict.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "title", "description", "default", "examples", "format", "$comment"}
)
_ASSERTIONS = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties", "items",
        "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern",
        "anyOf", "oneOf", "allOf", "$ref",
    }
)  # fmt: skip


class SchemaCompileError(ValueError):
    """The schema uses a keyword this compiler does not implement."""


def _is_integer(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and value.is_integer())


_TYPE_CHECKS: dict[str, Check] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "integer": _is_integer,
    "number": lambda v: type(v) in (int, float),
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
}


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema means it: ``True`` is not ``1``, ``1`` is ``1.0``."""
    if type(a) is bool or type(b) is bool:
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)


class Compiler:
    """Compiles schemas found through `lookup` (a document URI -> its contents)."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self._cache: dict[str, Check] = {}

    def compile_uri(self, uri: str) -> Check:
        if uri in self._cache:
            return self._cache[uri]
        cell: list[Check] = []
        # A placeholder first, so that recursive references terminate.
        self._cache[uri] = lambda v: cell[0](v)
        node, document_uri = self._node(uri)
        check = self._compile(node, document_uri)
        cell.append(check)
        self._cache[uri] = check
        return check

    def _node(self, uri: str) -> tuple[Any, str]:
        """The schema node at `uri`, and the URI of the document holding it."""
        document_uri, fragment = urldefrag(uri)
        node: Any = self._lookup(document_uri)
        for part in filter(None, fragment.split("/")):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, document_uri

    def _discriminated(self, branches: list[Any], base: str) -> Check | None:
        """``oneOf`` over object shapes told apart by one required property's distinct
        ``const`` (the message roles, the response formats): at most one branch can match,
        so only the branch the value names is checked."""
        nodes = []
        for branch in branches:
            node, where = branch, base
            while (
                isinstance(node, dict)
                and set(node) <= {"$ref", "description", "title"}
                and "$ref" in node
            ):
                node, where = self._node(urljoin(where, node["$ref"]))
            if not isinstance(node, dict) or node.get("type") != "object":
                return None
            nodes.append((node, where))
        key = next((k for k in nodes[0][0].get("required", ()) if _discriminates(k, nodes)), None)
        if key is None:
            return None
        table = {n["properties"][key]["const"]: self._compile(n, w) for n, w in nodes}

        def check(v: Any) -> bool:
            name = v.get(key) if type(v) is dict else None
            branch = table.get(name) if type(name) is str else None
            return branch is not None and branch(v)

        return check

    def compile(self, schema: Any, base: str) -> Check:
        """Compile `schema`, a node found in the document at `base` (for its references)."""
        return self._compile(schema, base)

    def _compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        unknown = set(schema) - _ANNOTATIONS - _ASSERTIONS
        if unknown:
            raise SchemaCompileError(f"unsupported keyword(s) {sorted(unknown)} in {base}")
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self.compile_uri(urljoin(base, schema["$ref"])))
        typed_object = schema.get("type") == "object"
        object_check = self._object(schema, base, typed=typed_object)
        if object_check is not None:
            # The type, required keys and properties fused into one closure: fewer calls
            # on the hot path.
            checks.append(object_check)
        if "type" in schema and not typed_object:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            type_checks = [_TYPE_CHECKS[name] for name in names]
            checks.append(type_checks[0] if len(type_checks) == 1 else _any_of(type_checks))
        if "const" in schema:
            const = schema["const"]
            if type(const) is str:
                checks.append(lambda v: type(v) is str and v == const)
            else:
                checks.append(lambda v: json_equal(v, const))
        if "enum" in schema:
            options = list(schema["enum"])
            if all(type(o) is str for o in options):
                strings = frozenset(options)
                checks.append(lambda v: type(v) is str and v in strings)
            else:
                checks.append(lambda v: any(json_equal(v, o) for o in options))
        checks.extend(self._array_checks(schema, base))
        checks.extend(_scalar_checks(schema))
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in schema:
                fast = self._discriminated(schema[keyword], base) if keyword == "oneOf" else None
                branches = [self._compile(s, base) for s in schema[keyword]]
                checks.append(fast or _combine(keyword, branches))
        if not checks:
            return lambda v: True
        return checks[0] if len(checks) == 1 else _all_of(checks)

    def _object(self, schema: Mapping[str, Any], base: str, *, typed: bool) -> Check | None:
        """Required keys and properties as one check; with `typed` (``type: object``) a
        non-object fails it, else a non-object passes (the keywords do not apply)."""
        required = frozenset(schema.get("required", ()))
        props = {k: self._compile(s, base) for k, s in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        extra_check: Check | None = None if extra is True else self._compile(extra, base)
        if not (typed or required or props or extra_check is not None):
            return None

        def check_object(v: Any) -> bool:
            if type(v) is not dict:
                return not typed
            if not v.keys() >= required:
                return False
            for key, value in v.items():
                check = props.get(key)
                if check is None:
                    if extra_check is not None and not extra_check(value):
                        return False
                elif not check(value):
                    return False
            return True

        return check_object

    def _array_checks(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        checks: list[Check] = []
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None or high is not None:
            lo, hi = low or 0, float("inf") if high is None else high
            checks.append(lambda v: type(v) is not list or lo <= len(v) <= hi)
        if "items" in schema:
            item = self._compile(schema["items"], base)

            def check_items(v: Any) -> bool:
                if type(v) is list:
                    for x in v:
                        if not item(x):
                            return False
                return True

            checks.append(check_items)
        return checks


def _scalar_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "minimum" in schema or "maximum" in schema:
        lo = schema.get("minimum", float("-inf"))
        hi = schema.get("maximum", float("inf"))
        checks.append(lambda v: type(v) not in (int, float) or lo <= v <= hi)
    if "minLength" in schema or "maxLength" in schema:
        shortest = schema.get("minLength", 0)
        longest = schema.get("maxLength", float("inf"))
        checks.append(lambda v: type(v) is not str or shortest <= len(v) <= longest)
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda v: type(v) is not str or search(v) is not None)
    return checks


def _discriminates(key: str, nodes: list[tuple[Any, str]]) -> bool:
    """Whether every shape requires `key` with its own string ``const``."""
    consts = [n.get("properties", {}).get(key, {}).get("const") for n, _ in nodes]
    required = all(key in n.get("required", ()) for n, _ in nodes)
    return required and all(type(c) is str for c in consts) and len(set(consts)) == len(consts)


def _all_of(checks: list[Check]) -> Check:
    # Plain loops: on this hot path they cost less than all() over a generator.
    def check(v: Any) -> bool:
        for c in checks:  # noqa: SIM110
            if not c(v):
                return False
        return True

    return check


def _any_of(checks: list[Check]) -> Check:
    def check(v: Any) -> bool:
        for c in checks:  # noqa: SIM110 (a loop beats any() over a generator here)
            if c(v):
                return True
        return False

    return check


def _one_of(checks: list[Check]) -> Check:
    def check(v: Any) -> bool:
        matched = 0
        for c in checks:
            if c(v):
                matched += 1
                if matched > 1:
                    return False
        return matched == 1

    return check


def _combine(keyword: str, branches: list[Check]) -> Check:
    return {"allOf": _all_of, "anyOf": _any_of, "oneOf": _one_of}[keyword](branches)
