"""The engine: a validated request and a random source in, a `Completion` out.

Pure and deterministic: no clock, no I/O, no global random state. The caller decides
what the random source is seeded with (see `rng_for`), so the same seed and request
give the same content, tool calls and usage, and a stream renders the very completion
a non-stream request would have received.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver._contract.replies import Refusal, Text, ToolCalls
from mockserver._generation import conversation, formats, instances, json_mode, text, tokens
from mockserver._generation.budget import deadline, schema_driven
from mockserver._generation.ids import random_id as random_id
from mockserver._generation.model import Choice, Completion, FinishReason, ToolCall, Usage
from mockserver._generation.tool_calls import SchemaRefused as SchemaRefused
from mockserver._generation.tool_calls import tool_calls

Scripted = Text | ToolCalls | Refusal

# The dated snapshot each model id answers as (WIRE.md §1, the provider's o3-mini sample).
SNAPSHOTS: Mapping[str, str] = {"o3-mini": "o3-mini-2025-01-31"}

# o-series models prepend a hidden system preamble to every prompt; calibrated so that the
# provider's own sample (one user message "Hello") reports its 16 prompt tokens.
PROMPT_PREAMBLE_TOKENS = 8

_ALNUM = string.ascii_letters + string.digits
# Parameters that change how an answer is delivered or where it is cut, not what the model
# samples: the same seed with another budget or stop list gives the same text, cut elsewhere.
_DELIVERY = frozenset({"stream", "stream_options", "stop", "max_completion_tokens", "max_tokens"})


def rng_for(request: Mapping[str, Any], *, fallback: random.Random) -> random.Random:
    """The random source for `request`: from its ``seed`` and content when it has a seed,
    else `fallback` (the server's own stream, seeded once), so unseeded calls vary."""
    key = _seed_key(request)
    return fallback if key is None else random.Random(key)


def _seed_key(request: Mapping[str, Any]) -> str | None:
    if request.get("seed") is None:
        return None
    content = {k: v for k, v in request.items() if k not in _DELIVERY}
    digest = hashlib.blake2b(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode(), digest_size=16
    ).hexdigest()
    return f"{request['seed']}:{digest}"


def completion_id(rng: random.Random) -> str:
    return random_id(rng, "chatcmpl-", 29)


def fingerprint(rng: random.Random) -> str:
    return "fp_" + "".join(rng.choices("0123456789abcdef", k=10))


def prompt_tokens(request: Mapping[str, Any]) -> int:
    """The documented approximation of the prompt's token count (see mockserver._generation.tokens)."""
    total = PROMPT_PREAMBLE_TOKENS + tokens.count_messages(request["messages"])
    if request.get("tools"):
        total += tokens.count_tools(request["tools"])
    if request.get("response_format"):
        total += tokens.count_response_format(request["response_format"])
    return total


def generate(
    request: Mapping[str, Any],
    rng: random.Random,
    *,
    id: str,
    created: int,
    system_fingerprint: str,
    reply: Scripted | None = None,
    follow_prompt: bool = True,
) -> Completion:
    """The completion o3-mini would plausibly give to `request` (already valid), or, with
    `reply`, that scripted answer in every choice (``stop`` and the budget still apply).
    `follow_prompt`: the tool, arguments and format follow the prompt
    (docs/explanation/answers.md); False draws them at random."""
    if reply is None:
        simple = plan(request, follow_prompt=follow_prompt)
        if simple is not None:
            return planned(
                simple, rng, id=id, created=created, system_fingerprint=system_fingerprint
            )
    prompt = prompt_tokens(request)
    count = int(request.get("n") or 1)  # the schema allows 2.0
    if reply is None and schema_driven(request):
        with deadline():  # one time budget for every value this request generates
            choices = tuple(
                _choice(i, request, rng, prompt, reply, follow_prompt) for i in range(count)
            )
    else:
        choices = tuple(
            _choice(i, request, rng, prompt, reply, follow_prompt) for i in range(count)
        )
    model = SNAPSHOTS.get(request["model"], request["model"])
    return assemble(model, choices, prompt, id=id, created=created, fingerprint=system_fingerprint)


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """What generating for a plain request needs, worked out once: a request whose every
    choice is text drawn from its prompt and one variant (no tools to call, no JSON mode,
    no schema). A server keeps the plan of a body it sees again (a load test's), so each
    request costs its random draws and a lookup; `generate` uses the same path."""

    model: str
    prompt_tokens: int
    prompt: str
    effort: str
    count: int
    limit: int | None
    stop: str | tuple[str, ...] | None
    seed_key: str | None
    shape: formats.Shape | None = None
    """The output format the prompt asks for (`formats`), if any."""

    def rng(self, fallback: random.Random) -> random.Random:
        """`rng_for` the request this plan was made from."""
        return fallback if self.seed_key is None else random.Random(self.seed_key)


def plan(request: Mapping[str, Any], *, follow_prompt: bool = True) -> Plan | None:
    """The `Plan` of `request` (already valid) when it is plain, else None. A prompt that
    asks for a format `formats` knows is plain too: its shape is in the plan."""
    if _calls_tools(request):
        return None
    kind = (request.get("response_format") or {}).get("type")
    if kind == "json_schema":
        return None
    messages = request["messages"]
    shape = None
    if follow_prompt:
        shape = formats.recognise(messages, json_object=kind == "json_object")
    if shape is None and (kind == "json_object" or json_mode.asks_for_json(messages)):
        return None
    stop = request.get("stop")
    model = request["model"]
    return Plan(
        model=SNAPSHOTS.get(model, model),
        prompt_tokens=prompt_tokens(request),
        prompt=_last_turn(messages)[1],
        effort=request.get("reasoning_effort") or "medium",
        count=int(request.get("n") or 1),
        limit=budget(request),
        stop=tuple(stop) if isinstance(stop, list) else stop,
        seed_key=_seed_key(request),
        shape=shape,
    )


def _calls_tools(request: Mapping[str, Any]) -> bool:
    return bool(request.get("tools")) and request.get("tool_choice", "auto") != "none"


def planned(
    simple: Plan, rng: random.Random, *, id: str, created: int, system_fingerprint: str
) -> Completion:
    """`generate` for the request `simple` was made from: the same draws, the same answer."""
    return built(
        simple, draw(simple, rng), id=id, created=created, system_fingerprint=system_fingerprint
    )


Draws = tuple[tuple[int, int], ...]
"""Per choice, the reasoning tokens and the answer's variant: all a plain answer varies by."""


def draw(simple: Plan, rng: random.Random) -> Draws:
    """The random draws of `generate` for a plain request, in its order: for each choice,
    the reasoning tokens, then the variant."""
    effort, prompt = simple.effort, simple.prompt_tokens
    if simple.count == 1:  # the common case, without a generator
        reasoning = text.reasoning_tokens(rng, effort=effort, prompt_tokens=prompt)
        return ((reasoning, rng.getrandbits(_VARIANT_BITS)),)
    return tuple(
        (
            text.reasoning_tokens(rng, effort=effort, prompt_tokens=prompt),
            rng.getrandbits(_VARIANT_BITS),
        )
        for _ in range(simple.count)
    )


def built(
    simple: Plan, draws: Draws, *, id: str, created: int, system_fingerprint: str
) -> Completion:
    """The completion `draws` make of a plain request (a pure function of its arguments)."""
    choices = planned_choices(simple, draws)
    return assemble(
        simple.model,
        choices,
        simple.prompt_tokens,
        id=id,
        created=created,
        fingerprint=system_fingerprint,
    )


def planned_choices(simple: Plan, draws: Draws) -> tuple[Choice, ...]:
    return tuple(
        _planned_choice(simple, index, reasoning, variant)
        for index, (reasoning, variant) in enumerate(draws)
    )


def _planned_choice(simple: Plan, index: int, reasoning: int, variant: int) -> Choice:
    limit = simple.limit
    if limit is not None and reasoning >= limit:
        return _spent(index, limit)
    room = None if limit is None else limit - reasoning
    if simple.shape is not None:
        answer, reason, used = _fit(formats.rendered(simple.shape, variant), simple.stop, room)
    elif len(simple.prompt) > _CACHED_PROMPT_CHARS:
        answer, reason, used = _fit(_answer(simple.prompt, variant), simple.stop, room)
    else:
        answer, reason, used = _fitted_answer(simple.prompt, variant, simple.stop, room)
    return Choice(
        index, answer, reason, reasoning_tokens=reasoning, completion_tokens=reasoning + used
    )


def assemble(
    model: str,
    choices: Sequence[Choice],
    prompt: int,
    *,
    id: str,
    created: int,
    fingerprint: str,
) -> Completion:
    """Wrap choices into a completion; usage sums the choices (the prompt counts once)."""
    return Completion(id, created, model, fingerprint, tuple(choices), usage_of(choices, prompt))


def usage_of(choices: Sequence[Choice], prompt: int) -> Usage:
    if len(choices) == 1:
        only = choices[0]
        return Usage(prompt, only.completion_tokens, only.reasoning_tokens)
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=sum(c.completion_tokens for c in choices),
        reasoning_tokens=sum(c.reasoning_tokens for c in choices),
    )


