"""Ids the mock draws: ``chatcmpl-...`` completions, ``call_...`` tool calls."""

from __future__ import annotations

import binascii
import random

__all__ = ["random_id"]

# 64 symbols, letters and digits only (base64's "+/" map to two letters), so an id costs
# one draw of random bytes instead of one draw per character.
_ID_SYMBOLS = bytes.maketrans(b"+/", b"Xq")


def random_id(rng: random.Random, prefix: str, length: int) -> str:
    size = length * 3 // 4 + 3
    raw = rng.getrandbits(size * 8).to_bytes(size, "little")  # rng.randbytes(size), inlined
    return prefix + binascii.b2a_base64(raw, newline=False)[:length].translate(_ID_SYMBOLS).decode()
