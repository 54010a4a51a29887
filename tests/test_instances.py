from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from mockserver._generation.instances import UnsatisfiableSchema, instance

WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location"],
}

CORPUS: dict[str, Any] = {
    "weather": WEATHER,
    "weather_strict": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "units": {"type": ["string", "null"], "enum": ["celsius", "fahrenheit", None]},
        },
        "required": ["location", "units"],
        "additionalProperties": False,
    },
    "search": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1},
            "max_results": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
            "safe_search": {"type": "boolean"},
            "language": {"type": "string", "examples": ["en", "de"]},
        },
        "required": ["query"],
    },
    "calendar_event": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "maxLength": 80},
            "start_time": {"type": "string", "format": "date-time"},
            "end_time": {"type": "string", "format": "date-time"},
            "date": {"type": "string", "format": "date"},
            "reminder": {"type": "string", "format": "time"},
            "attendees": {
                "type": "array",
                "items": {"type": "string", "format": "email"},
                "uniqueItems": True,
                "maxItems": 5,
            },
            "location": {"type": "string"},
        },
        "required": ["title", "start_time", "attendees"],
        "additionalProperties": False,
    },
    "sql_query": {
        "type": "object",
        "properties": {
            "sql": {"type": "string", "description": "A read-only SQL statement"},
            "database": {"type": "string", "enum": ["analytics", "billing"]},
            "timeout_ms": {"type": "integer", "exclusiveMinimum": 0, "maximum": 30000},
        },
        "required": ["sql", "database"],
    },
    "enum_unit": {"type": "string", "enum": ["metric", "imperial", "kelvin"]},
    "order_lines": {
        "type": "object",
        "properties": {
            "order_id": {"type": "string", "pattern": "^ORD-[0-9]{6}$"},
            "lines": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "sku": {"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"},
                        "quantity": {"type": "integer", "minimum": 1},
                        "price": {"type": "number", "exclusiveMinimum": 0, "multipleOf": 0.01},
                        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                    },
                    "required": ["sku", "quantity", "price"],
                },
            },
        },
        "required": ["order_id", "lines"],
    },
    "one_of_payment": {
        "type": "object",
        "properties": {
            "payment": {
                "oneOf": [
                    {
                        "type": "object",
                        "properties": {
                            "kind": {"const": "card"},
                            "number": {"type": "string", "pattern": "^\\d{16}$"},
                        },
                        "required": ["kind", "number"],
                        "additionalProperties": False,
                    },
                    {
                        "type": "object",
                        "properties": {
                            "kind": {"const": "iban"},
                            "iban": {"type": "string", "pattern": "^[A-Z]{2}\\d{2}[A-Z0-9]{10,20}$"},
                        },
                        "required": ["kind", "iban"],
                        "additionalProperties": False,
                    },
                ]
            }
        },
        "required": ["payment"],
    },
    "one_of_overlapping": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0.5}]},
    "defs_ref": {
        "$defs": {
            "address": {
                "type": "object",
                "properties": {
                    "street": {"type": "string"},
                    "city": {"type": "string"},
                    "zip": {"type": "string", "pattern": "^\\d{5}$"},
                },
                "required": ["street", "city", "zip"],
            }
        },
        "type": "object",
        "properties": {
            "billing": {"$ref": "#/$defs/address"},
            "shipping": {"$ref": "#/$defs/address", "description": "Where to ship"},
        },
        "required": ["billing"],
    },
    "definitions_ref": {
        "definitions": {"person": {"type": "object", "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}}, "required": ["name", "email"]}},
        "type": "object",
        "properties": {"owner": {"$ref": "#/definitions/person"}, "members": {"type": "array", "items": {"$ref": "#/definitions/person"}}},
        "required": ["owner", "members"],
    },
    "recursive_ui": {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["div", "button", "header", "section", "field", "form"]},
            "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#"}},
            "attributes": {"type": "array", "items": {"$ref": "#/$defs/attribute"}},
        },
        "required": ["type", "label", "children", "attributes"],
        "additionalProperties": False,
        "$defs": {
            "attribute": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                "required": ["name", "value"],
                "additionalProperties": False,
            }
        },
    },
    "recursive_linked_list": {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"value": {"type": "integer"}, "next": {"anyOf": [{"$ref": "#/$defs/node"}, {"type": "null"}]}},
                "required": ["value", "next"],
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/node",
    },
    "pattern_ids": {
        "type": "object",
        "properties": {
            "user_id": {"type": "string", "pattern": "^usr_[a-z0-9]{8}$"},
            "ticket": {"type": "string", "pattern": "^(BUG|FEAT|OPS)-\\d{1,5}$"},
            "hex_color": {"type": "string", "pattern": "^#(?:[0-9a-fA-F]{3}){1,2}$"},
            "version": {"type": "string", "pattern": "^v?\\d+\\.\\d+(\\.\\d+)?(-[a-z]+)?$"},
            "slug": {"type": "string", "pattern": "[a-z]+(-[a-z]+)*", "maxLength": 30},
            "not_digit": {"type": "string", "pattern": "^[^0-9\\s]{2,4}\\D?$"},
        },
        "required": ["user_id", "ticket", "hex_color", "version", "slug", "not_digit"],
    },
    "formats": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "homepage": {"type": "string", "format": "uri"},
            "server": {"type": "string", "format": "hostname"},
            "ip": {"type": "string", "format": "ipv4"},
            "ip6": {"type": "string", "format": "ipv6"},
            "contact": {"type": "string", "format": "email"},
            "created": {"type": "string", "format": "date-time"},
            "birthday": {"type": "string", "format": "date"},
            "alarm": {"type": "string", "format": "time"},
            "every": {"type": "string", "format": "duration"},
        },
        "required": ["id", "homepage", "server", "ip", "ip6", "contact", "created", "birthday", "alarm", "every"],
    },
    "numbers": {
        "type": "object",
        "properties": {
            "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "step": {"type": "number", "minimum": 0, "maximum": 10, "multipleOf": 0.25},
            "tenth": {"type": "number", "multipleOf": 0.1, "minimum": -5, "maximum": 5},
            "even": {"type": "integer", "multipleOf": 2, "exclusiveMinimum": 10, "exclusiveMaximum": 20},
            "half_int": {"type": "integer", "multipleOf": 2.5},
            "big": {"type": "integer", "minimum": 1000000},
            "negative": {"type": "number", "maximum": -100},
            "latitude": {"type": "number", "minimum": -90, "maximum": 90},
            "tiny": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.0001},
        },
        "required": ["ratio", "step", "tenth", "even", "half_int", "big", "negative", "latitude", "tiny"],
    },
    "openai_math_reasoning": {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                    "required": ["explanation", "output"],
                    "additionalProperties": False,
                },
            },
            "final_answer": {"type": "string"},
        },
        "required": ["steps", "final_answer"],
        "additionalProperties": False,
    },
    "openai_research_paper": {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "authors": {"type": "array", "items": {"type": "string"}},
            "abstract": {"type": "string"},
            "keywords": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["title", "authors", "abstract", "keywords"],
        "additionalProperties": False,
    },
    "openai_moderation_nullable": {
        "type": "object",
        "properties": {
            "is_violating": {"type": "boolean"},
            "category": {"type": ["string", "null"], "enum": ["violence", "sexual", "self_harm", None]},
            "explanation_if_violating": {"type": ["string", "null"]},
        },
        "required": ["is_violating", "category", "explanation_if_violating"],
        "additionalProperties": False,
    },
    "any_of_item": {
        "type": "object",
        "properties": {
            "item": {
                "anyOf": [
                    {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name", "age"], "additionalProperties": False},
                    {"type": "object", "properties": {"number": {"type": "string"}, "street": {"type": "string"}, "city": {"type": "string"}}, "required": ["number", "street", "city"], "additionalProperties": False},
                ]
            }
        },
        "required": ["item"],
        "additionalProperties": False,
    },
    "all_of_merge": {
        "allOf": [
            {"type": "object", "properties": {"id": {"type": "integer", "minimum": 1}}, "required": ["id"]},
            {"properties": {"name": {"type": "string", "minLength": 3}}, "required": ["name"]},
            {"properties": {"id": {"maximum": 10}}},
        ]
    },
    "tuple_prefix_items": {
        "type": "array",
        "prefixItems": [{"type": "number", "minimum": -90, "maximum": 90}, {"type": "number", "minimum": -180, "maximum": 180}, {"type": "string", "enum": ["home", "work"]}],
        "items": False,
        "minItems": 2,
    },
    "nested_matrix": {
        "type": "object",
        "properties": {"matrix": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "integer", "minimum": 0, "maximum": 9}}}},
        "required": ["matrix"],
    },
    "unique_small_enum": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "uniqueItems": True, "minItems": 3},
    "map_of_scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 100}, "minProperties": 1},
    "pattern_properties": {"type": "object", "patternProperties": {"^x-[a-z]+$": {"type": "string"}}, "additionalProperties": False, "minProperties": 1},
    "no_type_inferred": {"properties": {"count": {"minimum": 3, "maximum": 7}, "tags": {"items": {"maxLength": 5}, "minItems": 1}}, "required": ["count", "tags"]},
    "not_and_if": {
        "type": "object",
        "properties": {"country": {"type": "string", "enum": ["US", "CA", "FR"]}, "postal_code": {"type": "string"}},
        "required": ["country", "postal_code"],
        "if": {"properties": {"country": {"const": "US"}}},
        "then": {"properties": {"postal_code": {"pattern": "^\\d{5}$"}}},
        "else": {"properties": {"postal_code": {"pattern": "^[A-Z0-9]{3} ?[A-Z0-9]{3}$"}}},
        "not": {"properties": {"country": {"const": "FR"}}, "required": ["country"]},
    },
    "const_and_nullable_openapi": {
        "type": "object",
        "properties": {"version": {"const": 2}, "note": {"type": "string", "nullable": True}},
        "required": ["version", "note"],
    },
    "dependent_required": {
        "type": "object",
        "properties": {"credit_card": {"type": "string", "pattern": "^\\d{16}$"}, "billing_address": {"type": "string"}},
        "dependentRequired": {"credit_card": ["billing_address"]},
    },
    "contains": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 20}, "contains": {"const": 7}},
    "length_bounds": {"type": "object", "properties": {"name": {"type": "string", "minLength": 40, "maxLength": 45}, "code": {"type": "string", "maxLength": 2}}, "required": ["name", "code"]},
}  # fmt: skip