def budget(request: Mapping[str, Any]) -> int | None:
    """max_completion_tokens, else max_tokens. Neither means no cap: the provider's sample
    reports 2559 completion tokens for a request that set neither, so the documented
    default of 512 is not applied."""
    limit = request.get("max_completion_tokens") or request.get("max_tokens")
    return None if limit is None else int(limit)


def _choice(
    index: int,
    request: Mapping[str, Any],
    rng: random.Random,
    prompt: int,
    reply: Scripted | None,
    follow: bool = True,
) -> Choice:
    effort = request.get("reasoning_effort") or "medium"
    reasoning = text.reasoning_tokens(rng, effort=effort, prompt_tokens=prompt)
    if reply is not None and reply.reasoning_tokens is not None:
        reasoning = reply.reasoning_tokens
    if isinstance(reply, Text):
        return finish(index, request, reasoning=reasoning, content=reply.content)
    if isinstance(reply, Refusal):
        return finish(index, request, reasoning=reasoning, refusal=reply.text)
    if isinstance(reply, ToolCalls):
        scripted = [
            ToolCall(c.id or random_id(rng, "call_", 24), c.name, c.arguments_json())
            for c in reply.calls
        ]
        return finish(index, request, reasoning=reasoning, tool_calls=scripted)
    calls = tool_calls(request, rng, follow)
    if calls:
        return finish(index, request, reasoning=reasoning, tool_calls=calls)
    return finish(index, request, reasoning=reasoning, content=_content(request, rng, follow))


