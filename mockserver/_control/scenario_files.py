"""Scenario specs: the JSON/YAML form of stubs and faults (``schemas/stubs.json``).

One parser serves the stubs file (``mockserver serve --stubs FILE``), the admin API and
the ``x-mock-scenario`` request header, so the three cannot drift apart.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mockserver._contract import strict_json, validation
from mockserver._contract.replies import (
    Call,
    Error,
    FromFixture,
    Raw,
    Refusal,
    Reply,
    Text,
    ToolCalls,
)
from mockserver._contract.timed_regex import TimedPattern, timed_pattern
from mockserver._contract.violations import Violation
from mockserver._control import documents, stub_checks
from mockserver._control.faults import Fault, Latency, Split, StreamFault
from mockserver._control.same_request import SameRequest
from mockserver._control.scenarios import Match, Stub
from mockserver._generation import fixtures

_REPLY_KINDS = ("content", "tool_calls", "refusal", "error", "fixture", "raw")


class SpecError(ValueError):
    """A scenario spec is invalid; the message names the source, the path and what is expected."""


@dataclass
class Scenario:
    """What a scenario file holds."""

    stubs: list[Stub]
    faults: list[tuple[Fault, int]]
    chaos: tuple[float, tuple[Fault, ...], int] | None = None
    strict: bool | None = None
    folder: Path | None = None
    """The folder of the file it came from: where its fixtures (and those the admin API
    names later) may live besides the packaged ones."""

    def fresh(self) -> Scenario:
        """A copy whose stubs have not been used yet."""
        return Scenario(
            [replace(s, used=0) for s in self.stubs],
            list(self.faults),
            self.chaos,
            self.strict,
            self.folder,
        )


def parse(
    document: Any,
    *,
    source: str = "scenario",
    base: Path | None = None,
    within: tuple[Path, ...] | None = None,
) -> Scenario:
    """Validate `document` against ``schemas/stubs.json`` and build its objects.

    Fixtures may come only from `within` (default: the packaged fixtures and `base`, the
    scenario file's folder); with neither, from anywhere (a test's own Python code)."""
    if within is None and base is not None:
        within = fixtures.roots(base)
    try:
        # What JSON Schema cannot see: NaN passes every bound, and lone surrogates and
        # infinities break only when the reply is sent.
        strict_json.check_value(document)
    except strict_json.JsonProblem as exc:
        raise SpecError(f"invalid scenario in {source}:\n  {source}: {exc}") from None
    found = _clearer(validation.validate("stubs", document), document)
    if found:
        lines = "\n".join(f"  {source}: {v}" for v in found)
        raise SpecError(f"invalid scenario in {source}:\n{lines}")
    try:
        return _build(document, base, within)
    except (SpecError, ValueError) as exc:  # ValueError: a constructor's own check
        raise SpecError(f"invalid scenario in {source}:\n  {source}: {exc}") from None


def _build(
    document: Mapping[str, Any], base: Path | None, within: tuple[Path, ...] | None
) -> Scenario:
    stubs = [
        stub(s, within=within, where=f"stubs[{i}]") for i, s in enumerate(document.get("stubs", ()))
    ]
    for n, (built, spec) in enumerate(zip(stubs, document.get("stubs", ()), strict=True)):
        # the checks Stubs.add makes, so that a bad file fails when it is loaded
        many = "replies" in spec
        for i, r in enumerate(built.replies):
            stub_checks.check_reply(r, f"stubs[{n}].replies[{i}]" if many else f"stubs[{n}].reply")
    faults = [(fault(f), int(f.get("times", 1))) for f in document.get("faults", ())]
    chaos = None
    if "chaos" in document:
        c = document["chaos"]
        chaos = (float(c["rate"]), tuple(fault(f) for f in c["faults"]), int(c.get("seed", 0)))
    return Scenario(stubs, faults, chaos, document.get("strict"), base)


# The schema says "exactly one of" with oneOf over `required`; its generic explanation
# cannot name the keys, so these say which ones are expected and which were given.
_ONE_OF = {"stub": ("reply", "replies"), "reply": _REPLY_KINDS}


def _clearer(found: list[Violation], document: Any) -> list[Violation]:
    if not found or not isinstance(document, Mapping):
        return found
    exact: dict[str, str] = {}
    stubs = document.get("stubs")
    for i, item in enumerate(stubs if isinstance(stubs, list) else ()):
        if not isinstance(item, Mapping):
            continue
        exact[f"stubs[{i}]"] = _exactly_one(item, _ONE_OF["stub"])
        replies = item.get("replies")
        named = [(f"stubs[{i}].reply", item.get("reply"))] + [
            (f"stubs[{i}].replies[{j}]", r)
            for j, r in enumerate(replies if isinstance(replies, list) else ())
        ]
        for path, value in named:
            if isinstance(value, Mapping):
                exact[path] = _exactly_one(value, _ONE_OF["reply"])
    out = []
    for v in found:
        message = exact.get(v.path, "")
        out.append(Violation(v.path, v.rule, message) if v.rule == "oneOf" and message else v)
    return list(dict.fromkeys(out))


def _exactly_one(value: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    given = [k for k in keys if k in value]
    if len(given) == 1:
        return ""
    shown = ", ".join(given) if given else "none of them"
    return f"must have exactly one of {', '.join(keys)}; got {shown}"


def load(path: str | Path, *, within: str | Path | None = None) -> Scenario:
    """Read a scenario file (``.json``, ``.yaml`` or ``.yml``) through the one reader of
    user files (`documents`: regular files only, inside `within` when given, size- and
    depth-capped)."""
    path = Path(path)
    try:
        document = documents.load(path, within=within)
    except (documents.Refused, documents.Unreadable) as exc:
        raise SpecError(str(exc)) from None
    return parse(document, source=str(path), base=path.parent)


def body(data: bytes, *, yaml: bool) -> Any:
    """The document in a request body (``POST /__mock/scenario``): the same parser and
    limits as a scenario file; `SpecError` saying what is wrong."""
    try:
        return documents.parse(data or b"null", yaml=yaml)
    except (documents.Refused, documents.Unreadable) as exc:
        raise SpecError(f"the body: {exc}") from None


def stub(
    spec: Mapping[str, Any], *, within: tuple[Path, ...] | None = None, where: str = "stub"
) -> Stub:
    """A stub from its (already validated) spec; `where` names it in errors."""
    if "replies" in spec:
        paths = [(f"{where}.replies[{i}]", r) for i, r in enumerate(spec["replies"])]
    else:
        paths = [(f"{where}.reply", spec["reply"])]
    try:
        return Stub(
            match=match(spec.get("match") or {}, where=f"{where}.match"),
            replies=tuple(reply(r, within=within, where=p) for p, r in paths),
            times=spec.get("times"),
            priority=int(spec.get("priority", 0)),
            name=spec.get("name", ""),
            fault=fault(spec["fault"]) if "fault" in spec else None,
            source="cassette" if "recorded" in spec else "stub",
        )
    except (TypeError, ValueError) as exc:  # what the stub itself refuses (a sequence with turn)
        raise SpecError(f"{where}: {exc}") from None


def match(spec: Mapping[str, Any], *, where: str = "match") -> Match:
    last_user: str | re.Pattern[str] | TimedPattern | None = spec.get("last_user")
    if "last_user" in spec and "last_user_regex" in spec:
        raise SpecError(f"{where}: give last_user or last_user_regex, not both")
    if "last_user_regex" in spec:
        # Searched in every request: compiled with the `regex` package, whose searches
        # time out, so a pattern that backtracks for ever cannot stall the server.
        try:
            re.compile(spec["last_user_regex"])
        except re.error as exc:
            raise SpecError(
                f"{where}.last_user_regex: must be a regular expression; {exc}"
            ) from None
        last_user = timed_pattern(spec["last_user_regex"])
        if last_user is None:
            raise SpecError(
                f"{where}.last_user_regex: the pattern is too large (its counted repeats "
                "unroll to more than 50,000 atoms)"
            )
    same = None
    if "request" in spec:
        same = SameRequest(spec["request"], frozenset(spec.get("request_ignore", ())))
    elif "request_ignore" in spec:
        raise SpecError(f"{where}.request_ignore: only applies together with request")
    return Match(
        model=spec.get("model"),
        last_user=last_user,
        turn=spec.get("turn"),
        has_tools=spec.get("has_tools"),
        last_role=spec.get("last_role"),
        tool_call_id=spec.get("tool_call_id"),
        stream=spec.get("stream"),
        where=same,
    )


def _fixture(name: str, within: tuple[Path, ...] | None, where: str) -> Path:
    """Resolved now, so a typo fails at load time and a later chdir changes nothing."""
    try:
        return fixtures.resolve(name, within)
    except fixtures.FixtureRefused as exc:
        raise SpecError(f"{where}.fixture: {exc}") from None
    except OSError:
        raise SpecError(
            f"{where}.fixture: must name an existing file; {name!r} is not in the working "
            "directory nor in the packaged fixtures"
        ) from None


def reply(
    spec: Mapping[str, Any], *, within: tuple[Path, ...] | None = None, where: str = "reply"
) -> Reply:
    """One reply of a stub. `within`: the folders its fixture may come from (None: any
    file, for specs written in the test's own Python code)."""
    reasoning = spec.get("reasoning_tokens")
    if "content" in spec:
        return Text(spec["content"], reasoning)
    if "tool_calls" in spec:
        calls = tuple(
            Call(c["name"], c.get("arguments", {}), c.get("id")) for c in spec["tool_calls"]
        )
        return ToolCalls(calls, reasoning)
    if "refusal" in spec:
        return Refusal(spec["refusal"], reasoning)
    if "error" in spec:
        e = spec["error"]
        return Error(e["status"], e.get("message"), dict(e.get("headers", {})))
    if "fixture" in spec:
        return FromFixture(_fixture(spec["fixture"], within, where))
    raw = spec["raw"]
    events = raw.get("events")
    text = raw.get("text")
    chunks = raw.get("chunks")
    timed = None
    if chunks is not None:
        # Offsets count from the request; the pause before each event is the gap to the last.
        ats = [float(c["at"]) for c in chunks]
        timed = tuple(
            (max(at - before, 0.0), _raw_bytes(c, "data", f"{where}.raw.chunks[{i}]"))
            for i, (at, before, c) in enumerate(zip(ats, [0.0, *ats], chunks, strict=False))
        )
    return Raw(
        raw.get("status", 0),
        raw.get("body"),
        None if events is None else events.encode(),
        dict(raw.get("headers", {})),
        text=None if text is None else _raw_bytes(raw, "text", f"{where}.raw"),
        timed=timed,
        dropped=bool(raw.get("dropped", False)),
    )


def _raw_bytes(spec: Mapping[str, Any], key: str, where: str) -> bytes:
    """The bytes `spec[key]` holds: its UTF-8 text, or with ``encoding: base64`` (what a
    cassette writes for bytes that are not UTF-8) the bytes it encodes."""
    if spec.get("encoding") != "base64":
        return str(spec[key]).encode("utf-8")
    try:
        return base64.b64decode(spec[key], validate=True)
    except (ValueError, TypeError):
        raise SpecError(f"{where}.{key}: must be base64, as encoding says") from None


def fault(spec: Mapping[str, Any]) -> Fault:
    latency = spec.get("latency")
    stream = spec.get("stream")
    return Fault(
        status=spec.get("status"),
        message=spec.get("message"),
        retry_after=spec.get("retry_after"),
        retry_after_date=bool(spec.get("retry_after_date", False)),
        retry_after_ms=spec.get("retry_after_ms"),
        should_retry=spec.get("should_retry"),
        latency=Latency(**latency) if latency else None,
        stream=_stream_fault(stream) if stream else None,
        name=spec.get("name", ""),
    )


def _stream_fault(spec: Mapping[str, Any]) -> StreamFault:
    fields = dict(spec)
    if "split" in fields:
        fields["split"] = Split.parse(fields["split"])
    return StreamFault(**fields)


def _header_split(text: str) -> Any:
    """``bytes``, ``every:N`` or ``at:N:N:N`` (the header's items are comma-separated)."""
    kind, _, rest = text.partition(":")
    try:
        if kind == "bytes" and not rest:
            return "bytes"
        if kind == "every":
            return {"every": int(rest)}
        if kind == "at":
            return [int(n) for n in rest.split(":")]
    except ValueError:
        pass
    raise SpecError(f"{HEADER}: split must be bytes, every:N or at:N:N...; got {text!r}")


# ---- the x-mock-scenario header ---------------------------------------------------------

HEADER = "x-mock-scenario"
MAX_HEADER_CHARS = 4096
"""Characters of an ``x-mock-scenario`` header; a longer one is a 400."""

_HEADER_KEYS: Mapping[str, tuple[str, str, Callable[[str], Any]]] = {
    # header key: (group, field, type)
    "status": ("", "status", int),
    "message": ("", "message", str),
    "retry-after": ("", "retry_after", float),
    "retry-after-date": ("", "retry_after_date", bool),
    "retry-after-ms": ("", "retry_after_ms", float),
    "should-retry": ("", "should_retry", bool),
    "ttft": ("latency", "ttft", float),
    "between": ("latency", "between", float),
    "jitter": ("latency", "jitter", float),
    "cut-after": ("stream", "cut_after", int),
    "drop-after": ("stream", "drop_after", int),
    "malformed-at": ("stream", "malformed_at", int),
    "error-after": ("stream", "error_after", int),
    "keep-alive": ("stream", "keep_alive", bool),
    "crlf": ("stream", "crlf", bool),
    "split": ("stream", "split", _header_split),
}


def header_fault(value: str) -> tuple[Fault | None, str | None]:
    """Parse ``x-mock-scenario: status=429, retry-after-ms=20`` into a fault, and the name
    of a stub asked for with ``stub=NAME``. Keys without ``=`` are true flags."""
    groups: dict[str, dict[str, Any]] = {"": {}, "latency": {}, "stream": {}}
    if len(value) > MAX_HEADER_CHARS:
        raise SpecError(
            f"{HEADER}: the header is {len(value)} characters long; at most {MAX_HEADER_CHARS}"
        )
    stub_name = None
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, has_value, text = (s.strip() for s in item.partition("="))
        if key == "stub":
            if not text:
                raise SpecError(f"{HEADER}: stub must name a stub, as in stub=NAME")
            stub_name = text
            continue
        if key not in _HEADER_KEYS:
            known = ", ".join(["stub", *_HEADER_KEYS])
            raise SpecError(f"{HEADER}: unknown key {key!r}; known keys: {known}")
        group, name, kind = _HEADER_KEYS[key]
        try:
            if kind is bool:
                if has_value and text.lower() not in ("true", "false"):
                    raise ValueError(text)
                parsed: Any = not has_value or text.lower() == "true"
            else:
                parsed = kind(text)
                if kind is float and not math.isfinite(parsed):
                    raise ValueError(text)
        except SpecError:
            raise
        except ValueError:
            raise SpecError(f"{HEADER}: {key} must be {kind.__name__}; got {text!r}") from None
        groups[group][name] = parsed
    if not any(groups.values()):
        return None, stub_name
    document: dict[str, Any] = dict(groups[""])
    for group in ("latency", "stream"):
        if groups[group]:
            document[group] = groups[group]
    found = validation.validate("stubs", {"faults": [document]})
    if found:
        raise SpecError(f"{HEADER}: " + "; ".join(str(v).removeprefix("faults[0].") for v in found))
    try:
        return fault(document), stub_name
    except ValueError as exc:
        raise SpecError(f"{HEADER}: {exc}") from None
