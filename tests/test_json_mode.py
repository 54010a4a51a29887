"""JSON that follows the prompt: the mock answers with the shape the client libraries write
into their prompts (instructor, LangChain, pydantic-ai), through the real openai SDK."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from pydantic import BaseModel

from mockserver import mock_aimlapi
from mockserver._generation import json_mode


class Weather(BaseModel):
    city: str
    temperature: float
    conditions: list[str]
    windy: bool


SCHEMA = Weather.model_json_schema()

# instructor's JSON and MD_JSON modes (instructor/process_response.py, handle_json_modes).
INSTRUCTOR = f"""
        As a genius expert, your task is to understand the content and provide
        the parsed objects in json that match the following json_schema:


        {json.dumps(SCHEMA, indent=2, ensure_ascii=False)}

        Make sure to return an instance of the JSON, not the schema itself
"""
# LangChain's PydanticOutputParser.get_format_instructions(): an example schema and two
# example objects come before the real schema.
LANGCHAIN = (
    """The output should be formatted as a JSON instance that conforms to the JSON schema below.

As an example, for the schema {"properties": {"foo": {"title": "Foo", "description": "a list of strings", "type": "array", "items": {"type": "string"}}}, "required": ["foo"]}
the object {"foo": ["bar", "baz"]} is a well-formatted instance of the schema. The object {"properties": {"foo": ["bar", "baz"]}} is not well-formatted.

Here is the output schema:
```
"""
    + json.dumps(SCHEMA)
    + "\n```"
)
# pydantic-ai's PromptedOutput default template.
PYDANTIC_AI = f"""
Always respond with a JSON object that's compatible with this schema:

{json.dumps(SCHEMA)}

Don't include any text or Markdown fencing before or after.
"""


@pytest.fixture
def client() -> Iterator[openai.OpenAI]:
    with (
        mock_aimlapi(),
        openai.OpenAI(base_url="https://api.aimlapi.com/v1", api_key="k", max_retries=0) as sdk,
    ):
        yield sdk


def ask(client: openai.OpenAI, messages: list[dict[str, Any]], **kw: Any) -> str:
    completion = client.chat.completions.create(
        model="o3-mini",
        messages=messages,  # type: ignore[arg-type]
        **kw,
    )
    content = completion.choices[0].message.content
    assert content is not None
    return content


JSON_MODE = {"response_format": {"type": "json_object"}}


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "system", "content": INSTRUCTOR}, {"role": "user", "content": "Boston today"}],
        [{"role": "system", "content": LANGCHAIN}, {"role": "user", "content": "Boston today"}],
        [{"role": "user", "content": "Weather in Boston, as JSON.\n" + LANGCHAIN}],
        [{"role": "developer", "content": PYDANTIC_AI}, {"role": "user", "content": "Boston"}],
    ],
    ids=["instructor", "langchain-system", "langchain-user", "pydantic-ai"],
)
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_json_mode_answers_an_instance_of_the_prompts_schema(
    client: openai.OpenAI, messages: list[dict[str, Any]], seed: int
) -> None:
    content = ask(client, messages, seed=seed, **JSON_MODE)
    Weather.model_validate_json(content)
    assert content == ask(client, messages, seed=seed, **JSON_MODE)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_prompt_asking_for_json_is_followed_without_json_mode(
    client: openai.OpenAI, seed: int
) -> None:
    """pydantic-ai's PromptedOutput sends no response_format; a real model still answers
    with bare JSON, and instructor's MD_JSON asks for a ```json block."""
    messages = [{"role": "system", "content": PYDANTIC_AI}, {"role": "user", "content": "Boston"}]
    Weather.model_validate_json(ask(client, messages, seed=seed))
    fenced = [
        {"role": "system", "content": INSTRUCTOR},
        {
            "role": "user",
            "content": "Boston\n\nReturn the correct JSON response within a ```json codeblock. "
            "not the JSON_SCHEMA",
        },
    ]
    content = ask(client, fenced, seed=seed)
    assert content.startswith("```json\n") and content.endswith("\n```")
    Weather.model_validate_json(content.removeprefix("```json\n").removesuffix("\n```"))


def test_a_json_example_in_the_prompt_gives_an_object_of_the_same_shape(
    client: openai.OpenAI,
) -> None:
    example = {"name": "Ada", "age": 36, "tags": ["math"], "address": {"city": "London"}}
    prompt = f"Extract the person. Reply in JSON like this example: {json.dumps(example)}"
    value = json.loads(ask(client, [{"role": "user", "content": prompt}], seed=7, **JSON_MODE))
    assert value.keys() == example.keys() and value["address"].keys() == {"city"}
    assert isinstance(value["name"], str) and isinstance(value["age"], int)
    assert value["tags"] and all(isinstance(t, str) for t in value["tags"])


