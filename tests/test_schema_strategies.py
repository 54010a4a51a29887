"""Strategies drawn from the schemas give valid values, and the fast check agrees with jsonschema."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any, get_args

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, NoSuchExample
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from mockserver import schemas
from mockserver._contract.validation import Kind, _loaded, validators
from mockserver._strategies.from_schema import for_kind, from_schema

KINDS: tuple[Kind, ...] = get_args(Kind)
DOCUMENTS = list(_loaded().documents.values())


def jsonschema_valid(kind: Kind, value: Any) -> bool:
    return validators()[kind].is_valid(value)


# ---- what the schemas draw ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_drawn_values_are_valid_and_json(kind: Kind, data: st.DataObject) -> None:
    value = data.draw(for_kind(kind))
    assert jsonschema_valid(kind, value)
    assert schemas.is_valid(kind, value)
    assert json.loads(json.dumps(value, allow_nan=False)) == value


def test_minimal_request_is_model_and_one_message() -> None:
    minimal = find(for_kind("request"), lambda v: True, settings=settings(database=None))
    # The assistant shape is the one whose only required property is role.
    assert minimal == {"model": "o3-mini", "messages": [{"role": "assistant"}]}


def test_minimal_chunk_has_required_properties_only() -> None:
    minimal = find(for_kind("chunk"), lambda v: True, settings=settings(database=None))
    assert set(minimal) == {"id", "object", "created", "model", "choices"}
    assert minimal["choices"] == []


def test_unknown_kind_raises_when_drawn() -> None:
    strategy = for_kind("transcript")  # type: ignore[arg-type]  # the wrong kind on purpose
    with pytest.raises(InvalidArgument, match="kind must be one of"):
        find(strategy, lambda v: True)


# ---- the fast check agrees with jsonschema -------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)


def _schema_nodes(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_nodes(value)


def _edge_values() -> list[Any]:
    """Values near every rule of the schemas: each const and enum member, both sides of each bound."""
    found: list[Any] = [None, True, False, 0, -1, 1.0, 0.5, "", [], {}, "400", "400\n", "4000"]
    for node in (n for doc in DOCUMENTS for n in _schema_nodes(doc)):
        if "const" in node:
            found.append(node["const"])
        if isinstance(node.get("enum"), list):
            found.extend(node["enum"])
        for bound in ("minimum", "maximum"):
            if isinstance(node.get(bound), int | float) and not isinstance(node[bound], bool):
                found.extend([node[bound] - 1, node[bound], node[bound] + 1, float(node[bound])])
        for bound in ("minLength", "maxLength", "minItems", "maxItems"):
            if isinstance(node.get(bound), int):
                n = node[bound]
                found.extend(["x" * k for k in (n - 1, n, n + 1) if k >= 0])
                found.extend([[{}] * k for k in (n - 1, n, n + 1) if k >= 0])
    return found


def _property_names() -> list[str]:
    names = {
        name
        for doc in DOCUMENTS
        for node in _schema_nodes(doc)
        for name in [*node.get("properties", {}), *node.get("required", [])]
        if isinstance(name, str)
    }
    return sorted(names)


NAMES = st.sampled_from(_property_names()) | st.text(max_size=4)
EDGES = st.sampled_from(_edge_values()).map(copy.deepcopy)
JSON = st.recursive(
    JSON_SCALARS | EDGES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=12,
)


def assert_agree(kind: Kind, value: Any) -> None:
    fast, full = schemas.is_valid(kind, value), jsonschema_valid(kind, value)
    assert fast == full, f"{kind}: the fast check says {fast}, jsonschema says {full}: {value!r}"


@pytest.mark.parametrize("kind", KINDS)
@given(value=JSON)
def test_fast_check_agrees_on_arbitrary_json(kind: Kind, value: Any) -> None:
    assert_agree(kind, value)


def _paths(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def mutate(data: st.DataObject, value: Any) -> Any:
    """`value` with one nested value replaced, removed, or a key or item added."""
    path = data.draw(st.sampled_from(list(_paths(value))), label="path")
    target = _at(value, path)
    operations = ["replace"] + (["delete"] if path else [])
    operations += ["add"] if isinstance(target, dict | list) else []
    operation = data.draw(st.sampled_from(operations), label="operation")
    if operation == "replace":
        new = data.draw(JSON, label="new value")
        if not path:
            return new
        _at(value, path[:-1])[path[-1]] = new
    elif operation == "delete":
        del _at(value, path[:-1])[path[-1]]
    elif isinstance(target, dict):
        target[data.draw(NAMES, label="new key")] = data.draw(JSON, label="new value")
    else:
        extra = st.sampled_from(target) if target else JSON
        target.append(copy.deepcopy(data.draw(extra, label="new item")))
    return value


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_fast_check_agrees_on_mutated_valid_values(kind: Kind, data: st.DataObject) -> None:
    value = copy.deepcopy(data.draw(for_kind(kind), label="valid value"))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        value = mutate(data, value)
    assert_agree(kind, value)


# ---- from_schema on small schemas ----------------------------------------------------------

OTHER = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.invalid/schemas/other.json",
    "$defs": {"positive": {"type": "integer", "minimum": 1}},
}
TREE = {
    "$defs": {
        "tree": {
            "type": "object",
            "required": ["value"],
            "additionalProperties": False,
            "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "maxItems": 2, "items": {"$ref": "#/$defs/tree"}},
            },
        }
    },
    "$ref": "#/$defs/tree",
}

SCHEMAS = {
    "enum": {"enum": ["a", 1, None, [True]]},
    "typed-enum": {"type": "string", "enum": ["a", 1, "b"]},
    "const": {"const": {"x": [1, 2]}},
    "pattern": {"type": "string", "pattern": "^[a-c]{2,3}$"},
    "pattern-and-length": {"type": "string", "pattern": "^x+$", "maxLength": 2},
    "one-of": {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": 20},
            {"type": "integer", "minimum": 10, "maximum": 30},
        ]
    },
    "any-of": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "null"}}]},
    "all-of-one": {"allOf": [{"type": "boolean"}], "title": "annotated"},
    "local-ref": {"$defs": {"s": {"type": "string", "minLength": 2}}, "$ref": "#/$defs/s"},
    "ref-with-siblings": {
        "$defs": {"n": {"type": ["integer", "string"]}},
        "$ref": "#/$defs/n",
        "type": "integer",
    },
    "recursive": TREE,
    "array-bounds": {"type": "array", "items": {"type": "boolean"}, "minItems": 2, "maxItems": 3},
    "type-list": {"type": ["integer", "null"], "minimum": 1, "maximum": 3},
    "number": {"type": "number", "minimum": 0.5, "maximum": 2.5},
    "object-schema-extras": {
        "type": "object",
        "required": ["a", "b"],
        "properties": {"a": {"const": 1}},
        "additionalProperties": {"type": "integer"},
    },
    "closed-object": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"a": {"type": "string"}, "b": False},
    },
    "untyped": {"minimum": 0, "maxLength": 1, "maxItems": 0},
    "true": True,
}


def _draws_valid(schema: Any, **options: Any) -> None:
    registry: Registry[Any] = Registry().with_resource(OTHER["$id"], Resource.from_contents(OTHER))
    as_validated = {**schema, "$id": options["base_uri"]} if "base_uri" in options else schema
    validator = Draft202012Validator(as_validated, registry=registry)

    @given(from_schema(schema, **options))
    def check(value: Any) -> None:
        assert validator.is_valid(value), value
        assert json.loads(json.dumps(value, allow_nan=False)) == value

    check()


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_small_schemas_draw_valid_values(schema: Any) -> None:
    _draws_valid(schema)


def test_cross_document_ref_resolves_against_base_uri() -> None:
    schema = {"type": "array", "minItems": 1, "items": {"$ref": "other.json#/$defs/positive"}}
    _draws_valid(
        schema,
        lookup={OTHER["$id"]: OTHER}.__getitem__,
        base_uri="https://example.invalid/schemas/root.json",
    )


def _minimal(schema: Any, condition: Any = lambda v: True) -> Any:
    return find(from_schema(schema), condition, settings=settings(database=None))


def test_one_of_never_draws_a_value_two_branches_match() -> None:
    schema = SCHEMAS["one-of"]
    assert _minimal(schema) == 0
    assert _minimal(schema, lambda v: v >= 10) == 21
    with pytest.raises(NoSuchExample):
        _minimal(schema, lambda v: 10 <= v <= 20)


def test_array_bounds_are_reached_and_kept() -> None:
    schema = SCHEMAS["array-bounds"]
    assert _minimal(schema) == [False, False]
    assert len(_minimal(schema, lambda v: len(v) == 3)) == 3


def test_shrinks_to_first_enum_member_and_required_properties() -> None:
    assert _minimal(SCHEMAS["enum"]) == "a"
    assert _minimal(SCHEMAS["object-schema-extras"]) == {"a": 1, "b": 0}
    assert _minimal(TREE) == {"value": 0}


def test_optional_properties_and_extra_keys_come_and_go() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "null"}}}
    assert _minimal(schema) == {}
    assert _minimal(schema, lambda v: "a" in v) == {"a": None}
    assert len(_minimal(schema, lambda v: set(v) - {"a"})) == 1
    closed = SCHEMAS["closed-object"]
    with pytest.raises(NoSuchExample):
        _minimal(closed, lambda v: set(v) - {"a"})


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        pytest.param({"type": "array", "uniqueItems": True}, "uniqueItems", id="unknown-keyword"),
        pytest.param({"properties": {"a": {"not": {}}}}, "not", id="nested-unknown-keyword"),
        pytest.param({"allOf": [{}, {}]}, "allOf", id="all-of-two"),
        pytest.param({"$ref": "#/$defs/missing"}, "missing", id="dangling-ref"),
        pytest.param({"$ref": "other.json"}, "no lookup", id="ref-without-lookup"),
        pytest.param({"type": "decimal"}, "type must be", id="unknown-type"),
        pytest.param({"minimum": 2, "maximum": 1}, "greater than", id="empty-range"),
        pytest.param({"type": "string", "pattern": "("}, "not a regex", id="bad-pattern"),
        pytest.param("string", "JSON Schema object", id="not-a-schema"),
    ],
)
def test_unsupported_schemas_raise_when_drawn(schema: Any, match: str) -> None:
    strategy = from_schema(schema)  # no error yet: errors are deferred into the strategy
    with pytest.raises(InvalidArgument, match=match):
        find(strategy, lambda v: True)
