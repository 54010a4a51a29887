"""Valid chat requests: realistic conversations with tools and options, and requests drawn
from the request schema, repaired to obey the same conversation rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver._contract import profiles, rules, validation
from mockserver._strategies.common import (
    ASSISTANT_TEXTS,
    BUDGET_MIN,
    CHARS,
    EFFORTS,
    FORMAT_NAMES,
    FORMATS,
    INCLUDE_USAGE,
    INSTRUCTION_ROLES,
    MODELS,
    N_MAX,
    N_MIN,
    PROPERTIES,
    REFUSALS,
    SEED_MIN,
    STOP_LIST,
    STOPS,
    SYSTEM_TEXTS,
    TOOL_CHOICE_MODES,
    TOOL_RESULTS,
    USER_TEXTS,
    Json,
    content,
    invalid,
)
from mockserver._strategies.from_schema import for_kind
from mockserver._strategies.tools import Tool, call_ids, object_schema, tool_arguments, tool_lists


@st.composite
def _tool_round(draw: DrawFn, tools: Sequence[Tool], room: int) -> list[Json]:
    """An assistant turn with tool calls and content null, then one tool result per call."""
    count = draw(st.integers(1, min(3, room - 1)))
    ids = draw(st.lists(call_ids, min_size=count, max_size=count, unique=True))
    calls = []
    for call_id in ids:
        tool = draw(st.sampled_from(tools))
        arguments = draw(tool_arguments(tool))
        calls.append(
            {
                "id": call_id,
                "type": "function",
                "function": {"name": tool.name, "arguments": arguments},
            }
        )
    assistant: Json = {"role": "assistant", "content": None, "tool_calls": calls}
    if draw(st.booleans()):  # sent back as the SDK returned it
        assistant.update(refusal=None, annotations=[])
    results = [
        {"role": "tool", "tool_call_id": call_id, "content": draw(content(TOOL_RESULTS))}
        for call_id in ids
    ]
    return [assistant, *draw(st.permutations(results))]


@st.composite
def _conversations(draw: DrawFn, tools: Sequence[Tool], max_messages: int) -> list[Json]:
    messages: list[Json] = []
    if max_messages >= 2 and draw(st.booleans()):
        role = draw(st.sampled_from(INSTRUCTION_ROLES))
        messages.append({"role": role, "content": draw(content(SYSTEM_TEXTS))})
    messages.append({"role": "user", "content": draw(content(USER_TEXTS))})
    while max_messages - len(messages) >= 2 and draw(st.booleans()):
        if draw(st.booleans()) and tools:
            messages += draw(_tool_round(tools, max_messages - len(messages)))
            continue
        if draw(st.integers(0, 4)) == 4:
            answer: Json = {
                "role": "assistant",
                "content": None,
                "refusal": draw(st.sampled_from(REFUSALS)),
            }
        else:
            answer = {"role": "assistant", "content": draw(content(ASSISTANT_TEXTS))}
        messages += [answer, {"role": "user", "content": draw(content(USER_TEXTS))}]
    return messages


@st.composite
def _response_formats(draw: DrawFn) -> Json:
    kind = draw(st.sampled_from(FORMATS))
    if kind != "json_schema":
        return {"type": kind}
    properties = draw(
        st.lists(st.sampled_from(list(PROPERTIES)), min_size=1, max_size=4, unique=True)
    )
    strict = draw(st.booleans())
    schema = object_schema(properties, properties if strict else properties[:1], True)
    if draw(st.booleans()):  # the "steps + final answer" shape of OpenAI's own examples
        steps = {"type": "array", "items": schema}
        schema = object_schema([], [], True)
        schema["properties"] = {"steps": steps, "final_answer": {"type": "string"}}
        schema["required"] = ["steps", "final_answer"]
    body: Json = {"name": draw(st.sampled_from(FORMAT_NAMES)), "schema": schema}
    if strict:
        body["strict"] = True
    return {"type": kind, "json_schema": body}


stop_texts = st.text(CHARS, min_size=1, max_size=5) | st.sampled_from(STOPS)
_stops = stop_texts | st.lists(
    stop_texts, min_size=STOP_LIST["minItems"], max_size=STOP_LIST["maxItems"]
)


_OPTIONS: dict[str, SearchStrategy[Any]] = {
    "response_format": _response_formats(),
    "stop": _stops,
    "n": st.integers(N_MIN, 3) | st.integers(N_MIN, min(N_MAX, 8)),
    "seed": st.integers(SEED_MIN, 2**31 - 1),
    "reasoning_effort": st.sampled_from(EFFORTS),
    "max_completion_tokens": st.integers(BUDGET_MIN, 64) | st.integers(BUDGET_MIN, 8192),
}


@st.composite
def realistic_requests(
    draw: DrawFn, stream: bool | None, tools: bool | None, max_messages: int
) -> Json:
    offered = draw(tool_lists(1)) if (draw(st.booleans()) if tools is None else tools) else []
    request: Json = {
        "model": draw(st.sampled_from(MODELS)),
        "messages": draw(_conversations(offered, max_messages)),
    }
    if offered:
        request["tools"] = [t.tool for t in offered]
        if draw(st.booleans()):
            named = st.sampled_from(offered).map(
                lambda t: {"type": "function", "function": {"name": t.name}}
            )
            request["tool_choice"] = draw(st.sampled_from(TOOL_CHOICE_MODES) | named)
    # One draw picks the options, so that the minimal request costs few choices.
    chosen = draw(st.lists(st.sampled_from(list(_OPTIONS)), unique=True))
    request.update((name, draw(_OPTIONS[name])) for name in _OPTIONS if name in chosen)
    modes = {None: ["absent", "on", "off"], True: ["on"], False: ["absent", "off"]}[stream]
    mode = draw(st.sampled_from(modes))
    if mode == "on":
        request["stream"] = True
        if draw(st.booleans()):
            request["stream_options"] = {INCLUDE_USAGE: draw(st.booleans())}
    elif mode == "off":
        request["stream"] = False
    return request


def _answer_every_call(messages: Sequence[Json]) -> list[Json]:
    """Keep only the tool calls answered before the conversation goes on; a tool message that
    answers no open call becomes a user message. Never adds a message."""
    out: list[Json] = []
    open_ids: set[str] = set()
    caller: Json | None = None

    def close() -> None:
        if caller is not None and open_ids:
            kept = [c for c in caller["tool_calls"] if c["id"] not in open_ids]
            if kept:
                caller["tool_calls"] = kept
            else:
                del caller["tool_calls"]

    for original in messages:
        message = dict(original)
        if message["role"] == "tool":
            if message["tool_call_id"] in open_ids:
                open_ids.discard(message["tool_call_id"])
                out.append(message)
                continue
            message = {"role": "user", "content": message["content"]}
        close()
        calls = message.get("tool_calls") or () if message["role"] == "assistant" else ()
        open_ids, caller = {c["id"] for c in calls}, message
        out.append(message)
    close()
    return out


@st.composite
def _schema_requests(
    draw: DrawFn, stream: bool | None, tools: bool | None, max_messages: int
) -> Json:
    request: Json = draw(for_kind("request"))
    request["messages"] = _answer_every_call(request["messages"][:max_messages])
    if stream is not None and bool(request.get("stream")) != stream:
        request["stream"] = stream
    if not request.get("stream"):  # OpenAI rejects it there (rules._stream_options)
        request.pop("stream_options", None)
    if tools is False:
        request.pop("tools", None)
    elif tools and not request.get("tools"):
        request["tools"] = [t.tool for t in draw(tool_lists(1))]
    names = [t["function"]["name"] for t in request.get("tools") or ()]
    choice = request.get("tool_choice")
    if not names:
        request.pop("tool_choice", None)
    elif isinstance(choice, dict) and choice["function"]["name"] not in names:
        choice["function"]["name"] = draw(st.sampled_from(names))
    return request


def _accepted(request: Json) -> bool:
    return (
        validation.is_valid("request", request) and rules.check(request, profiles.AIMLAPI) is None
    )


def chat_requests(
    *, stream: bool | None = None, tools: bool | None = None, max_messages: int = 8
) -> SearchStrategy[Json]:
    """Valid chat-completion requests, weighted toward realistic ones.

    Most are conversations a client builds: an optional developer or system prompt, user
    turns, assistant answers and refusals, and assistant tool calls (content null) each
    answered by a tool message with the same ``tool_call_id`` before the conversation goes
    on; tools with real parameter schemas, a ``tool_choice`` only beside tools (a named one
    names an offered function), ``json_schema`` response formats, ``stop`` strings or lists,
    small ``n``, ``seed``, ``reasoning_effort``, ``max_completion_tokens``, ``stream`` and
    ``stream_options``. About one in five is drawn from the request schema itself (odd but
    valid shapes), repaired to obey the same conversation rules.

    ``stream``: True gives only streaming requests, False only non-streaming ones, None
    both. ``tools``: True always offers tools, False never (nor a ``tool_choice``), None
    either. ``max_messages`` (>= 1) caps the conversation's length.

    Examples shrink toward ``{"model": "o3-mini", "messages": [{"role": "user",
    "content": ""}]}``, with the options above forcing their fields in.
    """
    flags: tuple[tuple[str, object], ...] = (("stream", stream), ("tools", tools))
    for name, value in flags:
        if value is not None and not isinstance(value, bool):
            return invalid(f"{name} must be True, False or None; got {value!r}")
    if isinstance(max_messages, bool) or not isinstance(max_messages, int) or max_messages < 1:
        return invalid(f"max_messages must be an integer >= 1; got {max_messages!r}")
    realistic = realistic_requests(stream, tools, max_messages)
    drawn = _schema_requests(stream, tools, max_messages).filter(_accepted)
    return st.integers(0, 4).flatmap(lambda k: drawn if k == 4 else realistic)
