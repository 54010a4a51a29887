"""``jsonschema`` validation of generated values, with every regular expression bounded.

jsonschema runs ``pattern``, ``patternProperties`` and ``additionalProperties`` (beside
patterns) through ``re.search``, which can backtrack for ever (``^(x+x+)+y$``) while
holding the interpreter. Here those keywords search with the ``regex`` package and a
timeout (`timed_regex.REGEX_SECONDS`); a search that runs out of time counts as no match, so
the value is drawn again and, in the end, the schema is refused with a 400.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from mockserver._contract import timed_regex
from mockserver._generation.schema_keywords import UnsatisfiableSchema

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = ["check_schema", "validator_for"]


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if (
        validator.is_type(instance, "string")
        and isinstance(pattern, str)
        and timed_regex.search(pattern, instance) is not True
    ):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object") or not isinstance(patterns, Mapping):
        return
    for pattern, sub in patterns.items():
        for key, value in instance.items():
            if timed_regex.search(pattern, key):
                yield from validator.descend(value, sub, path=key, schema_path=pattern)


def _extras(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    return [
        k
        for k in instance
        if k not in properties and not any(timed_regex.search(p, k) for p in patterns)
    ]


def _additional(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    extras = _extras(instance, schema)
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        yield ValidationError(f"additional properties are not allowed: {sorted(extras)}")


@functools.lru_cache(maxsize=8)
def _bounded(cls: Any) -> Any:
    from jsonschema import validators

    return validators.extend(  # type: ignore[no-untyped-call]
        cls,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional,
        },
    )


def validator_for(root: Mapping[str, Any] | bool) -> Validator:
    """A validator of `root`'s draft (2020-12 by default) with formats and bounded regexes."""
    from jsonschema.validators import Draft202012Validator
    from jsonschema.validators import validator_for as draft_of

    cls = draft_of(root, default=Draft202012Validator)
    bounded = _bounded(cls)
    validator: Validator = bounded(root, format_checker=cls.FORMAT_CHECKER)
    return validator


def check_schema(schema: Mapping[str, Any] | bool) -> None:
    """Raise ``UnsatisfiableSchema`` naming the keyword's path when `schema` is not a valid
    JSON Schema (its draft's metaschema, regexes included), as OpenAI refuses it too."""
    if isinstance(schema, bool):
        return
    text = json.dumps(schema, sort_keys=True)
    # cached for the schemas a test suite repeats; a huge one is checked and not kept
    problem = _schema_problem(text) if len(text) <= 65_536 else _schema_problem.__wrapped__(text)
    if problem is not None:
        raise UnsatisfiableSchema(problem)


@functools.lru_cache(maxsize=256)
def _schema_problem(text: str) -> str | None:
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import Draft202012Validator
    from jsonschema.validators import validator_for as draft_of

    schema = json.loads(text)
    cls = draft_of(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        return f"${where}: {exc.message}"
    return None
