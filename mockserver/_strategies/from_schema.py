"""Hypothesis strategies of JSON values valid against the project's JSON Schemas.

The generator understands the same keyword subset as `mockserver._compile` and
uses its checks wherever a value cannot be built valid by construction (``oneOf``
exclusivity, keywords beside a ``$ref``, ``const`` or combinator), so the two
cannot drift apart: a schema the compiler refuses, this module refuses too.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, NoReturn
from urllib.parse import urldefrag, urljoin

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from mockserver._contract.fastpath import (
    _ANNOTATIONS,
    _ASSERTIONS,
    Check,
    Compiler,
    SchemaCompileError,
)
from mockserver._contract.validation import SCHEMA_FILES, Kind, _loaded, schema

__all__ = ["for_kind", "from_schema"]

Lookup = Callable[[str], Mapping[str, Any]]

_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
# Caps keep drawn values small, so that a test run stays fast; bounds in a schema win.
_EXTRA_CHARS = 8
_EXTRA_ITEMS = 3

# Printable-ish text: letters, marks, digits, punctuation, symbols and spaces.
_CHARS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"))
_KEYS = st.text(_CHARS, max_size=_EXTRA_CHARS)


def _no_negative_zero(x: float) -> float:
    return x + 0.0  # -0.0 + 0.0 is 0.0: JSON cannot tell them apart, so neither should tests


def _floats(lo: float | None = None, hi: float | None = None) -> SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False).map(_no_negative_zero)


_JSON_VALUES: SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | _floats() | st.text(_CHARS, max_size=_EXTRA_CHARS),
    lambda inner: (
        st.lists(inner, max_size=_EXTRA_ITEMS)
        | st.dictionaries(_KEYS, inner, max_size=_EXTRA_ITEMS)
    ),
    max_leaves=6,
)


def from_schema(
    schema: Mapping[str, Any] | bool,
    *,
    lookup: Lookup | None = None,
    base_uri: str | None = None,
) -> SearchStrategy[Any]:
    """A strategy of JSON values valid against `schema` (JSON Schema draft 2020-12).

    ``$ref`` resolves against the document's ``$id`` (itself resolved against
    `base_uri`); a reference into another document asks `lookup` for that
    document by its URI. Only the keywords `mockserver._compile` implements are
    supported, plus ``allOf`` of a single subschema; annotations are ignored. Any
    other keyword, an unresolvable reference or a malformed argument raises
    `~hypothesis.errors.InvalidArgument` when the strategy is drawn from.

    Values are built valid by construction where the keywords allow; a value
    drawn from ``$ref``, ``const``, ``enum``, ``anyOf`` or ``oneOf`` is then
    filtered through the compiled check of its whole schema (``oneOf``
    exclusivity, sibling keywords), so siblings that rarely hold by chance make
    Hypothesis report a filtering health check. Optional properties are sometimes
    present; open objects sometimes carry unknown keys with arbitrary JSON values.

    Values shrink toward the minimal valid value: required properties only (no
    unknown keys), arrays and strings at their shortest, numbers toward zero or
    the nearest bound, the first enum member; among ``anyOf``/``oneOf`` branches
    and type lists, toward the earliest one, unless a later one needs fewer
    choices (``null``, or a shape with fewer required properties).
    """
    try:
        if not isinstance(schema, Mapping | bool):
            raise InvalidArgument(f"schema must be a JSON Schema object or boolean, got {schema!r}")
        if lookup is not None and not callable(lookup):
            raise InvalidArgument(
                f"lookup must be a callable (a URI -> a document), got {lookup!r}"
            )
        if base_uri is not None and not isinstance(base_uri, str):
            raise InvalidArgument(f"base_uri must be a string, got {base_uri!r}")
        return _Builder(schema, lookup, base_uri or "").root()
    except InvalidArgument as error:
        return st.builds(_raise, st.just(error))


def for_kind(kind: Kind) -> SearchStrategy[Any]:
    """A strategy of values valid against the schema of `kind` (a `mockserver.schemas.Kind`).

    Values are schema-valid only: the semantic rules (usage arithmetic, choice
    indices, ...) are not applied. They shrink like `from_schema`'s: the minimal
    request is ``{"model": "o3-mini", "messages": [{"role": "assistant"}]}``, the
    message shape with the fewest required properties.
    """
    if not isinstance(kind, str) or kind not in SCHEMA_FILES:
        error = InvalidArgument(f"kind must be one of {sorted(SCHEMA_FILES)}, got {kind!r}")
        return st.builds(_raise, st.just(error))
    return _for_kind(kind)


@cache
def _for_kind(kind: Kind) -> SearchStrategy[Any]:
    by_uri = {document["$id"]: document for document in _loaded().documents.values()}
    return from_schema(schema(kind), lookup=by_uri.__getitem__)


def _raise(error: Exception) -> NoReturn:
    raise error


def _escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _where(document: str, pointer: str) -> str:
    return f"{document}#{pointer}"


class _Builder:
    """Walks a schema once, eagerly, so that every error is found before the first draw."""

    def __init__(self, root: Mapping[str, Any] | bool, lookup: Lookup | None, base: str) -> None:
        self._root = root
        self._lookup = lookup
        self._root_uri = base
        if isinstance(root, Mapping) and "$id" in root:
            self._root_uri = urljoin(base, str(root["$id"]))
        self._compiler = Compiler(self._document)
        self._refs: dict[str, SearchStrategy[Any]] = {}

    def root(self) -> SearchStrategy[Any]:
        return self._node(self._root, self._root_uri, "")

    def _document(self, uri: str) -> Mapping[str, Any]:
        if uri == self._root_uri and isinstance(self._root, Mapping):
            return self._root
        if self._lookup is None:
            raise InvalidArgument(f"cannot resolve document {uri!r}: no lookup was given")
        try:
            return self._lookup(uri)
        except LookupError as error:
            raise InvalidArgument(f"cannot resolve document {uri!r}: lookup found none") from error

    def _check(self, node: Mapping[str, Any], document: str, pointer: str) -> Check:
        try:
            # Not compile_uri: a subschema inside anyOf/oneOf has no pointer it can walk.
            return self._compiler.compile(node, document)
        except (SchemaCompileError, LookupError, TypeError) as error:
            raise InvalidArgument(f"{_where(document, pointer)}: {error}") from error

    def _ref(self, uri: str) -> SearchStrategy[Any]:
        if uri not in self._refs:
            built: list[SearchStrategy[Any]] = []
            # Registered before building, so that a recursive reference finds it.
            self._refs[uri] = st.deferred(lambda: built[0])
            document, fragment = urldefrag(uri)
            if fragment and not fragment.startswith("/"):
                raise InvalidArgument(f"$ref {uri!r}: only JSON Pointer fragments are supported")
            node: Any = self._document(document)
            for part in filter(None, fragment.split("/")):
                key = part.replace("~1", "/").replace("~0", "~")
                try:
                    node = node[int(key)] if isinstance(node, list) else node[key]
                except (LookupError, TypeError, ValueError) as error:
                    raise InvalidArgument(f"$ref {uri!r}: no schema at {key!r}") from error
            built.append(self._node(node, document, fragment))
        return self._refs[uri]

    def _node(self, node: Any, document: str, pointer: str) -> SearchStrategy[Any]:
        if node is True:
            return _JSON_VALUES
        if node is False:
            return st.nothing()
        where = _where(document, pointer)
        if not isinstance(node, Mapping):
            raise InvalidArgument(f"{where}: a schema must be an object or a boolean, got {node!r}")
        unknown = set(node) - _ANNOTATIONS - _ASSERTIONS
        if unknown:
            raise InvalidArgument(f"{where}: unsupported keyword(s) {sorted(unknown)}")
        if pointer and "$id" in node:
            raise InvalidArgument(f"{where}: $id is supported only at a document's root")
        assertions = set(node) & _ASSERTIONS
        built: set[str]  # the keywords `source` satisfies by construction
        if "$ref" in node:
            source, built = self._ref(urljoin(document, str(node["$ref"]))), {"$ref"}
        elif "const" in node:
            source, built = st.just(node["const"]).map(copy.deepcopy), {"const"}
        elif "enum" in node:
            source, built = st.sampled_from(list(node["enum"])).map(copy.deepcopy), {"enum"}
        elif "allOf" in node:
            if len(node["allOf"]) != 1:
                raise InvalidArgument(f"{where}: allOf is supported with one subschema only")
            source, built = self._node(node["allOf"][0], document, f"{pointer}/allOf/0"), {"allOf"}
        elif "anyOf" in node or "oneOf" in node:
            keyword = "oneOf" if "oneOf" in node else "anyOf"
            branches = [
                self._node(branch, document, f"{pointer}/{keyword}/{i}")
                for i, branch in enumerate(node[keyword])
            ]
            source = st.one_of(branches)
            # A value of one oneOf branch may match another too: only the check can tell.
            built = {keyword} if keyword == "anyOf" or len(branches) == 1 else set()
        else:
            source, built = self._typed(node, document, pointer), assertions
        if assertions - built:
            source = source.filter(self._check(node, document, pointer))
        return source

    def _typed(self, node: Mapping[str, Any], document: str, pointer: str) -> SearchStrategy[Any]:
        where = _where(document, pointer)
        names = node.get("type", list(_TYPES))
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not set(names) <= set(_TYPES):
            raise InvalidArgument(f"{where}: type must be one of {list(_TYPES)} or a list of them")
        return st.one_of([self._of_type(name, node, document, pointer) for name in names])

    def _of_type(
        self, name: str, node: Mapping[str, Any], document: str, pointer: str
    ) -> SearchStrategy[Any]:
        if name == "null":
            return st.none()
        if name == "boolean":
            return st.booleans()
        if name in ("integer", "number"):
            return _numbers(node, _where(document, pointer), integral=name == "integer")
        if name == "string":
            return _strings(node, _where(document, pointer))
        if name == "array":
            return self._arrays(node, document, pointer)
        return self._objects(node, document, pointer)

    def _arrays(self, node: Mapping[str, Any], document: str, pointer: str) -> SearchStrategy[Any]:
        items = self._node(node.get("items", True), document, f"{pointer}/items")
        low, high = _bounds(node, "minItems", "maxItems", _where(document, pointer))
        return st.lists(items, min_size=low, max_size=_cap(low, high, _EXTRA_ITEMS))

    def _objects(self, node: Mapping[str, Any], document: str, pointer: str) -> SearchStrategy[Any]:
        properties: Mapping[str, Any] = node.get("properties", {})
        required = list(node.get("required", []))
        extra = node.get("additionalProperties", True)
        strategies = {
            name: self._node(sub, document, f"{pointer}/properties/{_escape(name)}")
            for name, sub in properties.items()
        }
        extras = (
            None
            if extra is False
            else self._node(extra, document, f"{pointer}/additionalProperties")
        )
        present: dict[str, SearchStrategy[Any]] = {}
        for name in required:
            if name in strategies:
                present[name] = strategies[name]
            elif extras is not None:
                present[name] = extras
            else:
                return st.nothing()  # required, but additionalProperties forbids it
        optional = {
            name: strategy
            for name, strategy in strategies.items()
            if name not in present and properties[name] is not False
        }
        fixed = st.fixed_dictionaries(present, optional=optional)
        if extras is None:
            return fixed
        known = set(properties) | set(required)
        unknown = st.dictionaries(
            _KEYS.filter(lambda key: key not in known), extras, min_size=1, max_size=2
        )
        return st.builds(_merge, fixed, st.just({}) | unknown)


def _merge(fixed: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {**fixed, **extra}


def _bounds(node: Mapping[str, Any], low: str, high: str, where: str) -> tuple[int, int | None]:
    lo, hi = node.get(low, 0), node.get(high)
    for keyword, value in ((low, lo), (high, hi)):
        if value is not None and (type(value) is not int or value < 0):
            raise InvalidArgument(
                f"{where}: {keyword} must be a non-negative integer, got {value!r}"
            )
    if hi is not None and hi < lo:
        raise InvalidArgument(f"{where}: {low} {lo} is greater than {high} {hi}")
    return lo, hi


def _cap(low: int, high: int | None, extra: int) -> int:
    return low + extra if high is None else min(high, low + extra)


def _numbers(node: Mapping[str, Any], where: str, *, integral: bool) -> SearchStrategy[Any]:
    lo, hi = node.get("minimum"), node.get("maximum")
    for keyword, value in (("minimum", lo), ("maximum", hi)):
        if value is not None and type(value) not in (int, float):
            raise InvalidArgument(f"{where}: {keyword} must be a number, got {value!r}")
    if lo is not None and hi is not None and lo > hi:
        raise InvalidArgument(f"{where}: minimum {lo} is greater than maximum {hi}")
    low = None if lo is None else math.ceil(lo)
    high = None if hi is None else math.floor(hi)
    if low is not None and high is not None and low > high:
        integers: SearchStrategy[Any] = st.nothing()  # e.g. minimum 0.2, maximum 0.8
    else:
        integers = st.integers(low, high)
    return integers if integral else integers | _floats(lo, hi)


def _strings(node: Mapping[str, Any], where: str) -> SearchStrategy[str]:
    low, high = _bounds(node, "minLength", "maxLength", where)
    if "pattern" not in node:
        return st.text(_CHARS, min_size=low, max_size=_cap(low, high, _EXTRA_CHARS))
    pattern = node["pattern"]
    try:
        re.compile(pattern)
    except (re.error, TypeError) as error:
        raise InvalidArgument(f"{where}: pattern {pattern!r} is not a regex: {error}") from error
    strings = st.from_regex(pattern)
    if low == 0 and high is None:
        return strings
    return strings.filter(lambda s: low <= len(s) and (high is None or len(s) <= high))
