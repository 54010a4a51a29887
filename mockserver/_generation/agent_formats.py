"""The formats of agent frameworks whose prompts carry tools and a transcript of their own:
DSPy's ChatAdapter and JSONAdapter (ReAct's ``next_tool_name`` / ``next_tool_args``
included), LangChain's text ReAct, and smolagents' code agent. Entries of `formats.FORMATS`;
the templates they read are cited in docs/WIRE.md §2.

Tools listed in the prompt are chosen by the same rule as ``tools`` (`tool_choice`), and
their arguments come from the question the same way (`arguments`).
"""

from __future__ import annotations

import ast
import json
import random
import re
from typing import Any

from mockserver._generation import arguments, conversation, instances, tool_choice
from mockserver._generation.prompt_shapes import (
    MAX_TOPIC,
    Field,
    Prompt,
    Shape,
    prose,
    value,
)
from mockserver._generation.tool_choice import Tool

__all__ = [
    "detect_dspy_chat",
    "detect_dspy_json",
    "detect_react",
    "detect_smolagents",
    "render_dspy_chat",
    "render_dspy_json",
    "render_react",
    "render_smolagents",
]

_MAX_LITERAL = 20_000  # characters of a Python literal read from a prompt
_MAX_TOOLS = 128  # tools read from one prompt


def _chosen(shape: Shape, rng: random.Random, *, required: bool) -> Tool | None:
    """The tool to call next by `tool_choice`'s rule (None: answer)."""
    tools = shape.tools
    if not tools:
        return None
    plain = [i for i, t in enumerate(tools) if not tool_choice.is_finishing(t)] or list(
        range(len(tools))
    )
    picked = tool_choice.choose(
        tools,
        shape.facts.text,
        shape.called,
        after_results=bool(shape.called),
        required=required,
        draw=lambda: plain[int(rng.random() * len(plain))],
    )
    return None if picked is None else tools[picked]


def _arguments(tool: Tool, shape: Shape, rng: random.Random) -> Any:
    schema = json.loads(tool.parameters)
    try:
        drawn = instances.instance(schema, rng)
    except instances.UnsatisfiableSchema:
        return {}
    answer = prose(shape, rng) if tool_choice.is_finishing(tool) else None
    return arguments.filled(schema, drawn, shape.facts, answer=answer)


def _object_schema(properties: dict[str, Any]) -> str:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    try:
        return json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):  # a Python literal that is no JSON (a set, bytes)
        return json.dumps({"type": "object"})


# ---- DSPy: ChatAdapter and JSONAdapter ----------------------------------------------------------

