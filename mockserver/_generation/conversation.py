"""What a conversation says, read the way prompt-following needs it: the latest user turn,
the tools called since, and the facts a model copies into arguments (quoted strings,
capitalised names, numbers, dates, e-mail addresses, URLs).

Pure functions of the text, bounded in what they read, so a huge prompt costs little.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mockserver._generation.text import STOP_WORDS

__all__ = [
    "Facts",
    "called_since_user",
    "facts",
    "is_result",
    "latest_user_text",
    "message_text",
    "stems",
    "word_set",
    "words",
]

# Facts are read from the first this many characters of each text: a user turn rarely
# says what matters after that, and the regular expressions stay cheap.
MAX_CHARS = 8_000

_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_URL = re.compile(r"\bhttps?://[^\s<>\"'`)\]]{1,2000}")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_WRITTEN_DATE = re.compile(
    rf"\b(?:{_MONTH}\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}})|(\d{{1,2}})(?:st|nd|rd|th)? {_MONTH}\.?,? (\d{{4}}))\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.$-])-?\d{1,15}(?:,\d{3})*(?:\.\d+)?(?![\w-]|\.\d)")
_QUOTED = re.compile(
    r"\"([^\"\n]{1,200})\"|“([^”\n]{1,200})”|(?<!\w)'([^'\n]{1,200})'(?!\w)|`([^`\n]{1,200})`"
)
# A run of capitalised words ("New York", "Ada Lovelace"), an acronym ("AAPL"), optionally
# with a short region after a comma ("Austin, TX").
_NAME = re.compile(
    r"\b(?:[A-Z][\w'&.-]*[\w]|[A-Z])(?:\s+(?:(?:of|de|du|da|van|von|la|le|del)\s+)?[A-Z][\w'&.-]*[\w])*"
    r"(?:,\s[A-Z]{2}\b)?"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*|[\"'(]\s*)$")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` (for word lists written as prose)."""
    return frozenset(text.split())


@dataclass(frozen=True, slots=True)
class Facts:
    """Values a model would copy from the conversation, each kind in the order it appears."""

    quoted: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    numbers: tuple[int | float, ...] = ()
    dates: tuple[str, ...] = ()
    """ISO ``YYYY-MM-DD``, however the text wrote them."""
    emails: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    text: str = ""
    """The text itself (its first `MAX_CHARS` characters), for enum values it mentions."""
    request: str = ""
    """Its first sentence or line, for a parameter that takes the question itself."""


def facts(text: str) -> Facts:
    """The `Facts` of `text` (a user turn, or a framework's input fields)."""
    text = text[:MAX_CHARS]
    emails = _EMAIL.findall(text)
    urls = [u.rstrip(".,;:!?") for u in _URL.findall(text)]
    dates: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _ISO_DATE.finditer(text):
        dates.append(match.group())
        spans.append(match.span())
    for match in _WRITTEN_DATE.finditer(text):
        month_name, day, year = (
            (match.group(1), match.group(2), match.group(3))
            if match.group(1)
            else (match.group(5), match.group(4), match.group(6))
        )
        month = _month_number(month_name)
        if month and 1 <= int(day) <= 31:
            dates.append(f"{int(year):04d}-{month:02d}-{int(day):02d}")
            spans.append(match.span())
    for pattern in (_EMAIL, _URL):
        spans.extend(m.span() for m in pattern.finditer(text))
    numbers: list[int | float] = []
    for match in _NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        raw = match.group().replace(",", "")
        numbers.append(float(raw) if "." in raw else int(raw))
    quoted = [next(g for g in m.groups() if g is not None).strip() for m in _QUOTED.finditer(text)]
    return Facts(
        quoted=tuple(q for q in dict.fromkeys(quoted) if q),
        names=tuple(dict.fromkeys(_names(text))),
        numbers=tuple(dict.fromkeys(numbers)),
        dates=tuple(dict.fromkeys(dates)),
        emails=tuple(dict.fromkeys(emails)),
        urls=tuple(dict.fromkeys(urls)),
        text=text,
        request=_first_sentence(text),
    )


def _month_number(name: str) -> int:
    key = name.lower()[:3]
    return next((i + 1 for i, m in enumerate(_MONTHS) if m.startswith(key)), 0)


