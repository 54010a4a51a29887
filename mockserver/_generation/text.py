"""Readable English answers, refusals and reasoning-token counts, drawn from a ``random.Random``.

Everything here is a pure function of the generator's state and the arguments: no corpus,
no clock, no global random state. Answers are stitched from sentence templates whose
slots take 1-3 salient words of the prompt, so a mocked reply visibly answers the question
it was given.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from mockserver._generation import tokens

__all__ = ["STOP_WORDS", "answer", "reasoning_tokens", "refusal", "salient_words"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS = _words(
    """
    a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't cannot could couldn't did didn't
    do does doesn't doing don't down during each few for from further get give had hasn't
    has have haven't having he her here hers herself him himself his how i i'd i'll i'm
    i've if in into is isn't it it's its itself just know let let's like make me more most
    much my myself need no nor not now of off on once one only or other our ours ourselves
    out over own please quick quickly same say she should so some such tell than thank
    thanks that that's the their theirs them themselves then there these they this those
    through to too under until up use very want was wasn't way we were what when where which
    while who whom why will with would you you'd you'll you're you've your yours yourself
    yourselves hi hello hey ok okay sure yes show write explain describe list briefly
    summarize summarise help find create provide short simple give me something thing things
    really maybe using used get gets got going go today tomorrow yesterday current currently
    best good new many every work works
    """
)
STOP_WORDS = _STOP_WORDS
"""Words no answer is about (and no prompt-following reads as a name or a topic)."""

# Words that read well without an article: mass nouns, fields of study, processes.
_BARE_SUFFIXES = (
    "sis", "ism", "ion", "ics", "ity", "ing", "ness", "ment", "ogy", "phy", "try", "ure",
    "ance", "ence", "dom", "ship", "age", "s",
)  # fmt: skip

_OPENERS = (
    "Here is a short overview of {t}.",
    "Great question about {t}!",
    "Let's take a closer look at {t}.",
    "Sure, I can help with {t}.",
    "There are a few moving parts to {t}, so let's go through them.",
    "Here's what you need to know about {t}.",
    "Good question: {t} comes up often.",
    "Happy to explain {t}.",
    "In short, {t} is easier to understand once you see the main pieces.",
    "Let's break {t} down step by step.",
)
_BODIES = (
    "The key idea is that {t} depends on a small number of {adj} {noun}.",
    "Most people start by looking at the {noun} behind {t}, which makes the rest {adj2}.",
    "A useful way to think about {t} is as a {adj} {noun1} that you can {verb} over time.",
    "In practice, {t} works best when you {verb} the {noun} early.",
    "It also helps to consider how {t} relates to {o}.",
    "One common mistake is to overlook {o} when thinking about {t}.",
    "The connection between {t} and {o} is worth a moment of attention.",
    "If you want to go further, {verb} the {noun} and compare the results.",
    "Experts usually recommend that you {verb} {adj} {noun} before drawing conclusions.",
    "There is no single right answer, but a {adj} {noun1} is a good place to start.",
    "The details vary from case to case, yet the overall pattern is quite {adj2}.",
    "A concrete example makes {t} much easier to remember.",
    "Keep in mind that {o} can change the picture in {adj} ways.",
    "Think of {o} as one of the {adj} {noun} that shape {t}.",
    "Small changes to the {noun} can have a {adj} effect on the outcome.",
    "Over time, you will notice that {t} follows a fairly {adj2} pattern.",
    "You can {verb} each of the {noun} separately and then combine what you learn.",
    "Many of the {noun} involved are {adj2} once you have seen them a few times.",
)
_SOLO_BODIES = tuple(b for b in _BODIES if "{o}" not in b)
_CLOSERS = (
    "Let me know if you would like more detail on any part.",
    "I hope this helps!",
    "Feel free to ask if you want a deeper dive into {t}.",
    "Would you like a worked example?",
    "Happy to go into more depth if that would be useful.",
    "If you share more context, I can tailor the explanation.",
)
_ADJECTIVES = (
    "practical", "important", "simple", "clear", "useful", "general", "subtle", "careful",
    "consistent", "reliable", "specific", "surprising", "noticeable", "measurable",
)  # fmt: skip
_ADJECTIVES_2 = (
    "straightforward", "predictable", "intuitive", "manageable", "familiar", "clear",
    "consistent", "easy to follow",
)  # fmt: skip
_NOUNS = (
    "factors", "principles", "steps", "details", "trade-offs", "assumptions", "examples",
    "patterns", "constraints", "components", "questions", "inputs",
)  # fmt: skip
_NOUNS_1 = (
    "framework", "process", "system", "model", "habit", "checklist", "approach", "routine",
)  # fmt: skip
_VERBS = ("review", "test", "measure", "write down", "compare", "revisit", "simplify", "check")
_FALLBACK_TOPICS = ("your question", "this topic", "this subject")
# Endings of adjectives, adverbs and participles, which make poor topics.
_MODIFIER_SUFFIXES = ("ive", "ous", "ful", "able", "ible", "less", "ly", "ed", "est")
_REFUSALS = (
    "I'm sorry, but I can't help with that.",
    "I'm sorry, but I can't assist with that request.",
    "Sorry, but I can't help with that.",
    "I'm sorry, I can't comply with that.",
    "I'm sorry, but I can't provide help with that request.",
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n\s*)$")
_EFFORT_MULTIPLIER = {"low": 1, "medium": 3, "high": 8}
_REASONING_QUANTUM = 64


def salient_words(prompt: str, *, limit: int = 3) -> list[str]:
    """Up to ``limit`` content words of ``prompt``, most salient first.

    Stop words and words shorter than three letters are skipped; repeated words rank
    first, then nouns over likely adjectives and adverbs, then proper nouns and longer
    words; ties go to the earlier word. Capitalised words keep their case unless they
    start a sentence; all-caps words (acronyms) are kept as they are.
    """
    seen: dict[str, tuple[str, int, int]] = {}
    for position, match in enumerate(_WORD.finditer(prompt)):
        word = match.group()
        key = word.lower()
        if len(key) < 3 or key in _STOP_WORDS or "'" in key:
            continue
        if key in seen:
            shown, count, first = seen[key]
            seen[key] = (shown, count + 1, first)
            continue
        at_start = _SENTENCE_START.search(prompt, 0, match.start()) is not None
        keep_case = (word.isupper() and len(word) > 1) or (word[0].isupper() and not at_start)
        seen[key] = (word if keep_case else key, 1, position)
    ranked = sorted(seen.values(), key=lambda e: (-_salience(e[0], e[1]), e[2]))
    return [shown for shown, _, _ in ranked[:limit]]


def _salience(word: str, count: int) -> int:
    score = 10 * count + min(len(word), 9)
    if word.lower().endswith(_MODIFIER_SUFFIXES):
        score -= 6
    if word[0].isupper():
        score += 2
    return score


def _phrase(word: str) -> str:
    """The word as a noun phrase: "the ocean", but "photosynthesis", "Boston", "SQL"."""
    if word[0].isupper() or word.endswith(_BARE_SUFFIXES) or " " in word:
        return word
    return "the " + word


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


_POOLS: dict[str, Sequence[str]] = {
    "adj": _ADJECTIVES,
    "adj2": _ADJECTIVES_2,
    "noun": _NOUNS,
    "noun1": _NOUNS_1,
    "verb": _VERBS,
}


class _Slots(dict[str, str]):
    """A template's fillings, drawing a word only for the slots the template uses."""

    def __init__(self, rng: random.Random, topic: str, others: Sequence[str]) -> None:
        super().__init__(t=topic, T=_capitalise(topic))
        self._rng, self._others = rng, others

    def __missing__(self, key: str) -> str:
        pool = self._others if key == "o" else _POOLS[key]
        self[key] = value = pool[int(self._rng.random() * len(pool))]
        return value


