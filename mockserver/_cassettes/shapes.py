"""The shape of JSON values and of what a schema knows: generic paths such as
``choices[].message.content`` with their JSON types. Drift compares these sets: fields the
provider sends that the schema does not know, and how the mock's answer differs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver._contract import validation
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
            kind
            if old is None or old == kind
            else "|".join(sorted({*old.split("|"), *kind.split("|")}))
        )
    return out


def known(schema: Mapping[str, Any]) -> set[str]:
    """The paths `schema` declares; ``x.*`` where any key is allowed under ``x``. References
    into the other files of ``schemas/`` (``chat-completion.json#/$defs/usage``) are
    followed, so what a chunk declares by reference counts as declared."""
    found: set[str] = set()
    _walk(schema, schema, "", found, 0)
    return found


def _document(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The schema document a reference's part before ``#`` names (None: unknown)."""
    name = ref.partition("#")[0].rsplit("/", 1)[-1]
    if not name:
        return root
    for kind, file in validation.SCHEMA_FILES.items():
        if file == name:
            return validation.schema(kind)
    return None


def _walk(root: Mapping[str, Any], node: Any, path: str, found: set[str], depth: int) -> None:
    if not isinstance(node, Mapping) or depth > 24:
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        document = _document(ref, root)
        if document is None:  # a schema drift cannot read: everything under it is declared
            found.add(f"{path}.{ANY_KEY}" if path else ANY_KEY)
        else:
            target: Any = document
            for part in ref.partition("#")[2].lstrip("/").split("/"):
                if part:
                    target = target.get(part, {}) if isinstance(target, Mapping) else {}
            _walk(document, target, path, found, depth + 1)
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
