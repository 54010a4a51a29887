"""The OpenAPI document, made self-contained for ``GET /openapi.json``, one per profile.

``schemas/openapi.json`` references the schema files beside it; bundling moves each file
under ``components/schemas`` and rewrites the references, so one document stands alone.
`document` then fits it to a profile at its wire: its success status (201 or 200) and its
error shapes (the gateway's shape of that wire and OpenAI's envelope for aimlapi, the
envelope only for openai). The paths the mock also
answers without ``/v1`` (``x-path-aliases``) become copies with operation ids of their own,
since tools want one operation id per path and method.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from mockserver._contract import profiles, validation
from mockserver._contract.profiles import Profile
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
        local = current == "openapi.json" and isinstance(value, str) and value.startswith("#")
        if (
            key == "$ref"
            and isinstance(value, str)
            and not value.startswith("#/components")
            and not local
        ):
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
    """The self-contained OpenAPI 3.1 document, as written (a fresh copy)."""
    return copy.deepcopy(json.loads(_bundle()))


def document(profile: Profile) -> dict[str, Any]:
    """The document `profile` answers by: what ``GET /openapi.json`` serves."""
    return copy.deepcopy(json.loads(_for_profile(profile.name, profile.wire)))


# The error.json branch of each shape a profile's gateway answers in.
_SHAPES = {"gateway": "gateway_error", "problem": "problem_error", "envelope": "openai_error"}


@cache
def _for_profile(name: str, wire: str) -> str:
    profile = profiles.get(name, wire)
    doc = bundled()
    paths = doc["paths"]
    for alias, path in doc.pop("x-path-aliases", {}).items():
        paths[alias] = _alias(paths[path], alias)
    written = str(_WRITTEN_SUCCESS)
    for item in paths.values():
        for operation in item.values():
            responses = operation.get("responses", {})
            if written in responses:
                operation["responses"] = {
                    (str(profile.success_status) if status == written else status): answer
                    for status, answer in responses.items()
                }
    # Only the shapes this profile answers in, so that a client (or a conformance checker)
    # of this profile is not told another may come: the envelope (every upstream error,
    # and every error of the openai profile) and the gateway's shape of the wire.
    branches = [
        {"$ref": f"#/components/schemas/Error/$defs/{_SHAPES[shape]}"}
        for shape in dict.fromkeys(("envelope", profile.gateway_errors))
    ]
    schema = branches[0] if len(branches) == 1 else {"anyOf": branches}
    for response in doc["components"]["responses"].values():
        response["content"]["application/json"]["schema"] = schema
    doc["info"]["title"] += f" (profile {profile.name}, wire {profile.wire})"
    return json.dumps(doc)


# The success status schemas/openapi.json is written with: the provider's own (aimlapi).
_WRITTEN_SUCCESS = 201


def _alias(item: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of a path item for another path, with operation ids of its own."""
    suffix = "".join(
        part.title() for part in path.strip("/").replace("{", "").replace("}", "").split("/")
    )
    out = copy.deepcopy(item)
    for operation in out.values():
        if isinstance(operation, dict) and "operationId" in operation:
            operation["operationId"] += f"_{suffix}"
    return out
