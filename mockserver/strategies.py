"""Hypothesis strategies for AI/ML API's chat completions (o3-mini).

Requests a client may send, and every response variant the provider may answer with: JSON
completions, byte-exact SSE transcripts and error answers. Every drawn value is valid against
``schemas/``; the facts the schemas hold (enums, bounds, the shapes' field lists) are read
from them. ``service.stub(as_reply(value))`` serves a drawn response from the mock.
"""

from __future__ import annotations

import copy
import email.utils
import itertools
import json
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, NoReturn

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver import engine, errors, faults, profiles, rules, schemas, sse
from mockserver._schema_strategies import for_kind
from mockserver.scenarios import Raw

__all__ = [
    "ErrorVariant",
    "StreamVariant",
    "as_reply",
    "chat_completion_streams",
    "chat_completions",
    "chat_requests",
    "error_responses",
    "invalid_chat_requests",
]

_Json = dict[str, Any]


@dataclass(frozen=True)
class StreamVariant:
    """A streamed answer: the exact bytes, and what a client folding its chunks must get.

    ``completion`` is what `mockserver.folding.fold` gives for the transcript's chunks: the
    first chunk's top-level fields, ``usage`` only if a usage chunk came, and per choice the
    merged message and ``finish_reason`` (None where an error cut the choice short).
    ``error`` is the error object (``{"message", "type", "param", "code"}``) of the error
    event the stream carries after its 2xx status, or None.
    """

    transcript: bytes
    completion: _Json
    error: _Json | None = None


@dataclass(frozen=True)
class ErrorVariant:
    """An error answer: status, headers, body in the profile's shape, and the name of the
    openai SDK exception class that status raises (WIRE.md §7)."""

    status: int
    headers: dict[str, str]
    body: _Json
    profile: str
    exception: str


# ---- facts read from the schemas -------------------------------------------------------------

_REQUEST = schemas.schema("request")
_PARAMS: _Json = _REQUEST["properties"]
_DEFS: _Json = _REQUEST["$defs"]
_COMPLETION = schemas.schema("completion")
_CHUNK = schemas.schema("chunk")


def _branch(node: Mapping[str, Any], type_name: str) -> _Json:
    return next(b for b in node["anyOf"] if b.get("type") == type_name)


_MODELS: list[str] = _PARAMS["model"]["enum"]
_ROLES: list[str] = _DEFS["message"]["properties"]["role"]["enum"]
_INSTRUCTION_ROLES = [r for r in _ROLES if r not in ("user", "assistant", "tool")]
_EFFORTS: list[str] = _PARAMS["reasoning_effort"]["enum"]
_TOOL_CHOICE_MODES: list[str] = _branch(_PARAMS["tool_choice"], "string")["enum"]
_STOP_LIST = _branch(_PARAMS["stop"], "array")
_N_MIN, _N_MAX = _PARAMS["n"]["minimum"], _PARAMS["n"]["maximum"]
_SEED_MIN: int = _PARAMS["seed"]["minimum"]
_BUDGET_MIN: int = _PARAMS["max_completion_tokens"]["minimum"]
(_INCLUDE_USAGE,) = _PARAMS["stream_options"]["required"]
_NAME_PATTERN = re.compile(_DEFS["function_name"]["pattern"])
_TEXT_PART: str = _DEFS["text_part"]["properties"]["type"]["const"]
_FORMATS = [
    _DEFS[b["$ref"].rsplit("/", 1)[1]]["properties"]["type"]["const"]
    for b in _PARAMS["response_format"]["oneOf"]
]
_FINISH_REASONS: list[str] = _COMPLETION["$defs"]["finish_reason"]["enum"]
_COMPLETION_OBJECT: str = _COMPLETION["properties"]["object"]["const"]
_CHUNK_OBJECT: str = _CHUNK["properties"]["object"]["const"]
_USAGE: _Json = _COMPLETION["$defs"]["usage"]["properties"]
# OpenAI parameters (WIRE.md §1) that the provider's o3-mini schema does not list.
_UNKNOWN_PARAMETERS = [
    p
    for p in ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "user")
    if p not in _PARAMS
]
_SNAPSHOTS = sorted({*engine.SNAPSHOTS.values(), *_MODELS})


def _unknown_keys(known: Mapping[str, Any], *candidates: str) -> list[str]:
    return [c for c in candidates if c not in known]


# Unknown extra fields real servers add, per level (never a name the schema knows there).
_EXTRAS = {
    "completion": _unknown_keys(
        _COMPLETION["properties"], "obfuscation", "provider", "moderation", "prompt_filter_results"
    ),
    "choice": _unknown_keys(
        _COMPLETION["$defs"]["choice"]["properties"], "native_finish_reason", "stop_reason"
    ),
    "message": _unknown_keys(
        _COMPLETION["$defs"]["message"]["properties"], "reasoning_content", "audio", "function_call"
    ),
    "usage": _unknown_keys(_USAGE, "cost", "prompt_cache_hit_tokens", "is_byok"),
    "chunk": _unknown_keys(_CHUNK["properties"], "provider", "moderation"),
}

