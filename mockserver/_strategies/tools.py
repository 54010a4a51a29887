"""Function tools with real parameter schemas, and the calls a model makes to them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver._contract import sse
from mockserver._strategies.common import ALNUM, FUNCTION_NAMES, PROPERTIES, Json, texts

call_ids = st.text(ALNUM, min_size=24, max_size=24).map("call_".__add__)


@dataclass(frozen=True)
class Tool:
    tool: Json
    properties: tuple[str, ...]
    required: tuple[str, ...]

    @property
    def name(self) -> str:
        return str(self.tool["function"]["name"])


def object_schema(properties: Sequence[str], required: Sequence[str], closed: bool) -> Json:
    schema: Json = {
        "type": "object",
        "properties": {p: PROPERTIES[p][0] for p in properties},
        "required": list(required),
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


@st.composite
def _tools(draw: DrawFn, name: str) -> Tool:
    properties = draw(st.lists(st.sampled_from(list(PROPERTIES)), max_size=4, unique=True))
    strict = draw(st.booleans())
    required = properties if strict else [p for p in properties if draw(st.booleans())]
    function: Json = {"name": name}
    if draw(st.booleans()):
        function["description"] = draw(texts([f"Call {name} with the user's request."]))
    closed = draw(st.booleans()) or strict
    if draw(st.booleans()) or properties:
        function["parameters"] = object_schema(properties, required, closed)
    if strict:
        function["strict"] = True
    return Tool({"type": "function", "function": function}, tuple(properties), tuple(required))


def tool_lists(min_size: int) -> SearchStrategy[list[Tool]]:
    names = st.lists(st.sampled_from(FUNCTION_NAMES), min_size=min_size, max_size=4, unique=True)
    return names.flatmap(lambda ns: st.tuples(*(_tools(n) for n in ns)).map(list))


@st.composite
def tool_arguments(draw: DrawFn, tool: Tool) -> str:
    optional = {p: PROPERTIES[p][1] for p in tool.properties if p not in tool.required}
    value = draw(
        st.fixed_dictionaries({p: PROPERTIES[p][1] for p in tool.required}, optional=optional)
    )
    return json.dumps(value) if draw(st.booleans()) else sse.dumps(value)


@st.composite
def tool_calls(draw: DrawFn) -> list[tuple[str, str, str]]:
    """(id, name, arguments) of one or several parallel calls."""
    tools = draw(tool_lists(1))
    count = draw(st.integers(1, 3))
    ids = draw(st.lists(call_ids, min_size=count, max_size=count, unique=True))
    picked = [draw(st.sampled_from(tools)) for _ in ids]
    return [(i, t.name, draw(tool_arguments(t))) for i, t in zip(ids, picked, strict=True)]
