"""Validate requests, completions, stream chunks, error bodies and SSE transcripts.

Every check here derives from the JSON Schemas in ``schemas/``, loaded from package data
on first use: the compiled checks (fastpath.py) then, jsonschema (to explain a value the
checks refuse) only when one does. Each ``validate_*`` call returns every violation it finds, each with
the JSON path of the offending value (``messages[0].role``), the failing rule and a
message a person understands; `check` raises `ContractViolation` instead.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, cast

from mockserver._contract import semantics, sse
from mockserver._contract.fastpath import Check, Compiler
from mockserver._contract.resources import data_dir
from mockserver._contract.violations import ContractViolation, Violation

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

Kind = Literal["request", "completion", "chunk", "error", "stubs", "contract"]

SCHEMA_FILES: Mapping[Kind, str] = {
    "request": "chat-completion-request.json",
    "completion": "chat-completion.json",
    "chunk": "chat-completion-chunk.json",
    "error": "error.json",
    "stubs": "stubs.json",
    "contract": "contract.json",
}


@dataclass(frozen=True)
class _Loaded:
    documents: Mapping[str, Mapping[str, Any]]
    fast: Mapping[Kind, Check]


@cache
def _loaded() -> _Loaded:
    folder = data_dir("schemas")
    by_file = {
        name: json.loads((folder / name).read_text("utf-8")) for name in SCHEMA_FILES.values()
    }
    by_uri = {doc["$id"]: doc for doc in by_file.values()}
    compiler = Compiler(by_uri.__getitem__)
    fast = {kind: compiler.compile_uri(by_file[name]["$id"]) for kind, name in SCHEMA_FILES.items()}
    return _Loaded(by_file, fast)


@cache
def validators() -> Mapping[Kind, Draft202012Validator]:
    """jsonschema's validators, for the explanation of a value the compiled checks refuse
    (importing and building them costs more than all the checks a test suite makes)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    by_file = _loaded().documents
    registry: Registry[Any] = Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in by_file.values()
    )
    validators: dict[Kind, Draft202012Validator] = {}
    for kind, name in SCHEMA_FILES.items():
        Draft202012Validator.check_schema(by_file[name])
        validators[kind] = Draft202012Validator(by_file[name], registry=registry)
    return validators


def schema(kind: Kind) -> dict[str, Any]:
    """A copy of the JSON Schema for `kind`."""
    return copy.deepcopy(dict(_loaded().documents[SCHEMA_FILES[kind]]))


