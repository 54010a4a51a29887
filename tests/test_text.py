from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver._generation import text, tokens

PROMPTS = [
    "What is photosynthesis?",
    "Can you explain how black holes form?",
    "Write a short poem about the ocean.",
    "How do I write a recursive query in PostgreSQL?",
    "What's the weather like in Boston today?",
    "",
    "hi",
]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_answer_is_deterministic(prompt: str) -> None:
    assert text.answer(random.Random(3), prompt=prompt) == text.answer(
        random.Random(3), prompt=prompt
    )


@pytest.mark.parametrize("prompt", PROMPTS)
def test_answers_vary_with_the_seed(prompt: str) -> None:
    answers = {text.answer(random.Random(seed), prompt=prompt) for seed in range(50)}
    assert len(answers) >= 45


@given(prompt=st.sampled_from(PROMPTS), seed=st.integers(0, 2**32 - 1))
def test_answer_length_and_shape(prompt: str, seed: int) -> None:
    answer = text.answer(random.Random(seed), prompt=prompt)
    assert 12 <= tokens.count_text(answer) <= 130
    assert answer[0].isupper()
    assert answer.endswith((".", "!", "?"))
    assert "{" not in answer
    assert "  " not in answer


@given(prompt=st.text(max_size=300), seed=st.integers(0, 2**32 - 1))
def test_answer_never_fails(prompt: str, seed: int) -> None:
    assert text.answer(random.Random(seed), prompt=prompt)


def test_answer_mentions_salient_prompt_words() -> None:
    for seed in range(30):
        answer = text.answer(random.Random(seed), prompt="What is photosynthesis?")
        assert "photosynthesis" in answer.lower()
    for seed in range(30):
        prompt = "How do black holes and neutron stars form?"
        answer = text.answer(random.Random(seed), prompt=prompt)
        assert any(w in answer for w in ("black", "holes", "neutron", "stars"))


def test_answers_mention_one_to_three_salient_words() -> None:
    prompt = "Compare photosynthesis, respiration and fermentation in plant cells"
    top = text.salient_words(prompt)
    assert sorted(top) == ["fermentation", "photosynthesis", "respiration"]
    counts = set()
    for seed in range(50):
        answer = text.answer(random.Random(seed), prompt=prompt)
        mentioned = [w for w in top if w in answer]
        assert top[0] in mentioned
        counts.add(len(mentioned))
    assert counts == {1, 2, 3}


def test_salient_words_skip_stop_words_and_keep_proper_nouns() -> None:
    assert text.salient_words("What is the weather like in Boston?") == ["Boston", "weather"]
    assert text.salient_words("please tell me what you can do") == []
    assert text.salient_words("Explain SQL joins") == ["SQL", "joins"]


def test_max_tokens_shortens_the_answer() -> None:
    for seed in range(50):
        full = text.answer(random.Random(seed), prompt="Explain gravity")
        short = text.answer(random.Random(seed), prompt="Explain gravity", max_tokens=20)
        assert full.startswith(short)
        first_sentence_only = short.count(".") + short.count("!") + short.count("?") <= 1
        assert tokens.count_text(short) <= 20 or first_sentence_only


def test_refusal() -> None:
    refusals = {text.refusal(random.Random(seed)) for seed in range(50)}
    assert "I'm sorry, but I can't help with that." in refusals
    assert len(refusals) > 1
    assert all(r.startswith(("I'm sorry", "Sorry")) for r in refusals)


@pytest.mark.parametrize("prompt_tokens", [0, 10, 500, 5000, 100_000])
def test_reasoning_tokens_grow_with_effort_for_every_seed(prompt_tokens: int) -> None:
    for seed in range(200):
        low, medium, high = (
            text.reasoning_tokens(random.Random(seed), effort=e, prompt_tokens=prompt_tokens)
            for e in ("low", "medium", "high")
        )
        assert 0 < low < medium < high
        assert low % 64 == medium % 64 == high % 64 == 0


def test_reasoning_tokens_typical_ranges() -> None:
    def mean(effort: str) -> float:
        draws = [
            text.reasoning_tokens(random.Random(s), effort=effort, prompt_tokens=50)
            for s in range(500)
        ]
        return sum(draws) / len(draws)

    assert 64 <= mean("low") <= 256
    assert 192 <= mean("medium") <= 1024
    assert 512 <= mean("high") <= 4096


def test_reasoning_tokens_scale_mildly_with_the_prompt() -> None:
    def total(prompt_tokens: int) -> int:
        return sum(
            text.reasoning_tokens(random.Random(s), effort="medium", prompt_tokens=prompt_tokens)
            for s in range(200)
        )

    assert total(10) < total(4000) <= 2 * total(10) + 64 * 200


def test_reasoning_tokens_rejects_unknown_effort() -> None:
    with pytest.raises(ValueError, match="'low', 'medium' or 'high'"):
        text.reasoning_tokens(random.Random(0), effort="extreme", prompt_tokens=10)
