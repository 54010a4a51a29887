"""What a correct client must get out of each answer: the checks the client contract runs,
written as plain functions so they can be aimed at any client's result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import openai
import requests


def message_facts(message: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of a message a client must reproduce exactly."""
    calls = [
        (
            c.get("id"),
            (c.get("function") or {}).get("name"),
            (c.get("function") or {}).get("arguments"),
        )
        for c in message.get("tool_calls") or ()
    ]
    return {
        "content": message.get("content"),
        "refusal": message.get("refusal"),
        "tool_calls": calls,
    }


def expected_choices(completion: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    return {
        c["index"]: {**message_facts(c["message"]), "finish_reason": c.get("finish_reason")}
        for c in completion["choices"]
    }


def usage_facts(usage: Mapping[str, Any] | None) -> tuple[Any, ...] | None:
    if usage is None:
        return None
    details = usage.get("completion_tokens_details") or {}
    return (
        usage["prompt_tokens"],
        usage["completion_tokens"],
        usage["total_tokens"],
        details.get("reasoning_tokens"),
    )


def sdk_choices(choices: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """The same facts from what the openai SDK parsed (a ChatCompletion's choices)."""
    out = {}
    for choice in choices:
        message = choice.message.model_dump()
        out[choice.index] = {**message_facts(message), "finish_reason": choice.finish_reason}
    return out


def sdk_usage(usage: Any) -> tuple[Any, ...] | None:
    return None if usage is None else usage_facts(usage.model_dump())


class StreamFold:
    """Reassembles SDK chunks the way a correct client does: per choice, text concatenated,
    tool calls merged by index (id/type/name from their first delta), usage from the
    usage chunk."""

    def __init__(self) -> None:
        self.choices: dict[int, dict[str, Any]] = {}
        self.usage: Any = None

    def add(self, chunk: openai.types.chat.ChatCompletionChunk) -> None:
        if chunk.usage is not None:
            self.usage = chunk.usage
        for part in chunk.choices:
            state = self.choices.setdefault(
                part.index, {"content": None, "refusal": None, "calls": {}, "finish_reason": None}
            )
            delta = part.delta
            for key in ("content", "refusal"):
                piece = getattr(delta, key)
                if piece is not None:
                    state[key] = (state[key] or "") + piece
            for call in delta.tool_calls or ():
                entry = state["calls"].setdefault(
                    call.index, {"id": None, "name": None, "arguments": ""}
                )
                if call.id:
                    entry["id"] = call.id
                if call.function is not None:
                    if call.function.name:
                        entry["name"] = call.function.name
                    entry["arguments"] += call.function.arguments or ""
            if part.finish_reason is not None:
                state["finish_reason"] = part.finish_reason

    def facts(self) -> dict[int, dict[str, Any]]:
        return {
            index: {
                "content": s["content"],
                "refusal": s["refusal"],
                "tool_calls": [
                    (c["id"], c["name"], c["arguments"]) for _, c in sorted(s["calls"].items())
                ],
                "finish_reason": s["finish_reason"],
            }
            for index, s in self.choices.items()
        }


def stream_expectation(completion: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """What folding a variant's stream must give, in `StreamFold.facts` form. A stream
    leaves a field null until a delta carries it, so empty strings count as given."""
    return expected_choices(completion)


def seed_page_snippet(url: str) -> requests.Response:
    """POST the provider's documented request to `url` with `requests`."""
    # The seed page's code example, verbatim but for the URL: keep it so.
    response = requests.post(
        url,
        headers={
            "Content-Type": "application/json",
            # Insert your AIML API Key instead of <YOUR_AIMLAPI_KEY>:
            "Authorization": "Bearer <YOUR_AIMLAPI_KEY>",
        },
        json={
            "model": "o3-mini",
            "messages": [
                {
                    "role": "user",
                    # Insert your question for the model here, instead of Hello:
                    "content": "Hello",
                }
            ],
        },
        timeout=10,
    )
    return response  # noqa: RET504 - the snippet above stays as the page has it
