"""The contract's rules that JSON Schema cannot express (see the schemas' descriptions)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockserver._contract import sse
from mockserver._contract.violations import Violation

Validate = Callable[[object], list[Violation]]


def _violation(path: str, rule: str, message: str) -> Violation:
    return Violation(path, rule, message)


def _join(prefix: str, path: str) -> str:
    if not path:
        return prefix
    return prefix + (path if path.startswith("[") else "." + path)


def usage(body: Mapping[str, Any], where: str = "usage") -> list[Violation]:
    found: list[Violation] = []
    u = body.get("usage")
    if not isinstance(u, dict):
        return found
    prompt, completion, total = u["prompt_tokens"], u["completion_tokens"], u["total_tokens"]
    if total != prompt + completion:
        found.append(
            _violation(
                f"{where}.total_tokens",
                "semantic:total",
                f"must equal prompt_tokens + completion_tokens = {prompt + completion}; "
                f"got {total}",
            )
        )
    details = u.get("completion_tokens_details") or {}
    reasoning = details.get("reasoning_tokens")
    if isinstance(reasoning, int) and reasoning > completion:
        found.append(
            _violation(
                f"{where}.completion_tokens_details.reasoning_tokens",
                "semantic:reasoning",
                f"must be <= completion_tokens ({completion}); got {reasoning}",
            )
        )
    cached = (u.get("prompt_tokens_details") or {}).get("cached_tokens")
    if isinstance(cached, int) and cached > prompt:
        found.append(
            _violation(
                f"{where}.prompt_tokens_details.cached_tokens",
                "semantic:cached",
                f"must be <= prompt_tokens ({prompt}); got {cached}",
            )
        )
    return found


def completion(body: Any) -> list[Violation]:
    found = usage(body)
    seen: set[int] = set()
    for i, choice in enumerate(body["choices"]):
        index = choice["index"]
        if index in seen:
            found.append(_violation(f"choices[{i}].index", "semantic:index", f"repeats {index}"))
        seen.add(index)
        if choice["finish_reason"] == "tool_calls" and not choice["message"].get("tool_calls"):
            found.append(
                _violation(
                    f"choices[{i}].message.tool_calls",
                    "semantic:tool_calls",
                    "is required when finish_reason is 'tool_calls'",
                )
            )
    if seen != set(range(len(seen))):
        found.append(_violation("choices", "semantic:index", f"indices must be 0..{len(seen) - 1}"))
    return found


def chunk(body: Any) -> list[Violation]:
    return usage(body)


class _Stream:
    """What the rules across chunks need to remember."""

    def __init__(self, other_servers: bool = False) -> None:
        self.other_servers = other_servers
        self.headers: dict[tuple[int, int], dict[str, Any]] = {}
        self.identity: tuple[Any, Any] | None = None
        self.finished: set[int] = set()
        self.started: set[int] = set()
        self.tool_calls: set[tuple[int, int]] = set()
        self.usage_at: int | None = None
        self.error_at: int | None = None


def _chunk_rules(state: _Stream, at: str, body: Mapping[str, Any]) -> list[Violation]:
    found: list[Violation] = []
    identity = (body["id"], body["created"])
    if state.identity is None:
        state.identity = identity
    elif identity != state.identity:
        found.append(
            _violation(
                at,
                "semantic:identity",
                f"id and created must stay {state.identity}; got {identity}",
            )
        )
    if state.usage_at is not None:
        found.append(_violation(at, "semantic:usage_last", "no chunk may follow the usage chunk"))
    if body.get("usage") is not None:
        state.usage_at = 0
        if body["choices"]:
            found.append(
                _violation(f"{at}.choices", "semantic:usage_chunk", "must be [] in the usage chunk")
            )
    for c, choice in enumerate(body["choices"]):
        where, index = f"{at}.choices[{c}]", choice["index"]
        delta = choice.get("delta") or {}  # absent only where other_servers allows it
        late = choice["finish_reason"] is None and not delta
        if index in state.finished and not (state.other_servers and late):
            found.append(
                _violation(where, "semantic:after_finish", f"choice {index} has already finished")
            )
        state.started.add(index)
        for t, call in enumerate(delta.get("tool_calls") or ()):
            found.extend(_tool_call_rules(state, f"{where}.delta.tool_calls[{t}]", index, call))
        if choice["finish_reason"] is not None:
            state.finished.add(index)
    return found


def _tool_call_rules(
    state: _Stream, where: str, choice: int, call: Mapping[str, Any]
) -> list[Violation]:
    key = (choice, call["index"])
    function = call.get("function") or {}
    header = {"id": call.get("id"), "type": call.get("type"), "function.name": function.get("name")}
    if key in state.tool_calls and state.other_servers:
        # Other servers repeat the header on every delta: only the same values are fine.
        first = state.headers[key]
        return [
            _violation(
                f"{where}.{name}",
                "semantic:tool_call_header",
                f"repeats tool call {call['index']}'s header with {value!r}, not {first[name]!r}",
            )
            for name, value in header.items()
            if value is not None and value != first[name]
        ]
    if key in state.tool_calls:
        return [
            _violation(
                f"{where}.{name}",
                "semantic:tool_call_header",
                f"must appear only in the first delta of tool call {call['index']} "
                "(clients concatenate it)",
            )
            for name, value in header.items()
            if value is not None
        ]
    state.tool_calls.add(key)
    state.headers[key] = header
    return [
        _violation(f"{where}.{name}", "semantic:tool_call_header", "is required in the first delta")
        for name in ("id", "function.name")
        if header[name] is None
    ]


def transcript(
    events: Sequence[sse.Event],
    validate_chunk: Validate,
    validate_error: Validate,
    *,
    other_servers: bool = False,
) -> list[Violation]:
    """The rules across a transcript's events. ``other_servers`` also accepts what other
    OpenAI-compatible servers send (WIRE.md §3a): a tool call's header repeated, unchanged,
    on every delta, empty chunks with ``finish_reason: null`` after a choice finished, and
    a finishing choice without ``delta``."""
    if not events:
        return [_violation("", "sse:empty", "no event found: not an SSE transcript")]
    found: list[Violation] = []
    state = _Stream(other_servers)
    done_at: int | None = None
    for i, event in enumerate(events):
        at = f"events[{i}]"
        if done_at is not None:
            found.append(_violation(at, "sse:after_done", "no event may follow data: [DONE]"))
            continue
        if event.data.startswith(sse.DONE):
            done_at = i
            continue
        try:
            body = json.loads(event.data)
        except json.JSONDecodeError as exc:
            found.append(
                _violation(at, "sse:json", f"data is not JSON: {exc.msg}: {event.data[:60]!r}")
            )
            continue
        if isinstance(body, dict) and body.get("error"):
            state.error_at = i
            found.extend(_prefixed(at, validate_error(body)))
            continue
        errors = validate_chunk(body)
        if other_servers:
            errors = [v for v in errors if not _bare_finish(v, body)]
        found.extend(_prefixed(at, errors))
        if not errors:
            found.extend(_chunk_rules(state, at, body))
    # A stream may end at the close without data: [DONE] once every choice finished: the
    # provider's own transcripts do (WIRE.md §3), and the openai SDKs stop at the close.
    cut = " (the stream ended without data: [DONE])" if done_at is None else ""
    if state.error_at is None:
        for index in sorted(state.started - state.finished):
            found.append(
                _violation(
                    "", "sse:unfinished", f"choice {index} never received a finish_reason{cut}"
                )
            )
    return found


def _bare_finish(v: Violation, body: Any) -> bool:
    """Whether `v` is only a finishing choice's missing ``delta``, which the provider's own
    serializer leaves out on its non-OpenAI routes (``{"index":0,"finish_reason":"stop"}``;
    WIRE.md §3a)."""
    if v.rule != "required" or not v.path.startswith("choices[") or not v.path.endswith("].delta"):
        return False
    choice = body["choices"][int(v.path[len("choices[") : -len("].delta")])]
    return isinstance(choice, dict) and choice.get("finish_reason") is not None


def _prefixed(at: str, found: list[Violation]) -> list[Violation]:
    return [_violation(_join(at, v.path), v.rule, v.message) for v in found]
