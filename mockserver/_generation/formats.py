"""Output formats that frameworks ask for in the prompt, answered in that format.

A small table: one `Format` per framework's format, each a detector (does this prompt ask
for it? then a `Shape`: what the answer needs) and a renderer (a `Shape` and a random
source in, the answer's text out). The first entry whose detector matches answers; a
prompt no entry matches gets the answer it got before. Adding a framework is one entry
(and one test). docs/WIRE.md §2 ("Formats that frameworks ask for") cites each template.

A `Shape` is worked out once per request body (`engine.plan` keeps it) and its answer is
a pure function of the shape and the answer's variant, memoised like plain answers.
"""

from __future__ import annotations

import functools
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver._generation import agent_formats, conversation, json_mode
from mockserver._generation.prompt_shapes import MAX_TOPIC, Field, Prompt, Shape, prose, value

__all__ = ["FORMATS", "Format", "Shape", "recognise", "rendered"]


@dataclass(frozen=True, slots=True)
class Format:
    """One entry of the table."""

    name: str
    detect: Callable[[Prompt], Shape | None]
    render: Callable[[Shape, random.Random], str]
    json: bool = False
    """The answer is JSON, so the entry also applies in ``json_object`` mode."""


def recognise(messages: Sequence[Mapping[str, Any]], *, json_object: bool = False) -> Shape | None:
    """The `Shape` of the first format in `FORMATS` that the prompt asks for, or None."""
    prompt = Prompt.read(messages, json_object=json_object)
    for entry in FORMATS:
        if json_object and not entry.json:
            continue
        shape = entry.detect(prompt)
        if shape is not None:
            return shape
    return None


# A shape holds at most a few kB of its prompt (the facts read, the topic): 1,024 of them
# and their answers stay within about 16 MiB.
@functools.lru_cache(maxsize=1024)
def rendered(shape: Shape, variant: int) -> str:
    """The answer in `shape`'s format: the same shape and variant, the same text."""
    rng = random.Random(f"{variant}:{shape.format}:{shape.topic}")
    return _BY_NAME[shape.format].render(shape, rng)


# ---- JSON with keys, types and choices stated in prose ----------------------------------------

_TYPE_WORDS = r"string|str|text|integer|int|number|float|decimal|boolean|bool|array|list|object"
_KEY_TYPED = re.compile(
    rf"[\"'`]?\b([A-Za-z_]\w{{0,63}})[\"'`]?\s*\(\s*((?:{_TYPE_WORDS})\b[^)]{{0,80}}|one of[^)]{{1,200}})\)",
    re.I,
)
_KEY_LINE = re.compile(
    r"^\s*(?:[-*•]|\d+[.)])?\s*[\"'`]([A-Za-z_]\w{0,63})[\"'`]\s*[:=\-\u2013]\s*(.{1,300})$", re.M
)
_CHOICES = re.compile(
    r"\b(?:either|one of|must be one of|choose from|options are)\b[:\s]*(.{1,300})", re.I
)
_QUOTED = re.compile(r"[\"'`]([^\"'`\n]{1,60})[\"'`]")


def _kind(spec: str) -> Field:
    lowered = spec.lower()
    choices = _CHOICES.search(spec)
    if choices:
        listed = _QUOTED.findall(choices.group(1)) or [
            c.strip(" .") for c in re.split(r",|\bor\b|/|\|", choices.group(1)) if c.strip(" .")
        ]
        if len(listed) > 1:
            return Field("", "choice", tuple(dict.fromkeys(listed)))
    if re.search(r"\b(integer|int|whole number|count|how many)\b", lowered):
        return Field("", "int")
    if re.search(r"\b(number|float|decimal|amount|price)\b", lowered):
        return Field("", "float")
    if re.search(r"\b(boolean|bool|true or false|true/false|whether)\b", lowered):
        return Field("", "bool")
    if re.search(r"\b(array|list)\b", lowered):
        return Field("", "list")
    return Field("", "text")


def _detect_json_prose(prompt: Prompt) -> Shape | None:
    if not prompt.json_object and ("json" not in prompt.lowered or not prompt.asks_for_json):
        return None
    if json_mode.prompted_schema(prompt.messages) or json_mode.prompted_example(prompt.messages):
        return None  # json_mode answers those (an instance of the schema, like the example)
    for source in (prompt.instructions, prompt.user):
        specs: dict[str, str] = {}
        for match in _KEY_TYPED.finditer(source):
            specs.setdefault(match.group(1), match.group(2))
        for match in _KEY_LINE.finditer(source):
            specs.setdefault(match.group(1), match.group(2))
        if specs:
            fields = tuple(
                Field(name, k.kind, k.choices)
                for name, k in ((n, _kind(s)) for n, s in specs.items())
            )
            fence = (
                ("fence",)
                if not prompt.json_object and json_mode.asks_for_fence(prompt.messages)
                else ()
            )
            return Shape(
                "json_prose",
                prompt.user[:MAX_TOPIC],
                conversation.facts(prompt.user),
                fields,
                marks=fence,
            )
    return None


