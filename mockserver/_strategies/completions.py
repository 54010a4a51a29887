"""Completion bodies: choices with text, refusals or tool calls, usage, optional fields."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from mockserver._generation.billing import CREDITS_PER_USD
from mockserver._strategies.common import (
    ALNUM,
    ASSISTANT_TEXTS,
    COMPLETION_OBJECT,
    FINISH_REASONS,
    N_MAX,
    N_MIN,
    REFUSALS,
    SNAPSHOTS,
    USAGE,
    Json,
    invalid,
    texts,
    with_extras,
)
from mockserver._strategies.tools import tool_calls

created_times = st.integers(1_700_000_000, 1_800_000_000)
completion_ids = st.text(ALNUM, min_size=29, max_size=29).map("chatcmpl-".__add__)
fingerprints = st.text("0123456789abcdef", min_size=10, max_size=10).map("fp_".__add__)


@st.composite
def usages(draw: DrawFn, reasoning: int, completion: int) -> Json:
    prompt = draw(st.integers(0, 20_000))
    usage: Json = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    shape = draw(st.integers(0, 3))  # no details, completion details, both, null
    if shape in (1, 2):
        details = dict.fromkeys(USAGE["completion_tokens_details"]["properties"], 0)
        usage["completion_tokens_details"] = {**details, "reasoning_tokens": reasoning}
    if shape == 2:
        details = dict.fromkeys(USAGE["prompt_tokens_details"]["properties"], 0)
        cached = draw(st.integers(0, prompt))
        usage["prompt_tokens_details"] = {**details, "cached_tokens": cached}
    if shape == 3:
        usage["completion_tokens_details"] = usage["prompt_tokens_details"] = None
    return with_extras(draw, usage, "usage")


@st.composite
def _choices(draw: DrawFn, index: int) -> tuple[Json, int, int]:
    """A choice with its reasoning and visible token counts."""
    finish = draw(st.sampled_from(FINISH_REASONS))
    refuses = draw(st.integers(0, 3)) == 3
    reasoning = draw(st.integers(0, 4096))
    message: Json = {"role": "assistant", "content": None, "refusal": None}
    if finish == "tool_calls":
        message["tool_calls"] = [
            {"id": i, "type": "function", "function": {"name": n, "arguments": a}}
            for i, n, a in draw(tool_calls())
        ]
    elif finish == "stop" and refuses:
        message["refusal"] = draw(texts(REFUSALS))
    else:
        text = draw(texts(ASSISTANT_TEXTS))
        # "length" with nothing visible: the budget all went to reasoning (o-series).
        message["content"] = "" if finish == "length" and refuses else text
    visible = 0 if message["content"] == "" else draw(st.integers(1, 2000))
    if draw(st.booleans()):
        message["annotations"] = []
    choice: Json = {"index": index, "message": with_extras(draw, message, "message")}
    if draw(st.booleans()):
        choice["logprobs"] = None
    choice["finish_reason"] = finish
    return with_extras(draw, choice, "choice"), reasoning, visible


@st.composite
def _completions(draw: DrawFn, n: int | None) -> Json:
    count = n if n is not None else draw(st.integers(1, 4))
    drawn = [draw(_choices(i)) for i in range(count)]
    reasoning = sum(r for _, r, _ in drawn)
    body: Json = {
        "id": draw(completion_ids),
        "object": COMPLETION_OBJECT,
        "created": draw(created_times),
        "model": draw(st.sampled_from(SNAPSHOTS)),
        "choices": [c for c, _, _ in drawn],
        "usage": draw(usages(reasoning, reasoning + sum(v for _, _, v in drawn))),
    }
    if draw(st.booleans()):
        body["system_fingerprint"] = draw(st.none() | fingerprints)
    if draw(st.booleans()):
        body["service_tier"] = draw(st.sampled_from([None, "default", "flex", "scale"]))
    if draw(st.booleans()):
        body["meta"] = draw(st.none() | billings)
    if draw(st.integers(0, 3)) == 3:
        body = draw(_fallback(body))
    return with_extras(draw, body, "completion")


@st.composite
def _fallback(draw: DrawFn, body: Json) -> Json:
    """`body` as the provider's fallback route answers (OpenRouter-shaped; gpt-5.4-mini's
    sample, 2026-07): a ``gen-<created>-<20>`` id, the ``openai/`` model name, no
    fingerprint, each choice with ``logprobs``, ``native_finish_reason`` and the message's
    ``reasoning``, and more usage details, in that sample's key order."""
    choices = []
    for choice in body["choices"]:
        message = {**choice["message"], "reasoning": draw(st.none() | texts(ASSISTANT_TEXTS))}
        if message["reasoning"] is not None and draw(st.booleans()):
            message["reasoning_details"] = [
                {
                    "type": "reasoning.text",
                    "text": message["reasoning"],
                    "format": "unknown",
                    "index": 0,
                }
            ]
        choices.append({
            "index": choice["index"], "logprobs": None, "finish_reason": choice["finish_reason"],
            "native_finish_reason": choice["finish_reason"], "message": message,
        })  # fmt: skip
    usage = body["usage"]
    details = usage.get("completion_tokens_details") or {}
    prompt_details = usage.get("prompt_tokens_details") or {}
    out: Json = {
        "id": f"gen-{body['created']}-{draw(_GEN_IDS)}",
        "object": body["object"],
        "created": body["created"],
        "model": "openai/o3-mini",
        "system_fingerprint": None,
        "choices": choices,
        "usage": {
            "completion_tokens": usage["completion_tokens"],
            "prompt_tokens": usage["prompt_tokens"],
            "total_tokens": usage["total_tokens"],
            "completion_tokens_details": {
                "reasoning_tokens": details.get("reasoning_tokens", 0),
                "image_tokens": 0,
                "audio_tokens": 0,
            },
            "prompt_tokens_details": {
                "cached_tokens": prompt_details.get("cached_tokens", 0),
                "cache_write_tokens": 0,
                "audio_tokens": 0,
                "video_tokens": 0,
            },
        },
    }
    if "meta" in body:
        out["meta"] = body["meta"]
    return out


_GEN_IDS = st.text(ALNUM, min_size=20, max_size=20)


# The gateway's billing: credits, and their dollars at its rate of 2,000,000 to the dollar.
billings = st.integers(0, 10**7).map(
    lambda c: {"usage": {"credits_used": c, "usd_spent": c / CREDITS_PER_USD}}
)


def chat_completions(*, n: int | None = None) -> SearchStrategy[Json]:
    """Completion bodies (201 JSON) in every variant the contract allows, all semantically
    valid (`mockserver.schemas.validate_completion` finds nothing).

    Text; an empty answer with finish_reason ``length`` (all tokens went to reasoning);
    refusals; one or parallel tool calls (finish_reason ``tool_calls``, content null); every
    finish_reason the schema lists; usage with full, partial, absent or null details;
    optional fields (``logprobs``, ``annotations``, ``system_fingerprint``,
    ``service_tier``, the gateway's ``meta`` billing) present or not; the shape of the
    provider's fallback route (``gen-`` ids, ``openai/o3-mini``, ``native_finish_reason``,
    ``message.reasoning``, more usage details); and unknown extra fields at several levels.
    ``n`` (1-128) fixes the number of choices; None draws 1-4.

    Examples shrink toward one choice with empty content that stopped, with bare usage.
    """
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not N_MIN <= n <= N_MAX):
        return invalid(f"n must be None or an integer in [{N_MIN}, {N_MAX}]; got {n!r}")
    return _completions(n)
