"""Each format of `formats.FORMATS` is recognised in its framework's real prompt and answered
so that the framework's own parser takes it (the parsers' rules, re-stated here; the
frameworks themselves run against the mock in `make test-agents` and `make test-clients`).

The prompts in tests/prompts/ are request bodies the frameworks sent (their "source" says
which version); the LangChain ReAct prompt is its template (docs/WIRE.md §2)."""

from __future__ import annotations

import ast
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import ask, completion, post
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import Config, Service
from mockserver._generation import engine, formats

PROMPTS = Path(__file__).parent / "prompts"


def captured(name: str) -> dict[str, Any]:
    request: dict[str, Any] = json.loads((PROMPTS / f"{name}.json").read_text())["request"]
    return request


def answer(request: dict[str, Any], seed: int = 1) -> str:
    """The content the mock answers `request` with (through the whole pipeline)."""
    body = completion(post(Service(Config(seed=seed)), request))
    content: str = body["choices"][0]["message"]["content"]
    return content


def shape_of(request: dict[str, Any]) -> str | None:
    kind = (request.get("response_format") or {}).get("type")
    shape = formats.recognise(request["messages"], json_object=kind == "json_object")
    return None if shape is None else shape.format


def tested(*names: str) -> None:
    """Marks the test of a table entry (`test_every_format_in_the_table_has_a_test`)."""


def dspy_sections(text: str) -> dict[str, str]:
    """DSPy ChatAdapter.parse: a line ``[[ ## name ## ]]`` opens a section (first wins)."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        match = re.match(r"\[\[ ## (\w+) ## \]\]", line.strip())
        if match:
            sections.append((match.group(1), []))
        else:
            sections[-1][1].append(line)
    found: dict[str, str] = {}
    for key, lines in sections:
        if key is not None and key not in found:
            found[key] = "\n".join(lines).strip()
    return found


# ---- DSPy ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dspy_chat_adapter_gets_every_output_field_in_its_type(seed: int) -> None:
    tested("dspy_chat")
    request = captured("dspy_chat_predict")
    assert shape_of(request) == "dspy_chat"
    sections = dspy_sections(answer(request, seed))
    assert set(sections) == {"answer", "confidence", "label", "count", "ok", "tags", "completed"}
    assert len(sections["answer"].split()) > 5
    float(sections["confidence"])
    assert sections["label"] in ("good", "bad")  # Literal["good", "bad"]: exactly one of them
    int(sections["count"])
    assert ast.literal_eval(sections["ok"]) in (True, False)
    tags = json.loads(sections["tags"])
    assert isinstance(tags, list) and all(isinstance(t, str) for t in tags)


@pytest.mark.parametrize("adapter", ["chat", "json"])
def test_dspy_react_calls_a_listed_tool_with_the_city_then_finishes(adapter: str) -> None:
    """The issue's case: next_tool_name must be one of `get_weather; finish`."""
    first = captured(f"dspy_{adapter}_react_first")
    later = captured(f"dspy_{adapter}_react_after_tool")
    tested("dspy_json")  # and dspy_chat, above
    assert shape_of(first) == shape_of(later) == f"dspy_{adapter}"

    def fields(text: str) -> dict[str, Any]:
        if adapter == "json":
            parsed: dict[str, Any] = json.loads(text)
            return parsed
        sections = dspy_sections(text)
        return {**sections, "next_tool_args": json.loads(sections["next_tool_args"])}

    for seed in (1, 2, 3):
        step = fields(answer(first, seed))
        assert step["next_tool_name"] == "get_weather"
        assert step["next_tool_args"] == {"city": "Paris"}
        assert step["next_thought"]
        done = fields(answer(later, seed))
        assert done["next_tool_name"] == "finish" and done["next_tool_args"] == {}


def test_dspy_json_adapter_predict_keeps_its_schema_answer() -> None:
    # With a json_schema response format the schema decides, as before.
    request = captured("dspy_json_predict")
    assert request["response_format"]["type"] == "json_schema"
    value = json.loads(answer(request))
    assert set(value) == {"answer", "confidence", "label", "count", "ok", "tags"}


