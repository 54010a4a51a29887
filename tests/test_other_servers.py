"""The opt-in variants other OpenAI-compatible servers send: drawn only when asked, valid
only when asked, and folded into the completion a robust client must see."""

from __future__ import annotations

import json

from hypothesis import Phase, given, settings

from mockserver import schemas, strategies
from mockserver._contract import folding, sse
from mockserver.strategies import StreamVariant


def chunks_of(variant: StreamVariant) -> list[dict[str, object]]:
    out = []
    for event in sse.decode(variant.transcript):
        if event.data == sse.DONE:
            break
        body = json.loads(event.data)
        if "error" not in body:
            out.append(body)
    return out


def kinds(variant: StreamVariant) -> set[str]:
    found = set()
    if any(len(event.data.splitlines()) > 1 for event in sse.decode(variant.transcript)):
        found.add("multiline")
    finished: set[int] = set()
    opened: set[tuple[int, int]] = set()
    for chunk in chunks_of(variant):
        for choice in chunk["choices"]:  # type: ignore[attr-defined]
            if choice["index"] in finished:
                found.add("after-finish")
            if "delta" not in choice:
                found.add("bare-finish")
            for call in choice.get("delta", {}).get("tool_calls") or ():
                key = (choice["index"], call["index"])
                if key in opened and "id" in call:
                    found.add("repeated-header")
                opened.add(key)
            if choice["finish_reason"] is not None:
                finished.add(choice["index"])
    return found


def test_other_server_variants_are_valid_only_when_asked_and_fold_as_drawn() -> None:
    seen: set[str] = set()

    @settings(max_examples=120, phases=[Phase.generate])
    @given(variant=strategies.chat_completion_streams(other_servers=True))
    def check(variant: StreamVariant) -> None:
        assert schemas.validate_transcript(variant.transcript, other_servers=True) == []
        assert folding.fold(chunks_of(variant), other_servers=True) == variant.completion
        found = kinds(variant)
        seen.update(found)
        strict = {v.rule for v in schemas.validate_transcript(variant.transcript)}
        if "repeated-header" in found:
            assert "semantic:tool_call_header" in strict
        if "after-finish" in found and "bare-finish" not in found:  # a bare finish is no finish
            assert "semantic:after_finish" in strict
        if "bare-finish" in found:
            assert "required" in strict
        if found <= {"multiline"}:
            assert strict == set()

    check()
    assert seen == {"multiline", "after-finish", "repeated-header", "bare-finish"}


def test_the_default_streams_send_none_of_them() -> None:
    @settings(max_examples=20, phases=[Phase.generate])
    @given(variant=strategies.chat_completion_streams())
    def check(variant: StreamVariant) -> None:
        assert kinds(variant) == set()

    check()


def test_a_changed_header_is_still_a_violation_for_other_servers() -> None:
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "o3-mini"}

    def event(delta: dict[str, object], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return "data: " + json.dumps({**head, "choices": [choice]}) + "\n\n"

    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f"}}
    renamed = {**call, "function": {"name": "g", "arguments": "{}"}}
    text = (
        event({"role": "assistant", "tool_calls": [call]})
        + event({"tool_calls": [renamed]})
        + event({}, "tool_calls")
        + "data: [DONE]\n\n"
    )
    found = schemas.validate_transcript(text, other_servers=True)
    assert [(v.path, v.rule) for v in found] == [
        ("events[1].choices[0].delta.tool_calls[0].function.name", "semantic:tool_call_header")
    ]
    assert "'g', not 'f'" in found[0].message