# ---- realistic vocabulary (examples, not API facts) --------------------------------------------

_CHARS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"))
_ALNUM = string.ascii_letters + string.digits
_USER_TEXTS = (
    "Hello",
    "What's the weather in Boston today?",
    "Summarize this report in three bullet points.",
    "Translate 'good morning' into French.",
    "Is 97 a prime number? Think step by step.",
)
_SYSTEM_TEXTS = (
    "You are a helpful assistant.",
    "Answer concisely. Formatting re-enabled",
    "You are a support agent for ACME. Call the tools when you need data.",
)
_ASSISTANT_TEXTS = ("Hello! How can I help you today?", "It's 21°C and sunny in Boston.", "Oui.")
_REFUSALS = ("I'm sorry, but I can't help with that.", "I can't assist with that request.")
_TOOL_RESULTS = ('{"temperature":21,"unit":"celsius"}', '{"results":[]}', "OK", "Error: not found")
_STOPS = ("\n\n", "END", "###", "Observation:", "</answer>")
_UNITS = ["celsius", "fahrenheit"]
_PRIORITIES = ["low", "normal", "high"]
_PROPERTIES: dict[str, tuple[_Json, SearchStrategy[Any]]] = {
    "city": (
        {"type": "string", "description": "City name, e.g. Boston"},
        st.sampled_from(["Boston", "Paris", "São Paulo", "東京"]),
    ),
    "unit": ({"type": "string", "enum": _UNITS}, st.sampled_from(_UNITS)),
    "query": ({"type": "string"}, st.text(_CHARS, max_size=12)),
    "limit": ({"type": "integer", "minimum": 1, "maximum": 50}, st.integers(1, 50)),
    "include_archived": ({"type": "boolean"}, st.booleans()),
    "date": ({"type": "string", "format": "date"}, st.dates(date(2000, 1, 1)).map(str)),
    "tags": (
        {"type": "array", "items": {"type": "string"}},
        st.lists(st.sampled_from(["urgent", "billing", "bug"]), max_size=3),
    ),
    "amount": ({"type": "number", "minimum": 0}, st.integers(0, 10**6) | st.floats(0, 1e6)),
    "priority": ({"type": "string", "enum": _PRIORITIES}, st.sampled_from(_PRIORITIES)),
    "location": (
        {
            "type": "object",
            "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
            "required": ["lat", "lon"],
            "additionalProperties": False,
        },
        st.fixed_dictionaries({"lat": st.floats(-90, 90), "lon": st.floats(-180, 180)}),
    ),
}
_FUNCTION_NAMES = [
    n
    for n in (
        "get_weather",
        "search_docs",
        "create_ticket",
        "lookup_order",
        "send_email",
        "convert",
    )
    if _NAME_PATTERN.fullmatch(n)
]
_FORMAT_NAMES = [
    n for n in ("weather_report", "answer", "extraction") if _NAME_PATTERN.fullmatch(n)
]
_JSON_VALUES: SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(0, 1e6) | st.text(_CHARS, max_size=8),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=4,
)


def _invalid(message: str) -> SearchStrategy[Any]:
    return st.builds(_raise, st.just(InvalidArgument(message)))


def _raise(error: Exception) -> NoReturn:
    raise error


def _texts(samples: Sequence[str], max_size: int = 40) -> SearchStrategy[str]:
    """Free text first (so examples shrink to ""), then realistic samples."""
    return st.text(_CHARS, max_size=max_size) | st.sampled_from(samples)


def _content(samples: Sequence[str]) -> SearchStrategy[Any]:
    """A message's content: a string, or (sometimes) the same text as one text part."""
    texts = _texts(samples)
    return texts | texts.map(lambda t: [{"type": _TEXT_PART, "text": t}])


_ids = st.text(_ALNUM, min_size=24, max_size=24).map("call_".__add__)


def _with_extras(draw: DrawFn, value: _Json, level: str) -> _Json:
    if _EXTRAS[level] and draw(st.integers(0, 3)) == 3:
        keys = draw(st.lists(st.sampled_from(_EXTRAS[level]), min_size=1, max_size=2, unique=True))
        value.update({key: draw(_JSON_VALUES) for key in keys})
    return value


# ---- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tool:
    tool: _Json
    properties: tuple[str, ...]
    required: tuple[str, ...]

    @property
    def name(self) -> str:
        return str(self.tool["function"]["name"])


