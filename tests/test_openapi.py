"""The OpenAPI document: valid OpenAPI 3.1, as written (file references) and as served (bundled)."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mockserver import Config, RawRequest, Service, schemas
from mockserver._contract import openapi, profiles
from mockserver._contract.profiles import AIMLAPI, OPENAI, Profile
from mockserver._contract.resources import data_dir

OPERATION = ("paths", "/v1/chat/completions", "post")


def _operation(document: dict[str, object]) -> dict[str, object]:
    node: object = document
    for key in OPERATION:
        assert isinstance(node, dict)
        node = node[key]
    assert isinstance(node, dict)
    return node


def test_the_document_in_schemas_is_valid_with_its_file_references() -> None:
    path = data_dir("schemas") / "openapi.json"
    document, base_uri = read_from_filename(str(path))
    validate(document, base_uri=base_uri)


def test_the_bundled_document_is_valid_and_self_contained() -> None:
    bundled = openapi.bundled()
    validate(bundled)
    refs = json.dumps(bundled).split('"$ref": ')[1:]
    assert refs and all(ref.startswith('"#/') for ref in refs)
    assert set(bundled["components"]["schemas"]) >= {
        "ChatCompletionRequest",
        "ChatCompletion",
        "ChatCompletionChunk",
        "Error",
    }


@pytest.mark.parametrize("profile", [AIMLAPI, OPENAI], ids=lambda p: p.name)
def test_the_served_document_is_the_profiles_own(profile: Profile) -> None:
    # The audit: /openapi.json documented only 201 while --profile openai answered 200.
    served = Service(Config(profile=profile)).handle(RawRequest("GET", "/openapi.json", {}))
    document = json.loads(served.body)
    assert served.status == 200 and document == openapi.document(profile)
    validate(document)
    responses = _operation(document)["responses"]
    assert isinstance(responses, dict)
    success = str(profile.success_status)
    assert set(responses) == {success, "400", "401", "403", "404", "413", "429", "500", "503"}
    content = responses[success]["content"]
    assert set(content) == {"application/json", "text/event-stream"}
    assert content["text/event-stream"]["schema"]["contentMediaType"] == "text/event-stream"


def _error_schema(profile: Profile) -> object:
    errors = openapi.document(profile)["components"]["responses"]
    (schema,) = {json.dumps(r["content"]["application/json"]["schema"]) for r in errors.values()}
    return json.loads(schema)


def _shape(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/Error/$defs/{name}"}


def test_each_document_promises_its_profiles_error_shapes_at_its_wire() -> None:
    """The openai profile: the envelope only; aimlapi: the envelope (upstream errors) and
    its gateway's shape of the wire (problem-style in 2026, flat in 2025)."""
    assert _error_schema(OPENAI) == _shape("openai_error")
    assert _error_schema(AIMLAPI) == {"anyOf": [_shape("openai_error"), _shape("problem_error")]}
    pinned = profiles.get("aimlapi", "2025")
    assert _error_schema(pinned) == {"anyOf": [_shape("openai_error"), _shape("gateway_error")]}
    assert openapi.document(pinned)["info"]["title"].endswith("(profile aimlapi, wire 2025)")
    served = Service(Config(wire="2025")).handle(RawRequest("GET", "/openapi.json", {}))
    assert json.loads(served.body) == openapi.document(pinned)


def test_every_path_the_server_answers_is_documented() -> None:
    document = openapi.document(AIMLAPI)
    service = Service()
    for path, item in document["paths"].items():
        (method,) = item
        concrete = path.replace("{model}", "o3-mini")
        outcome = service.handle(
            RawRequest(method.upper(), concrete, {"authorization": "Bearer k"}, b"{}")
        )
        assert outcome.status != 404 or method == "post", path  # chat: 400 for the empty body
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert set(document["paths"]) == {
        "/v1/chat/completions",
        "/chat/completions",
        "/v1/models",
        "/models",
        "/v1/models/{model}",
        "/models/{model}",
        "/health",
        "/openapi.json",
    }


def test_the_bundled_schemas_are_the_files_in_schemas() -> None:
    components = openapi.bundled()["components"]["schemas"]
    request = components["ChatCompletionRequest"]
    assert request["properties"]["model"] == schemas.schema("request")["properties"]["model"]
    assert (
        request["properties"]["messages"]["items"]["$ref"]
        == "#/components/schemas/ChatCompletionRequest/$defs/message"
    )


def test_the_control_plane_serves_its_own_valid_document_listing_every_route() -> None:
    from mockserver._core import admin

    service = Service(Config(seed=1))
    headers = {"host": "127.0.0.1"}
    outcome = service.handle(RawRequest("GET", "/__mock/openapi.json", headers))
    assert outcome.status == 200
    document = json.loads(outcome.body)
    validate(document)
    listed = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert listed == {(r.method, f"/__mock{r.path}") for r in admin.ROUTES}
    # and every route it lists is one the control plane answers (no 404 "no admin route")
    for method, path in sorted(listed):
        answered = service.handle(
            RawRequest(
                method,
                path.replace("{name}", "x"),
                {**headers, "content-type": "application/json"},
                b"{}",
            )
        )
        assert answered.status != 404 or b"no stub is named" in answered.body, (method, path)


def test_the_control_planes_request_bodies_are_parts_of_the_stubs_schema() -> None:
    from mockserver._core import admin

    stubs = schemas.schema("stubs")
    for route in admin.ROUTES:
        if route.body is None or route.body == "#":
            continue
        part = route.body.removeprefix("#/$defs/")
        assert part in stubs["$defs"], route


def test_the_document_is_of_this_version() -> None:
    import mockserver

    document = json.loads((data_dir("schemas") / "openapi.json").read_text("utf-8"))
    assert document["info"]["version"] == mockserver.__version__
