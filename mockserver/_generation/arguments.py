"""Arguments from the conversation: where a parameter's name, description, type, enum or
format matches something the user said, the value is what they said.

A drawn value (valid for the schema, from `instances`) comes in; each top-level property
the conversation speaks to is replaced by the fact it names (an enum value mentioned, an
e-mail address for an ``email``, a date for a ``date``, a capitalised name for a
``location`` or a ``person``, a quoted string or the request itself for a ``query``, a
number for a number), and each replacement is kept only if the whole value still
validates. So the arguments are always valid, and the same for the same seed and prompt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockserver._generation import checking
from mockserver._generation.conversation import Facts, stems, word_set, words
from mockserver._generation.fake_values import singular

__all__ = ["filled"]

_EMAIL_WORDS = frozenset({"email", "mail", "emails", "address"})
_URL_WORDS = frozenset(
    {"url", "uri", "link", "website", "site", "href", "endpoint", "webpage", "page"}
)
_DATE_WORDS = frozenset({"date", "day", "when", "deadline", "birthday", "dates"})
_PLACE_WORDS = word_set(
    """
    location city place country region town destination origin address state area
    locality where venue capital airport
    """
)
_PERSON_WORDS = word_set(
    """
    name person user author customer company organization organisation recipient owner
    contact attendee assignee who people employee member username sender ticker symbol
    stock team artist director brand product
    """
)
_TEXT_WORDS = word_set(
    """
    query q search question prompt text message topic keyword keywords term terms content
    body subject title input task expression request instruction instructions phrase
    """
)
_ANSWER_WORDS = frozenset({"answer", "result", "output", "response", "text", "content"})
_REQUEST_WORDS = frozenset(
    {"query", "q", "search", "question", "prompt", "task", "request", "input"}
)


def filled(schema: Any, drawn: Any, facts: Facts, *, answer: str | None = None) -> Any:
    """`drawn` (valid for `schema`) with what the conversation says put into the properties
    it speaks to; still valid for `schema` (replacements that are not are left out).
    `answer`: the text for a property that holds the answer itself (a finishing tool's)."""
    if not isinstance(schema, Mapping) or not isinstance(drawn, dict):
        return drawn
    properties = schema.get("properties")
    if not isinstance(properties, Mapping) or not properties:
        return drawn
    try:
        validator = checking.validator_for(schema)
    except Exception:  # a schema the generator took but jsonschema cannot: keep what was drawn
        return drawn
    strings = [k for k, s in properties.items() if "string" in _types(_resolved(schema, s))]
    result = dict(drawn)
    taken: set[str] = set()
    for name, sub in properties.items():
        sub = _resolved(schema, sub)
        if not isinstance(name, str) or not isinstance(sub, Mapping):
            continue
        options, specific = _candidates(name, sub, facts, only_string=strings == [name])
        if answer is not None and set(words(name)) & _ANSWER_WORDS:
            options, specific = [answer], True
        if name not in result and not specific:
            continue  # an optional property is added only for a fact that names it
        for value in options:
            key = repr(value)
            if key in taken:
                continue
            trial = {**result, name: value}
            if _valid(validator, trial):
                result = trial
                taken.add(key)
                break
    return result


def _valid(validator: Any, value: Any) -> bool:
    try:
        return bool(validator.is_valid(value))
    except Exception:  # a keyword jsonschema cannot evaluate: not worth the risk
        return False


def _resolved(root: Mapping[str, Any], schema: Any) -> Any:
    """`schema`, or what its local ``$ref`` points at (one level: enough for hints)."""
    if not isinstance(schema, Mapping) or not isinstance(schema.get("$ref"), str):
        return schema
    node: Any = root
    for part in schema["$ref"].removeprefix("#").strip("/").split("/"):
        if not part:
            continue
        if not isinstance(node, Mapping) or part not in node:
            return schema
        node = node[part]
    return node if isinstance(node, Mapping) else schema


def _types(schema: Mapping[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            return {t for b in branches if isinstance(b, Mapping) for t in _types(b)}
    return {"string"} if "enum" not in schema and "const" not in schema else set()


def _candidates(
    name: str, schema: Mapping[str, Any], facts: Facts, *, only_string: bool
) -> tuple[list[Any], bool]:
    """The values the conversation offers for parameter `name`, best first, and whether
    they name it specifically (so an optional parameter is worth adding)."""
    description = schema.get("description")
    hints = set(words(name)) | (stems(description) if isinstance(description, str) else set())
    enum = schema.get("enum")
    if isinstance(enum, list):
        return _mentioned(enum, facts.text), True
    if "const" in schema:
        return [], False
    types = _types(schema)
    if "array" in types:
        items = schema.get("items")
        if isinstance(items, Mapping):
            found, specific = _candidates(singular(name), items, facts, only_string=False)
            return ([found] if found else []), specific
        return [], False
    options: list[Any] = []
    specific = False
    if "string" in types:
        options, specific = _strings(hints, schema.get("format"), facts, only_string=only_string)
    if types & {"integer", "number"}:
        integral = "number" not in types
        options += [n for n in facts.numbers if not integral or float(n).is_integer()]
        options = [int(n) if integral and isinstance(n, float) else n for n in options]
    return options, specific


def _strings(
    hints: set[str], fmt: Any, facts: Facts, *, only_string: bool
) -> tuple[list[Any], bool]:
    if fmt in ("email", "idn-email") or (hints & _EMAIL_WORDS and facts.emails):
        return list(facts.emails), True
    if fmt in ("uri", "url", "iri", "uri-reference", "iri-reference") or hints & _URL_WORDS:
        return list(facts.urls), True
    if fmt == "date-time":
        return [f"{d}T00:00:00Z" for d in facts.dates], True
    if fmt == "date" or hints & _DATE_WORDS:
        return list(facts.dates), True
    if fmt is not None:
        return [], False
    if hints & (_PLACE_WORDS | _PERSON_WORDS):
        return [*facts.names, *facts.quoted], bool(facts.names or facts.quoted)
    if hints & _TEXT_WORDS:
        request = [facts.request] if hints & _REQUEST_WORDS and facts.request else []
        return [*facts.quoted, *request], bool(facts.quoted)
    return [*facts.quoted, *(facts.names if only_string else ())], False


def _mentioned(values: list[Any], text: str) -> list[Any]:
    """The enum `values` the text mentions (as words, any case), in the order it does."""
    found = []
    for value in values:
        if isinstance(value, bool) or value is None or not isinstance(value, str | int | float):
            continue
        shown = str(value)
        if not shown.strip():
            continue
        match = re.search(rf"(?<![\w]){re.escape(shown)}(?![\w])", text, re.IGNORECASE)
        if match is not None:
            found.append((match.start(), value))
    return [v for _, v in sorted(found, key=lambda pair: pair[0])]
