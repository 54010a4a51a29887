"""The gateway's body-validation texts are zod's, for every rule the request schema checks
(docs/WIRE.md §4): the wording of the provider's docs and of fixtures/errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import HELLO, error_of, post

from mockserver import Config, Service, schemas
from mockserver._contract import zod
from mockserver._contract.violations import Violation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TOOL = {"type": "function", "function": {"name": "f"}}


def _message(request: dict[str, Any], wire: str = "2026") -> str:
    outcome = post(Service(Config(wire=wire)), request)
    assert outcome.status == 400
    text: str = error_of(outcome)["message"]
    return text


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"reasoning_effort": "max"}, "reasoning_effort: Invalid enum value. Expected 'low' | 'medium' | 'high', received 'max'"),
        ({"reasoning_effort": 3}, "reasoning_effort: Expected 'low' | 'medium' | 'high', received number"),
        ({"n": "2"}, "n: Expected number, received string"),
        ({"n": 1.5}, "n: Expected integer, received float"),
        ({"stream": "yes"}, "stream: Expected boolean, received string"),
        ({"seed": 0}, "seed: Number must be greater than or equal to 1"),
        ({"n": 129}, "n: Number must be less than or equal to 128"),
        ({"messages": []}, "messages: Array must contain at least 1 element(s)"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop: Array must contain at most 4 element(s)"),
        ({"tool_choice": 7}, "tool_choice: Invalid input"),
        ({"tools": [{**TOOL, "type": "custom"}]}, 'tools[0].type: Invalid literal value, expected "function"'),
        ({"tools": [{**TOOL, "function": {"name": "get weather"}}]}, "tools[0].function.name: Invalid"),
        ({"metadata": {"k": "v" * 513}}, "metadata.k: String must contain at most 512 character(s)"),
        ({"stream": True, "stream_options": {"include_usage": True, "include_obfuscation": False}}, "stream_options: Unrecognized key(s) in object: 'include_obfuscation'"),
        ({"stream": True, "stream_options": {}}, "stream_options.include_usage: Required"),
    ],
)  # fmt: skip
def test_each_violation_is_worded_as_zod_words_it(change: dict[str, Any], detail: str) -> None:
    assert _message({**HELLO, **change}) == f"Body validation error! {detail}"


def test_the_2025_wire_words_it_the_same_in_its_flat_body() -> None:
    assert _message({**HELLO, "seed": 0}, "2025") == (
        "Body validation error! seed: Number must be greater than or equal to 1"
    )


def test_the_fixture_is_what_the_mock_sends() -> None:
    fixture = json.loads((FIXTURES / "errors" / "400-body-validation.json").read_text())
    assert _message({**HELLO, "reasoning_effort": "max"}, "2025") == fixture["message"]


def test_a_missing_key_and_unknown_keys_of_one_object_are_single_issues() -> None:
    missing = schemas.validate_request({"model": "o3-mini"})
    assert zod.describe(missing) == ["messages: Required"]
    extra = [
        Violation("tools[0].function.a", "additionalProperties", ""),
        Violation("tools[0].function.b", "additionalProperties", ""),
    ]
    assert zod.describe(extra) == ["tools[0].function: Unrecognized key(s) in object: 'a', 'b'"]


def _keywords(node: Any) -> Iterator[str]:
    """Every keyword used in the schema `node` (not the names of its properties)."""
    if isinstance(node, list):
        for item in node:
            yield from _keywords(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key in ("properties", "$defs"):
                for schema in value.values():
                    yield from _keywords(schema)
            elif key not in ("enum", "const", "required", "default", "examples"):
                yield from _keywords(value)


# Keywords that only annotate or lead to other rules.
_NOT_RULES = {"$schema", "$id", "$ref", "$defs", "title", "description", "default"}
_NOT_RULES |= {"examples", "format", "properties", "items"}


def test_every_rule_the_request_schema_checks_has_its_own_wording() -> None:
    """A rule the schema gains later must get zod's words too, not the catch-all."""
    rules = set(_keywords(schemas.schema("request"))) - _NOT_RULES
    for rule in sorted(rules):
        _, message = zod.issue(Violation("x.y", rule, "", expected=["a"], got=0))
        assert (message == "Invalid input") is (rule in ("oneOf", "anyOf")), rule