def _object_schema(properties: Sequence[str], required: Sequence[str], closed: bool) -> _Json:
    schema: _Json = {
        "type": "object",
        "properties": {p: _PROPERTIES[p][0] for p in properties},
        "required": list(required),
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


@st.composite
def _tools(draw: DrawFn, name: str) -> _Tool:
    properties = draw(st.lists(st.sampled_from(list(_PROPERTIES)), max_size=4, unique=True))
    strict = draw(st.booleans())
    required = properties if strict else [p for p in properties if draw(st.booleans())]
    function: _Json = {"name": name}
    if draw(st.booleans()):
        function["description"] = draw(_texts([f"Call {name} with the user's request."]))
    closed = draw(st.booleans()) or strict
    if draw(st.booleans()) or properties:
        function["parameters"] = _object_schema(properties, required, closed)
    if strict:
        function["strict"] = True
    return _Tool({"type": "function", "function": function}, tuple(properties), tuple(required))


def _tool_lists(min_size: int) -> SearchStrategy[list[_Tool]]:
    names = st.lists(st.sampled_from(_FUNCTION_NAMES), min_size=min_size, max_size=4, unique=True)
    return names.flatmap(lambda ns: st.tuples(*(_tools(n) for n in ns)).map(list))


@st.composite
def _arguments(draw: DrawFn, tool: _Tool) -> str:
    optional = {p: _PROPERTIES[p][1] for p in tool.properties if p not in tool.required}
    value = draw(
        st.fixed_dictionaries({p: _PROPERTIES[p][1] for p in tool.required}, optional=optional)
    )
    return json.dumps(value) if draw(st.booleans()) else sse.dumps(value)


@st.composite
def _tool_round(draw: DrawFn, tools: Sequence[_Tool], room: int) -> list[_Json]:
    """An assistant turn with tool calls and content null, then one tool result per call."""
    count = draw(st.integers(1, min(3, room - 1)))
    ids = draw(st.lists(_ids, min_size=count, max_size=count, unique=True))
    calls = []
    for call_id in ids:
        tool = draw(st.sampled_from(tools))
        arguments = draw(_arguments(tool))
        calls.append(
            {
                "id": call_id,
                "type": "function",
                "function": {"name": tool.name, "arguments": arguments},
            }
        )
    assistant: _Json = {"role": "assistant", "content": None, "tool_calls": calls}
    if draw(st.booleans()):  # sent back as the SDK returned it
        assistant.update(refusal=None, annotations=[])
    results = [
        {"role": "tool", "tool_call_id": call_id, "content": draw(_content(_TOOL_RESULTS))}
        for call_id in ids
    ]
    return [assistant, *draw(st.permutations(results))]


@st.composite
def _conversations(draw: DrawFn, tools: Sequence[_Tool], max_messages: int) -> list[_Json]:
    messages: list[_Json] = []
    if max_messages >= 2 and draw(st.booleans()):
        role = draw(st.sampled_from(_INSTRUCTION_ROLES))
        messages.append({"role": role, "content": draw(_content(_SYSTEM_TEXTS))})
    messages.append({"role": "user", "content": draw(_content(_USER_TEXTS))})
    while max_messages - len(messages) >= 2 and draw(st.booleans()):
        if draw(st.booleans()) and tools:
            messages += draw(_tool_round(tools, max_messages - len(messages)))
            continue
        if draw(st.integers(0, 4)) == 4:
            answer: _Json = {
                "role": "assistant",
                "content": None,
                "refusal": draw(st.sampled_from(_REFUSALS)),
            }
        else:
            answer = {"role": "assistant", "content": draw(_content(_ASSISTANT_TEXTS))}
        messages += [answer, {"role": "user", "content": draw(_content(_USER_TEXTS))}]
    return messages


@st.composite
def _response_formats(draw: DrawFn) -> _Json:
    kind = draw(st.sampled_from(_FORMATS))
    if kind != "json_schema":
        return {"type": kind}
    properties = draw(
        st.lists(st.sampled_from(list(_PROPERTIES)), min_size=1, max_size=4, unique=True)
    )
    strict = draw(st.booleans())
    schema = _object_schema(properties, properties if strict else properties[:1], True)
    if draw(st.booleans()):  # the "steps + final answer" shape of OpenAI's own examples
        steps = {"type": "array", "items": schema}
        schema = _object_schema([], [], True)
        schema["properties"] = {"steps": steps, "final_answer": {"type": "string"}}
        schema["required"] = ["steps", "final_answer"]
    body: _Json = {"name": draw(st.sampled_from(_FORMAT_NAMES)), "schema": schema}
    if strict:
        body["strict"] = True
    return {"type": kind, "json_schema": body}


_stop_texts = st.text(_CHARS, min_size=1, max_size=5) | st.sampled_from(_STOPS)
_stops = _stop_texts | st.lists(
    _stop_texts, min_size=_STOP_LIST["minItems"], max_size=_STOP_LIST["maxItems"]
)


_OPTIONS: dict[str, SearchStrategy[Any]] = {
    "response_format": _response_formats(),
    "stop": _stops,
    "n": st.integers(_N_MIN, 3) | st.integers(_N_MIN, min(_N_MAX, 8)),
    "seed": st.integers(_SEED_MIN, 2**31 - 1),
    "reasoning_effort": st.sampled_from(_EFFORTS),
    "max_completion_tokens": st.integers(_BUDGET_MIN, 64) | st.integers(_BUDGET_MIN, 8192),
}


@st.composite
def _realistic_requests(
    draw: DrawFn, stream: bool | None, tools: bool | None, max_messages: int
) -> _Json:
    offered = draw(_tool_lists(1)) if (draw(st.booleans()) if tools is None else tools) else []
    request: _Json = {
        "model": draw(st.sampled_from(_MODELS)),
        "messages": draw(_conversations(offered, max_messages)),
    }
    if offered:
        request["tools"] = [t.tool for t in offered]
        if draw(st.booleans()):
            named = st.sampled_from(offered).map(
                lambda t: {"type": "function", "function": {"name": t.name}}
            )
            request["tool_choice"] = draw(st.sampled_from(_TOOL_CHOICE_MODES) | named)
    # One draw picks the options, so that the minimal request costs few choices.
    chosen = draw(st.lists(st.sampled_from(list(_OPTIONS)), unique=True))
    request.update((name, draw(_OPTIONS[name])) for name in _OPTIONS if name in chosen)
    modes = {None: ["absent", "on", "off"], True: ["on"], False: ["absent", "off"]}[stream]
    mode = draw(st.sampled_from(modes))
    if mode == "on":
        request["stream"] = True
        if draw(st.booleans()):
            request["stream_options"] = {_INCLUDE_USAGE: draw(st.booleans())}
    elif mode == "off":
        request["stream"] = False
    return request


def _answer_every_call(messages: Sequence[_Json]) -> list[_Json]:
    """Keep only the tool calls answered before the conversation goes on; a tool message that
    answers no open call becomes a user message. Never adds a message."""
    out: list[_Json] = []
    open_ids: set[str] = set()
    caller: _Json | None = None

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
) -> _Json:
    request: _Json = draw(for_kind("request"))
    request["messages"] = _answer_every_call(request["messages"][:max_messages])
    if stream is not None and bool(request.get("stream")) != stream:
        request["stream"] = stream
    if tools is False:
        request.pop("tools", None)
    elif tools and not request.get("tools"):
        request["tools"] = [t.tool for t in draw(_tool_lists(1))]
    names = [t["function"]["name"] for t in request.get("tools") or ()]
    choice = request.get("tool_choice")
    if not names:
        request.pop("tool_choice", None)
    elif isinstance(choice, dict) and choice["function"]["name"] not in names:
        choice["function"]["name"] = draw(st.sampled_from(names))
    return request


