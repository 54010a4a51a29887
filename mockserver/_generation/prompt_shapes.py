"""The vocabulary of prompt-following formats (`formats`): the `Prompt` as detectors read
it, the `Shape` a detector finds, its `Field`s, and the values renderers share."""

from __future__ import annotations

import functools
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver._generation import conversation, instances, json_mode, text
from mockserver._generation.conversation import Facts, word_set
from mockserver._generation.fake_values import name_words
from mockserver._generation.fake_values import text as fake_text
from mockserver._generation.tool_choice import Tool

__all__ = ["MAX_TOPIC", "Field", "Prompt", "Shape", "mentions", "prose", "value"]

# Bounds on reading: a framework's instructions fit well within this.
_MAX_CHARS = 100_000
MAX_TOPIC = 2_000


@dataclass(frozen=True, slots=True)
class Field:
    """One value the answer must hold: its name, kind, and the choices or JSON Schema
    (as JSON text) the prompt gives for it."""

    name: str
    kind: str = "text"
    """``text``, ``int``, ``float``, ``bool``, ``choice``, ``json``, ``list``."""
    choices: tuple[str, ...] = ()
    schema: str = ""


@dataclass(frozen=True, slots=True)
class Shape:
    """What a recognised format's answer needs (hashable: it keys the answers' cache)."""

    format: str
    topic: str
    """What prose in the answer is about: the user's question."""
    facts: Facts = field(default_factory=Facts)
    fields: tuple[Field, ...] = ()
    tools: tuple[Tool, ...] = ()
    called: tuple[str, ...] = ()
    """Tools called so far (from the framework's own transcript in the prompt)."""
    marks: tuple[str, ...] = ()
    """Format details: tag names, code-block tags, a fence, a letter case."""


@dataclass(frozen=True)  # no slots: the cached properties live in its __dict__
class Prompt:
    """The conversation as the detectors read it."""

    instructions: str
    """The system and developer messages, newest first."""
    user: str
    """The latest user message."""
    json_object: bool
    """``response_format`` is ``json_object``: only a JSON answer will do."""
    messages: Sequence[Mapping[str, Any]]

    @functools.cached_property
    def whole(self) -> str:
        return f"{self.instructions}\n{self.user}"

    @functools.cached_property
    def lowered(self) -> str:
        """`whole` in lower case (for the detectors' cheap checks before a regex)."""
        return self.whole.lower()

    @functools.cached_property
    def asks_for_json(self) -> bool:
        return self.json_object or json_mode.asks_for_json(self.messages)

    @classmethod
    def read(cls, messages: Sequence[Mapping[str, Any]], *, json_object: bool) -> Prompt:
        instructions = "\n".join(
            conversation.message_text(m)[:_MAX_CHARS]
            for m in reversed(messages)
            if m.get("role") in ("system", "developer")
        )
        user = conversation.latest_user_text(messages)[-_MAX_CHARS:]
        return cls(instructions, user, json_object, messages)


# ---- helpers the renderers share --------------------------------------------------------------


def prose(shape: Shape, rng: random.Random) -> str:
    """A few sentences about the user's question (the plain answer's text)."""
    return text.answer(rng, prompt=shape.topic)


def value(item: Field, shape: Shape, rng: random.Random) -> Any:
    """A JSON value of `item`'s kind: prose for text, a choice, an instance of its schema."""
    if item.kind == "choice" and item.choices:
        mentioned = [c for c in item.choices if mentions(shape.facts.text, c)]
        return (mentioned or list(item.choices))[int(rng.random() * len(mentioned or item.choices))]
    if item.kind == "bool":
        return rng.random() < 0.5
    if item.kind in ("int", "float"):
        numbers = [n for n in shape.facts.numbers if item.kind == "float" or float(n).is_integer()]
        if numbers:
            said = numbers[int(rng.random() * len(numbers))]
            return int(said) if item.kind == "int" else said
        return rng.randint(1, 100) if item.kind == "int" else round(rng.uniform(1, 100), 2)
    if item.kind == "list":
        return [fake_text(rng, name_words(item.name)) for _ in range(rng.randint(1, 3))]
    if item.kind == "json":
        try:
            return instances.instance(json.loads(item.schema or "null"), rng)
        except (instances.UnsatisfiableSchema, ValueError):
            return {}
    if item.name in _PROSE_FIELDS:
        return prose(shape, rng)
    words = name_words(item.name)
    if shape.facts.names and set(words) & _NAMED_FIELDS:
        return shape.facts.names[0]  # "Tell me about Tokyo": {"name": "Tokyo", ...}
    return fake_text(rng, words)


# Field names whose text is the answer itself rather than a short value.
_PROSE_FIELDS = word_set(
    """
    answer response reasoning rationale explanation summary reply output result text
    content thought thinking analysis final_answer message description comment feedback
    """
)


# Field names a capitalised name the user said fills ("name", "city", "company"...).
_NAMED_FIELDS = frozenset({"name", "city", "location", "country", "place", "company", "person"})


def mentions(text_: str, word: str) -> bool:
    return bool(word) and re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text_, re.I) is not None
