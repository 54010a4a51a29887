"""Checks on a stub when it is added, so that a reply the mock could never send fails
at load time (in the test that wrote it) instead of breaking every matching request.

A reply's text must be Unicode (no lone surrogates), its numbers finite, and its headers
valid HTTP: names are tokens, values latin-1 text without CR, LF or NUL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockserver._contract import strict_json
from mockserver._contract.replies import Error, Raw, Refusal, Reply, Text, ToolCalls

__all__ = ["check_headers", "check_reply"]

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def check_headers(headers: Mapping[str, str], where: str) -> None:
    """ValueError naming the first header that HTTP cannot carry."""
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(
                f"{where}: header name {name!r} is not an HTTP token (letters, digits, "
                "and !#$%&'*+.^_`|~-)"
            )
        if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value):
            raise ValueError(
                f"{where}.{name}: header value {value!r} is not latin-1 text without CR, LF "
                "or NUL, so no HTTP response can carry it"
            )


def check_reply(reply: Reply, where: str) -> None:
    """ValueError naming the first part of `reply` the mock could not send."""
    try:
        _check(reply, where)
    except strict_json.JsonProblem as exc:
        raise ValueError(str(exc)) from None


def _check(reply: Reply, where: str) -> None:
    if isinstance(reply, Text):
        strict_json.check_value(reply.content, f"{where}.content")
    elif isinstance(reply, Refusal):
        strict_json.check_value(reply.text, f"{where}.refusal")
    elif isinstance(reply, ToolCalls):
        for i, call in enumerate(reply.calls):
            at = f"{where}.tool_calls[{i}]"
            value: Any = call.arguments if isinstance(call.arguments, str) else dict(call.arguments)
            strict_json.check_value({"name": call.name, "id": call.id, "arguments": value}, at)
    elif isinstance(reply, Error):
        if reply.message is not None:
            strict_json.check_value(reply.message, f"{where}.error.message")
        check_headers(reply.headers, f"{where}.error.headers")
    elif isinstance(reply, Raw):
        strict_json.check_value(reply.body, f"{where}.raw.body")
        check_headers(reply.headers, f"{where}.raw.headers")