def _accepted(request: _Json) -> bool:
    return schemas.is_valid("request", request) and rules.check(request, profiles.AIMLAPI) is None


def chat_requests(
    *, stream: bool | None = None, tools: bool | None = None, max_messages: int = 8
) -> SearchStrategy[_Json]:
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
            return _invalid(f"{name} must be True, False or None; got {value!r}")
    if isinstance(max_messages, bool) or not isinstance(max_messages, int) or max_messages < 1:
        return _invalid(f"max_messages must be an integer >= 1; got {max_messages!r}")
    realistic = _realistic_requests(stream, tools, max_messages)
    drawn = _schema_requests(stream, tools, max_messages).filter(_accepted)
    return st.integers(0, 4).flatmap(lambda k: drawn if k == 4 else realistic)


# ---- invalid requests --------------------------------------------------------------------------

_Breaker = Callable[[DrawFn, _Json], str]


def _set(key: str, value: Any) -> _Breaker:
    """Set a top-level parameter to a wrong value (a strategy of them, or a fixed one)."""

    def breaker(draw: DrawFn, request: _Json) -> str:
        request[key] = draw(value) if isinstance(value, SearchStrategy) else copy.deepcopy(value)
        return key

    return breaker


def _indices(request: _Json, test: Callable[[_Json], bool]) -> list[int]:
    return [i for i, m in enumerate(request["messages"]) if test(m)]


def _bad_message(draw: DrawFn, request: _Json) -> str:
    i = draw(st.sampled_from(_indices(request, lambda m: m["role"] == "user")))
    if draw(st.booleans()):
        del request["messages"][i]["content"]
        return f"messages[{i}].content"
    bad_roles = [r for r in ("function", "bot", "model", "User") if r not in _ROLES]
    request["messages"][i]["role"] = draw(st.sampled_from(bad_roles))
    return f"messages[{i}].role"


def _bad_tool_call_id(draw: DrawFn, request: _Json) -> str:
    i = draw(st.sampled_from(_indices(request, lambda m: m["role"] == "tool")))
    if draw(st.booleans()):
        del request["messages"][i]["tool_call_id"]
    else:
        request["messages"][i]["tool_call_id"] = ""
    return f"messages[{i}].tool_call_id"


def _arguments_as_object(draw: DrawFn, request: _Json) -> str:
    i = draw(st.sampled_from(_indices(request, lambda m: bool(m.get("tool_calls")))))
    j = draw(st.integers(0, len(request["messages"][i]["tool_calls"]) - 1))
    function = request["messages"][i]["tool_calls"][j]["function"]
    function["arguments"] = json.loads(function["arguments"])  # a classic client bug
    return f"messages[{i}].tool_calls[{j}].function.arguments"


