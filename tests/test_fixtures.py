"""Every file in fixtures/ is valid, exactly framed, and the seed files hold the seed page's values."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mockserver import schemas
from mockserver._contract import sse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KIND_BY_FOLDER: dict[str, Any] = {
    "requests": "request",
    "completions": "completion",
    "errors": "error",
    "streams": "transcript",
}
FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".json", ".sse"))
JSON_FILES = [p for p in FILES if p.suffix == ".json"]
SSE_FILES = [p for p in FILES if p.suffix == ".sse"]


def name(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text("utf-8"))


def test_every_kind_of_fixture_is_present() -> None:
    assert {p.relative_to(FIXTURES).parts[0] for p in FILES} == set(KIND_BY_FOLDER)
    assert len(FILES) >= 27


@pytest.mark.parametrize("path", FILES, ids=name)
def test_fixture_is_valid(path: Path) -> None:
    kind = KIND_BY_FOLDER[path.relative_to(FIXTURES).parts[0]]
    value: Any = path.read_bytes() if kind == "transcript" else json.loads(path.read_bytes())
    assert schemas.validate(kind, value) == []


@pytest.mark.parametrize("path", JSON_FILES, ids=name)
def test_json_fixture_is_pretty_printed_with_two_spaces(path: Path) -> None:
    text = path.read_text("utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("path", SSE_FILES, ids=name)
def test_sse_fixture_is_byte_exact(path: Path) -> None:
    data = path.read_bytes()
    assert data.endswith(b"\n\ndata: [DONE]\n\n")
    assert b"\r" not in data
    *events, done, tail = data.split(b"\n\n")
    assert (done, tail) == (b"data: [DONE]", b"")
    assert events
    for event in events:
        assert event.startswith(b"data: ")
        assert b"\n" not in event
        payload = event.removeprefix(b"data: ").decode("utf-8")
        assert payload == sse.dumps(json.loads(payload))


def test_readme_describes_every_fixture() -> None:
    readme = (FIXTURES / "README.md").read_text("utf-8")
    for path in FILES:
        assert f"`{path.name}`" in readme, path


# ---- the seed page ----------------------------------------------------------------------------

# The request example of the provider's o3-mini page, as printed there.
SEED_PAGE_REQUEST = """
{
  "model": "o3-mini",
  "messages": [
    {
      "role": "user",
      "content": "text",
      "name": "text"
    }
  ],
  "max_completion_tokens": 512,
  "max_tokens": 512,
  "stream": false,
  "stream_options": {
    "include_usage": true
  },
  "tools": [
    {
      "type": "function",
      "function": {
        "description": "text",
        "name": "text",
        "parameters": null,
        "strict": true,
        "required": [
          "text"
        ]
      }
    }
  ],
  "tool_choice": "none",
  "parallel_tool_calls": true,
  "n": 1,
  "stop": "text",
  "seed": 1,
  "reasoning_effort": "low",
  "response_format": {
    "type": "text"
  }
}
"""

# The response example of the same page: a Python repr, printed by `print(data)`.
SEED_PAGE_RESPONSE = (
    "{'id': 'chatcmpl-BKKqDz4BBMnR8lWHTwwUiInJtdup0', 'object': 'chat.completion', 'choices': "
    "[{'index': 0, 'finish_reason': 'stop', 'message': {'role': 'assistant', 'content': "
    "'Hello there! How can I help you today?', 'refusal': None, 'annotations': []}}], "
    "'created': 1744186373, 'model': 'o3-mini-2025-01-31', 'usage': {'prompt_tokens': 16, "
    "'completion_tokens': 2559, 'total_tokens': 2575, 'prompt_tokens_details': "
    "{'cached_tokens': 0, 'audio_tokens': 0}, 'completion_tokens_details': "
    "{'reasoning_tokens': 256, 'audio_tokens': 0, 'accepted_prediction_tokens': 0, "
    "'rejected_prediction_tokens': 0}}, 'system_fingerprint': 'fp_617f206dd9'}"
)


def test_seed_request_is_the_seed_page_example() -> None:
    assert load("requests/seed.json") == json.loads(SEED_PAGE_REQUEST)
    assert (FIXTURES / "requests/seed.json").read_text("utf-8") == SEED_PAGE_REQUEST.lstrip()


def test_seed_completion_is_the_seed_page_response() -> None:
    seed = load("completions/seed.json")
    assert seed == ast.literal_eval(SEED_PAGE_RESPONSE)
    assert list(seed) == list(ast.literal_eval(SEED_PAGE_RESPONSE))


# ---- what the other fixtures promise ------------------------------------------------------------


def test_structured_output_content_matches_the_requested_schema() -> None:
    request = load("requests/structured-output.json")
    completion = load("completions/structured-output.json")
    schema = request["response_format"]["json_schema"]["schema"]
    content = json.loads(completion["choices"][0]["message"]["content"])
    assert list(Draft202012Validator(schema).iter_errors(content)) == []


def test_length_empty_spent_the_whole_budget_on_reasoning() -> None:
    body = load("completions/length-empty.json")
    (choice,) = body["choices"]
    assert (choice["message"]["content"], choice["finish_reason"]) == ("", "length")
    usage = body["usage"]
    assert usage["completion_tokens_details"]["reasoning_tokens"] == usage["completion_tokens"]


@pytest.mark.parametrize("path", sorted((FIXTURES / "completions").glob("*.json")), ids=name)
def test_completion_looks_like_o3_mini(path: Path) -> None:
    body = json.loads(path.read_bytes())
    assert body["model"] == "o3-mini-2025-01-31"
    assert body["id"].startswith("chatcmpl-")
    assert len(body["id"]) == 9 + 29
    assert body["id"][9:].isalnum()
    assert "logprobs" not in json.dumps(body)
    assert "service_tier" not in body
    for choice in body["choices"]:
        assert list(choice["message"])[:4] == ["role", "content", "refusal", "annotations"]


def _accumulate(path: str) -> dict[str, Any]:
    """Join a stream's deltas the way a client does (strings concatenate)."""
    message: dict[str, Any] = {"content": "", "refusal": "", "tool_calls": {}}
    for event in sse.decode((FIXTURES / path).read_bytes()):
        if event.data == sse.DONE:
            break
        body = json.loads(event.data)
        for choice in body.get("choices", ()):
            delta = choice["delta"]
            message["content"] += delta.get("content") or ""
            message["refusal"] += delta.get("refusal") or ""
            for call in delta.get("tool_calls", ()):
                into = message["tool_calls"].setdefault(
                    call["index"], {"id": "", "name": "", "arguments": ""}
                )
                into["id"] += call.get("id", "")
                into["name"] += call.get("function", {}).get("name", "")
                into["arguments"] += call.get("function", {}).get("arguments", "")
    return message