def _names(text: str) -> list[str]:
    """Capitalised names, in order; a lone capitalised word that opens a sentence comes
    after the others ("Weather in Paris?": Paris first), since it may just be capitalised
    for the sentence's sake."""
    found: list[str] = []
    weak: list[str] = []
    for match in _NAME.finditer(text):
        if text.startswith(":", match.end()) and " " not in match.group():
            continue  # a label ("Task:", "Observation:"), not a name
        name = match.group().rstrip(".'-&")
        first, _, rest = name.partition(" ")
        at_start = _SENTENCE_START.search(text, 0, match.start()) is not None
        if at_start and first.lower() in STOP_WORDS | _OPENERS:
            # "What is the weather in Paris": the sentence's first word is no name.
            if not rest:
                continue
            name = rest.lstrip()
            first = name.split(" ", 1)[0]
        if first.lower() in _OPENERS and " " not in name:
            continue
        if (name.isupper() and len(name) == 1) or name.lower() in STOP_WORDS:
            continue
        lone = at_start and " " not in name and not name.isupper()
        (weak if lone else found).append(name)
    return found + weak


# Capitalised words that start requests rather than name things.
_OPENERS = word_set(
    """
    what whats who whom whose where when why how which is are was were do does did can could
    would should will shall may might must please use using call get give tell show find
    list search look check send book create make write compute calculate convert translate
    summarize summarise explain describe compare answer return respond reply i we you it
    the a an and or but if then also now next first finally thanks thank hi hello hey
    today tomorrow yesterday json
    """
)


def _first_sentence(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    cut = re.search(r"(?<=[.!?])\s", line)
    return (line[: cut.start()] if cut else line)[:500].strip()


def words(text: str) -> list[str]:
    """The words of `text`, lower case, identifiers split (``get_weather``, ``getWeather``
    give "get", "weather")."""
    spaced = _CAMEL.sub(" ", text.replace("_", " ").replace("-", " "))
    return [w.lower() for w in _WORD.findall(spaced)]


def stems(text: str) -> set[str]:
    """The content words of `text` (no stop words, nothing shorter than three letters),
    each cut to a crude stem so "cities" meets "city" and "forecasts" "forecast"."""
    return {_stem(w) for w in words(text) if len(w) > 2 and w not in STOP_WORDS}


def _stem(word: str) -> str:
    for suffix, keep in (("ies", "y"), ("ing", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word


def message_text(message: Mapping[str, Any], *, sep: str = "\n") -> str:
    """A message's text: its string content, or its parts' texts (a refusal part's too)
    joined by `sep`."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return sep.join(
            str(p.get("text") or p.get("refusal") or "") for p in content if isinstance(p, Mapping)
        )
    return ""


def is_result(message: Mapping[str, Any]) -> bool:
    """Whether `message` carries tool results: a ``tool`` message, or a user message that
    frameworks writing their own transcript send them in ("Observation: ...", smolagents)."""
    role = message.get("role")
    if role == "tool":
        return True
    return role == "user" and message_text(message).lstrip().startswith("Observation:")


def latest_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text of the last user message that is not a tool result ("" when none)."""
    for message in reversed(messages):
        if message.get("role") == "user" and not is_result(message):
            return message_text(message)
    return ""


# smolagents' ToolCallingAgent writes its calls into the assistant's text:
# "Calling tools:\n[{'id': ..., 'type': 'function', 'function': {'name': 'get_weather', ...}}]".
_WRITTEN_CALL = re.compile(r"['\"]function['\"]: \{['\"]name['\"]: ['\"]([\w.-]+)['\"]")


def called_since_user(messages: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The names of the tools the assistant called after the last user message (tool
    results aside), in order: its ``tool_calls``, or calls it wrote as "Calling tools:"."""
    called: list[str] = []
    for message in reversed(messages):
        if message.get("role") == "user" and not is_result(message):
            break
        if message.get("role") == "assistant":
            names = []
            for call in message.get("tool_calls") or ():
                function = call.get("function") if isinstance(call, Mapping) else None
                if isinstance(function, Mapping) and isinstance(function.get("name"), str):
                    names.append(function["name"])
            shown = message_text(message)
            if not names and shown.lstrip().startswith("Calling tools:"):
                names = _WRITTEN_CALL.findall(shown[:MAX_CHARS])
            called[:0] = names
    return tuple(called)
