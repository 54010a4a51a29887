"""Response variants: what kind of answer a client received, told from the bytes alone.

A variant names what a client must handle: a completion or a stream answering in text,
tool calls, a refusal, or cut by the token limit; a stream's framing (CRLF line ends,
comment lines, the usage chunk, an error event, no ``[DONE]``); an error by status and
body shape. The consumer-contract recorder and ``mockserver verify --contract`` classify
with the same code, so what a client was tested with and what a provider answers compare.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mockserver._contract import folding, sse

Variant = dict[str, Any]
"""``{"kind": "completion"|"stream"|"error"|"other", "status": int, ...}``: completions and
streams add ``answer``, streams ``framing`` (a sorted list), errors ``shape``."""


def of_answer(status: int, content_type: str, body: bytes, *, dropped: bool = False) -> Variant:
    """The variant of an answer with `status`, `content_type` and `body` (a stream's bytes)."""
    if status >= 400:
        return {"kind": "error", "status": status, "shape": _error_shape(body)}
    if not 200 <= status < 300:
        return {"kind": "other", "status": status}
    if content_type.startswith("text/event-stream"):
        answer, framing = _stream(body, dropped)
        return {"kind": "stream", "status": status, "answer": answer, "framing": framing}
    try:
        completion = json.loads(body)
    except ValueError:
        return {"kind": "other", "status": status}
    return {"kind": "completion", "status": status, "answer": answer_of(completion)}


def describe(variant: Mapping[str, Any]) -> str:
    """One line: ``stream 201 text (usage_chunk)``, ``error 429 gateway``."""
    words = [variant["kind"], str(variant["status"])]
    words += [str(variant[k]) for k in ("answer", "shape") if k in variant]
    text = " ".join(words)
    framing = variant.get("framing")
    return f"{text} ({', '.join(framing)})" if framing else text


def answer_of(completion: Any) -> str:
    """What the choices say: ``text``, ``tool_calls``, ``refusal``, ``length``,
    ``content_filter``, or several joined by ``+`` (``n`` > 1); ``empty`` without choices."""
    kinds = set()
    choices = completion.get("choices") if isinstance(completion, dict) else None
    for choice in choices or ():
        if not isinstance(choice, dict):
            continue
        message = choice.get("message") or {}
        reason = choice.get("finish_reason")
        if reason in ("length", "content_filter"):
            kinds.add(str(reason))
        elif message.get("tool_calls"):
            kinds.add("tool_calls")
        elif message.get("refusal"):
            kinds.add("refusal")
        else:
            kinds.add("text")
    return "+".join(sorted(kinds)) or "empty"


def _error_shape(body: bytes) -> str:
    try:
        value = json.loads(body)
    except ValueError:
        return "not_json"
    if isinstance(value, dict) and {"title", "status", "error"} <= value.keys():
        return "problem"
    if isinstance(value, dict) and isinstance(value.get("error"), dict):
        return "envelope"
    if isinstance(value, dict) and "statusCode" in value:
        return "gateway"
    return "other"


def _stream(body: bytes, dropped: bool) -> tuple[str, list[str]]:
    framing = set()
    text = body.decode("utf-8", "replace")
    if "\r" in text:
        framing.add("crlf")
    if any(line.startswith(":") for line in text.replace("\r", "\n").split("\n")):
        framing.add("comments")
    chunks: list[dict[str, Any]] = []
    done = False
    for event in sse.decode(text):
        if event.data == sse.DONE:
            done = True
            continue
        try:
            chunk = json.loads(event.data)
        except ValueError:
            framing.add("malformed")
            continue
        if isinstance(chunk, dict) and chunk.get("error"):
            framing.add("error_event")
        elif isinstance(chunk, dict):
            if chunk.get("choices") == [] and chunk.get("usage") is not None:
                framing.add("usage_chunk")
            chunks.append(chunk)
    if not done:
        framing.add("no_done")
    if dropped:
        framing.add("dropped")
    try:
        answer = answer_of(folding.fold(chunks))
    except (ValueError, KeyError, TypeError):
        answer = "empty"
    return answer, sorted(framing)
