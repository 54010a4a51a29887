"""DSPy against the mock, unscripted: `Predict` with the default ChatAdapter and no JSON
fallback (one request, every typed field parsed), and `ReAct` with a tool (the listed
tool with the city, then `finish`, then the answer), with either adapter."""

from __future__ import annotations

from typing import Literal

import dspy
import pytest

from conftest import KEY, QUESTION, get_weather
from mockserver import MockAPI


class Assess(dspy.Signature):
    """Answer the question and assess the answer."""

    question: str = dspy.InputField()
    answer: str = dspy.OutputField()
    confidence: float = dspy.OutputField()
    verdict: Literal["correct", "unsure"] = dspy.OutputField()
    sources: int = dspy.OutputField()
    certain: bool = dspy.OutputField()
    keywords: list[str] = dspy.OutputField()


@pytest.fixture
def lm(server: MockAPI) -> dspy.LM:
    dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)
    return dspy.LM(
        "openai/o3-mini",
        api_base=server.base_url,
        api_key=KEY,
        temperature=1.0,  # what DSPy demands of reasoning models
        max_tokens=16000,
        num_retries=0,
        cache=False,
    )


def test_predict_parses_every_typed_field_at_the_first_attempt(
    server: MockAPI, lm: dspy.LM
) -> None:
    adapter = dspy.ChatAdapter(use_json_adapter_fallback=False)
    with dspy.context(lm=lm, adapter=adapter):
        prediction = dspy.Predict(Assess)(question="What is the capital of France?")
    assert len(server.requests) == 1  # no retry, no fallback
    assert isinstance(prediction.answer, str) and len(prediction.answer.split()) > 5
    assert isinstance(prediction.confidence, float)
    assert prediction.verdict in ("correct", "unsure")
    assert isinstance(prediction.sources, int) and isinstance(prediction.certain, bool)
    assert isinstance(prediction.keywords, list) and all(
        isinstance(k, str) for k in prediction.keywords
    )


@pytest.mark.parametrize("adapter", ["chat", "json"])
def test_react_calls_the_tool_with_the_city_then_finishes(
    server: MockAPI, lm: dspy.LM, adapter: str
) -> None:
    chosen = (
        dspy.ChatAdapter(use_json_adapter_fallback=False)
        if adapter == "chat"
        else dspy.JSONAdapter()
    )
    with dspy.context(lm=lm, adapter=chosen):
        prediction = dspy.ReAct("question -> answer", tools=[get_weather], max_iters=5)(
            question=QUESTION
        )
    trajectory = prediction.trajectory
    assert trajectory["tool_name_0"] == "get_weather"
    assert trajectory["tool_args_0"] == {"city": "Paris"}
    assert trajectory["observation_0"] == get_weather("Paris")
    assert trajectory["tool_name_1"] == "finish" and "tool_name_2" not in trajectory
    assert isinstance(prediction.answer, str) and prediction.answer
    assert len(server.requests) == 3  # two steps and the extraction, none retried