def _render_json_prose(shape: Shape, rng: random.Random) -> str:
    body = json.dumps({f.name: value(f, shape, rng) for f in shape.fields}, ensure_ascii=False)
    return f"```json\n{body}\n```" if "fence" in shape.marks else body


# ---- XML tags the prompt asks for ---------------------------------------------------------------

# An instruction about the answer ("put your answer in <answer> tags", "wrap the final
# answer inside <answer></answer>"), not a question about markup ("explain the <div> tag").
_TAG_REQUEST = re.compile(
    r"\b(?:put|place|wrap|enclose|surround|write|give|return|provide|respond|reply|answer|output|format)\w*\b"
    r"[^.\n<]{0,60}?\b(?:in|within|inside|between|with|using)\b[^.\n<]{0,20}?`?<([A-Za-z][\w-]{0,30})>`?",
    re.I,
)


def _detect_xml(prompt: Prompt) -> Shape | None:
    source = prompt.whole
    if "<" not in source:
        return None
    tags = [
        t
        for m in _TAG_REQUEST.finditer(source)
        if (t := m.group(1))
        and (f"</{t}>" in source or re.search(r"\btags?\b", source[m.end() : m.end() + 40], re.I))
    ]
    if not tags:
        return None
    return Shape("xml_tags", prompt.user[:MAX_TOPIC], marks=tuple(dict.fromkeys(tags)))


def _render_xml(shape: Shape, rng: random.Random) -> str:
    return "\n".join(f"<{tag}>\n{prose(shape, rng)}\n</{tag}>" for tag in shape.marks)


# ---- "answer with only a number" / "yes or no" -------------------------------------------------

# Instructions, not questions: the verb opens a sentence ("Answer with only a number."),
# where "Should I answer yes or no?" does not ask for one.
_IMPERATIVE = r"(?:^|[.!?:;]\s+|\n\s*)(?:please\s+|now\s+|only\s+|just\s+)?"
_NUMBER_ONLY = re.compile(
    _IMPERATIVE + r"(?:answer|respond|reply|return|output|give|provide)\w*\b[^.\n]{0,40}?"
    r"\b(?:only|just|single|solely)\b[^.\n]{0,20}?\b(?:number|integer|digits?|numeric value)\b",
    re.I,
)
_ARITHMETIC = re.compile(r"(-?\d+(?:\.\d+)?)\s*([-+*/x\u00d7])\s*(-?\d+(?:\.\d+)?)")
_YES_NO = re.compile(
    _IMPERATIVE + r"(?:answer|respond|reply|return|output|say)\w*\b[^.\n]{0,40}?"
    r"([\"'`]?)\b(yes)\b[\"'`]?\s*(?:or|/)\s*[\"'`]?\bno\b",
    re.I,
)


def _detect_number(prompt: Prompt) -> Shape | None:
    if "number" not in prompt.lowered and "digit" not in prompt.lowered:
        return None
    if _NUMBER_ONLY.search(prompt.whole) is None:
        return None
    return Shape("number_only", prompt.user[:MAX_TOPIC], conversation.facts(prompt.user))


def _render_number(shape: Shape, rng: random.Random) -> str:
    sum_ = _ARITHMETIC.search(shape.topic)
    if sum_ is not None:
        a, op, b = float(sum_.group(1)), sum_.group(2), float(sum_.group(3))
        if op != "/" or b != 0:
            result = {"+": a + b, "-": a - b, "/": a / b if b else 0.0}.get(op, a * b)
            return str(int(result)) if float(result).is_integer() else f"{result:.6g}"
    return str(rng.randint(0, 100))


def _detect_yes_no(prompt: Prompt) -> Shape | None:
    if "yes" not in prompt.lowered:
        return None
    match = _YES_NO.search(prompt.whole)
    if match is None:
        return None
    # Quoted as 'yes' / 'no', the words are the answer's exact text; otherwise a sentence's.
    case = ("lower",) if match.group(1) and match.group(2).islower() else ()
    return Shape("yes_no", prompt.user[:MAX_TOPIC], marks=case)


def _render_yes_no(shape: Shape, rng: random.Random) -> str:
    word = "Yes" if rng.random() < 0.5 else "No"
    return word.lower() if "lower" in shape.marks else word


# ---- the table ----------------------------------------------------------------------------------

FORMATS: tuple[Format, ...] = (
    Format("dspy_chat", agent_formats.detect_dspy_chat, agent_formats.render_dspy_chat),
    Format("dspy_json", agent_formats.detect_dspy_json, agent_formats.render_dspy_json, json=True),
    Format("langchain_react", agent_formats.detect_react, agent_formats.render_react),
    Format("smolagents_code", agent_formats.detect_smolagents, agent_formats.render_smolagents),
    Format("json_prose", _detect_json_prose, _render_json_prose, json=True),
    Format("xml_tags", _detect_xml, _render_xml),
    Format("number_only", _detect_number, _render_number),
    Format("yes_no", _detect_yes_no, _render_yes_no),
)
"""Tried in order; the first that matches answers."""

_BY_NAME = {entry.name: entry for entry in FORMATS}
