"""A small application built on the AI/ML API: a weather assistant that calls a tool.

It is what a user of this toolkit would write; `test_weather_app.py` beside it tests it
offline with the pytest plugin. Run it for real with AIMLAPI_KEY set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import openai

BASE_URL = os.environ.get("AIMLAPI_BASE_URL", "https://api.aimlapi.com/v1")
MODEL = "o3-mini"

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


def client(**options: Any) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=BASE_URL, api_key=os.environ.get("AIMLAPI_KEY", "test-key"), **options
    )


def lookup_weather(city: str, unit: str) -> dict[str, Any]:
    """The application's own tool (a stand-in for a weather service)."""
    return {
        "city": city,
        "temperature": 18 if unit == "celsius" else 64,
        "unit": unit,
        "sky": "clear",
    }


def ask(
    question: str,
    api: openai.OpenAI | None = None,
    tool: Callable[..., dict[str, Any]] = lookup_weather,
) -> str:
    """Answer `question`, calling the weather tool as often as the model asks (an agent loop)."""
    api = api or client()
    messages: list[dict[str, Any]] = [
        {"role": "developer", "content": "You are a concise weather assistant."},
        {"role": "user", "content": question},
    ]
    for _ in range(5):
        completion = api.chat.completions.create(
            model=MODEL, messages=messages, tools=[WEATHER_TOOL]
        )  # type: ignore[arg-type]
        message = completion.choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            arguments = json.loads(call.function.arguments)  # type: ignore[union-attr]
            messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": json.dumps(tool(**arguments))}
            )
    raise RuntimeError("the model kept calling tools")


def stream_answer(question: str, api: openai.OpenAI | None = None) -> tuple[str, int]:
    """Stream an answer; returns the text and the total tokens the usage chunk reported."""
    api = api or client()
    stream = api.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": question}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, total = [], 0
    for chunk in stream:
        if chunk.choices:
            text.append(chunk.choices[0].delta.content or "")
        if chunk.usage is not None:
            total = chunk.usage.total_tokens
    return "".join(text), total


def words(stream: Iterator[str]) -> int:
    return sum(len(piece.split()) for piece in stream)