def answer(rng: random.Random, *, prompt: str, max_tokens: int | None = None) -> str:
    """A helpful-sounding answer of a few sentences (about 15-120 tokens) about ``prompt``.

    It mentions 1-3 salient words of the prompt (see :func:`salient_words`). With
    ``max_tokens``, sentences after the first are added only while the answer stays within
    that many tokens; callers that need an exact cut use :func:`tokens.split_tokens`.
    The same generator state and prompt always give the same text.
    """
    words = salient_words(prompt, limit=rng.randint(1, 3))
    phrases = [_phrase(w) for w in words] or [rng.choice(_FALLBACK_TOPICS)]
    topic = phrases[0]
    others = phrases[1:] or phrases

    def fill(template: str) -> str:
        return template.format_map(_Slots(rng, topic, others))

    n_body = rng.choice((1, 1, 2, 2, 3, 3, 4, 5))
    bodies = rng.sample(_BODIES if len(phrases) > 1 else _SOLO_BODIES, n_body)
    sentences = [fill(rng.choice(_OPENERS)), *map(fill, bodies)]
    if rng.random() < 0.6:
        sentences.append(fill(rng.choice(_CLOSERS)))
    missing = [p for p in phrases[1:] if not any(p in s for s in sentences)]
    if missing:
        sentences.insert(
            min(2, len(sentences)),
            f"This also touches on {' and '.join(missing)}, which is worth keeping in mind.",
        )
    if max_tokens is None:
        return " ".join(sentences)
    kept = [sentences[0]]
    used = tokens.count_text(sentences[0])
    for sentence in sentences[1:]:
        cost = tokens.count_text(" " + sentence)
        if used + cost > max_tokens:
            break
        kept.append(sentence)
        used += cost
    return " ".join(kept)


def refusal(rng: random.Random) -> str:
    """A short refusal such as "I'm sorry, but I can't help with that."."""
    return rng.choice(_REFUSALS)


def reasoning_tokens(rng: random.Random, *, effort: str, prompt_tokens: int) -> int:
    """Hidden reasoning tokens o3-mini would spend: a multiple of 64 that grows with effort.

    One draw sets a base of 1-4 units of 64 tokens, scaled up mildly with the prompt's
    length (up to 2x); ``low``, ``medium`` and ``high`` multiply it by 1, 3 and 8, so for
    any generator state low < medium < high (typically 64-256, 192-1024 and 512-4096).
    """
    try:
        multiplier = _EFFORT_MULTIPLIER[effort]
    except KeyError:
        raise ValueError(
            f"reasoning effort must be one of 'low', 'medium' or 'high'; got {effort!r}"
        ) from None
    scale = min(2.0, 1.0 + max(prompt_tokens, 0) / 4000)
    units = 1 + int(rng.random() ** 1.5 * 4 * scale)
    return units * multiplier * _REASONING_QUANTUM