def finish(
    index: int,
    request: Mapping[str, Any],
    *,
    reasoning: int,
    content: str | None = None,
    refusal: str | None = None,
    tool_calls: Sequence[ToolCall] = (),
) -> Choice:
    """Apply ``stop`` and the token budget to an intended answer, and count its tokens.

    The budget is spent on reasoning first. If reasoning alone uses it all, the answer is
    empty with finish_reason "length", as o-series models do; if the visible answer does
    not fit, it is cut there, also with "length".
    """
    limit = budget(request)
    if limit is not None and reasoning >= limit:
        return _spent(index, limit)
    room = None if limit is None else limit - reasoning
    if tool_calls:
        visible = sum(
            tokens.count_text(c.name) + tokens.count_text(c.arguments) + 3 for c in tool_calls
        )
        if room is not None and visible > room:
            return Choice(
                index, "", "length", reasoning_tokens=reasoning, completion_tokens=limit or 0
            )
        return Choice(
            index,
            None,
            "tool_calls",
            tool_calls=tuple(tool_calls),
            reasoning_tokens=reasoning,
            completion_tokens=reasoning + visible,
        )
    answer, reason, visible = _fit(
        refusal if refusal is not None else content or "", request.get("stop"), room
    )
    used = reasoning + visible
    if refusal is not None:
        return Choice(
            index, None, reason, refusal=answer, reasoning_tokens=reasoning, completion_tokens=used
        )
    return Choice(index, answer, reason, reasoning_tokens=reasoning, completion_tokens=used)


def _spent(index: int, limit: int) -> Choice:
    """Reasoning used the whole budget: an empty answer cut for length (o-series models)."""
    return Choice(index, "", "length", reasoning_tokens=limit, completion_tokens=limit)


