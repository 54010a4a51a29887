"""Streamed completions: byte-exact SSE transcripts, each with the completion it folds into."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver._contract import errors, sse
from mockserver._control import faults
from mockserver._strategies.common import (
    ALNUM,
    ASSISTANT_TEXTS,
    CHUNK_OBJECT,
    COMPLETION_OBJECT,
    FINISH_REASONS,
    REFUSALS,
    SNAPSHOTS,
    Json,
    texts,
    with_extras,
)
from mockserver._strategies.completions import (
    billings,
    completion_ids,
    created_times,
    fingerprints,
    usages,
)
from mockserver._strategies.tools import tool_calls
from mockserver._strategies.variants import StreamVariant

_Entry = tuple[int, Json, str | None]  # (choice index, delta, finish_reason)


@st.composite
def _pieces(draw: DrawFn, text: str) -> list[str]:
    """`text` cut at any characters (no empty piece)."""
    if len(text) < 2:
        return [text] if text else []
    cuts = sorted(set(draw(st.lists(st.integers(1, len(text) - 1), max_size=6))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def _tool_call_deltas(draw: DrawFn, repeat: bool = False) -> list[Json]:
    """Tool-call deltas of parallel calls: each index opens with its id, type and name
    (once, or on every delta when `repeat`), then its arguments in pieces, interleaved with
    the other open calls."""
    queues = []
    for i, (call_id, name, arguments) in enumerate(draw(tool_calls())):
        pieces = draw(_pieces(arguments))
        head: Json = {"index": i, "id": call_id, "type": "function", "function": {"name": name}}
        if draw(st.booleans()):
            first = draw(st.booleans()) and bool(pieces)
            head["function"]["arguments"] = pieces.pop(0) if first else ""
        if repeat:
            rest = [{**head, "function": {"name": name, "arguments": p}} for p in pieces]
        else:
            rest = [{"index": i, "function": {"arguments": p}} for p in pieces]
        queues.append([head, *rest])
    out, opened = [], 0
    while any(queues):
        options = [i for i in range(opened) if queues[i]] + (
            [opened] if opened < len(queues) else []
        )
        pick = draw(st.sampled_from(options))
        opened += pick == opened
        out.append(queues[pick].pop(0))
    return out


@st.composite
def _choice_entries(draw: DrawFn, index: int, repeat: bool = False) -> list[_Entry]:
    finish = draw(st.sampled_from(FINISH_REASONS))
    refuses = draw(st.integers(0, 3)) == 3
    role_only = draw(st.booleans())
    deltas: list[Json]
    if finish == "tool_calls":
        calls = [{"tool_calls": [d]} for d in draw(_tool_call_deltas(repeat))]
        if role_only:
            deltas = [{"role": "assistant"}, *calls]
        else:
            first = {"role": "assistant", "content": None, **calls[0], "refusal": None}
            deltas = [first, *calls[1:]]
    else:
        key = "refusal" if finish == "stop" and refuses else "content"
        pieces = draw(_pieces(draw(texts(REFUSALS if key == "refusal" else ASSISTANT_TEXTS))))
        rest = [{key: p} for p in pieces]
        if role_only:
            deltas = [{"role": "assistant"}, *rest]
        elif key == "refusal":
            deltas = [{"role": "assistant", "content": None, "refusal": ""}, *rest]
        else:
            deltas = [{"role": "assistant", "content": "", "refusal": None}, *rest]
    for at in draw(st.lists(st.integers(1, len(deltas)), max_size=2)):
        deltas.insert(at, {})  # empty deltas, as some servers send between pieces
    entries: list[_Entry] = [(index, d, None) for d in deltas]
    if draw(st.booleans()) or len(entries) < 2:
        entries.append((index, {}, finish))
    else:
        entries[-1] = (index, entries[-1][1], finish)
    return entries


def _interleave(draw: DrawFn, queues: list[list[_Entry]]) -> list[_Entry]:
    out: list[_Entry] = []
    while any(queues):
        pick = draw(st.sampled_from([i for i, q in enumerate(queues) if q]))
        out.append(queues[pick].pop(0))
    return out


def _expected(first: Json, entries: Sequence[_Entry], logprobs: bool, usage: Json | None) -> Json:
    """The completion the entries spell, merged as the openai SDK merges deltas."""
    out = {k: v for k, v in first.items() if k not in ("choices", "usage", "object")}
    out["object"] = COMPLETION_OBJECT
    choices: dict[int, Json] = {}
    for index, delta, finish in entries:
        message = {"role": "assistant", "content": None, "refusal": None}
        choice = choices.setdefault(
            index, {"index": index, "message": message, "finish_reason": None}
        )
        if logprobs:
            choice["logprobs"] = None
        message = choice["message"]
        for key in ("content", "refusal"):
            if isinstance(delta.get(key), str):
                message[key] = (message[key] or "") + delta[key]
        for call in delta.get("tool_calls", ()):
            calls = message.setdefault("tool_calls", [])
            if call["index"] == len(calls):  # the first delta of its index: they open in order
                calls.append(
                    {
                        "id": call["id"],
                        "type": call["type"],
                        "function": {"name": call["function"]["name"], "arguments": ""},
                    }
                )
            calls[call["index"]]["function"]["arguments"] += call["function"].get("arguments", "")
        if finish is not None:
            choice["finish_reason"] = finish
    if usage is not None:
        out["usage"] = usage
    out["choices"] = [choices[i] for i in sorted(choices)]
    return out


_ERROR_EVENTS = [
    faults.SERVER_ERROR_EVENT["error"],
    *(
        errors.envelope(text, type_, None, code)["error"]
        for text, type_, code in (errors.STATUS_TEXTS[s] for s in (429, 500, 503))
    ),
]


@st.composite
def _streams(draw: DrawFn, other_servers: bool = False) -> StreamVariant:
    count = draw(st.integers(1, 3))
    head: Json = {
        "id": draw(completion_ids),
        "object": CHUNK_OBJECT,
        "created": draw(created_times),
        "model": draw(st.sampled_from(SNAPSHOTS)),
    }
    if draw(st.booleans()):
        head["system_fingerprint"] = draw(fingerprints)
    if draw(st.booleans()):
        head["service_tier"] = "default"
    head = with_extras(draw, head, "chunk")
    logprobs, usage_null, obfuscate = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    repeat = other_servers and draw(st.booleans())
    entries = _interleave(draw, [draw(_choice_entries(i, repeat)) for i in range(count)])
    error_at = draw(st.none() | st.integers(1, len(entries)))
    if error_at is not None:
        entries = entries[:error_at]
    late: set[int] = set()
    if other_servers and draw(st.booleans()):
        # Azure's content-filter chunks: an empty delta, finish_reason null, after the finish.
        finished = [index for index, _, finish in entries if finish is not None]
        late = set(draw(st.lists(st.sampled_from(finished), unique=True))) if finished else set()
        entries = entries + [(index, {}, None) for index in sorted(late)]

    # The key order of the 2026 transcript: ..., "choices", "usage", "obfuscation".
    def chunk(choices: list[Json], usage: Json | None = None, usage_key: bool = False) -> Json:
        out = {**head, "choices": choices}
        if usage_key:
            out["usage"] = usage
        if obfuscate:
            out["obfuscation"] = draw(st.text(ALNUM, min_size=1, max_size=16))
        return out

    bare = other_servers and draw(st.booleans())  # the gateway's own serializer (D7)
    chunks = []
    for index, delta, finish in entries:
        entry: Json = {"index": index, "delta": delta}
        if logprobs:
            entry["logprobs"] = None
        entry["finish_reason"] = finish
        if index in late and finish is None and not delta:
            entry["content_filter_results"] = _FILTER_RESULTS
        if bare and finish is not None and not delta:
            del entry["delta"]  # a finishing choice without its empty delta
        chunks.append(chunk([entry], None, usage_null))
    usage = None
    if error_at is None and draw(st.booleans()):
        reasoning = draw(st.integers(0, 2048))
        usage = draw(usages(reasoning, reasoning + draw(st.integers(0, 500))))
        chunks.append(chunk([], usage, True))
        if draw(st.booleans()):  # the gateway's billing, in the last chunk (2026)
            chunks[-1]["meta"] = draw(billings)
    error = draw(st.sampled_from(_ERROR_EVENTS)) if error_at is not None else None
    events = [*chunks, {"error": error}] if error is not None else chunks
    completion = _expected(chunks[0], entries, logprobs, usage)
    # A clean end may come at the close, without [DONE], as the provider's transcripts do.
    done = error is not None or draw(st.integers(0, 3)) > 0
    transcript = _frame(draw, events, multiline=other_servers and draw(st.booleans()), done=done)
    return StreamVariant(transcript, completion, error, draw(_cuts(transcript)))


def _awkward_offsets(data: bytes) -> list[list[int]]:
    """Offsets where a cut breaks naive clients, by kind: inside a UTF-8 character, between
    ``\\r`` and ``\\n``, inside ``data:``, inside a JSON string or number."""
    ends = range(1, len(data))
    inside_data = [i for m in _DATA_FIELD.finditer(data) for i in range(m.start() + 1, m.end())]
    return [
        [i for i in ends if data[i] & 0xC0 == 0x80],  # a UTF-8 continuation byte
        [i for i in ends if data[i - 1 : i + 1] == b"\r\n"],
        inside_data,
        [m.start() + 1 for m in _TOKEN.finditer(data)],
    ]


_DATA_FIELD = re.compile(rb"data:")
_TOKEN = re.compile(rb'"[^"]{2,}"|[0-9]{2,}')


@st.composite
def _cuts(draw: DrawFn, data: bytes) -> tuple[int, ...]:
    """Where the network cuts the body: nowhere (examples shrink there), anywhere, and
    where naive clients break, each kind as likely as the others."""
    if len(data) < 2:
        return ()
    kinds = [st.sampled_from(k) for k in _awkward_offsets(data) if k]
    offset = st.one_of(st.integers(1, len(data) - 1), *kinds)
    return tuple(sorted(set(draw(st.lists(offset, max_size=12)))))


def _frame(
    draw: DrawFn, events: Sequence[Json], multiline: bool = False, done: bool = True
) -> bytes:
    """SSE framing as real servers vary it: LF or CRLF, ``data:`` with or without its space,
    compact or spaced JSON, and ``: keep-alive`` comments between events; with `multiline`,
    some events' JSON over several ``data:`` lines, cut between tokens (the SSE spec joins
    the lines with a newline, which JSON reads as whitespace); ``[DONE]`` last if `done`."""
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    prefix = draw(st.sampled_from(["data: ", "data:"]))
    dumps: Callable[[Any], str] = draw(st.sampled_from([sse.dumps, json.dumps]))
    keep_alive = draw(st.booleans())
    parts = []
    for data in [*map(dumps, events), *[sse.DONE] * done]:
        if keep_alive and draw(st.booleans()):
            parts.append(f": keep-alive{eol}{eol}")
        lines = [data]
        if multiline and data != sse.DONE and draw(st.booleans()):
            bounds = _between_tokens(data)
            cuts = sorted(set(draw(st.lists(st.sampled_from(bounds), min_size=1, max_size=3))))
            lines = [data[a:b] for a, b in itertools.pairwise([0, *cuts, len(data)])]
        parts.append("".join(f"{prefix}{line}{eol}" for line in lines) + eol)
    return "".join(parts).encode()


def _between_tokens(text: str) -> list[int]:
    """Offsets just after a ``,`` or ``:`` outside JSON strings."""
    out, in_string, escaped = [], False, False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in ",:":
            out.append(i + 1)
    return out


# Azure OpenAI's content-filter annotations (Azure/azure-sdk-for-net#45136).
_FILTER_RESULTS = {
    name: {"filtered": False, "severity": "safe"}
    for name in ("hate", "self_harm", "sexual", "violence")
}


def chat_completion_streams(*, other_servers: bool = False) -> SearchStrategy[StreamVariant]:
    """Byte-exact SSE transcripts of streamed completions, each with the completion its
    chunks fold into (see `StreamVariant`).

    Covers the framings real servers send: LF or CRLF line ends, ``data:`` with or without
    a space, ``: keep-alive`` comments, ``"usage": null`` on every chunk or no ``usage``
    key, ``service_tier``, ``"logprobs": null`` and OpenAI's ``obfuscation`` padding or
    not, a role-only first delta, empty deltas, finish_reason on the last piece or on an
    empty delta, text, refusals and tool-call arguments cut at any character, parallel tool
    calls interleaved (id, type and name only in each index's first delta), 1-3 choices
    interleaved, the usage chunk with ``choices: []`` (with the gateway's ``meta`` billing
    or without), an error event (then ``[DONE]``) after some chunks, and a clean end at
    the close without ``[DONE]`` (as the provider's own transcripts show). Every transcript
    passes `mockserver.schemas.validate_transcript`.

    Each variant also says how the network cuts its bytes (``cuts``): anywhere, inside a
    UTF-8 character, between ``\\r`` and ``\\n``, inside ``data:``, inside a JSON token.
    `as_reply` delivers those pieces as separate reads, so a suite that serves drawn streams
    tests a client's buffering without a change.

    ``other_servers=True`` also draws what other OpenAI-compatible servers send and a client
    that talks to them must survive (off by default: this provider does not send them;
    sources in docs/WIRE.md §3a): a tool call's ``id``, ``type`` and ``name`` repeated on
    every delta, chunks with an empty delta and ``finish_reason: null`` after a choice
    finished (Azure's content-filter chunks), a finishing choice without ``delta`` (the
    provider's own serializer on its non-OpenAI routes), and an event's JSON over several
    ``data:`` lines. Such transcripts pass ``validate_transcript(t, other_servers=True)``, and
    ``completion`` takes a repeated header once.

    Examples shrink toward one choice streaming "" that stopped, LF-framed, no usage chunk,
    in one piece.
    """
    return _streams(other_servers)
