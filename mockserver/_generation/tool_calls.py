"""The tool call of a generated answer: which tool (`tool_choice`'s rule), and arguments
drawn valid for its ``parameters`` (`instances`) with what the user said put in
(`arguments`). o3-mini makes one call per turn (docs/WIRE.md §1)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from mockserver._generation import arguments, conversation, instances, text, tool_choice
from mockserver._generation.ids import random_id
from mockserver._generation.model import ToolCall

__all__ = ["SchemaRefused", "tool_calls"]


def tool_calls(request: Mapping[str, Any], rng: random.Random, follow: bool) -> list[ToolCall]:
    """The calls (none, or one) o3-mini would make answering `request` (already valid);
    `follow`: chosen and filled by the prompt, else drawn."""
    tools = request.get("tools") or []
    choice = request.get("tool_choice", "auto" if tools else "none")
    if not tools or choice == "none":
        return []
    by_name = {t["function"]["name"]: t["function"] for t in tools}
    index = {t["function"]["name"]: i for i, t in enumerate(tools)}
    messages = request["messages"]
    if isinstance(choice, dict):
        chosen = [by_name[choice["function"]["name"]]]
    else:
        last_role = messages[-1]["role"]
        functions = list(by_name.values())
        after_results = conversation.is_result(messages[-1])
        if follow and (last_role == "user" or after_results):
            picked = tool_choice.choose(
                [_tool(f) for f in functions],
                conversation.latest_user_text(messages),
                conversation.called_since_user(messages),
                after_results=after_results,
                required=choice == "required",
                # drawn only where the mock always drew, so unasked turns answer as before
                draw=lambda: functions.index(rng.choice(functions)),
            )
            if picked is None:
                return []
            chosen = [functions[picked]]
        elif choice == "auto" and last_role != "user":
            return []
        else:
            # o3-mini makes one tool call per turn whatever parallel_tool_calls says (WIRE.md
            # §1, "Parallel tool calls"); a scripted ToolCalls reply can still return several.
            chosen = [rng.choice(functions)]
    said = conversation.facts(conversation.latest_user_text(messages)) if follow else None
    return [
        ToolCall(
            id=random_id(rng, "call_", 24),
            name=function["name"],
            arguments=json.dumps(
                _arguments(function, rng, index[function["name"]], said),
                separators=(",", ":"),
                ensure_ascii=False,
            ),
        )
        for function in chosen
    ]


def _tool(function: Mapping[str, Any]) -> tool_choice.Tool:
    description = function.get("description")
    return tool_choice.Tool(function["name"], description if isinstance(description, str) else "")


def _arguments(
    function: Mapping[str, Any], rng: random.Random, index: int, said: conversation.Facts | None
) -> Any:
    # Never "{}" for a schema that wants more: arguments the client cannot use would pass
    # silently. OpenAI refuses such a function with a 400 too (docs/WIRE.md).
    parameters = function.get("parameters")
    try:
        drawn = instances.instance(parameters, rng)
    except instances.UnsatisfiableSchema as exc:
        raise SchemaRefused(
            "function", function["name"], f"tools[{index}].function.parameters", exc
        ) from None
    if said is None:
        return drawn
    answer = None
    if function["name"].lower() in tool_choice.FINISHING:  # its answer reads like one
        answer = text.answer(random.Random(f"final:{said.text}"), prompt=said.text)
    return arguments.filled(parameters, drawn, said, answer=answer)


class SchemaRefused(instances.UnsatisfiableSchema):
    """A user's schema (a function's parameters, a response format) the mock cannot
    satisfy: answered with a 400 naming the schema and the path inside it."""

    def __init__(self, kind: str, name: str, param: str, cause: Exception) -> None:
        self.kind, self.name, self.param = kind, name, param
        super().__init__(f"Invalid schema for {kind} '{name}': {cause}")