def test_text_stream_joins_into_the_answer() -> None:
    assert _accumulate("streams/text.sse")["content"] == "Hello there! How can I help you today?"


def test_refusal_stream_joins_into_a_refusal() -> None:
    message = _accumulate("streams/refusal.sse")
    assert (message["content"], message["refusal"]) == (
        "",
        load("completions/refusal.json")["choices"][0]["message"]["refusal"],
    )


def test_parallel_tool_call_stream_joins_into_the_completion_calls() -> None:
    calls = _accumulate("streams/parallel-tool-calls.sse")["tool_calls"]
    expected = load("completions/parallel-tool-calls.json")["choices"][0]["message"]["tool_calls"]
    assert [calls[0], calls[1]] == [
        {"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
        for c in expected
    ]


def test_error_stream_ends_with_the_wire_error_event() -> None:
    events = sse.decode((FIXTURES / "streams/error-mid-stream.sse").read_bytes())
    assert [e.data for e in events[-2:]] == [
        '{"error":{"message":"The server experienced an error while processing your request. '
        'We apologize for the inconvenience!","type":"server_error","param":null,"code":null}}',
        "[DONE]",
    ]


def test_usage_stream_ends_with_an_empty_choices_usage_chunk() -> None:
    events = sse.decode((FIXTURES / "streams/include-usage.sse").read_bytes())
    last = json.loads(events[-2].data)
    assert last["choices"] == []
    assert (
        last["usage"]["completion_tokens_details"]["reasoning_tokens"]
        <= last["usage"]["completion_tokens"]
    )


# ---- the dated wires: the fixtures are what the mock sends (docs/WIRE.md §9) -------------------


def test_the_2026_stream_fixture_is_what_the_mock_sends() -> None:
    from mockserver import Config, RawRequest, Service, Text

    service = Service(Config(seed=1, clock=lambda: 1773905945.0))
    service.stub(Text("Hello there! How can I help you today?"))
    request = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]}
    outcome = service.handle(
        RawRequest(
            "POST",
            "/v1/chat/completions",
            {"authorization": "Bearer k", "content-type": "application/json"},
            json.dumps({**request, "stream": True}).encode(),
        )
    )
    assert outcome.stream is not None
    sent = b"".join(data or b"" for _, data in outcome.stream)
    assert sent == (FIXTURES / "streams" / "2026" / "usage-unasked.sse").read_bytes()


def test_the_error_fixtures_are_the_mocks_bodies_of_each_wire() -> None:
    from mockserver._contract import errors, profiles

    for relative, wire in (("2026/403-credits.json", "2026"), ("403.json", "2025")):
        fixture = load(f"errors/{relative}")
        body = errors.for_status(403).body(
            profiles.get("aimlapi", wire), "/v1/chat/completions", "req_" + "0" * 32
        )
        for volatile in ("timestamp", "requestId"):
            body.pop(volatile, None)
            fixture.pop(volatile, None)
        assert list(body) == list(fixture) and body == fixture, relative


def test_the_2026_billing_fixture_follows_the_billing_rule() -> None:
    from mockserver._generation import billing
    from mockserver._generation.model import Usage

    body = load("completions/2026/billing.json")
    usage = Usage(body["usage"]["prompt_tokens"], body["usage"]["completion_tokens"])
    assert (
        body["meta"]
        == billing.meta(usage)
        == {"usage": {"credits_used": 29321, "usd_spent": 0.0146605}}
    )
