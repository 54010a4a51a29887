"""Render one `Completion` two ways: the JSON body, and the chunk events of a stream.

Folding the chunks (mockserver._contract.folding) gives back exactly the JSON body.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterator
from typing import Any

from mockserver._contract import jsonio, sse
from mockserver._contract.profiles import Profile
from mockserver._generation import billing, tokens
from mockserver._generation.model import Choice, Completion, Usage


def usage_body(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _message(choice: Choice) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": choice.content,
        "refusal": choice.refusal,
        "annotations": [],
    }
    if choice.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in choice.tool_calls
        ]
    return message


def completion_body(completion: Completion, profile: Profile) -> dict[str, Any]:
    choices = []
    for choice in completion.choices:
        body: dict[str, Any] = {"index": choice.index, "message": _message(choice)}
        if profile.choice_logprobs:
            body["logprobs"] = None
        body["finish_reason"] = choice.finish_reason
        choices.append(body)
    out: dict[str, Any] = {
        "id": completion.id,
        "object": "chat.completion",
        "created": completion.created,
        "model": completion.model,
        "choices": choices,
        "usage": usage_body(completion.usage),
    }
    if profile.service_tier is not None:
        out["service_tier"] = profile.service_tier
    out["system_fingerprint"] = completion.system_fingerprint
    if profile.billing:  # the gateway appends its billing after OpenAI's fields
        out["meta"] = billing.meta(completion.usage)
    out.update(completion.extra)
    return out


class BodyTemplate:
    """The JSON body of a completion with its ``id``, ``created`` and usage counts left
    open: a server that sends the same answer again fills in a few numbers instead of
    rendering it anew. ``fill`` gives exactly the bytes `completion_body` would
    (tests/test_render.py)."""

    __slots__ = ("_billing", "_format")

    def __init__(self, completion: Completion, profile: Profile) -> None:
        blank = Completion(
            "", 0, completion.model, completion.system_fingerprint, completion.choices,
            Usage(0, 0, 0), completion.extra,
        )  # fmt: skip
        raw = jsonio.dumps(completion_body(blank, profile))
        # Every open field is found by its key with quotes around it: a text the model or
        # a user wrote is a JSON string, where each quote is escaped, so cannot hold one.
        # "id" and "created" come before the choices, "usage" (and "meta") after them.
        self._billing = profile.billing
        fields = _OPEN_FIELDS + (_BILLING_FIELDS if profile.billing else ())
        parts, at, search = [], 0, 0
        for marker, blank_value in fields:
            if marker == b'"usage":{':  # the completion's, not the one inside "meta"
                meta = raw.rfind(b'"meta":')
                search = raw.rindex(marker, 0, meta if meta >= 0 else len(raw))
                continue
            found = raw.index(marker + blank_value, max(at, search)) + len(marker)
            parts.append(raw[at:found].replace(b"%", b"%%"))
            at = found + len(blank_value)
        parts.append(raw[at:].replace(b"%", b"%%"))
        # One printf-style format: filling it in is a single call into C.
        slots = (b"%s", b"%d", b"%d", b"%d", b"%d", b"%d") + ((b"%d", b"%s") * self._billing)
        self._format = b"".join(p + s for p, s in zip(parts, (*slots, b""), strict=True))

    @property
    def size(self) -> int:
        """Bytes the template holds."""
        return len(self._format)

    def fill(self, id: str, created: int, usage: Usage) -> bytes:
        """The body with these values; `id` must be JSON-safe as it is (the mock's are),
        and `usage` has no cached tokens (the generator reports none)."""
        if usage.cached_tokens:
            raise ValueError("a BodyTemplate leaves no room for cached tokens")
        prompt, completion = usage.prompt_tokens, usage.completion_tokens
        values: tuple[object, ...] = (
            id.encode(),
            created,
            prompt,
            completion,
            prompt + completion,
            usage.reasoning_tokens,
        )
        if self._billing:
            cost = billing.charge(usage)
            values += (cost.credits, cost.usd_json)
        return self._format % values


_OPEN_FIELDS = (
    (b'"id":"', b""),
    (b'"created":', b"0"),
    (b'"usage":{', b""),
    (b'"prompt_tokens":', b"0"),
    (b'"completion_tokens":', b"0"),
    (b'"total_tokens":', b"0"),
    (b'"reasoning_tokens":', b"0"),
)
_BILLING_FIELDS = ((b'"credits_used":', b"0"), (b'"usd_spent":', jsonio.dumps(0.0)))


# A delta is a dict, or for the many one-string increments a (field, piece) pair, or for a
# tool call's argument pieces an (index, piece) pair: the byte renderer writes those from
# templates instead of building and serialising a dict per token.
_Delta = dict[str, Any] | tuple[str, str] | tuple[int, str]


def _deltas(choice: Choice) -> Iterator[_Delta]:
    """The deltas of one choice, in the order WIRE.md §3 records."""
    if choice.tool_calls:
        for i, call in enumerate(choice.tool_calls):
            header = {
                "index": i,
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": ""},
            }
            if i == 0:
                yield {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [header],
                    "refusal": None,
                }
            else:
                yield {"tool_calls": [header]}
            for piece in tokens.split_tokens(call.arguments):
                yield (i, piece)
        return
    if choice.refusal is not None:
        yield {"role": "assistant", "content": None, "refusal": ""}
        for piece in tokens.split_tokens(choice.refusal):
            yield ("refusal", piece)
        return
    yield {"role": "assistant", "content": "", "refusal": None}
    for piece in tokens.split_tokens(choice.content or ""):
        yield ("content", piece)


def _as_dict(delta: _Delta) -> dict[str, Any]:
    if isinstance(delta, dict):
        return delta
    key, piece = delta
    if isinstance(key, int):
        return {"tool_calls": [{"index": key, "function": {"arguments": piece}}]}
    return {key: piece}


def _head(completion: Completion, profile: Profile) -> dict[str, Any]:
    head: dict[str, Any] = {
        "id": completion.id,
        "object": "chat.completion.chunk",
        "created": completion.created,
        "model": completion.model,
    }
    if profile.service_tier is not None:
        head["service_tier"] = profile.service_tier
    head["system_fingerprint"] = completion.system_fingerprint
    return head


def _steps(completion: Completion) -> Iterator[tuple[int, _Delta | None, str | None]]:
    """(choice index, delta, finish reason) per chunk: choices interleave round-robin, as
    real n > 1 streams do; each choice ends with an empty delta carrying its finish_reason."""
    if len(completion.choices) == 1:  # the common case, without the round-robin
        only = completion.choices[0]
        index = only.index
        for piece in _deltas(only):
            yield index, piece, None
        yield index, None, only.finish_reason
        return
    streams = [(c, _deltas(c)) for c in completion.choices]
    while streams:
        pending = []
        for choice, deltas in streams:
            delta = next(deltas, None)
            if delta is None:
                yield choice.index, None, choice.finish_reason
            else:
                yield choice.index, delta, None
                pending.append((choice, deltas))
        streams = pending


def _last(completion: Completion, head: dict[str, Any], pad: str | None) -> dict[str, Any]:
    """The usage chunk: ``choices: []`` and the usage. No ``meta``: the provider's docs say
    the cost comes in the final chunk (2026-08), but its captured 2026 transcript has none,
    so the strategies draw both and the mock sends what was captured (WIRE.md §3)."""
    out = {**head, "choices": [], "usage": usage_body(completion.usage)}
    if pad is not None:
        out["obfuscation"] = pad
    return out


def chunks(
    completion: Completion, profile: Profile, *, include_usage: bool
) -> Iterator[dict[str, Any]]:
    """Every chunk of the stream, ``[DONE]`` excluded (see `_steps` for the order).
    ``include_usage``: ``"usage": null`` on each chunk, then the usage chunk (what
    `Profile.stream_usage` decides for a request)."""
    head = _head(completion, profile)
    pads = _Padding(completion.id) if profile.obfuscation else None
    n = 0
    for n, (index, delta, finish_reason) in enumerate(_steps(completion)):
        entry: dict[str, Any] = {"index": index, "delta": {} if delta is None else _as_dict(delta)}
        if profile.chunk_logprobs:
            entry["logprobs"] = None
        entry["finish_reason"] = finish_reason
        out = {**head, "choices": [entry]}
        if include_usage:
            out["usage"] = None
        if pads is not None:
            out["obfuscation"] = pads.pad(n, delta)
        yield out
    if include_usage:
        yield _last(completion, head, None if pads is None else pads.pad(n + 1, None))


def encoded_chunks(
    completion: Completion, profile: Profile, *, include_usage: bool
) -> Iterator[bytes]:
    """The same chunks as `chunks`, each already an SSE event: byte for byte what
    ``sse.encode`` makes of them, at a fraction of the cost (the part every chunk shares is
    serialised once)."""
    head = _head(completion, profile)
    prefix = b"data: " + jsonio.dumps(head)[:-1] + b',"choices":[{"index":'
    logprobs = b',"logprobs":null' if profile.chunk_logprobs else b""
    usage = b',"usage":null' if include_usage else b""
    pads = _Padding(completion.id) if profile.obfuscation else None
    dumps = jsonio.dumps
    n = 0
    for n, (index, delta, finish_reason) in enumerate(_steps(completion)):
        if delta is None:
            body = b"{}"
        elif isinstance(delta, dict):
            body = dumps(delta)
        elif isinstance(delta[0], int):
            body = b'{"tool_calls":[{"index":%d,"function":{"arguments":%b}}]}' % (
                delta[0],
                dumps(delta[1]),
            )
        else:
            body = b'{"%b":%b}' % (delta[0].encode(), dumps(delta[1]))
        reason = b"null" if finish_reason is None else dumps(finish_reason)
        pad = b"" if pads is None else pads.field(n, delta)
        yield b'%b%d,"delta":%b%b,"finish_reason":%b}]%b%b}\n\n' % (
            prefix,
            index,
            body,
            logprobs,
            reason,
            usage,
            pad,
        )
    if include_usage:
        last = _last(completion, head, None if pads is None else pads.pad(n + 1, None))
        yield sse.encode(last)


class _Padding:
    """OpenAI's ``obfuscation`` strings for one stream: random letters and digits that
    bring a text piece to 16 characters (the 2026 transcript: ``"Hello"`` + 11, ``"!"``
    + 15), 10 to 15 on the other chunks; drawn from the completion id, so a seeded answer
    pads the same way each time."""

    __slots__ = ("_noise",)

    def __init__(self, completion_id: str) -> None:
        self._noise = hashlib.shake_256(completion_id.encode()).digest(64).translate(_ALNUM_BYTES)

    def pad(self, n: int, delta: _Delta | None) -> str:
        """The ``obfuscation`` string of chunk `n`."""
        return self.field(n, delta)[len(_PAD_OPEN) : -1].decode()

    def field(self, n: int, delta: _Delta | None) -> bytes:
        """`pad` as the chunk's JSON writes it: ``,"obfuscation":"..."``."""
        size = 16 - len(delta[1]) % 16 if isinstance(delta, tuple) else 10 + n % 6
        start = (n * 7) % 48
        return _PAD_OPEN + self._noise[start : start + size] + b'"'


_PAD_OPEN = b',"obfuscation":"'


_ALNUM = (string.ascii_letters + string.digits).encode()
_ALNUM_BYTES = bytes(_ALNUM[i % len(_ALNUM)] for i in range(256))