def _bad_tool(draw: DrawFn, request: _Json) -> str:
    choice = request.get("tool_choice")
    named = choice["function"]["name"] if isinstance(choice, dict) else None
    # Renaming the named function would break a second rule (the choice names no tool).
    free = [i for i, t in enumerate(request["tools"]) if t["function"]["name"] != named]
    i = draw(st.sampled_from(free))
    if draw(st.booleans()):
        request["tools"][i]["type"] = draw(st.sampled_from(["custom", "retrieval"]))
        return f"tools[{i}].type"
    name = draw(st.sampled_from(["get weather", "x" * 65, "", "wetter.abfragen"]))
    request["tools"][i]["function"]["name"] = name
    return f"tools[{i}].function.name"


def _bad_stream_options(draw: DrawFn, request: _Json) -> str:
    request["stream"] = True
    if draw(st.booleans()):
        request["stream_options"] = {}
        return f"stream_options.{_INCLUDE_USAGE}"
    request["stream_options"] = {_INCLUDE_USAGE: True, "include_obfuscation": False}
    return "stream_options.include_obfuscation"


def _unknown_parameter(draw: DrawFn, request: _Json) -> str:
    name = draw(st.sampled_from(_UNKNOWN_PARAMETERS))
    request[name] = draw(st.floats(0, 2) | st.booleans() | st.text(_ALNUM, max_size=8))
    return name


def _schema_missing(draw: DrawFn, request: _Json) -> str:
    del request["response_format"]["json_schema"]["schema"]
    return "response_format.json_schema.schema"


def _too_many_stops(draw: DrawFn, request: _Json) -> str:
    size = _STOP_LIST["maxItems"] + 1
    request["stop"] = draw(st.just([]) | st.lists(_stop_texts, min_size=size, max_size=size + 2))
    return "stop"


_ALWAYS: list[_Breaker] = [
    _set("n", st.sampled_from([_N_MIN - 1, _N_MAX + 1, "2", 1.5])),
    _too_many_stops,
    _unknown_parameter,
    _set("model", st.sampled_from([m for m in ("gpt-4o", "openai/o3-mini", "O3-MINI") if m not in _MODELS])),
    _set("reasoning_effort", st.sampled_from([e for e in ("minimal", "none", "xhigh", "HIGH") if e not in _EFFORTS])),
    _set("max_completion_tokens", st.sampled_from([_BUDGET_MIN - 1, -5, "100"])),
    _set("seed", st.sampled_from([_SEED_MIN - 1, 1.5, "42"])),
    _set("stream", st.sampled_from(["true", 1])),
    _bad_stream_options,
    _set("messages", []),
    _bad_message,
    _set("response_format", {"type": "json"}),
]  # fmt: skip


def _breakers(request: _Json) -> list[_Breaker]:
    found = list(_ALWAYS)
    if _indices(request, lambda m: m["role"] == "tool"):
        found.append(_bad_tool_call_id)
    if _indices(request, lambda m: bool(m.get("tool_calls"))):
        found.append(_arguments_as_object)
    if len(request.get("tools") or ()) > isinstance(request.get("tool_choice"), dict):
        found.append(_bad_tool)
    if request.get("tools"):
        found.append(_set("tool_choice", st.sampled_from(["any", "function"])))
    if (request.get("response_format") or {}).get("type") == "json_schema":
        found.append(_schema_missing)
    return found


@st.composite
def _invalid_requests(draw: DrawFn) -> tuple[_Json, str]:
    request = draw(_realistic_requests(None, None, 8))
    path = draw(st.sampled_from(_breakers(request)))(draw, request)
    return request, path


def invalid_chat_requests() -> SearchStrategy[tuple[_Json, str]]:
    """A realistic valid request broken in exactly one schema rule, with the JSON path of
    the break (``n``, ``stop``, ``messages[1].tool_call_id``, ``tools[0].function.name``, an
    unknown parameter such as ``temperature``...). The path is among those
    `mockserver.schemas.validate_request` reports; the mock answers 400 (404 for an unknown
    model).

    Examples shrink toward the minimal request with an out-of-range ``n``.
    """
    return _invalid_requests()


# ---- completions -------------------------------------------------------------------------------

_created = st.integers(1_700_000_000, 1_800_000_000)
_completion_ids = st.text(_ALNUM, min_size=29, max_size=29).map("chatcmpl-".__add__)
_fingerprints = st.text("0123456789abcdef", min_size=10, max_size=10).map("fp_".__add__)


@st.composite
def _usages(draw: DrawFn, reasoning: int, completion: int) -> _Json:
    prompt = draw(st.integers(0, 20_000))
    usage: _Json = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    shape = draw(st.integers(0, 3))  # no details, completion details, both, null
    if shape in (1, 2):
        details = dict.fromkeys(_USAGE["completion_tokens_details"]["properties"], 0)
        usage["completion_tokens_details"] = {**details, "reasoning_tokens": reasoning}
    if shape == 2:
        details = dict.fromkeys(_USAGE["prompt_tokens_details"]["properties"], 0)
        cached = draw(st.integers(0, prompt))
        usage["prompt_tokens_details"] = {**details, "cached_tokens": cached}
    if shape == 3:
        usage["completion_tokens_details"] = usage["prompt_tokens_details"] = None
    return _with_extras(draw, usage, "usage")


