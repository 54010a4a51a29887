"""Serve recorded fixture files as replies (`replies.FromFixture`)."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mockserver._contract import folding, sse
from mockserver._contract.errors import ApiError
from mockserver._contract.profiles import Profile
from mockserver._contract.replies import FromFixture, Raw
from mockserver._contract.resources import data_dir
from mockserver._generation import engine, render, tokens
from mockserver._generation.model import Choice, Completion, ToolCall, Usage

MAX_FIXTURE_BYTES = 16 * 1024 * 1024
"""A fixture is a recorded answer: anything larger is a mistake (or ``/dev/zero``)."""


class FixtureRefused(ValueError):
    """A fixture path that may not be served. The message never says whether a path
    outside the allowed folders exists."""


def roots(*folders: Path) -> tuple[Path, ...]:
    """The folders a fixture named by a scenario file or the admin API may come from: the
    packaged fixtures, then `folders` (the scenario file's own folder)."""
    return (data_dir("fixtures"), *folders)


def resolve(path: str | Path, within: Sequence[Path] | None = None) -> Path:
    """The real path of a fixture file, checked to be a regular file under the size limit.

    With `within` (scenario files, the admin API), a relative path is looked up in each
    folder in turn and the file, symlinks followed, must lie inside one of them.
    Without it (a test's own Python code, which could open any file anyway), `path` as
    given if it exists, else relative to the packaged ``fixtures/``."""
    candidate = Path(path)
    if within is None:
        if not (candidate.exists() or candidate.is_absolute()):
            packaged = data_dir("fixtures") / candidate
            if packaged.exists():
                candidate = packaged
        _check_file(candidate.resolve())
        return candidate.resolve()
    folders = [folder.resolve() for folder in within]
    tries = [candidate] if candidate.is_absolute() else [f / candidate for f in folders]
    for attempt in tries:
        try:
            real = attempt.resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
            continue
        if any(real.is_relative_to(f) for f in folders) and real.is_file():
            _check_file(real)
            return real
    # One message whether the file is missing, outside, or not a regular file.
    raise FixtureRefused(
        f"must name an existing file inside {' or '.join(str(f) for f in folders)}; "
        f"{str(path)!r} is not one"
    )


def _check_file(path: Path) -> None:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise FixtureRefused(f"fixture {str(path)!r}: not a regular file")
    if info.st_size > MAX_FIXTURE_BYTES:
        raise FixtureRefused(
            f"fixture {str(path)!r}: {info.st_size} bytes; fixtures hold at most "
            f"{MAX_FIXTURE_BYTES} bytes"
        )


def read(path: Path) -> bytes:
    """The bytes of a fixture file, refusing anything but a regular file under the limit
    (checked on the open file, so a path swapped after loading gains nothing)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FixtureRefused(f"fixture {str(path)!r}: not a regular file")
        data = file.read(MAX_FIXTURE_BYTES + 1)
    if len(data) > MAX_FIXTURE_BYTES:
        raise FixtureRefused(
            f"fixture {str(path)!r}: larger than {MAX_FIXTURE_BYTES} bytes, the limit"
        )
    return data


def as_raw(fixture: FromFixture, request: Mapping[str, Any], profile: Profile) -> Raw:
    """The fixture as the bytes to send, in the form the request asked for (stream or not).

    A fixture that cannot be read is a 500 naming the file: a broken test setup must show
    up in the answer, not crash the server."""
    try:
        return _as_raw(fixture, request, profile)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ApiError(
            500,
            f"mock: cannot serve the fixture {str(fixture.path)!r}: {exc}",
            source="upstream",
            type="server_error",
            code="mock_fixture_unreadable",
        ) from None


def _as_raw(fixture: FromFixture, request: Mapping[str, Any], profile: Profile) -> Raw:
    path = resolve(fixture.path)
    stream = bool(request.get("stream"))
    if path.suffix == ".sse":
        data = read(path)
        if stream:
            return Raw(events=data)
        parsed = [json.loads(e.data) for e in sse.decode(data) if e.data != sse.DONE]
        failed = [c for c in parsed if isinstance(c, dict) and c.get("error")]
        if failed:
            # The stream broke mid-way; asked without streaming, the same failure is a 500.
            return Raw(status=fixture.status or 500, body=failed[0])
        body = folding.fold(parsed)
        body.setdefault("usage", _usage(body, request))
        return Raw(body=body)
    body = json.loads(read(path).decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError(f"{path} holds {type(body).__name__}, not a JSON object")
    if body.get("object") != "chat.completion":
        return Raw(status=fixture.status or _status(body, path), body=body)
    if not stream:
        return Raw(body=body)
    options = request.get("stream_options") or {}
    chunks = render.chunks(
        completion_from_body(body), profile, include_usage=bool(options.get("include_usage"))
    )
    return Raw(events=b"".join(sse.encode(c) for c in chunks) + sse.DONE_EVENT)


def _usage(body: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """Usage for a transcript recorded without ``include_usage``: a completion body must
    carry it (the provider's schema requires it), so count what the transcript says."""
    visible = 0
    for choice in body.get("choices", ()):
        message = choice.get("message") or {}
        visible += tokens.count_text(message.get("content") or message.get("refusal") or "")
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            visible += (
                tokens.count_text(function.get("name", ""))
                + tokens.count_text(function.get("arguments", ""))
                + 3
            )
    return render.usage_body(Usage(engine.prompt_tokens(request), visible))


def _status(body: Mapping[str, Any], path: Path) -> int:
    if str(body.get("statusCode", "")).isdigit():
        return int(body["statusCode"])
    leading = re.match(r"\d{3}", path.name)
    return int(leading.group()) if leading else 400


def completion_from_body(body: Mapping[str, Any]) -> Completion:
    """The model of a completion body (the inverse of `render.completion_body`)."""
    choices = []
    for c in body["choices"]:
        message = c["message"]
        calls = tuple(
            ToolCall(t["id"], t["function"]["name"], t["function"]["arguments"])
            for t in message.get("tool_calls") or ()
        )
        choices.append(
            Choice(
                c["index"],
                message.get("content"),
                c["finish_reason"],
                message.get("refusal"),
                calls,
            )
        )
    u = body.get("usage") or {}
    usage = Usage(
        u.get("prompt_tokens", 0),
        u.get("completion_tokens", 0),
        (u.get("completion_tokens_details") or {}).get("reasoning_tokens", 0),
        (u.get("prompt_tokens_details") or {}).get("cached_tokens", 0),
    )
    return Completion(
        body["id"],
        body["created"],
        body["model"],
        body.get("system_fingerprint") or "",
        tuple(choices),
        usage,
    )
