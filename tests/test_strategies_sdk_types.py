"""Every completion, chunk and error the strategies draw is one the pinned openai SDK's own
pydantic types accept when they validate (not merely construct) it, and no "unknown extra
field" a strategy adds takes a name the SDK declares at that level."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from openai import BaseModel as SDKModel
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.completion_usage import CompletionUsage
from openai.types.shared import ErrorObject

from mockserver import schemas, strategies
from mockserver._contract import sse
from mockserver._strategies import common
from mockserver._verify import expectations

_COMPLETION = schemas.schema("completion")
_CHUNK = schemas.schema("chunk")

# Each level where a strategy may add unknown fields: the SDK type there, and the field
# names the contract's schema knows there.
LEVELS: dict[str, tuple[type[SDKModel], Mapping[str, Any]]] = {
    "completion": (ChatCompletion, _COMPLETION["properties"]),
    "choice": (Choice, _COMPLETION["$defs"]["choice"]["properties"]),
    "message": (ChatCompletionMessage, _COMPLETION["$defs"]["message"]["properties"]),
    "usage": (CompletionUsage, _COMPLETION["$defs"]["usage"]["properties"]),
    "chunk": (ChatCompletionChunk, _CHUNK["properties"]),
    "chunk_choice": (ChunkChoice, _CHUNK["$defs"]["choice"]["properties"]),
    "delta": (ChoiceDelta, _CHUNK["$defs"]["delta"]["properties"]),
}
ENOUGH = settings(max_examples=100, deadline=None)


def declared(model: type[SDKModel]) -> set[str]:
    """The field names the SDK declares on `model`, by their wire names."""
    return {f.alias or name for name, f in model.model_fields.items()}


def extras(value: Mapping[str, Any], level: str) -> set[str]:
    return set(value) - set(LEVELS[level][1])


def levels_of_completion(body: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield "completion", body
    for choice in body["choices"]:
        yield "choice", choice
        yield "message", choice["message"]
    if isinstance(body.get("usage"), dict):
        yield "usage", body["usage"]


def levels_of_chunk(chunk: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield "chunk", chunk
    for choice in chunk["choices"]:
        yield "chunk_choice", choice
        yield "delta", choice["delta"]
    if isinstance(chunk.get("usage"), dict):
        yield "usage", chunk["usage"]


def assert_no_declared_extras(found: Iterator[tuple[str, Mapping[str, Any]]]) -> None:
    for level, value in found:
        clash = extras(value, level) & declared(LEVELS[level][0])
        assert not clash, (
            f"{level} carries {sorted(clash)} as unknown extras; the SDK declares them"
        )


@pytest.mark.parametrize("level", sorted(common._EXTRAS))
def test_the_extra_field_names_are_unknown_to_the_sdk_and_to_the_schema(level: str) -> None:
    model, known = LEVELS[level]
    names = set(common._EXTRAS[level])
    assert not names & declared(model)
    assert not names & set(known)


@pytest.mark.parametrize("level", sorted(LEVELS))
def test_the_schemas_declare_what_the_sdk_declares(level: str) -> None:
    """A field the SDK models belongs in the schema with its real shape, so that neither
    the strategies' extras nor a server's unknown fields can take its name unseen."""
    model, known = LEVELS[level]
    assert declared(model) <= set(known)


@ENOUGH
@given(strategies.chat_completions())
def test_every_drawn_completion_validates_with_the_sdks_types(body: dict[str, Any]) -> None:
    ChatCompletion.model_validate(body)
    assert_no_declared_extras(levels_of_completion(body))


@ENOUGH
@given(strategies.chat_completion_streams())
def test_every_drawn_chunk_and_stream_error_validates_with_the_sdks_types(
    variant: strategies.StreamVariant,
) -> None:
    for event in sse.decode(variant.transcript):
        if event.data == sse.DONE:
            continue
        body = json.loads(event.data)
        if body.get("error"):
            ErrorObject.model_validate(body["error"])
            continue
        ChatCompletionChunk.model_validate(body)
        assert_no_declared_extras(levels_of_chunk(body))


@ENOUGH
@given(strategies.error_responses())
def test_every_drawn_error_object_validates_with_the_sdks_type(
    variant: strategies.ErrorVariant,
) -> None:
    # The SDK models only the envelope's error object; the gateway's bodies reach the
    # exception as a plain dict (WIRE.md §7).
    if expectations.shape_of(variant.body) == "envelope":
        ErrorObject.model_validate(variant.body["error"])
    else:
        assert isinstance(variant.body["message"], str)