@st.composite
def _tool_calls(draw: DrawFn) -> list[tuple[str, str, str]]:
    """(id, name, arguments) of one or several parallel calls."""
    tools = draw(_tool_lists(1))
    count = draw(st.integers(1, 3))
    ids = draw(st.lists(_ids, min_size=count, max_size=count, unique=True))
    picked = [draw(st.sampled_from(tools)) for _ in ids]
    return [(i, t.name, draw(_arguments(t))) for i, t in zip(ids, picked, strict=True)]


@st.composite
def _choices(draw: DrawFn, index: int) -> tuple[_Json, int, int]:
    """A choice with its reasoning and visible token counts."""
    finish = draw(st.sampled_from(_FINISH_REASONS))
    refuses = draw(st.integers(0, 3)) == 3
    reasoning = draw(st.integers(0, 4096))
    message: _Json = {"role": "assistant", "content": None, "refusal": None}
    if finish == "tool_calls":
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in draw(_tool_calls())
        ]
    elif finish == "stop" and refuses:
        message["refusal"] = draw(_texts(_REFUSALS))
    else:
        text = draw(_texts(_ASSISTANT_TEXTS))
        # "length" with nothing visible: the budget all went to reasoning (o-series).
        message["content"] = "" if finish == "length" and refuses else text
    visible = 0 if message["content"] == "" else draw(st.integers(1, 2000))
    if draw(st.booleans()):
        message["annotations"] = []
    choice: _Json = {"index": index, "message": _with_extras(draw, message, "message")}
    if draw(st.booleans()):
        choice["logprobs"] = None
    choice["finish_reason"] = finish
    return _with_extras(draw, choice, "choice"), reasoning, visible


@st.composite
def _completions(draw: DrawFn, n: int | None) -> _Json:
    count = n if n is not None else draw(st.integers(1, 4))
    drawn = [draw(_choices(i)) for i in range(count)]
    reasoning = sum(r for _, r, _ in drawn)
    body: _Json = {
        "id": draw(_completion_ids),
        "object": _COMPLETION_OBJECT,
        "created": draw(_created),
        "model": draw(st.sampled_from(_SNAPSHOTS)),
        "choices": [c for c, _, _ in drawn],
        "usage": draw(_usages(reasoning, reasoning + sum(v for _, _, v in drawn))),
    }
    if draw(st.booleans()):
        body["system_fingerprint"] = draw(st.none() | _fingerprints)
    if draw(st.booleans()):
        body["service_tier"] = draw(st.sampled_from([None, "default", "flex", "scale"]))
    if draw(st.booleans()):
        billing = {"credits_used": draw(st.integers(0, 10**5)), "usd_spent": draw(st.floats(0, 10))}
        body["meta"] = draw(st.sampled_from([None, {"usage": billing}]))
    return _with_extras(draw, body, "completion")


def chat_completions(*, n: int | None = None) -> SearchStrategy[_Json]:
    """Completion bodies (201 JSON) in every variant the contract allows, all semantically
    valid (`mockserver.schemas.validate_completion` finds nothing).

    Text; an empty answer with finish_reason ``length`` (all tokens went to reasoning);
    refusals; one or parallel tool calls (finish_reason ``tool_calls``, content null); every
    finish_reason the schema lists; usage with full, partial, absent or null details;
    optional fields (``logprobs``, ``annotations``, ``system_fingerprint``,
    ``service_tier``, ``meta``) present or not; and unknown extra fields at several levels.
    ``n`` (1-128) fixes the number of choices; None draws 1-4.

    Examples shrink toward one choice with empty content that stopped, with bare usage.
    """
    if n is not None and (
        isinstance(n, bool) or not isinstance(n, int) or not _N_MIN <= n <= _N_MAX
    ):
        return _invalid(f"n must be None or an integer in [{_N_MIN}, {_N_MAX}]; got {n!r}")
    return _completions(n)


# ---- streams -----------------------------------------------------------------------------------

_Entry = tuple[int, _Json, str | None]  # (choice index, delta, finish_reason)


@st.composite
def _pieces(draw: DrawFn, text: str) -> list[str]:
    """`text` cut at any characters (no empty piece)."""
    if len(text) < 2:
        return [text] if text else []
    cuts = sorted(set(draw(st.lists(st.integers(1, len(text) - 1), max_size=6))))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def _tool_call_deltas(draw: DrawFn) -> list[_Json]:
    """Tool-call deltas of parallel calls: each index opens with its id, type and name
    (once), then its arguments in pieces, interleaved with the other open calls."""
    queues = []
    for i, (call_id, name, arguments) in enumerate(draw(_tool_calls())):
        pieces = draw(_pieces(arguments))
        head: _Json = {"index": i, "id": call_id, "type": "function", "function": {"name": name}}
        if draw(st.booleans()):
            first = draw(st.booleans()) and bool(pieces)
            head["function"]["arguments"] = pieces.pop(0) if first else ""
        queues.append([head, *({"index": i, "function": {"arguments": p}} for p in pieces)])
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
def _choice_entries(draw: DrawFn, index: int) -> list[_Entry]:
    finish = draw(st.sampled_from(_FINISH_REASONS))
    refuses = draw(st.integers(0, 3)) == 3
    role_only = draw(st.booleans())
    deltas: list[_Json]
    if finish == "tool_calls":
        calls = [{"tool_calls": [d]} for d in draw(_tool_call_deltas())]
        if role_only:
            deltas = [{"role": "assistant"}, *calls]
        else:
            first = {"role": "assistant", "content": None, **calls[0], "refusal": None}
            deltas = [first, *calls[1:]]
    else:
        key = "refusal" if finish == "stop" and refuses else "content"
        pieces = draw(_pieces(draw(_texts(_REFUSALS if key == "refusal" else _ASSISTANT_TEXTS))))
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


