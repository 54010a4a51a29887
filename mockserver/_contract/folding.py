"""Fold a stream's chunks back into the completion a non-stream request returns.

It merges deltas as the openai SDK's ``accumulate_delta`` does (strings concatenate,
tool calls merge by ``index``), so what it returns is what a correct client sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def fold(chunks: Iterable[Mapping[str, Any]], *, other_servers: bool = False) -> dict[str, Any]:
    """The completion the chunks spell. Raises ValueError on an empty stream.

    ``other_servers``: a tool call's id, type and name repeated on later deltas (as other
    OpenAI-compatible servers send them) are taken once, not concatenated."""
    out: dict[str, Any] | None = None
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        if out is None:
            out = {k: v for k, v in chunk.items() if k not in ("choices", "usage", "object")}
            out["object"] = "chat.completion"
        if chunk.get("usage") is not None:
            out["usage"] = chunk["usage"]
        for part in chunk.get("choices", ()):
            choice = choices.setdefault(
                part["index"],
                {
                    "index": part["index"],
                    "message": {"role": "assistant", "content": None, "refusal": None},
                },
            )
            _merge(choice["message"], part.get("delta") or {}, other_servers)
            for key in ("finish_reason", "logprobs"):
                if key in part and (part[key] is not None or key not in choice):
                    choice[key] = part[key]
    if out is None:
        raise ValueError("no chunk to fold")
    out["choices"] = [choices[i] for i in sorted(choices)]
    return out


def _merge(message: dict[str, Any], delta: Mapping[str, Any], other_servers: bool) -> None:
    for key, value in delta.items():
        if key == "tool_calls":
            calls = message.setdefault("tool_calls", [])
            for call in value:
                _merge_call(calls, call, other_servers)
        elif key == "role":
            message["role"] = value
        elif isinstance(value, str):
            message[key] = (message.get(key) or "") + value
        elif key not in message:
            message[key] = value


def _merge_call(calls: list[dict[str, Any]], delta: Mapping[str, Any], other_servers: bool) -> None:
    index = delta["index"]
    while len(calls) <= index:
        calls.append({"id": "", "type": "function", "function": {"name": "", "arguments": ""}})
    call = calls[index]
    if "id" in delta and not (other_servers and call["id"]):
        call["id"] += delta["id"]
    if "type" in delta:
        call["type"] = delta["type"]
    function = delta.get("function") or {}
    if "name" in function and not (other_servers and call["function"]["name"]):
        call["function"]["name"] += function["name"]
    if "arguments" in function:
        call["function"]["arguments"] += function["arguments"]
