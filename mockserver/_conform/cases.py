"""The cases a conforming client must pass: what each serves, the request the client must
send, and the one JSON object the client must print (see `expected`).

A case is a family of examples: drawn stream variants (with the cuts they arrive in),
drawn completions, one error answer per class, and the faults a client must survive or
report. Everything is drawn from the seed, so a run replays exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from mockserver._contract import folding, sse
from mockserver._contract.replies import Raw
from mockserver._control.faults import Fault, StreamFault
from mockserver._strategies.common import FUNCTION_NAMES
from mockserver._strategies.completions import chat_completions
from mockserver._strategies.errors import _errors as error_variants
from mockserver._strategies.streams import chat_completion_streams
from mockserver._strategies.variants import ErrorVariant, StreamVariant

Json = dict[str, Any]
HELLO = [{"role": "user", "content": "Hello"}]
_USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
# Error classes: one status per exception the SDKs map a status to (WIRE.md §7).
ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 429, 500, 503)
# Live, a short pause between pieces lets each piece reach the client as a read of its own.
PIECE_PAUSE = 0.002


@dataclass(frozen=True)
class Example:
    """One run of the client: what the mock serves, what the client must send and print."""

    request: Json
    reply: Raw | None
    """None: the mock generates the answer (from the request and the seed)."""
    expected: Json | None
    """None: computed by serving `request` on a twin mock without the fault."""
    faults: tuple[tuple[Fault, int], ...] = ()
    shown: Any = None
    """What a report shows of the example (the variant drawn)."""


@dataclass(frozen=True)
class Case:
    name: str
    must: str
    """What a conforming client does, in words."""
    examples: st.SearchStrategy[Example] | None = None
    """Drawn examples (the kit shrinks a failure to the smallest), or"""
    fixed: tuple[Example, ...] = field(default=())
    """fixed ones."""
    once: bool = False
    """One drawn example, whatever ``--examples`` says (an error class is one answer)."""


def expected(completion: Mapping[str, Any]) -> Json:
    """What a client prints for a completion (or the fold of a stream)."""
    choices = []
    for choice in completion["choices"]:
        message = choice.get("message") or {}
        calls = [
            {"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
            for c in message.get("tool_calls") or ()
        ]
        choices.append(
            {
                "index": choice["index"],
                "content": message.get("content") or None,
                "refusal": message.get("refusal") or None,
                "tool_calls": calls,
                "finish_reason": choice.get("finish_reason"),
            }
        )
    usage = completion.get("usage")
    return {
        "choices": sorted(choices, key=lambda c: c["index"]),
        "usage": {k: usage.get(k) for k in _USAGE_KEYS} if isinstance(usage, Mapping) else None,
    }


def normalized(printed: Any) -> Json:
    """The listed keys of what a client printed, in the form `expected` gives (keys not
    listed are ignored; "" and null mean the same for content and refusal)."""
    if not isinstance(printed, Mapping):
        raise ValueError(f"the client printed {type(printed).__name__}, not a JSON object")
    if isinstance(printed.get("error"), Mapping):
        return {"error": {"status": printed["error"].get("status")}}
    if not isinstance(printed.get("choices"), list):
        raise ValueError('the client printed neither "choices" (a list) nor "error" (an object)')
    return expected(
        {
            "choices": [
                {
                    "index": c.get("index"),
                    "finish_reason": c.get("finish_reason"),
                    "message": {
                        "content": c.get("content"),
                        "refusal": c.get("refusal"),
                        "tool_calls": [
                            {
                                "id": t.get("id"),
                                "function": {
                                    "name": t.get("name"),
                                    "arguments": t.get("arguments"),
                                },
                            }
                            for t in c.get("tool_calls") or ()
                        ],
                    },
                }
                for c in printed["choices"]
                if isinstance(c, Mapping)
            ],
            "usage": printed.get("usage"),
        }
    )


def fold_transcript(data: bytes) -> Json:
    """The completion a transcript folds into (up to an error event)."""
    chunks = []
    for event in sse.decode(data):
        if event.data == sse.DONE:
            break
        chunk = json.loads(event.data)
        if "error" in chunk:
            break
        chunks.append(chunk)
    return folding.fold(chunks)


def _tools(completion: Mapping[str, Any]) -> list[Json]:
    """Tools the request offers: every function the answer may call."""
    if not any(c.get("message", {}).get("tool_calls") for c in completion["choices"]):
        return []
    return [
        {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
        for n in FUNCTION_NAMES
    ]


def _request(completion: Mapping[str, Any], stream: bool) -> Json:
    request: Json = {"model": "o3-mini", "messages": HELLO}
    if len(completion["choices"]) > 1:
        request["n"] = len(completion["choices"])
    tools = _tools(completion)
    if tools:
        request["tools"] = tools
    if stream:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    return request


def _stream_example(variant: StreamVariant) -> Example:
    # The SDKs stop at an error event with an exception that carries no status: the kit's
    # output format has no words for it, so those variants are left out.
    split = sse.Split(at=variant.cuts, pause=PIECE_PAUSE) if variant.cuts else None
    reply = Raw(events=variant.transcript, split=split)
    return Example(
        _request(variant.completion, True), reply, expected(variant.completion), shown=variant
    )


def _completion_example(completion: Json) -> Example:
    return Example(
        _request(completion, False), Raw(body=completion), expected(completion), shown=completion
    )


def _error_example(variant: ErrorVariant) -> Example:
    # Retries stay quick: the answer asks for a 1 ms wait, whatever the status.
    headers = {k: v for k, v in variant.headers.items() if not k.startswith(("retry-", "x-sh"))}
    headers["retry-after-ms"] = "1"
    reply = Raw(status=variant.status, body=variant.body, headers=headers)
    shown = replace(variant, headers=headers, retry_after_date=None)
    return Example(
        {"model": "o3-mini", "messages": HELLO},
        reply,
        {"error": {"status": variant.status}},
        shown=shown,
    )


def cases(profile: str) -> list[Case]:
    """Every case, in the order the kit runs them."""
    streams = chat_completion_streams().filter(lambda v: v.error is None)
    errors: list[Case] = [
        Case(
            f"error-{status}",
            f"report the {status} answer as {{'error': {{'status': {status}}}}}",
            examples=error_variants(profile, status).map(_error_example),
            once=True,
        )
        for status in ERROR_STATUSES
    ]
    hello = {"model": "o3-mini", "messages": HELLO}
    stream_hello = {**hello, "stream": True, "stream_options": {"include_usage": True}}
    retry = Fault(status=429, retry_after_ms=10, should_retry=True, name="429 once")
    framing = StreamFault(keep_alive=True, crlf=True, split=sse.Split(every=1))
    return [
        Case(
            "stream",
            "fold every drawn stream, cut anywhere by the network, into its completion",
            examples=streams.map(_stream_example),
        ),
        Case(
            "completion",
            "read every drawn completion",
            examples=chat_completions().map(_completion_example),
        ),
        *errors,
        Case(
            "fault-retry-429",
            "retry a 429 that asks for a 10 ms wait, then read the completion",
            fixed=(Example(hello, None, None, ((retry, 1),), shown="429 once, then a completion"),),
        ),
        Case(
            "fault-stream-framing",
            "read a stream sent one byte per write, CRLF-framed, with keep-alive comments",
            fixed=(
                Example(
                    stream_hello,
                    None,
                    None,
                    ((Fault(stream=framing, name="framing"), 1),),
                    shown="keep-alive, crlf, split every byte",
                ),
            ),
        ),
        Case(
            "fault-persistent-500",
            "report a 500 that does not go away as {'error': {'status': 500}}",
            fixed=(
                Example(
                    hello,
                    None,
                    {"error": {"status": 500}},
                    ((Fault(status=500, retry_after_ms=1, name="500"), 10),),
                    shown="500 on every attempt",
                ),
            ),
        ),
    ]