def _expected(
    first: _Json, entries: Sequence[_Entry], logprobs: bool, usage: _Json | None
) -> _Json:
    """The completion the entries spell, merged as the openai SDK merges deltas."""
    out = {k: v for k, v in first.items() if k not in ("choices", "usage", "object")}
    out["object"] = _COMPLETION_OBJECT
    choices: dict[int, _Json] = {}
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
            if "id" in call:  # the first delta of its index: indices open in order
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
def _streams(draw: DrawFn) -> StreamVariant:
    count = draw(st.integers(1, 3))
    head: _Json = {
        "id": draw(_completion_ids),
        "object": _CHUNK_OBJECT,
        "created": draw(_created),
        "model": draw(st.sampled_from(_SNAPSHOTS)),
    }
    if draw(st.booleans()):
        head["system_fingerprint"] = draw(_fingerprints)
    if draw(st.booleans()):
        head["service_tier"] = "default"
    head = _with_extras(draw, head, "chunk")
    logprobs, usage_null, obfuscate = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    entries = _interleave(draw, [draw(_choice_entries(i)) for i in range(count)])
    error_at = draw(st.none() | st.integers(1, len(entries)))
    if error_at is not None:
        entries = entries[:error_at]

    def chunk(choices: list[_Json]) -> _Json:
        out = {**head, "choices": choices}
        if obfuscate:
            out["obfuscation"] = draw(st.text(_ALNUM, min_size=1, max_size=12))
        return out

    chunks = []
    for index, delta, finish in entries:
        entry: _Json = {"index": index, "delta": delta}
        if logprobs:
            entry["logprobs"] = None
        entry["finish_reason"] = finish
        chunks.append(chunk([entry]))
        if usage_null:
            chunks[-1]["usage"] = None
    usage = None
    if error_at is None and draw(st.booleans()):
        reasoning = draw(st.integers(0, 2048))
        usage = draw(_usages(reasoning, reasoning + draw(st.integers(0, 500))))
        chunks.append({**chunk([]), "usage": usage})
    error = draw(st.sampled_from(_ERROR_EVENTS)) if error_at is not None else None
    events = [*chunks, {"error": error}] if error is not None else chunks
    completion = _expected(chunks[0], entries, logprobs, usage)
    return StreamVariant(_frame(draw, events), completion, error)


def _frame(draw: DrawFn, events: Sequence[_Json]) -> bytes:
    """SSE framing as real servers vary it: LF or CRLF, ``data:`` with or without its space,
    compact or spaced JSON, and ``: keep-alive`` comments between events."""
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    prefix = draw(st.sampled_from(["data: ", "data:"]))
    dumps: Callable[[Any], str] = draw(st.sampled_from([sse.dumps, json.dumps]))
    keep_alive = draw(st.booleans())
    parts = []
    for data in [*map(dumps, events), sse.DONE]:
        if keep_alive and draw(st.booleans()):
            parts.append(f": keep-alive{eol}{eol}")
        parts.append(f"{prefix}{data}{eol}{eol}")
    return "".join(parts).encode()


def chat_completion_streams() -> SearchStrategy[StreamVariant]:
    """Byte-exact SSE transcripts of streamed completions, each with the completion its
    chunks fold into (see `StreamVariant`).

    Covers the framings real servers send: LF or CRLF line ends, ``data:`` with or without
    a space, ``: keep-alive`` comments, ``"usage": null`` on every chunk or no ``usage``
    key, a role-only first delta, empty deltas, finish_reason on the last piece or on an
    empty delta, text, refusals and tool-call arguments cut at any character, parallel tool
    calls interleaved (id, type and name only in each index's first delta), 1-3 choices
    interleaved, the usage chunk with ``choices: []``, and an error event (then
    ``[DONE]``) after some chunks. Every transcript passes
    `mockserver.schemas.validate_transcript`.

    Examples shrink toward one choice streaming "" that stopped, LF-framed, no usage chunk.
    """
    return _streams()


# ---- errors ------------------------------------------------------------------------------------

# WIRE.md §7: the openai SDK's `_make_status_error`.
_EXCEPTIONS = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}
_STATUSES = sorted(errors.STATUS_TEXTS)
_request_ids = st.text("0123456789abcdef", min_size=32, max_size=32).map("req_".__add__)
_keys = st.text(_ALNUM, min_size=20, max_size=48).map("sk-".__add__)
_PATH = "/v1/chat/completions"


