"""The two renderings of a stream agree: the templated bytes the server sends are exactly
``sse.encode`` of every chunk `render.chunks` builds, for every completion and profile.
So do the two of a body: a `BodyTemplate` filled in is exactly `completion_body`'s JSON."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from mockserver import AIMLAPI, OPENAI, Profile
from mockserver._contract import jsonio, sse
from mockserver._generation import render
from mockserver._generation.fixtures import completion_from_body
from mockserver.strategies import chat_completions


@given(
    body=chat_completions(),
    profile=st.sampled_from([AIMLAPI, OPENAI]),
    include_usage=st.booleans(),
)
def test_encoded_chunks_are_byte_identical_to_encoded_dicts(
    body: dict[str, object], profile: Profile, include_usage: bool
) -> None:
    completion = completion_from_body(body)
    expected = [
        sse.encode(c) for c in render.chunks(completion, profile, include_usage=include_usage)
    ]
    assert list(render.encoded_chunks(completion, profile, include_usage=include_usage)) == expected


@given(
    body=chat_completions(),
    profile=st.sampled_from([AIMLAPI, OPENAI]),
    id=st.from_regex(r"chatcmpl-[A-Za-z0-9]{0,40}", fullmatch=True),
    created=st.integers(0, 2**40),
    counts=st.tuples(*[st.integers(0, 10**7)] * 3),
)
def test_a_filled_body_template_is_byte_identical_to_the_rendered_body(
    body: dict[str, object],
    profile: Profile,
    id: str,
    created: int,
    counts: tuple[int, int, int],
) -> None:
    prompt, completion_tokens, reasoning = counts
    usage = render.Usage(prompt, completion_tokens, reasoning)
    completion = dataclasses.replace(
        completion_from_body(body), id=id, created=created, usage=usage
    )
    template = render.BodyTemplate(completion, profile)
    expected = jsonio.dumps(render.completion_body(completion, profile))
    assert template.fill(id, created, usage) == expected


def test_unicode_and_escapes_survive_the_templates() -> None:
    body = {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 1,
        "model": "o3-mini-2025-01-31",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": 'Grüße "quoted" \\ \n\t 🌍 \u2028',
                    "refusal": None,
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 9, "total_tokens": 10},
    }
    completion = completion_from_body(body)
    expected = [sse.encode(c) for c in render.chunks(completion, AIMLAPI, include_usage=True)]
    assert list(render.encoded_chunks(completion, AIMLAPI, include_usage=True)) == expected