def format_path(parts: Iterable[str | int]) -> str:
    """``["messages", 0, "role"]`` -> ``messages[0].role``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def is_valid(kind: Kind, value: object) -> bool:
    """Whether `value` is valid against the schema of `kind` (the fast path; no semantics)."""
    return _loaded().fast[kind](value)


def _schema_violations(kind: Kind, value: object) -> list[Violation]:
    if _loaded().fast[kind](value):
        return []
    found = _dedupe([v for e in validators()[kind].iter_errors(value) for v in _explain(e)])
    # A "matches none of the shapes" note adds nothing where a deeper violation says why.
    return [
        v
        for v in found
        if v.rule not in ("oneOf", "anyOf")
        or not any(_below(v.path, other.path) for other in found if other is not v)
    ]


def _below(parent: str, path: str) -> bool:
    """Whether `path` is `parent` or lies inside it."""
    return not parent or path == parent or path.startswith((parent + ".", parent + "["))


def validate_request(body: object) -> list[Violation]:
    """Violations of the request schema (unknown parameters included)."""
    return _schema_violations("request", body)


def validate_completion(body: object) -> list[Violation]:
    """Violations of the completion schema and of its semantic rules (usage arithmetic, ...)."""
    found = _schema_violations("completion", body)
    return found or semantics.completion(body)


def validate_chunk(body: object) -> list[Violation]:
    """Violations of the chunk schema, and of the usage arithmetic when the chunk has usage."""
    found = _schema_violations("chunk", body)
    return found or semantics.chunk(body)


def validate_error(body: object) -> list[Violation]:
    """Violations of every error shape (the OpenAI envelope, the gateway's flat and
    problem-style bodies)."""
    return _schema_violations("error", body)


def validate_transcript(text: str | bytes, *, other_servers: bool = False) -> list[Violation]:
    """Violations in a whole SSE transcript: framing, each chunk, and the rules across chunks.

    Paths start with the event's index: ``events[2].choices[0].delta``. ``other_servers``
    also accepts what other OpenAI-compatible servers send (a tool call's id, type and name
    repeated on every delta; empty chunks after a choice's finish; see
    ``chat_completion_streams(other_servers=True)``).
    """
    try:
        events = sse.decode(text)
    except UnicodeDecodeError as exc:
        return [Violation("", "encoding", f"transcript is not UTF-8: {exc}")]
    return semantics.transcript(events, validate_chunk, validate_error, other_servers=other_servers)


_VALIDATORS: Mapping[Kind, Callable[[object], list[Violation]]] = {
    "request": validate_request,
    "completion": validate_completion,
    "chunk": validate_chunk,
    "error": validate_error,
    "stubs": lambda value: _schema_violations("stubs", value),
    "contract": lambda value: _schema_violations("contract", value),
}


def validate(kind: Kind | Literal["transcript"], value: Any) -> list[Violation]:
    """Dispatch on `kind`; a transcript is given as its text or bytes."""
    if kind == "transcript":
        return validate_transcript(value)
    return _VALIDATORS[kind](value)


def check(kind: Kind | Literal["transcript"], value: Any) -> None:
    """Raise `ContractViolation` if `value` breaks the contract of `kind`."""
    found = validate(kind, value)
    if found:
        raise ContractViolation(kind, found)


# ---- turning jsonschema's errors into violations a person can act on -----------------

_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _described(value: object) -> str:
    """``string "x"``, ``integer 5``, or just ``null``/``object``/``array``."""
    kind = json_type(value)
    return kind if value is None or isinstance(value, dict | list) else f"{kind} {_show(value)}"


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(error: ValidationError) -> str:
    """What a value failing this one keyword should have been, as a phrase."""
    rule, spec = error.validator, cast(Any, error.validator_value)
    if rule == "type":
        names = spec if isinstance(spec, list) else [spec]
        return " or ".join(_TYPE_NAMES[n] for n in names)
    if rule == "enum":
        return "one of " + ", ".join(_show(o) for o in spec)
    if rule == "const":
        return _show(spec)
    return f"valid under {rule}"


def _explain(error: ValidationError) -> list[Violation]:
    path = list(error.absolute_path)
    rule = str(error.validator)
    spec, value = cast(Any, error.validator_value), cast(Any, error.instance)
    if rule == "required":
        missing = [p for p in spec if isinstance(value, dict) and p not in value]
        return [Violation(format_path([*path, p]), rule, "is required") for p in missing]
    if rule == "additionalProperties":
        known = cast(Any, error.schema).get("properties", {})
        extras = [k for k in value if k not in known] if isinstance(value, dict) else []
        return [
            Violation(format_path([*path, k]), rule, "is not a recognised field here", got=value[k])
            for k in extras
        ]
    if rule in ("oneOf", "anyOf"):
        return _explain_branches(error)
    where = format_path(path)
    got = _show(value)
    messages = {
        "type": lambda: f"must be {_expected(error)}, got {_described(value)}",
        "enum": lambda: f"must be {_expected(error)}; got {got}",
        "const": lambda: f"must be {_expected(error)}; got {got}",
        "minimum": lambda: f"must be >= {spec}; got {got}",
        "maximum": lambda: f"must be <= {spec}; got {got}",
        "minItems": lambda: f"must have at least {spec} item(s); got {len(value)}",
        "maxItems": lambda: f"must have at most {spec} item(s); got {len(value)}",
        "minLength": lambda: f"must be at least {spec} character(s) long; got {got}",
        "maxLength": lambda: f"must be at most {spec} character(s) long; got {got}",
        "pattern": lambda: f"must match the pattern {spec}; got {got}",
    }
    message = messages[rule]() if rule in messages else error.message
    return [Violation(where, rule, message, expected=spec, got=value)]


def _rules_out(branch_errors: list[ValidationError]) -> bool:
    """Whether a branch fails on the value's kind: its type, or its discriminator (a const).

    Such a branch is not what the sender meant, so its errors would only be noise.
    """
    for e in branch_errors:
        depth = len(e.relative_path)
        if depth == 0 and e.validator in ("type", "const", "enum"):
            return True
        if depth == 1 and e.validator == "const":
            return True
        # A value with none of this shape's fields is not trying to be this shape.
        if (
            depth == 0
            and e.validator == "required"
            and isinstance(e.instance, dict)
            and not set(e.instance) & set(cast(Any, e.schema).get("properties", {}))
        ):
            return True
    return False


def _explain_branches(error: ValidationError) -> list[Violation]:
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    meant = [errs for errs in branches.values() if not _rules_out(errs)]
    if len(meant) == 1:
        return _dedupe([v for e in meant[0] for v in _explain(e)])
    if len(meant) > 1:
        # Several shapes fit the value's kind; report the one that came closest.
        best = min(meant, key=len)
        return _dedupe([v for e in best for v in _explain(e)])
    expected = []
    for errs in branches.values():
        root = [
            e
            for e in errs
            if len(e.relative_path) <= 1 and e.validator in ("type", "const", "enum")
        ]
        if root:
            phrase = _expected(root[0])
            if len(root[0].relative_path) == 1:
                phrase = f"an object with {root[0].relative_path[0]} {phrase}"
            expected.append(phrase)
    where = format_path(error.absolute_path)
    value = error.instance
    if not expected:  # every branch only requires keys: name them
        keys = [
            k
            for errs in branches.values()
            for e in errs
            if e.validator == "required"
            for k in cast(Any, e.validator_value)
        ]
        expected = ["an object with " + " or ".join(dict.fromkeys(repr(k) for k in keys))]
    message = f"must be {' or '.join(dict.fromkeys(expected))}; got {_described(value)}"
    return [Violation(where, str(error.validator), message)]


def _dedupe(found: list[Violation]) -> list[Violation]:
    return list(dict.fromkeys(found))
