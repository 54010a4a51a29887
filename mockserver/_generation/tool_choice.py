"""Which tool to call: the one the latest user turn asks for, then the others it asks for,
then a text answer, so that an agent loop ends.

The rule (docs/explanation/answers.md, "Tools"):

- A tool is *asked for* when the latest user turn names it (its name, as written or with
  its words apart: "get_weather", "get weather"), or uses a word of its name ("weather"),
  or two words of its description. Asked tools rank by how strongly (the whole name,
  then name words, then description words), ties by their order in ``tools``.
- On the user's turn: the first asked tool; when none is asked, a tool drawn by the
  seed (what the mock did before it followed prompts).
- After tool results: the first asked tool not called since the user's turn; when every
  asked tool was called, ``auto`` answers in text, and ``required`` calls a finishing
  tool not yet called (``final_answer``, ``finish``, ``final_result``...), else the best
  tool not yet called, else the first asked (or drawn) one.

So with ``auto`` a plain loop (call, send the result back) makes at most one call per
tool and then answers: within the number of tools plus one turns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mockserver._generation.conversation import stems, words
from mockserver._generation.text import STOP_WORDS

__all__ = ["FINISHING", "Tool", "asked", "choose", "is_finishing"]

FINISHING = frozenset(
    {"final_answer", "finish", "final_result", "final_output", "done", "submit", "task_complete"}
)
"""Tool names that end an agent's task (smolagents, DSPy ReAct, pydantic-ai's output tool)."""

# Verbs so common in tool names that they say nothing about which tool is meant.
_GENERIC = frozenset({"get", "set", "fetch", "run", "do", "call", "tool", "func", "function"})
_NAME_SCORE = 100
_WORD_SCORE = 10


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool as prompt-following sees it (from ``tools`` or from a framework's prompt)."""

    name: str
    description: str = ""
    parameters: str = "null"
    """Its parameters' JSON Schema, as JSON text (so a `Tool` can key a cache)."""


def is_finishing(tool: Tool) -> bool:
    return tool.name.lower() in FINISHING


def score(tool: Tool, text: str, asked_stems: set[str]) -> int:
    """How strongly `text` (whose `stems` are `asked_stems`) asks for `tool`."""
    name_words = [w for w in words(tool.name) if w not in STOP_WORDS]
    spaced = " ".join(words(tool.name))
    for form in {tool.name, spaced}:
        if form and re.search(rf"(?<![\w]){re.escape(form)}(?![\w])", text, re.IGNORECASE):
            return _NAME_SCORE
    meaningful = {w for w in name_words if w not in _GENERIC and len(w) > 2}
    name_hits = len(stems(" ".join(meaningful)) & asked_stems)
    described = stems(tool.description) - stems(" ".join(name_words))
    description_hits = len(described & asked_stems)
    if name_hits:
        return _WORD_SCORE * name_hits + description_hits
    return description_hits if description_hits >= 2 else 0


def asked(tools: Sequence[Tool], text: str) -> list[int]:
    """The indexes of the tools `text` asks for, most strongly asked first."""
    asked_stems = stems(text)
    scored = [(score(t, text, asked_stems), i) for i, t in enumerate(tools)]
    return [i for s, i in sorted(scored, key=lambda p: (-p[0], p[1])) if s > 0]


def choose(
    tools: Sequence[Tool],
    text: str,
    called: Sequence[str],
    *,
    after_results: bool,
    required: bool,
    draw: Callable[[], int],
) -> int | None:
    """The index of the tool to call next, or None to answer in text (only when not
    `required`). `text` is the latest user turn, `called` the tools called since it;
    `draw` gives the seeded index used when the turn asks for no tool."""
    wanted = asked(tools, text)
    if not after_results:
        return wanted[0] if wanted else draw()
    done = set(called)
    remaining = [i for i in wanted if tools[i].name not in done]
    if remaining:
        return remaining[0]
    if not required:
        return None
    finishing = [i for i, t in enumerate(tools) if is_finishing(t) and t.name not in done]
    if finishing:
        return finishing[0]
    fresh = [i for i, t in enumerate(tools) if t.name not in done]
    if fresh:
        return fresh[0]
    return wanted[0] if wanted else draw()