def test_keys_the_prompt_names_become_the_objects_keys(client: openai.OpenAI) -> None:
    prompt = "Tell me a joke about cats. Return a JSON object with 'setup' and 'punchline' keys."
    value = json.loads(ask(client, [{"role": "user", "content": prompt}], seed=3, **JSON_MODE))
    assert set(value) == {"setup", "punchline"} and all(isinstance(v, str) for v in value.values())


def test_without_a_shape_json_mode_answers_a_plausible_object(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "Say hello in JSON."}]
    value = json.loads(ask(client, messages, seed=3, **JSON_MODE))
    assert isinstance(value, dict) and value
    # Without JSON mode and without a shape, the answer stays prose.
    assert not ask(client, messages, seed=3).lstrip().startswith("{")


def test_a_schema_no_value_satisfies_falls_back_to_a_plausible_object(
    client: openai.OpenAI,
) -> None:
    impossible = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}}, "required": ["n"]}  # fmt: skip
    prompt = f"Respond with JSON matching this schema: {json.dumps(impossible)}"
    value = json.loads(ask(client, [{"role": "user", "content": prompt}], seed=3, **JSON_MODE))
    assert isinstance(value, dict)


def test_the_newest_message_with_a_schema_wins() -> None:
    old = {"type": "object", "properties": {"old": {"type": "string"}}, "required": ["old"]}
    messages = [
        {"role": "system", "content": f"Answer in JSON following {json.dumps(SCHEMA)}"},
        {"role": "user", "content": f"Now use this schema instead: {json.dumps(old)}"},
    ]
    assert json_mode.prompted_schema(messages) == old
    messages.append({"role": "assistant", "content": json.dumps({"ignored": {"type": "string"}})})
    assert json_mode.prompted_schema(messages) == old


def test_reading_is_bounded_on_prompts_full_of_braces(client: openai.OpenAI) -> None:
    """A prompt of 200,000 unbalanced braces is read only in part (JSON mode then answers
    its plausible object); a few stray braces before the schema do not hide it."""
    noise = [{"role": "user", "content": "{" * 200_000 + " Return JSON: " + json.dumps(SCHEMA)}]
    assert json_mode.prompted_schema(noise) is None
    assert isinstance(json.loads(ask(client, noise, seed=1, **JSON_MODE)), dict)
    stray = [
        {"role": "user", "content": "Use {braces} {{ freely. Return JSON: " + json.dumps(SCHEMA)}
    ]
    assert json_mode.prompted_schema(stray) == SCHEMA


def test_objects_are_read_in_the_order_they_appear() -> None:
    fenced = {"type": "object", "properties": {"early": {"type": "string"}}}
    text = f"```json\n{json.dumps(fenced)}\n```\nNo, use this one: {json.dumps(SCHEMA)}"
    assert json_mode.prompted_schema([{"role": "user", "content": text}]) == SCHEMA


@pytest.mark.parametrize(
    ("value", "schema"),
    [
        ({"properties": {"a": {"type": "string"}}}, True),
        ({"type": "array", "items": {"type": "integer"}}, True),
        ({"$defs": {"A": {}}, "$ref": "#/$defs/A"}, True),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, True),
        ({"properties": {"foo": ["bar", "baz"]}}, False),  # LangChain's counter-example
        ({"name": "Ada", "type": "person"}, False),
        ({}, False),
    ],
)
def test_what_reads_as_a_schema(value: dict[str, Any], schema: bool) -> None:
    assert json_mode.is_schema(value) is schema


def test_an_example_keeps_its_shape_down_to_the_leaves() -> None:
    example = {"ok": True, "score": 0.5, "n": 3, "none": None, "rows": [[{"id": 1}]], "e": []}
    value = json_mode.like(example, random.Random(1))
    assert value.keys() == example.keys()
    assert isinstance(value["ok"], bool) and isinstance(value["score"], float)
    assert isinstance(value["n"], int) and value["none"] is None and value["e"] == []
    assert all(isinstance(r[0]["id"], int) for r in value["rows"])
    deep: Any = "leaf"
    for _ in range(20):
        deep = {"k": deep}
    assert json.dumps(json_mode.like(deep, random.Random(1))).count("{") <= 8


def test_a_malformed_schema_in_the_prompt_counts_as_none() -> None:
    broken = {"type": "object", "properties": {"n": {"type": "integer", "minimum": "five"}}}
    text = f"Return JSON matching {json.dumps(broken)}"
    assert json_mode.prompted_schema([{"role": "user", "content": text}]) is None
