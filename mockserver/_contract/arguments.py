"""Type checks for the Python API's value objects (replies, matches, faults).

They run in ``__post_init__``, so a mistake fails where the test wrote it, with the right
call in the message, and not later inside the client's request as an AttributeError.
"""

from __future__ import annotations

from typing import Any


def _kind(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def check(owner: str, name: str, value: Any, expected: tuple[type, ...], example: str) -> None:
    """Raise TypeError unless `value` is one of `expected` (bool is never a number here)."""
    # True is an int to isinstance; a flag given where a number belongs is a mistake.
    wrong_bool = isinstance(value, bool) and bool not in expected
    if wrong_bool or not isinstance(value, expected):
        names = " or ".join("None" if t is type(None) else t.__name__ for t in expected)
        raise TypeError(f"{owner}: {name} must be {names}; got {_kind(value)}. Example: {example}")


NUMBER = (int, float)
OPTIONAL_NUMBER = (int, float, type(None))
OPTIONAL_INT = (int, type(None))
OPTIONAL_STR = (str, type(None))
OPTIONAL_BOOL = (bool, type(None))
