"""A deterministic, dependency-free approximation of o3-mini's tokenizer (``o200k_base``).

Text is first cut into pre-tokens by a regular expression modelled on the GPT-4o
pre-tokenizer: letter runs with one optional leading non-letter (a space is kept with the
word, any other character becomes its own piece) and an optional contraction suffix
(``'s 't 're 've 'm 'll 'd``, its own piece), digit groups of at most three, punctuation
runs with an optional leading space, and whitespace runs. Python's ``re`` has no ``\\p{Lu}``,
so the upper/lower-case split that turns ``helloWorld`` into two words only knows ASCII
case; other letters count as both.

Each pre-token then costs as many pieces as the byte-pair merges of a real vocabulary
would roughly leave:

- Latin letter runs (every letter below U+0250) of up to 8 letters are one piece; longer
  runs cost ``ceil(len / 7)``, cut into near-equal chunks.
- Other alphabets (Greek, Cyrillic, Arabic, ...) cost one piece per 3 letters, CJK and
  the other scripts from U+2E80 one piece per 2 letters.
- Digit groups are one piece each, exactly as in ``o200k_base``.
- Punctuation runs cost one piece per 3 ASCII characters; a non-ASCII symbol (an emoji,
  a dash, a curly quote) is a piece of its own.
- Whitespace runs cost one piece per 16 characters.

Typical error against ``o200k_base``: within about 10 % on English prose and chat
messages (long common words such as "understanding" are over-counted, rare proper
nouns under-counted), within about 25 % on source code and JSON, and up to a factor
of 2 either way on non-Latin scripts and emoji. Counts are stable: the same text always
gives the same pieces, and ``"".join(split_tokens(t)) == t`` and
``len(split_tokens(t)) == count_text(t)`` hold for every string.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "count_messages",
    "count_response_format",
    "count_text",
    "count_tools",
    "split_tokens",
]

_UPPER = r"[^\W\d_a-z]"  # letters that are not ASCII lower case
_LOWER = r"[^\W\d_A-Z]"  # letters that are not ASCII upper case
_PRETOKEN = re.compile(
    r"(?P<prefix>[^\r\n\w]|_)?"
    rf"(?P<word>{_UPPER}*{_LOWER}+|{_UPPER}+{_LOWER}*)"
    r"(?P<suffix>(?i:'s|'t|'re|'ve|'m|'ll|'d))?"
    r"|(?P<num>\d{1,3})"
    r"|(?P<punct> ?(?:[^\s\w]|_)+[\r\n/]*)"
    r"|(?P<space>\s*[\r\n]+|\s+(?!\S)|\s+)"
    r"|(?P<other>[\s\S])"  # unreachable by construction; keeps the join identity safe
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LATIN_END = 0x250
_CJK_START = 0x2E80
_LATIN_ONE_PIECE = 8
_LATIN_CHUNK = 7
_PUNCT_CHUNK = 3
_SPACE_CHUNK = 16

_PER_MESSAGE = 3
_PER_NAME = 1
_REPLY_PRIMER = 3
_PER_TOOL = 8
_TOOLS_OVERHEAD = 12
_PER_RESPONSE_FORMAT = 10


def _word_chunk(word: str) -> int:
    """How many letters one piece of this letter run holds (0: the whole run)."""
    top = ord(max(word))
    if top < _LATIN_END:
        return 0 if len(word) <= _LATIN_ONE_PIECE else _LATIN_CHUNK
    return 2 if top >= _CJK_START else 3


def _even_chunks(text: str, size: int) -> list[str]:
    """Cut ``text`` into ``ceil(len / size)`` near-equal chunks."""
    n = -(-len(text) // size)
    if n <= 1:
        return [text]
    base, extra = divmod(len(text), n)
    chunks: list[str] = []
    start = 0
    for i in range(n):
        end = start + base + (1 if i < extra else 0)
        chunks.append(text[start:end])
        start = end
    return chunks


def _punct_pieces(run: str) -> list[str]:
    """ASCII runs in chunks of three, each non-ASCII symbol alone; a leading space stays."""
    lead = ""
    if run.startswith(" ") and len(run) > 1:
        lead, run = " ", run[1:]
    if not _NON_ASCII.search(run):
        pieces = _even_chunks(run, _PUNCT_CHUNK)
    else:
        pieces = []
        ascii_run = ""
        for ch in run:
            if ch < "\x80":
                ascii_run += ch
                continue
            if ascii_run:
                pieces.extend(_even_chunks(ascii_run, _PUNCT_CHUNK))
                ascii_run = ""
            pieces.append(ch)
        if ascii_run:
            pieces.extend(_even_chunks(ascii_run, _PUNCT_CHUNK))
    pieces[0] = lead + pieces[0]
    return pieces


def _pieces(match: re.Match[str]) -> list[str]:
    kind = match.lastgroup
    if kind == "suffix" or kind == "word":
        prefix, word, suffix = match.group("prefix", "word", "suffix")
        size = _word_chunk(word)
        pieces = [word] if size == 0 else _even_chunks(word, size)
        if prefix == " ":
            pieces[0] = " " + pieces[0]
        elif prefix:
            pieces.insert(0, prefix)
        if suffix:
            pieces.append(suffix)
        return pieces
    if kind == "punct":
        return _punct_pieces(match.group())
    if kind == "space":
        return _even_chunks(match.group(), _SPACE_CHUNK)
    return [match.group()]


# Pieces never span a sentence end followed by a space and a letter (the space starts the
# next word's piece), so text can be cut there and each sentence's pieces cached: answers
# and conversations repeat sentences far more often than whole texts.
_SENTENCE_END = re.compile(r"(?<=[.!?])(?= [^\W\d_])")


def split_tokens(text: str) -> list[str]:
    """Cut ``text`` into the pieces :func:`count_text` counts; they join back to ``text``."""
    if len(text) <= 48:
        return list(_split_cached(text))
    if len(text) <= _WHOLE_CHARS:  # a generated answer comes back often: split it once
        return list(_split_whole(text))
    return _split_sentences(text)


# The caches hold pieces, about 50 bytes each per 4 characters: keys are kept short so that
# the whole of them stays near 40 MiB whatever texts come (a long word is many pieces).
_WHOLE_CHARS = 1024
_SENTENCE_CHARS = 256


@functools.lru_cache(maxsize=1024)
def _split_whole(text: str) -> tuple[str, ...]:
    return tuple(_split_sentences(text))


def _split_sentences(text: str) -> list[str]:
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        cached = len(sentence) <= _SENTENCE_CHARS
        out.extend(_split_cached(sentence) if cached else _split(sentence))
    return out


@functools.lru_cache(maxsize=8192)
def _split_cached(text: str) -> tuple[str, ...]:
    return tuple(_split(text))


def _split(text: str) -> list[str]:
    out: list[str] = []
    append = out.append
    for match in _PRETOKEN.finditer(text):
        piece = match.group()
        kind = match.lastgroup
        # fast paths for the common one-piece cases: a short ASCII word with at most a
        # leading space, a short ASCII punctuation run, a digit group, a short space run
        if kind == "word":
            if (
                len(piece) <= _LATIN_ONE_PIECE
                and piece.isascii()
                and (piece[0] == " " or piece[0].isalpha())
            ):
                append(piece)
                continue
        elif (
            kind == "num"
            or (kind == "space" and len(piece) <= _SPACE_CHUNK)
            or (kind == "punct" and len(piece) <= _PUNCT_CHUNK and piece.isascii())
        ):
            append(piece)
            continue
        out.extend(_pieces(match))
    return out


def count_text(text: str) -> int:
    """Approximate number of ``o200k_base`` tokens in ``text`` (see the module docstring)."""
    if len(text) <= 48:
        return len(_split_cached(text))
    return len(split_tokens(text))


def _content_text(content: Any) -> Iterable[str]:
    if isinstance(content, str):
        yield content
    elif isinstance(content, Sequence):
        for part in content:
            if isinstance(part, Mapping):
                text = part.get("text")
                if isinstance(text, str):
                    yield text
                refusal = part.get("refusal")
                if isinstance(refusal, str):
                    yield refusal


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def count_messages(messages: Sequence[Mapping[str, Any]]) -> int:
    """Prompt tokens of a chat, by OpenAI's rule: 3 per message, +1 per name, +3 for the reply.

    Counted fields: ``role``, ``content`` (a string or a list of text parts; null is 0),
    ``refusal``, ``name``, ``tool_calls`` (each function's name and arguments) and
    ``tool_call_id``.
    """
    total = _REPLY_PRIMER
    for message in messages:
        total += _PER_MESSAGE
        role = message.get("role")
        if isinstance(role, str):
            total += count_text(role)
        for text in _content_text(message.get("content")):
            total += count_text(text)
        refusal = message.get("refusal")
        if isinstance(refusal, str):
            total += count_text(refusal)
        name = message.get("name")
        if isinstance(name, str):
            total += count_text(name) + _PER_NAME
        tool_call_id = message.get("tool_call_id")
        if isinstance(tool_call_id, str):
            total += count_text(tool_call_id)
        for call in message.get("tool_calls") or ():
            if not isinstance(call, Mapping):
                continue
            function = call.get("function") or call.get("custom") or {}
            for key in ("name", "arguments", "input"):
                value = function.get(key) if isinstance(function, Mapping) else None
                if isinstance(value, str):
                    total += count_text(value)
    return total


def count_tools(tools: Sequence[Mapping[str, Any]] | None) -> int:
    """Prompt tokens that tool definitions add: name, description and compact JSON of the
    parameters of each tool, 8 tokens per tool, and 12 once when there is any tool."""
    if not tools:
        return 0
    total = _TOOLS_OVERHEAD
    for tool in tools:
        spec = tool.get("function") or tool.get("custom") or tool
        if not isinstance(spec, Mapping):
            spec = {}
        total += _PER_TOOL
        for key in ("name", "description"):
            value = spec.get(key)
            if isinstance(value, str):
                total += count_text(value)
        for key in ("parameters", "format"):
            if spec.get(key) is not None:
                total += count_text(_json(spec[key]))
    return total


def count_response_format(fmt: Mapping[str, Any] | None) -> int:
    """Prompt tokens that a ``response_format`` adds: 0 for text, a few for ``json_object``,
    and the name, description and compact JSON schema for ``json_schema``."""
    if not fmt or fmt.get("type", "text") == "text":
        return 0
    if fmt.get("type") != "json_schema":
        return _PER_RESPONSE_FORMAT // 2
    spec = fmt.get("json_schema")
    if not isinstance(spec, Mapping):
        return _PER_RESPONSE_FORMAT
    total = _PER_RESPONSE_FORMAT
    for key in ("name", "description"):
        value = spec.get(key)
        if isinstance(value, str):
            total += count_text(value)
    if spec.get("schema") is not None:
        total += count_text(_json(spec["schema"]))
    return total
