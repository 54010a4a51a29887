"""What every strategy draws from: facts read from the schemas, realistic vocabulary, and
small helpers (free text or samples, message content, unknown extra fields)."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NoReturn

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver._contract import validation
from mockserver._generation import engine

Json = dict[str, Any]


# ---- facts read from the schemas -------------------------------------------------------------

_REQUEST = validation.schema("request")
_PARAMS: Json = _REQUEST["properties"]
_DEFS: Json = _REQUEST["$defs"]
_COMPLETION = validation.schema("completion")
_CHUNK = validation.schema("chunk")


def _branch(node: Mapping[str, Any], type_name: str) -> Json:
    return next(b for b in node["anyOf"] if b.get("type") == type_name)


MODELS: list[str] = _PARAMS["model"]["enum"]
ROLES: list[str] = _DEFS["message"]["properties"]["role"]["enum"]
INSTRUCTION_ROLES = [r for r in ROLES if r not in ("user", "assistant", "tool")]
EFFORTS: list[str] = _PARAMS["reasoning_effort"]["enum"]
TOOL_CHOICE_MODES: list[str] = _branch(_PARAMS["tool_choice"], "string")["enum"]
STOP_LIST = _branch(_PARAMS["stop"], "array")
N_MIN, N_MAX = _PARAMS["n"]["minimum"], _PARAMS["n"]["maximum"]
SEED_MIN: int = _PARAMS["seed"]["minimum"]
BUDGET_MIN: int = _PARAMS["max_completion_tokens"]["minimum"]
(INCLUDE_USAGE,) = _PARAMS["stream_options"]["required"]
_NAME_PATTERN = re.compile(_DEFS["function_name"]["pattern"])
_TEXT_PART: str = _DEFS["text_part"]["properties"]["type"]["const"]
FORMATS = [
    _DEFS[b["$ref"].rsplit("/", 1)[1]]["properties"]["type"]["const"]
    for b in _PARAMS["response_format"]["oneOf"]
]
FINISH_REASONS: list[str] = _COMPLETION["$defs"]["finish_reason"]["enum"]
COMPLETION_OBJECT: str = _COMPLETION["properties"]["object"]["const"]
CHUNK_OBJECT: str = _CHUNK["properties"]["object"]["const"]
USAGE: Json = _COMPLETION["$defs"]["usage"]["properties"]
# Arguments real clients send that the request schema does not list (WIRE.md §1): o3-mini
# answers "Unrecognized request argument supplied" (``logprobs``: its own 403).
UNKNOWN_PARAMETERS = [
    p
    for p in ("logprobs", "top_logprobs", "logit_bias", "top_k", "repetition_penalty", "verbosity")
    if p not in _PARAMS
]
# Sampling parameters o3-mini takes at their default value only (the schema's const).
DEFAULT_ONLY: dict[str, Any] = {k: v["const"] for k, v in _PARAMS.items() if "const" in v}
SNAPSHOTS = sorted({*engine.SNAPSHOTS.values(), *MODELS})


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
    "usage": _unknown_keys(USAGE, "cost", "prompt_cache_hit_tokens", "is_byok"),
    "chunk": _unknown_keys(_CHUNK["properties"], "provider", "moderation"),
}

# ---- realistic vocabulary (examples, not API facts) --------------------------------------------

CHARS = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"))
ALNUM = string.ascii_letters + string.digits
USER_TEXTS = (
    "Hello",
    "What's the weather in Boston today?",
    "Summarize this report in three bullet points.",
    "Translate 'good morning' into French.",
    "Is 97 a prime number? Think step by step.",
)
SYSTEM_TEXTS = (
    "You are a helpful assistant.",
    "Answer concisely. Formatting re-enabled",
    "You are a support agent for ACME. Call the tools when you need data.",
)
# Models answer in the user's language: multi-byte text is ordinary, not an edge case.
ASSISTANT_TEXTS = (
    "Hello! How can I help you today?",
    "It's 21°C and sunny in Boston.",
    "Oui.",
    "Grüße aus München — heute 18 °C.",
    "東京は晴れ、最高気温は21度です。",
    "Привет! Чем могу помочь? 🙂",
)
REFUSALS = ("I'm sorry, but I can't help with that.", "I can't assist with that request.")
TOOL_RESULTS = ('{"temperature":21,"unit":"celsius"}', '{"results":[]}', "OK", "Error: not found")
STOPS = ("\n\n", "END", "###", "Observation:", "</answer>")
_UNITS = ["celsius", "fahrenheit"]
_PRIORITIES = ["low", "normal", "high"]
PROPERTIES: dict[str, tuple[Json, SearchStrategy[Any]]] = {
    "city": (
        {"type": "string", "description": "City name, e.g. Boston"},
        st.sampled_from(["Boston", "Paris", "São Paulo", "東京"]),
    ),
    "unit": ({"type": "string", "enum": _UNITS}, st.sampled_from(_UNITS)),
    "query": ({"type": "string"}, st.text(CHARS, max_size=12)),
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
FUNCTION_NAMES = [
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
FORMAT_NAMES = [n for n in ("weather_report", "answer", "extraction") if _NAME_PATTERN.fullmatch(n)]
_JSON_VALUES: SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(0, 1e6) | st.text(CHARS, max_size=8),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=4), inner, max_size=2)
    ),
    max_leaves=4,
)


def invalid(message: str) -> SearchStrategy[Any]:
    return st.builds(_raise, st.just(InvalidArgument(message)))


def _raise(error: Exception) -> NoReturn:
    raise error


def texts(samples: Sequence[str], max_size: int = 40) -> SearchStrategy[str]:
    """Free text first (so examples shrink to ""), then realistic samples."""
    return st.text(CHARS, max_size=max_size) | st.sampled_from(samples)


def content(samples: Sequence[str]) -> SearchStrategy[Any]:
    """A message's content: a string, or (sometimes) the same text as one text part."""
    text = texts(samples)
    return text | text.map(lambda t: [{"type": _TEXT_PART, "text": t}])


def with_extras(draw: DrawFn, value: Json, level: str) -> Json:
    if _EXTRAS[level] and draw(st.integers(0, 3)) == 3:
        keys = draw(st.lists(st.sampled_from(_EXTRAS[level]), min_size=1, max_size=2, unique=True))
        value.update({key: draw(_JSON_VALUES) for key in keys})
    return value
