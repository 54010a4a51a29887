"""The shape of JSON values and of what a schema knows: generic paths such as
``choices[].message.content`` with their JSON types. Drift compares these sets: fields the
provider sends that the schema does not know, and how the mock's answer differs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver._contract.validation import json_type

ANY_KEY = "*"


def shape(value: Any, path: str = "") -> dict[str, str]:
    """Every path in `value` with its JSON type; array items share the path ``name[]``."""
    found: dict[str, str] = {}
    if path:
        found[path] = _kind(value)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            found.update(merge(found, shape(inner, f"{path}.{key}" if path else str(key))))
    elif isinstance(value, list):
        for inner in value:
            found.update(merge(found, shape(inner, f"{path}[]")))
    return found


def _kind(value: Any) -> str:
    kind = json_type(value)
    return "number" if kind == "integer" else kind


def merge(into: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """The paths of `new` with their types joined to those `into` has for the same path:
    an item that is null in one chunk and a string in the next is ``null|string``."""
    out = {}
    for path, kind in new.items():
        old = into.get(path)
        out[path] = (
            kind if old is None or old == kind else "|".join(sorted({*old.split("|"), kind}))
        )
    return out


def known(schema: Mapping[str, Any]) -> set[str]:
    """The paths `schema` declares; ``x.*`` where any key is allowed under ``x``."""
    found: set[str] = set()
    _walk(schema, schema, "", found, 0)
    return found


def _walk(root: Mapping[str, Any], node: Any, path: str, found: set[str], depth: int) -> None:
    if not isinstance(node, Mapping) or depth > 24:
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        _walk(root, target, path, found, depth + 1)
    for keyword in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(keyword, ()):
            _walk(root, branch, path, found, depth + 1)
    for key, inner in (node.get("properties") or {}).items():
        child = f"{path}.{key}" if path else key
        found.add(child)
        _walk(root, inner, child, found, depth + 1)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        found.add(f"{path}.{ANY_KEY}" if path else ANY_KEY)
    if isinstance(node.get("items"), Mapping):
        found.add(f"{path}[]")
        _walk(root, node["items"], f"{path}[]", found, depth + 1)


def unknown(paths: Mapping[str, str], declared: set[str]) -> list[str]:
    """The outermost paths in `paths` that `declared` does not know."""
    out: list[str] = []
    for path in sorted(paths):
        if path in declared or _free(path, declared):
            continue
        if any(path.startswith((o + ".", o + "[")) for o in out):
            continue
        out.append(path)
    return out


def _free(path: str, declared: set[str]) -> bool:
    """Whether `path` lies under a map whose keys the schema leaves open."""
    return any(char in ".[" and f"{path[:i]}.{ANY_KEY}" in declared for i, char in enumerate(path))