# ---- LangChain's text ReAct (langchainjs agents/mrkl/prompt.ts, the Python hub prompt) ---------

REACT = """Answer the following questions as best you can. You have access to the following tools:

get_weather: Get the current weather for a city.
search: Search the web for a query.

Use the following format:

Question: the input question you must answer
Thought: you should always think about what to do
Action: the action to take, should be one of [get_weather, search]
Action Input: the input to the action
Observation: the result of the action
... (this Thought/Action/Action Input/Observation can repeat N times)
Thought: I now know the final answer
Final Answer: the final answer to the original input question

Begin!

Question: What is the weather in Paris?
Thought:{scratchpad}"""
# LangChain's ReActSingleInputOutputParser
ACTION = re.compile(r"Action\s*\d*\s*:[\s]*(.*?)[\s]*Action\s*\d*\s*Input\s*\d*\s*:[\s]*(.*)", re.S)


def test_langchain_react_acts_then_gives_the_final_answer() -> None:
    tested("langchain_react")
    first = ask(REACT.format(scratchpad=""), stop=["\nObservation"])
    assert shape_of(first) == "langchain_react"
    text = answer(first)
    action = ACTION.search(text)
    assert action is not None and "Final Answer:" not in text
    assert action.group(1).strip() == "get_weather" and action.group(2).strip() == "Paris"
    scratch = f"{text}\nObservation: 18 C and sunny\nThought:"
    final = answer(ask(REACT.format(scratchpad=scratch), stop=["\nObservation"]))
    assert ACTION.search(final) is None
    assert len(final.split("Final Answer:", 1)[1].split()) > 5


# ---- smolagents' CodeAgent ----------------------------------------------------------------------


def test_smolagents_code_agent_gets_code_that_calls_the_tool_and_final_answer() -> None:
    tested("smolagents_code")
    request = captured("smolagents_code")
    assert shape_of(request) == "smolagents_code"
    text = answer(request)
    assert text.startswith("Thought: ")
    code = text.split("<code>", 1)[1]  # the closing tag is a stop sequence: cut off
    assert "</code>" not in code
    tree = ast.parse(code)
    called = [
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    ]
    assert called == ["get_weather_tool", "print", "final_answer"]
    weather = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "get_weather_tool"
    )
    assert [(k.arg, ast.literal_eval(k.value)) for k in weather.keywords] == [("city", "Paris")]


# ---- JSON whose keys and types are stated in prose ----------------------------------------------

# LangChain.js's own test of withStructuredOutput(..., {method: "jsonMode"})
CALCULATOR = """You are VERY bad at math and must always use a calculator.
Respond with a JSON object containing three keys:
'operation': the type of operation to execute, either 'add', 'subtract', 'multiply' or 'divide',
'number1': the first number to operate on,
'number2': the second number to operate on.
"""


def test_json_mode_follows_keys_types_and_choices_stated_in_prose() -> None:
    tested("json_prose")
    request = {
        "model": "o3-mini",
        "messages": [
            {"role": "system", "content": CALCULATOR},
            {"role": "user", "content": "Please help me!! What is 2 + 2?"},
        ],
        "response_format": {"type": "json_object"},
    }
    assert shape_of(request) == "json_prose"
    value = json.loads(answer(request))
    assert set(value) == {"operation", "number1", "number2"}
    assert value["operation"] in ("add", "subtract", "multiply", "divide")
    assert value["number1"] == value["number2"] == 2


def test_population_integer_is_answered_as_an_integer() -> None:
    """The issue's LangChain.js jsonMode case."""
    request = ask(
        "Describe Tokyo. Respond in JSON with the keys name (string) and population (integer).",
        response_format={"type": "json_object"},
    )
    for seed in (1, 2, 3):
        value = json.loads(answer(request, seed))
        assert isinstance(value["population"], int) and isinstance(value["name"], str)


