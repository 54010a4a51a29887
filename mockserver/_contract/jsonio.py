"""JSON out on the hot path: orjson where it can, the standard library where it cannot
(requests come in through `strict_json`, which takes the same approach).

orjson is an order of magnitude faster, and for the values the mock reads and writes its
output is byte-identical to ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)``
(floats aside, which it writes in the shortest form, ``1e-7`` for ``1e-07``). It refuses
some values the standard library writes (integers beyond 64 bits, lone surrogates); those
take the standard library's path.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """Compact JSON bytes, UTF-8, non-ASCII characters as they are."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError: int > 64 bits, surrogates, odd keys
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