def _exception(status: int) -> str:
    return _EXCEPTIONS.get(status) or ("InternalServerError" if status >= 500 else "APIStatusError")


@st.composite
def _api_errors(draw: DrawFn, status: int, profile: profiles.Profile) -> errors.ApiError:
    """The mock's own error for `status`: the catalogue text, or a situation it names."""
    makers: list[Callable[[], errors.ApiError]] = [lambda: errors.for_status(status)]
    if status == 400:
        makers += [
            lambda: errors.unsupported_parameter(draw(st.sampled_from(_UNKNOWN_PARAMETERS + ["max_tokens"] * (not profile.accepts_max_tokens)))),
            lambda: errors.unsupported_value("tool_choice", "'tool_choice' is only allowed when 'tools' are specified."),
            lambda: errors.invalid_body(profile, schemas.validate_request(draw(_invalid_requests())[0])),
        ]  # fmt: skip
    elif status == 401:
        makers += [
            lambda: errors.missing_key(profile),
            lambda: errors.wrong_key(profile, draw(_keys)),
        ]
    elif status == 404:
        makers += [
            lambda: errors.unknown_model(draw(st.sampled_from(["gpt-4o", "openai/o3-mini"]))),
            lambda: errors.unknown_route(profile, "POST", "/v1/chat"),
        ]
    # One draw whatever the status, so that examples shrink toward the first status.
    return makers[draw(st.integers(0, 3)) % len(makers)]()


@st.composite
def _headers(draw: DrawFn, status: int) -> dict[str, str]:
    headers: dict[str, str] = {}
    if (status == 429 or status >= 500) and draw(st.booleans()):
        seconds = draw(st.integers(1, 120) | st.floats(0.1, 60).map(lambda s: round(s, 3)))
        form = draw(st.integers(0, 2))  # seconds, HTTP date, none
        if form == 0:
            headers["retry-after"] = str(seconds)
        elif form == 1:
            headers["retry-after"] = email.utils.formatdate(1.75e9 + seconds, usegmt=True)
        if draw(st.booleans()):
            headers["retry-after-ms"] = str(draw(st.integers(1, 60_000)))
        if draw(st.booleans()):
            headers["x-should-retry"] = draw(st.sampled_from(["true", "false"]))
    if draw(st.booleans()):
        headers["x-request-id"] = draw(_request_ids)
    return headers


@st.composite
def _errors(draw: DrawFn, profile: str | None) -> ErrorVariant:
    name = profile if profile is not None else draw(st.sampled_from(sorted(profiles.PROFILES)))
    chosen = profiles.PROFILES[name]
    status = draw(st.sampled_from(_STATUSES))
    error = draw(_api_errors(status, chosen))
    request_id = draw(_request_ids)
    shape = replace(chosen, status_code_as_string=draw(st.booleans()))
    body = error.body(shape, _PATH, request_id)
    at = draw(st.datetimes(datetime(2024, 1, 1), datetime(2027, 1, 1))).replace(tzinfo=UTC)
    if "timestamp" in body:  # drawn, so that examples replay exactly
        body["timestamp"] = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    return ErrorVariant(status, draw(_headers(status)), body, name, _exception(status))


def error_responses(*, profile: str | None = None) -> SearchStrategy[ErrorVariant]:
    """Error answers in the shape of `profile` (``"aimlapi"`` or ``"openai"``; None: either).

    Every status the provider's error catalogue has a text for (400, 401, 403, 404, 408,
    409, 422, 429, 500, 502, 503, 504), with the mock's own texts: ``openai`` answers in
    the OpenAI envelope, ``aimlapi`` in its flat gateway body (``statusCode`` as integer or
    string) except for upstream model errors ("Unsupported parameter ..."), which keep the
    envelope. 429 and 5xx answers sometimes carry ``retry-after`` (seconds or HTTP date),
    ``retry-after-ms`` and ``x-should-retry``. ``exception`` names the openai SDK class
    the status raises.

    Examples shrink toward a bare 400 of the aimlapi profile.
    """
    if profile is not None and profile not in profiles.PROFILES:
        known = ", ".join(sorted(profiles.PROFILES))
        return _invalid(f"profile must be None or one of {known}; got {profile!r}")
    return _errors(profile)


def as_reply(variant: Mapping[str, Any] | StreamVariant | ErrorVariant) -> Raw:
    """A `Raw` reply that makes the mock send `variant`: a completion body (as compact JSON,
    with the profile's success status), a stream transcript (byte for byte), or an error
    answer (its status, headers and body)."""
    if isinstance(variant, StreamVariant):
        return Raw(events=variant.transcript)
    if isinstance(variant, ErrorVariant):
        return Raw(status=variant.status, body=variant.body, headers=dict(variant.headers))
    if isinstance(variant, Mapping):
        return Raw(body=dict(variant))
    raise TypeError(
        f"as_reply takes a completion dict, a StreamVariant or an ErrorVariant; got {variant!r}"
    )