# ---- XML tags, a number, yes or no --------------------------------------------------------------


def test_xml_tags_the_prompt_asks_for_wrap_the_answer() -> None:
    tested("xml_tags")
    assert shape_of(ask("Explain how the <div> tag differs from the <span> tag.")) is None
    assert shape_of(ask("Explain HTML, using <span> tags as the example.")) is None
    request = ask(
        "Why is the sky blue? Put your reasoning in <thinking> tags and the answer inside <answer></answer>."
    )
    text = answer(request)
    assert re.fullmatch(r"<thinking>\n.+\n</thinking>\n<answer>\n.+\n</answer>", text, re.S)


def test_answer_with_only_a_number() -> None:
    tested("number_only")
    assert answer(ask("What is 17 + 25? Answer with only a number.")) == "42"
    assert answer(ask("How many moons has Mars? Reply with just the number.")).isdigit()


def test_yes_or_no() -> None:
    tested("yes_no")
    assert answer(ask("Is Paris in France? Answer yes or no.")) in ("Yes", "No")
    assert answer(ask("Is Paris in France? Respond with 'yes' or 'no'.")) in ("yes", "no")
    assert shape_of(ask("Should I answer yes or no to the invitation?")) is None


# ---- the table as a whole -----------------------------------------------------------------------


def test_a_prompt_that_asks_for_no_format_gets_todays_answer() -> None:
    request = ask("Tell me about tides", seed=4)
    plan = engine.plan(request)
    assert plan is not None and plan.shape is None
    off = engine.plan(request, follow_prompt=False)
    assert off is not None
    rng = engine.rng_for(request, fallback=random.Random(0))
    assert engine.planned(plan, rng, id="a", created=0, system_fingerprint="f") == engine.planned(
        off,
        engine.rng_for(request, fallback=random.Random(0)),
        id="a",
        created=0,
        system_fingerprint="f",
    )


def test_a_shape_is_worked_out_once_per_body_and_its_answers_are_memoised() -> None:
    service = Service(Config(seed=1))
    request = ask("Is Paris in France? Answer yes or no.")
    before = formats.rendered.cache_info().hits
    for _ in range(5):
        assert answer(request) in ("Yes", "No")
        post(service, request)
    assert formats.rendered.cache_info().hits > before


def test_every_format_in_the_table_has_a_test() -> None:
    marked = set(re.findall(r'tested\("(\w+)"\)', Path(__file__).read_text()))
    assert {f.name for f in formats.FORMATS} == marked


# ---- robustness: broken and spliced templates never break an answer -----------------------------


def _fragments() -> list[str]:
    texts = [REACT, CALCULATOR, "Answer with only a number.", "Reply yes or no.", "<answer>"]
    for path in sorted(PROMPTS.glob("*.json")):
        for message in captured(path.stem)["messages"]:
            content = message["content"]
            texts.append(content if isinstance(content, str) else content[0]["text"])
    return texts


FRAGMENTS = _fragments()


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.tuples(st.sampled_from(FRAGMENTS), st.integers(0, 20_000), st.integers(0, 20_000)),
        min_size=1,
        max_size=4,
    ),
    noise=st.text(max_size=40),
    json_object=st.booleans(),
    variant=st.integers(0, 255),
)
def test_cut_and_spliced_templates_never_break_the_recogniser_or_a_renderer(
    pieces: list[tuple[str, int, int]], noise: str, json_object: bool, variant: int
) -> None:
    text = noise.join(f[min(a, b) : max(a, b)] for f, a, b in pieces)
    messages = [
        {"role": "system", "content": text},
        {"role": "user", "content": noise + text[-500:]},
    ]
    shape = formats.recognise(messages, json_object=json_object)
    if shape is None:
        return
    rendered = formats.rendered(shape, variant)
    assert isinstance(rendered, str)
    if json_object:
        json.loads(rendered)  # JSON mode gets JSON, whichever entry answered
