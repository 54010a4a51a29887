from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver._generation.tokens import _split as split_uncut
from mockserver._generation.tokens import (
    count_messages,
    count_response_format,
    count_text,
    count_tools,
    split_tokens,
)

PROSE = """
The history of the printing press is a story about how ideas travel. Before Gutenberg built
his machine in the middle of the fifteenth century, books were copied by hand, which made
them rare, expensive and often inaccurate. Within fifty years of his first Bible, printers
were working in more than two hundred European cities, and millions of volumes had been
produced. Prices fell, literacy rose, and scholars could finally compare identical copies of
the same text. Historians still argue about how quickly these changes reached ordinary
people, but nobody doubts that the new technology reshaped religion, science and politics.
Pamphlets spread arguments faster than any authority could answer them; maps and tables
could be reproduced without the errors that crept into every manuscript. It's worth noting,
too, that the press did not work alone: paper mills, trade routes, universities and a
growing merchant class all played their part. If you want to understand why the modern
world looks the way it does, you could do worse than to start with a workshop in Mainz,
a few barrels of ink, and a man who wasn't afraid of debt. (He went bankrupt, by the way.)
"""
THOUSAND_WORDS = " ".join((PROSE.split() * 10)[:1000])


@given(st.text())
def test_pieces_join_back_to_the_text(text: str) -> None:
    assert "".join(split_tokens(text)) == text


@given(st.text())
def test_count_is_the_number_of_pieces(text: str) -> None:
    pieces = split_tokens(text)
    assert len(pieces) == count_text(text)
    assert all(pieces)


@given(st.text(), st.text())
def test_count_is_roughly_additive(a: str, b: str) -> None:
    # a boundary can merge or split at most a couple of pieces on either side
    assert abs(count_text(a + b) - count_text(a) - count_text(b)) <= 3


@given(st.text(max_size=200))
def test_count_grows_at_most_with_length(text: str) -> None:
    assert count_text(text) <= len(text)
    assert (count_text(text) == 0) == (text == "")


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("", 0, 0),
        ("Hello", 1, 1),
        ("Hello there! How can I help you today?", 9, 11),
        ("I'm sorry, but I can't help with that.", 10, 13),
        ("1234567", 3, 3),
        ('{"location":"Boston, MA","unit":"celsius"}', 9, 14),
        ("internationalization", 2, 4),
        ("    return x\n\n", 3, 5),
        ("\u4f60\u597d\uff0c\u4e16\u754c", 3, 6),  # 你好,世界 with a full-width comma
    ],
)
def test_plausible_counts(text: str, low: int, high: int) -> None:
    assert low <= count_text(text) <= high


def test_a_thousand_english_words() -> None:
    assert len(THOUSAND_WORDS.split()) == 1000
    assert 900 <= count_text(THOUSAND_WORDS) <= 1600


def test_pieces_look_like_bpe_tokens() -> None:
    assert split_tokens("Hello there! How are you?") == [
        "Hello",
        " there",
        "!",
        " How",
        " are",
        " you",
        "?",
    ]
    assert split_tokens("don't") == ["don", "'t"]
    assert split_tokens("12345") == ["123", "45"]


def test_count_messages_follows_the_openai_rule() -> None:
    one = [{"role": "user", "content": "Hello"}]
    # 3 per message + "user" + "Hello" + 3 to prime the reply
    assert count_messages(one) == 3 + 1 + 1 + 3
    named = [{"role": "user", "content": "Hello", "name": "bob"}]
    assert count_messages(named) == count_messages(one) + count_text("bob") + 1
    assert count_messages([]) == 3


def test_count_messages_content_shapes() -> None:
    as_string = [{"role": "user", "content": "What is the weather?"}]
    as_parts = [{"role": "user", "content": [{"type": "text", "text": "What is the weather?"}]}]
    null = [{"role": "assistant", "content": None}]
    assert count_messages(as_string) == count_messages(as_parts)
    assert count_messages(null) == 3 + count_text("assistant") + 3


def test_count_messages_tool_calls_and_results() -> None:
    arguments = json.dumps({"location": "Boston, MA"})
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": arguments},
            }
        ],
    }
    result = {"role": "tool", "tool_call_id": "call_1", "content": "22C and sunny"}
    bare = count_messages([{"role": "assistant", "content": None}])
    assert count_messages([call]) == bare + count_text("get_weather") + count_text(arguments)
    assert count_messages([result]) == (
        3 + count_text("tool") + count_text("22C and sunny") + count_text("call_1") + 3
    )


def test_count_tools() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        },
    }
    assert count_tools(None) == count_tools([]) == 0
    one = count_tools([tool])
    assert 20 < one < 60
    assert count_tools([tool, tool]) > one


def test_count_response_format() -> None:
    assert count_response_format(None) == 0
    assert count_response_format({"type": "text"}) == 0
    assert 0 < count_response_format({"type": "json_object"}) < 10
    fmt = {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "strict": True,
            "schema": {"type": "object", "properties": {"answer": {"type": "string"}}},
        },
    }
    assert count_response_format(fmt) > count_response_format({"type": "json_object"})


@given(
    st.lists(
        st.sampled_from(
            [
                "Hello.",
                " World",
                "!",
                " again?",
                " 42",
                " e.g.",
                " Über",
                "  ",
                "\n",
                " x",
                "...",
                " A",
            ]
        ),
        max_size=30,
    )
)
def test_cutting_at_sentence_ends_gives_the_same_pieces(parts: list[str]) -> None:
    text = "".join(parts)
    assert split_tokens(text) == split_uncut(text)
