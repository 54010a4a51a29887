"""The OpenAPI document, made self-contained for ``GET /openapi.json``.

``schemas/openapi.json`` references the schema files beside it; bundling moves each file
under ``components/schemas`` and rewrites the references, so one document stands alone.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from mockserver._contract import validation
from mockserver._contract.resources import data_dir

# Component name of each schema file in the bundle.
_NAMES = {
    "chat-completion-request.json": "ChatCompletionRequest",
    "chat-completion.json": "ChatCompletion",
    "chat-completion-chunk.json": "ChatCompletionChunk",
    "error.json": "Error",
}


def _rewrite(node: Any, current: str) -> Any:
    """Rewrite every ``$ref`` of `node` (found in file `current`) to point inside the bundle."""
    if isinstance(node, list):
        return [_rewrite(item, current) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and not value.startswith("#/components"):
            file, _, pointer = value.partition("#")
            target = _NAMES[file or current]
            value = f"#/components/schemas/{target}{pointer}"
        elif key in ("$id", "$schema"):
            continue
        out[key] = _rewrite(value, current)
    return out


@cache
def _bundle() -> str:
    document = json.loads((data_dir("schemas") / "openapi.json").read_text("utf-8"))
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for file, name in _NAMES.items():
        components[name] = _rewrite(validation.schema(_kind(file)), file)
    return json.dumps(_rewrite(document, "openapi.json"))


def _kind(file: str) -> validation.Kind:
    return next(kind for kind, name in validation.SCHEMA_FILES.items() if name == file)


def bundled() -> dict[str, Any]:
    """The self-contained OpenAPI 3.1 document (a fresh copy)."""
    return copy.deepcopy(json.loads(_bundle()))
