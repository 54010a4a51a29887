"""Realistic fake values: strings by ``format`` and by property name, number ranges by name.

A free string named ``location`` becomes "Boston, MA", ``email`` an address, ``query`` a
short phrase; an unbounded ``limit`` falls in 1-10.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable

__all__ = ["EXTRA_KEYS", "FORMATS", "WORDS", "name_words", "number_hint", "singular", "text"]

_CITIES = (
    "Boston, MA", "San Francisco, CA", "New York, NY", "Chicago, IL", "Seattle, WA",
    "Austin, TX", "Denver, CO", "London, UK", "Paris, France", "Tokyo, Japan",
    "Berlin, Germany", "Toronto, Canada", "Sydney, Australia", "Madrid, Spain",
)  # fmt: skip
_FIRST = ("Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Hiro", "Isabel", "James", "Priya", "Lucas")  # fmt: skip
_LAST = ("Smith", "Johnson", "Garcia", "Chen", "Müller", "Patel", "Nguyen", "Brown", "Kim", "Rossi", "Dubois")  # fmt: skip
_COUNTRIES = ("United States", "Canada", "France", "Germany", "Japan", "Brazil", "India", "Australia", "Spain", "Kenya")  # fmt: skip
_QUERIES = (
    "best hiking trails near Denver", "how to bake sourdough bread", "latest news on renewable energy",
    "python async tutorial", "cheap flights to Tokyo", "vegetarian pasta recipes",
    "quarterly revenue report", "weather this weekend", "wireless noise cancelling headphones",
)  # fmt: skip
_TITLES = (
    "Quarterly planning meeting", "Project kickoff", "Weekly team sync", "Design review",
    "Customer onboarding call", "Release retrospective", "Budget review", "Lunch with Sam",
)  # fmt: skip
_SENTENCES = (
    "Please review the attached document before the meeting.",
    "The package arrived two days later than expected.",
    "Follow up with the customer about the billing question.",
    "Summary of the main findings from last week's analysis.",
    "Remember to bring the signed contract.",
    "The service was fast and the staff were friendly.",
)  # fmt: skip
WORDS = (
    "alpha", "bright", "cedar", "delta", "ember", "forest", "harbor", "meadow", "nova",
    "orbit", "pine", "river", "summit", "willow",
)  # fmt: skip


def _date(rng: random.Random) -> str:
    return f"{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(8, 18):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _email(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST).lower(), rng.choice(_LAST).lower().replace("ü", "u")
    return f"{first}.{last}@example.com"


def _url(rng: random.Random) -> str:
    return f"https://www.example.com/{rng.choice(WORDS)}/{rng.randint(1, 999)}"


FORMATS: dict[str, Callable[[random.Random], str]] = {
    "date-time": lambda r: f"{_date(r)}T{_time(r)}",
    "date": _date,
    "time": _time,
    "email": _email,
    "idn-email": _email,
    "uri": _url,
    "iri": _url,
    "url": _url,
    "uri-reference": lambda r: f"/{r.choice(WORDS)}/{r.randint(1, 99)}",
    "iri-reference": lambda r: f"/{r.choice(WORDS)}/{r.randint(1, 99)}",
    "uuid": lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),
    "ipv4": lambda r: f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}",
    "ipv6": lambda r: f"2001:db8::{_hex(r, 4)}",
    "hostname": lambda r: f"{r.choice(WORDS)}.example.com",
    "idn-hostname": lambda r: f"{r.choice(WORDS)}.example.com",
    "duration": lambda r: r.choice(("PT15M", "PT1H", "P1D", "P2W", "PT30S")),
    "regex": lambda r: r.choice(("^[a-z]+$", "\\d{3}-\\d{4}", ".*")),
    "json-pointer": lambda r: f"/{r.choice(WORDS)}/{r.randint(0, 9)}",
}

_Maker = Callable[[random.Random, list[str]], str]


def _id(rng: random.Random, words: list[str]) -> str:
    return f"{words[0][:3]}_{_hex(rng, 8)}" if len(words) > 1 else _hex(rng, 12)


def _pick(*choices: str) -> _Maker:
    return lambda rng, _words: rng.choice(choices)


# First match wins: (trigger words, maker). A name matches when one of its words is a trigger.
_STRING_HINTS: tuple[tuple[frozenset[str], _Maker], ...] = tuple(
    (frozenset(triggers.split()), maker)
    for triggers, maker in (
        ("email mail", lambda r, _: _email(r)),
        ("url uri link website homepage href endpoint", lambda r, _: _url(r)),
        ("phone telephone mobile fax", lambda r, _: f"+1-555-{r.randint(100, 999):03d}-{r.randint(1000, 9999)}"),
        ("date birthday dob deadline due day", lambda r, _: _date(r)),
        ("time timestamp datetime at start end when", lambda r, _: f"{_date(r)}T{_time(r)}"),
        ("location city place destination origin town", lambda r, _: r.choice(_CITIES)),
        ("address street", _pick("221B Baker Street, London", "1600 Amphitheatre Parkway, Mountain View, CA", "350 Fifth Avenue, New York, NY")),
        ("country nation", lambda r, w: r.choice(("US", "FR", "DE", "JP")) if "code" in w else r.choice(_COUNTRIES)),
        ("username handle login nickname", lambda r, _: f"{r.choice(_FIRST).lower()}{r.randint(1, 99)}"),
        ("file filename filepath path directory folder", _pick("reports/q3-summary.pdf", "/home/user/notes.txt", "data/export.csv")),
        ("company organization organisation org employer", _pick("Acme Corp", "Globex", "Initech", "Umbrella Labs")),
        ("first given", lambda r, _: r.choice(_FIRST)),
        ("last surname family", lambda r, _: r.choice(_LAST)),
        ("name author customer recipient assignee attendee contact person owner user guest", lambda r, _: _person(r)),
        ("unit units scale", _pick("celsius", "fahrenheit")),
        ("query q search keywords keyword term prompt question topic", lambda r, _: r.choice(_QUERIES)),
        ("sql statement", _pick("SELECT id, name FROM customers WHERE active = true ORDER BY name LIMIT 10;", "SELECT COUNT(*) FROM orders WHERE created_at >= '2025-01-01';")),
        ("language lang locale", lambda r, w: r.choice(("en-US", "fr-FR")) if "locale" in w else r.choice(("English", "French", "Spanish"))),
        ("currency", _pick("USD", "EUR", "GBP", "JPY")),
        ("symbol ticker", _pick("AAPL", "MSFT", "GOOGL", "AMZN")),
        ("timezone tz zone", _pick("America/New_York", "Europe/London", "Asia/Tokyo")),
        ("color colour", _pick("blue", "green", "red", "orange")),
        ("status", _pick("active", "pending", "completed")),
        ("priority severity level", _pick("low", "medium", "high")),
        ("method", _pick("GET", "POST")),
        ("version", lambda r, _: f"{r.randint(1, 3)}.{r.randint(0, 9)}.{r.randint(0, 9)}"),
        ("ip", lambda r, _: FORMATS["ipv4"](r)),
        ("host hostname domain", lambda r, _: FORMATS["hostname"](r)),
        ("zip postal zipcode postcode", lambda r, _: f"{r.randint(1000, 99999):05d}"),
        ("password secret", lambda r, _: f"S3cure-{_hex(r, 6)}"),
        ("id uuid identifier key token ref reference sku code", _id),
        ("number num", lambda r, _: str(r.randint(1, 999))),
        ("title subject headline heading", lambda r, _: r.choice(_TITLES)),
        ("description summary body content message text note notes comment reason details instructions bio explanation abstract answer reasoning response result output feedback review caption", lambda r, _: r.choice(_SENTENCES)),
        ("category genre type kind tag label", _pick("general", "travel", "finance", "sports", "technology")),
        ("product item", _pick("Wireless Mouse", "Coffee Grinder", "Running Shoes", "USB-C Cable")),
    )
)  # fmt: skip

# (trigger words, low, high) for unbounded numbers, first match wins.
_NUMBER_HINTS: tuple[tuple[frozenset[str], float, float], ...] = tuple(
    (frozenset(triggers.split()), lo, hi)
    for triggers, lo, hi in (
        ("latitude lat", -90, 90),
        ("longitude lon lng long", -180, 180),
        ("age", 18, 80),
        ("year", 2000, 2026),
        ("month", 1, 12),
        ("day days", 1, 28),
        ("hour hours", 0, 23),
        ("minute minutes second seconds timeout duration", 1, 60),
        ("page", 1, 10),
        ("limit count max num number top k n size results quantity qty per", 1, 10),
        ("rating stars priority level", 1, 5),
        ("port", 1024, 65535),
        ("temperature temp", -10, 35),
        ("percent percentage pct score", 0, 100),
        ("guests people adults passengers attendees travelers travellers", 1, 6),
        ("price cost amount total budget salary", 5, 500),
        ("width height", 100, 1920),
        ("radius distance", 1, 50),
        ("offset index", 0, 20),
        ("id", 1, 99999),
    )
)  # fmt: skip


def name_words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith(("sses", "shes", "ches", "xes")):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def text(rng: random.Random, words: list[str]) -> str:
    """A plausible string for a property whose name splits into ``words``."""
    for triggers, maker in _STRING_HINTS:
        if triggers.intersection(words):
            return maker(rng, words)
    return " ".join(rng.sample(WORDS, rng.randint(1, 2)))


def number_hint(words: list[str]) -> tuple[float, float] | None:
    """A plausible (low, high) range for a number whose name splits into ``words``."""
    for triggers, lo, hi in _NUMBER_HINTS:
        if triggers.intersection(words):
            return lo, hi
    return None


# Names for properties a schema allows but does not name.
EXTRA_KEYS = ("source", "category", "region", "owner", "priority", "note")