def _fit(
    answer: str, stop: str | Sequence[str] | None, room: int | None
) -> tuple[str, FinishReason, int]:
    """The answer cut at its first stop sequence and to `room` tokens, why it ended, and
    its tokens."""
    answer = cut_at_stop(answer, stop)
    pieces = tokens.split_tokens(answer)
    if room is not None and len(pieces) > room:
        return "".join(pieces[:room]), "length", room
    return answer, "stop", len(pieces)


@functools.lru_cache(maxsize=4096)  # prompts up to _CACHED_PROMPT_CHARS, answers quoting them
def _fitted_answer(
    prompt: str, variant: int, stop: str | tuple[str, ...] | None, room: int | None
) -> tuple[str, FinishReason, int]:
    return _fit(_answer(prompt, variant), stop, room)


def cut_at_stop(answer: str, stop: str | Sequence[str] | None) -> str:
    """The text before the first stop sequence (which is not included)."""
    if not stop:
        return answer
    cut = len(answer)
    for sequence in [stop] if isinstance(stop, str) else stop:
        at = answer.find(sequence) if sequence else -1
        if at != -1:
            cut = min(cut, at)
    return answer[:cut]


def _last_turn(messages: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The role of the last message, and the text the answer should respond to: the last
    user message plus any tool results that came after it."""
    prompt: list[str] = []
    for message in reversed(messages):
        if message["role"] in ("tool", "user"):
            prompt.insert(0, conversation.message_text(message, sep=" "))
        if message["role"] == "user":
            break
    return messages[-1]["role"], " ".join(prompt)


def _content(request: Mapping[str, Any], rng: random.Random, follow: bool) -> str:
    _, prompt = _last_turn(request["messages"])
    fmt = request.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt["json_schema"]
        try:
            value = instances.instance(spec.get("schema"), rng)
        except instances.UnsatisfiableSchema as exc:
            raise SchemaRefused(
                "response_format", spec.get("name", ""), "response_format", exc
            ) from None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    variant = rng.getrandbits(_VARIANT_BITS)
    messages = request["messages"]
    json_object = fmt.get("type") == "json_object"
    # Without tools to call, `plan` recognised the prompt already (a shape makes a plan).
    if follow and _calls_tools(request):
        shape = formats.recognise(messages, json_object=json_object)
        if shape is not None:
            return formats.rendered(shape, variant)
    answer = _answer(prompt, variant)
    if json_object:
        # JSON mode follows the shape the prompt gives (json_mode's docstring), else a
        # plausible object.
        found, value = json_mode.prompted_value(messages, rng) if follow else (False, None)
        return json.dumps(value if found else {"answer": answer}, ensure_ascii=False)
    if follow and json_mode.asks_for_json(messages):
        # Without JSON mode a model still follows "respond with JSON matching this schema"
        # (pydantic-ai's PromptedOutput, instructor's MD_JSON), in a ```json block if asked.
        found, value = json_mode.prompted_value(messages, rng)
        if found:
            rendered = json.dumps(value, ensure_ascii=False)
            fenced = json_mode.asks_for_fence(messages)
            return f"```json\n{rendered}\n```" if fenced else rendered
    return answer


# An answer is a pure function of (prompt, variant): drawing one of 256 variants and
# memoising its text keeps calls varied while a load test's repeated prompts cost a lookup.
_VARIANT_BITS = 8


def _answer(prompt: str, variant: int) -> str:
    # Long prompts are not cached: 4,096 entries keyed by 8 MiB prompts would hold 32 GiB.
    if len(prompt) > _CACHED_PROMPT_CHARS:
        return text.answer(random.Random(f"{variant}:{prompt}"), prompt=prompt)
    return _cached_answer(prompt, variant)


# An answer quotes words of its prompt: with prompts up to 1,024 characters, 4,096 kept
# answers stay within about 20 MiB.
_CACHED_PROMPT_CHARS = 1024


@functools.lru_cache(maxsize=4096)
def _cached_answer(prompt: str, variant: int) -> str:
    return text.answer(random.Random(f"{variant}:{prompt}"), prompt=prompt)