SEEDS = range(20)


def _validator(schema: Any) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_instances_validate(name: str) -> None:
    schema = CORPUS[name]
    validator = _validator(schema)
    for seed in SEEDS:
        value = instance(schema, random.Random(seed))
        errors = [e.message for e in validator.iter_errors(value)]
        assert not errors, (seed, value, errors)
        json.dumps(value, allow_nan=False)


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_same_seed_same_value(name: str) -> None:
    schema = CORPUS[name]
    for seed in (0, 7):
        assert instance(schema, random.Random(seed)) == instance(schema, random.Random(seed))


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_different_seeds_vary(name: str) -> None:
    values = {json.dumps(instance(CORPUS[name], random.Random(s)), sort_keys=True) for s in SEEDS}
    assert len(values) > 1


@pytest.mark.parametrize("schema", [None, True, {}, {"description": "no arguments"}])
def test_empty_schema_means_no_arguments(schema: Any) -> None:
    assert instance(schema, random.Random(0)) == {}


def test_realistic_free_strings() -> None:
    values = [instance(WEATHER, random.Random(s)) for s in SEEDS]
    assert all(re.fullmatch(r"[A-Z][A-Za-z ]+, [A-Za-z ]+", v["location"]) for v in values)
    assert {v.get("unit") for v in values} >= {"celsius", "fahrenheit", None}
    person = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "email": {"type": "string"},
            "start_date": {"type": "string"},
            "limit": {"type": "integer"},
            "q": {"type": "string"},
        },
        "required": ["name", "email", "start_date", "limit", "q"],
    }
    value = instance(person, random.Random(3))
    assert re.fullmatch(r"\w+ \w+", value["name"])
    assert "@" in value["email"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", value["start_date"])
    assert 1 <= value["limit"] <= 10
    assert " " in value["q"]


def test_strict_schema_fills_every_property() -> None:
    schema = CORPUS["calendar_event"] | {"required": list(CORPUS["calendar_event"]["properties"])}
    for seed in SEEDS:
        assert set(instance(schema, random.Random(seed))) == set(schema["properties"])


def test_optional_properties_are_sometimes_left_out() -> None:
    present = [len(instance(CORPUS["search"], random.Random(s))) for s in range(40)]
    assert min(present) < 4 < max(present) + 1
    assert min(present) >= 1


def test_recursion_terminates() -> None:
    value = instance(CORPUS["recursive_ui"], random.Random(1))

    def depth(node: dict[str, Any]) -> int:
        return 1 + max((depth(c) for c in node["children"]), default=0)

    assert depth(value) <= 3


@pytest.mark.parametrize(
    ("schema", "where"),
    [
        ({"type": "integer", "minimum": 5, "maximum": 4}, "$"),
        ({"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1}, "$"),
        ({"type": "string", "minLength": 3, "maxLength": 2}, "$"),
        ({"type": "array", "minItems": 3, "maxItems": 1}, "$"),
        ({"type": "object", "properties": {"a": {"type": "integer", "minimum": 3, "maximum": 1}}, "required": ["a"]}, "$.a"),
        ({"type": "object", "properties": {}, "required": ["x"], "additionalProperties": False}, "$.x"),
        ({"type": "array", "items": {"type": "boolean"}, "minItems": 3, "uniqueItems": True}, "$"),
        ({"allOf": [{"type": "string"}, {"type": "integer"}]}, "$"),
        ({"enum": [1, 2], "type": "string"}, "$"),
        ({"$ref": "#/$defs/missing"}, "$"),
        ({"$ref": "https://example.com/schema.json"}, "$"),
        ({"type": "object", "properties": {"next": {"$ref": "#"}}, "required": ["next"]}, "$.next"),
        ({"not": {}}, "$"),
        ({"type": "object", "minProperties": 3, "maxProperties": 1}, "$"),
        ({"type": "string", "format": "date", "pattern": "^x$"}, "$"),
        ({"type": "object", "properties": {"s": {"type": "string", "minLength": "3"}}, "required": ["s"]}, "$.properties.s.minLength"),
        ({"type": "strng"}, "$"),
        ({"const": "x", "type": "integer"}, "$"),
        (False, "$"),
    ],
)  # fmt: skip
def test_unsatisfiable_schemas_name_the_path(schema: Any, where: str) -> None:
    with pytest.raises(UnsatisfiableSchema, match=re.escape(where)):
        instance(schema, random.Random(0))


def test_unsatisfiable_is_a_value_error() -> None:
    assert issubclass(UnsatisfiableSchema, ValueError)


def test_unsupported_pattern_gives_up_gracefully() -> None:
    schema = {"type": "string", "pattern": "^(?=.*\\d)[a-z\\d]{8}$"}
    with pytest.raises(UnsatisfiableSchema, match="pattern"):
        instance(schema, random.Random(0))


_SIMPLE_PATTERNS = st.sampled_from(
    [
        "^[a-z]{2,5}$",
        "^\\d{3}-\\d{2}-\\d{4}$",
        "^(foo|bar|baz)+$",
        "^[A-Z][a-z]*( [A-Z][a-z]*)?$",
        "^\\w+@\\w+\\.com$",
        "^[^aeiou]{3}$",
        "^a.c$",
        "x?y*z+",
        "^\\s?[.!?]{1,3}\\S$",
        "^\\u00e9\\x41[\\-+]$",
        "^(?:ab|cd){2}(?P<tail>e|f)?$",
    ]
)


@given(pattern=_SIMPLE_PATTERNS, seed=st.integers(0, 2**32 - 1))
def test_pattern_strings_match(pattern: str, seed: int) -> None:
    value = instance({"type": "string", "pattern": pattern}, random.Random(seed))
    assert re.search(pattern, value)


@given(
    low=st.integers(-1000, 1000),
    width=st.integers(0, 1000),
    step=st.sampled_from([None, 1, 2, 3, 5, 0.5, 0.25, 0.1, 0.01]),
    integer=st.booleans(),
    exclusive=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_numbers_respect_bounds(
    low: int, width: int, step: float | None, integer: bool, exclusive: bool, seed: int
) -> None:
    schema: dict[str, Any] = {"type": "integer" if integer else "number"}
    schema["exclusiveMinimum" if exclusive else "minimum"] = low
    schema["maximum"] = low + width + (1 if exclusive else 0)
    if step is not None:
        schema["multipleOf"] = step
    try:
        value = instance(schema, random.Random(seed))
    except UnsatisfiableSchema:
        # only when the window holds no multiple of the step
        assert step is not None
        assert width < 10
        return
    assert _validator(schema).is_valid(value), value