_DSPY_INPUTS = re.compile(r"Your input fields are:\n(.*?)(?:Your output fields are:|\n\n|\Z)", re.S)
_DSPY_OUTPUTS = re.compile(r"Your output fields are:\n(.*?)(?:\n\n|\Z)", re.S)
_DSPY_FIELD = re.compile(r"^\d+\. `(\w+)` \((.*?)\)(?::|$)", re.M)
_DSPY_NOTE = re.compile(r"\{(\w+)\}\s+# note: the value you produce (.*)$", re.M)
_DSPY_SECTION = re.compile(
    r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n\[\[ ## |\n\nRespond with|\Z)", re.S
)
_DSPY_TOOL = re.compile(
    r"^[ \t]*\(\d+\) (\w+)(?:, whose description is <desc>(.*?)</desc>\.|\.) It takes arguments (\{.*\})\.$",
    re.M,
)
_REACT_FIELDS = ("next_tool_name", "next_tool_args")


def _dspy_kind(name: str, annotation: str, note: str) -> Field:
    if note.startswith("must be True or False") or annotation == "bool":
        return Field(name, "bool")
    if annotation in ("int", "float") or note.startswith("must be a single"):
        return Field(name, "int" if annotation == "int" or " int " in note else "float")
    choices = re.match(
        r"must (?:exactly match \(no extra characters\) )?(?:be )?one of: (.*)$", note
    )
    if choices:
        return Field(name, "choice", tuple(c.strip() for c in choices.group(1).split(";")))
    schema = re.match(r"must adhere to the JSON schema: (.*)$", note)
    if schema:
        return Field(name, "json", schema=schema.group(1).strip())
    return Field(name, "text")


def _dspy_shape(format_: str, prompt: Prompt, notes: dict[str, str]) -> Shape | None:
    listed = _DSPY_OUTPUTS.search(prompt.instructions)
    if listed is None:
        return None
    fields = tuple(
        _dspy_kind(name, annotation, notes.get(name, ""))
        for name, annotation in _DSPY_FIELD.findall(listed.group(1))
    )
    if not fields:
        return None
    declared = _DSPY_INPUTS.search(prompt.instructions)
    inputs = {n for n, _ in _DSPY_FIELD.findall(declared.group(1))} if declared else set()
    inputs.discard("trajectory")
    sections = _DSPY_SECTION.findall(prompt.user)
    question = "\n".join(v.strip() for k, v in sections if k in inputs) or prompt.user
    tools: tuple[Tool, ...] = ()
    called: tuple[str, ...] = ()
    if all(any(f.name == n for f in fields) for n in _REACT_FIELDS):
        tools = tuple(_dspy_tools(prompt.instructions))
        called = tuple(v.strip() for k, v in sections if re.fullmatch(r"tool_name_\d+", k))
    return Shape(
        format_,
        question[:MAX_TOPIC],
        conversation.facts(question),
        fields,
        tools,
        called,
    )


def _dspy_tools(instructions: str) -> list[Tool]:
    tools = []
    for name, description, args in _DSPY_TOOL.findall(instructions):
        try:
            parsed = ast.literal_eval(args) if len(args) <= _MAX_LITERAL else {}
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = {}
        properties = parsed if isinstance(parsed, dict) else {}
        tools.append(Tool(name, description, _object_schema(properties)))
    return tools


def detect_dspy_chat(prompt: Prompt) -> Shape | None:
    """DSPy's ChatAdapter: ``[[ ## field ## ]]`` sections ending with ``[[ ## completed ## ]]``."""
    if "[[ ## completed ## ]]" not in prompt.instructions:
        return None
    notes = dict(_DSPY_NOTE.findall(prompt.instructions))
    return _dspy_shape("dspy_chat", prompt, notes)


def detect_dspy_json(prompt: Prompt) -> Shape | None:
    """DSPy's JSONAdapter: "Outputs will be a JSON object with the following fields."."""
    marker = "Outputs will be a JSON object with the following fields."
    at = prompt.instructions.find(marker)
    if at == -1:
        return None
    notes: dict[str, str] = {}
    try:
        template, _ = json.JSONDecoder().raw_decode(
            prompt.instructions, prompt.instructions.index("{", at)
        )
    except ValueError:
        template = {}
    for name, placeholder in template.items() if isinstance(template, dict) else ():
        note = re.search(r"# note: the value you produce (.*)$", str(placeholder), re.S)
        if note:
            notes[name] = note.group(1).strip()
    return _dspy_shape("dspy_json", prompt, notes)


def _dspy_values(shape: Shape, rng: random.Random) -> dict[str, Any]:
    tool = _chosen(shape, rng, required=True) if shape.tools else None
    values: dict[str, Any] = {}
    for item in shape.fields:
        if tool is not None and item.name == "next_tool_name":
            values[item.name] = tool.name
        elif tool is not None and item.name == "next_tool_args":
            values[item.name] = _arguments(tool, shape, rng)
        elif tool is not None and item.name == "next_thought":
            values[item.name] = _thought(tool)
        else:
            values[item.name] = value(item, shape, rng)
    return values


def _thought(tool: Tool) -> str:
    if tool_choice.is_finishing(tool):
        return "I now have the information I need, so I can finish."
    return f"I should call {tool.name} to get the information I need."


def render_dspy_chat(shape: Shape, rng: random.Random) -> str:
    parts = []
    for name, shown in _dspy_values(shape, rng).items():
        if isinstance(shown, bool):
            shown = "True" if shown else "False"
        elif not isinstance(shown, str):
            shown = json.dumps(shown, ensure_ascii=False)
        parts.append(f"[[ ## {name} ## ]]\n{shown}")
    parts.append("[[ ## completed ## ]]")
    return "\n\n".join(parts)


def render_dspy_json(shape: Shape, rng: random.Random) -> str:
    return json.dumps(_dspy_values(shape, rng), ensure_ascii=False)


# ---- LangChain's text ReAct ---------------------------------------------------------------------

_REACT_NAMES = re.compile(r"Action: the action to take, should be one of \[([^\]\n]*)\]")
_REACT_ACTION = re.compile(r"^Action:[ \t]*(.+?)[ \t]*$", re.M)


def detect_react(prompt: Prompt) -> Shape | None:
    """LangChain's ReAct: Thought / Action / Action Input / Observation / Final Answer."""
    source = prompt.whole
    if "Action Input:" not in source or "Final Answer:" not in source:
        return None
    listed = _REACT_NAMES.search(source)
    if listed is None:
        return None
    names = [n.strip() for n in listed.group(1).split(",") if n.strip()][:_MAX_TOOLS]
    if not names:
        return None
    tools = []
    for name in names:
        described = re.search(rf"^{re.escape(name)}(?:\(.*?\))?\s*(?::| - )\s*(.*)$", source, re.M)
        tools.append(Tool(name, described.group(1) if described else "", _object_schema({})))
    at = source.rfind("Question:")
    question, _, scratchpad = (
        source[at + len("Question:") :].partition("\n") if at != -1 else (prompt.user, "", "")
    )
    called = tuple(a for a in _REACT_ACTION.findall(scratchpad) if a in names)
    lead = () if source.rstrip().endswith("Thought:") else ("lead",)
    return Shape(
        "langchain_react",
        question.strip()[:MAX_TOPIC],
        conversation.facts(question),
        tools=tuple(tools),
        called=called,
        marks=lead,
    )


def render_react(shape: Shape, rng: random.Random) -> str:
    lead = "Thought: " if "lead" in shape.marks else " "
    tool = _chosen(shape, rng, required=False)
    if tool is None:
        return f"{lead}I now know the final answer.\nFinal Answer: {prose(shape, rng)}"
    said = shape.facts
    given = [*said.names, *said.quoted, *said.dates, *said.numbers]
    action_input = str(given[0]) if given else said.request
    return f"{lead}I should use {tool.name} to answer this.\nAction: {tool.name}\nAction Input: {action_input}"


# ---- smolagents' code agent ---------------------------------------------------------------------

_CODE_TAGS = re.compile(r"must be opened with '([^'\n]{1,40})', and closed with '([^'\n]{1,40})'")
_CODE_TOOL = re.compile(
    r"^[ \t]*def (\w+)\(([^)\n]{0,2000})\) -> [\w\[\], ]{1,200}:\n[ \t]*\"\"\"(.{0,4000}?)\"\"\"",
    re.M | re.S,
)
_SMOL_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}


def detect_smolagents(prompt: Prompt) -> Shape | None:
    """smolagents' CodeAgent: Thought, then code between its code tags calling the tools and
    ``final_answer``."""
    source = prompt.instructions
    if "final_answer" not in source:
        return None
    tags = _CODE_TAGS.search(source)
    if tags is None:
        return None
    tools = []
    for name, signature, doc in _CODE_TOOL.findall(source):
        if name == "final_answer":
            continue
        described = doc.strip().split("\n\n", 1)[0].strip()
        docs = (
            dict(re.findall(r"^\s+(\w+): (.*)$", doc.split("Args:", 1)[1], re.M))
            if "Args:" in doc
            else {}
        )
        properties: dict[str, Any] = {}
        for arg in signature.split(","):
            arg_name, _, kind = arg.partition(":")
            arg_name, kind = arg_name.strip(), kind.strip()
            if not arg_name.isidentifier():
                continue
            spec: dict[str, Any] = {"description": docs.get(arg_name, arg_name)}
            if kind in _SMOL_TYPES:
                spec["type"] = _SMOL_TYPES[kind]
            properties[arg_name] = spec
        tools.append(Tool(name, described, _object_schema(properties)))
    task = prompt.user
    for message in reversed(prompt.messages):
        shown = conversation.message_text(message)
        if message.get("role") == "user" and "New task:" in shown:
            task = shown.split("New task:", 1)[1]
            break
    task = task.strip()
    opening, closing = tags.groups()
    marks = ("```py", "```") if "```" in opening else (opening, closing)
    return Shape(
        "smolagents_code",
        task[:MAX_TOPIC],
        conversation.facts(task),
        tools=tuple(tools),
        marks=marks,
    )


def render_smolagents(shape: Shape, rng: random.Random) -> str:
    wanted = [shape.tools[i] for i in tool_choice.asked(shape.tools, shape.facts.text)]
    lines = []
    for n, tool in enumerate(wanted, 1):
        call = ", ".join(f"{k}={v!r}" for k, v in _arguments(tool, shape, rng).items())
        lines += [f"result_{n} = {tool.name}({call})", f"print(result_{n})"]
    lines.append(f"final_answer({prose(shape, rng)!r})")
    using = " and ".join(f"`{t.name}`" for t in wanted)
    thought = (
        f"I will use {using} and then give the final answer with `final_answer`."
        if wanted
        else "I can answer directly with `final_answer`."
    )
    opening, closing = shape.marks
    return f"Thought: {thought}\n{opening}\n" + "\n".join(lines) + f"\n{closing}"
