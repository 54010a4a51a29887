"""JSON that follows the prompt: what a model answers when the conversation asks for JSON.

Client libraries ask for structured output by writing the shape into a system or user
message: instructor's JSON modes put the JSON Schema there ("... match the following
json_schema: {...} Make sure to return an instance of the JSON, not the schema itself"),
LangChain's ``PydanticOutputParser`` its format instructions (an example schema, then the
real one last), pydantic-ai's ``PromptedOutput`` "Always respond with a JSON object that's
compatible with this schema: {...}"; users write an example object, or name the keys. A
real model follows that, so the mock does too: an instance of the last JSON Schema found
(newest message first), else an object shaped like the last example object, else an
object with the keys the prompt names, else the caller's fallback.

Reading is bounded (text scanned, objects tried) so a huge prompt costs little, and the
result is a pure function of the messages and the random source.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mockserver._generation import instances
from mockserver._generation.conversation import message_text
from mockserver._generation.fake_values import name_words
from mockserver._generation.fake_values import text as fake_text

_INSTRUCTION_ROLES = ("system", "developer", "user")
# Bounds on reading: the tail of each message (schemas come last in every library's
# template), the messages looked at, and the objects tried per message.
_MAX_CHARS = 100_000
_MAX_MESSAGES = 8
_MAX_OBJECTS = 64
_MAX_EXAMPLE_DEPTH = 6
_SCHEMA_KEYS = frozenset({"$schema", "$defs", "definitions", "$ref", "anyOf", "oneOf", "allOf"})
_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_ASKS_FOR_JSON = re.compile(
    r"\b(respond|response|return|output|reply|answer|format|provide|conform)\w*\b"
    r"[^\n]{0,120}?\bjson\b",
    re.IGNORECASE,
)
_FENCE_REQUEST = re.compile(r"```json|json code ?block|markdown code ?block", re.IGNORECASE)
_FENCED = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_NAMED_KEYS = re.compile(r"\b(keys?|fields?|propert(?:y|ies)|attributes?)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"'`]([A-Za-z_][A-Za-z0-9_]{0,63})[\"'`]")


def _instruction_texts(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """The texts of the system, developer and user messages, newest first, each cut to
    its tail."""
    texts = [
        message_text(m)[-_MAX_CHARS:]
        for m in reversed(messages)
        if m.get("role") in _INSTRUCTION_ROLES
    ]
    return texts[:_MAX_MESSAGES]


def json_objects(text: str) -> list[dict[str, Any]]:
    """The JSON objects written in `text`, in the order they appear: fenced blocks, and
    objects inline (an object inside another counts once, as the outer one)."""
    found: list[tuple[int, Any]] = []
    decoder = json.JSONDecoder()
    for match in _FENCED.finditer(text):
        try:
            found.append((match.start(), json.loads(match.group(1))))
        except ValueError:
            continue
    at, tried = text.find("{"), 0
    while at != -1 and tried < _MAX_OBJECTS:
        tried += 1
        try:
            value, end = decoder.raw_decode(text, at)
        except ValueError:
            at = text.find("{", at + 1)
            continue
        found.append((at, value))
        at = text.find("{", end)
    found.sort(key=lambda pair: pair[0])
    return [v for _, v in found if isinstance(v, dict)]


def is_schema(value: Any) -> bool:
    """Whether `value` reads as a JSON Schema rather than as data: its ``properties`` are
    all schemas, or it declares a JSON type, ``$schema``, ``$defs`` or a combinator."""
    if not isinstance(value, dict) or not value:
        return False
    properties = value.get("properties")
    if isinstance(properties, dict):
        return all(isinstance(p, dict) for p in properties.values())
    if value.get("type") in _TYPES:
        return True
    return bool(_SCHEMA_KEYS & set(value))


def asks_for_json(messages: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a system, developer or user message asks for a JSON answer."""
    return any(_ASKS_FOR_JSON.search(t) for t in _instruction_texts(messages))


def asks_for_fence(messages: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the prompt asks for the JSON inside a ```json code block (instructor's
    MD_JSON mode does)."""
    return any(_FENCE_REQUEST.search(t) for t in _instruction_texts(messages))


def _objects(messages: Sequence[Mapping[str, Any]]) -> Iterator[list[Any]]:
    for text in _instruction_texts(messages):
        yield json_objects(text)


def _well_formed(schema: dict[str, Any]) -> bool:
    """Whether `schema` is a valid JSON Schema (prompt text is not checked like a
    ``json_schema`` response format is, so a malformed one counts as no schema)."""
    from jsonschema import Draft202012Validator  # on first use: it costs most of an import
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return False
    return True


def prompted_schema(messages: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The last well-formed JSON Schema written in the newest message that has one."""
    for objects in _objects(messages):
        schemas = [o for o in objects if is_schema(o) and _well_formed(o)]
        if schemas:
            return dict(schemas[-1])
    return None


def prompted_example(messages: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The last example object (JSON that is not a schema) in the newest message with one."""
    for objects in _objects(messages):
        examples = [o for o in objects if not is_schema(o) and o]
        if examples:
            return dict(examples[-1])
    return None


def prompted_keys(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """Quoted names in the newest message that speaks of keys or fields ("a JSON with
    'setup' and 'punchline' keys")."""
    for text in _instruction_texts(messages):
        if _NAMED_KEYS.search(text) and re.search(r"\bjson\b", text, re.IGNORECASE):
            names = list(dict.fromkeys(_QUOTED.findall(text)))
            if names:
                return names
    return []


def like(example: Any, rng: random.Random, key: str = "", depth: int = 0) -> Any:
    """A value shaped like `example`: the same keys and types, values of its own."""
    if depth > _MAX_EXAMPLE_DEPTH:
        return None
    if isinstance(example, dict):
        return {k: like(v, rng, str(k), depth + 1) for k, v in example.items()}
    if isinstance(example, list):
        if not example:
            return []
        return [like(example[0], rng, key, depth + 1) for _ in range(rng.randint(1, 3))]
    if isinstance(example, bool):
        return rng.random() < 0.5
    if isinstance(example, int):
        return rng.randint(0, max(10, abs(example) * 2))
    if isinstance(example, float):
        return round(rng.uniform(0, max(1.0, abs(example) * 2)), 2)
    if isinstance(example, str):
        return fake_text(rng, name_words(key)) if key else example
    return example


def prompted_value(messages: Sequence[Mapping[str, Any]], rng: random.Random) -> tuple[bool, Any]:
    """``(True, value)`` when the prompt gives a shape: an instance of its schema, an
    object like its example, or an object with the keys it names; ``(False, None)`` when
    it gives none (or only a schema no value satisfies)."""
    schema = prompted_schema(messages)
    if schema is not None:
        try:
            return True, instances.instance(schema, rng)
        except instances.UnsatisfiableSchema:
            pass
    example = prompted_example(messages)
    if example is not None:
        return True, like(example, rng)
    keys = prompted_keys(messages)
    if keys:
        return True, {k: fake_text(rng, name_words(k)) for k in keys}
    return False, None
