"""The OpenAPI document: valid OpenAPI 3.1, as written (file references) and as served (bundled)."""

from __future__ import annotations

import json

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mockserver import RawRequest, Service, schemas
from mockserver._contract import openapi
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


def test_the_served_document_is_the_bundle() -> None:
    served = Service().handle(RawRequest("GET", "/openapi.json", {}))
    assert served.status == 200 and json.loads(served.body) == openapi.bundled()


def test_the_operation_declares_every_answer_the_mock_gives() -> None:
    operation = _operation(openapi.bundled())
    responses = operation["responses"]
    assert isinstance(responses, dict)
    assert set(responses) == {"201", "400", "401", "403", "404", "429", "500", "503"}
    success = responses["201"]["content"]
    assert set(success) == {"application/json", "text/event-stream"}


def test_the_bundled_schemas_are_the_files_in_schemas() -> None:
    components = openapi.bundled()["components"]["schemas"]
    request = components["ChatCompletionRequest"]
    assert request["properties"]["model"] == schemas.schema("request")["properties"]["model"]
    assert (
        request["properties"]["messages"]["items"]["$ref"]
        == "#/components/schemas/ChatCompletionRequest/$defs/message"
    )
