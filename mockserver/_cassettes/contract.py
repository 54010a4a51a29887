"""Does one recorded exchange satisfy the contract of a profile? Status, content type, the
body or every chunk, the cross-field rules and the stream framing; shared by the recorder
(in flight) and ``mockserver drift`` (offline), so both say the same thing."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence

from mockserver._cassettes.capture import Capture
from mockserver._contract import validation
from mockserver._contract.profiles import Profile
from mockserver._contract.violations import Violation


def head(
    profile: Profile, status: int, headers: Mapping[str, str], stream: bool
) -> list[Violation]:
    """What the status line and headers alone break (known before the body arrives)."""
    found: list[Violation] = []
    if 200 <= status < 300 and status != profile.success_status:
        found.append(
            Violation(
                "status",
                "status",
                f"status is {status}; the {profile.name} profile answers a completion with "
                f"{profile.success_status}",
            )
        )
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    wanted = "text/event-stream" if stream and status < 400 else "application/json"
    if not content_type.lower().startswith(wanted):
        got = repr(content_type) if content_type else "absent"
        found.append(
            Violation(
                "headers.content-type", "content-type", f"content-type is {got}, not {wanted}"
            )
        )
    return found


def body(
    status: int, data: bytes, events: Sequence[bytes] | None, *, stream: bool
) -> list[Violation]:
    """What the body (a JSON body, or a stream's events) breaks."""
    if events is not None:
        if status >= 400:
            return _json(b"".join(events), "error", "body")
        transcript = b"".join(events)
        if not transcript:
            return [Violation("body", "sse:empty", "the stream ended before its first event")]
        return [_under("body", v) for v in validation.validate_transcript(transcript)]
    if stream and status < 400:
        return [
            Violation("body", "stream", "the request asked for a stream; the answer is not one")
        ]
    return _json(data, "error" if status >= 400 else "completion", "body")


def exchange(
    profile: Profile,
    status: int,
    headers: Mapping[str, str],
    data: bytes,
    events: Sequence[bytes] | None,
    *,
    stream: bool,
) -> list[Violation]:
    """Everything one exchange breaks; [] when it satisfies the contract."""
    return head(profile, status, headers, stream) + body(status, data, events, stream=stream)


def body_of(
    status: int, headers: Mapping[str, str], capture: Capture, *, stream: bool
) -> list[Violation]:
    """What a recorded answer's body breaks; a compressed body (sent despite
    ``accept-encoding: identity``) is checked once inflated, within the capture's cap."""
    data = capture.body()
    encoding = {k.lower(): v for k, v in headers.items()}.get("content-encoding", "identity")
    encoding = encoding.strip().lower()
    if encoding not in ("", "identity"):
        inflated = inflate(data, encoding, capture.limit)
        if isinstance(inflated, Violation):
            return [inflated]
        data = inflated
    if capture.stream:
        return body(status, b"", [data], stream=stream)
    return body(status, data, None, stream=stream)


def inflate(data: bytes, encoding: str, limit: int) -> bytes | Violation:
    """`data` decoded from a gzip or deflate `encoding`, at most `limit` bytes of it; a
    `Violation` naming why it cannot be read."""
    where = "headers.content-encoding"
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return Violation(
            where,
            "content-encoding",
            f"the body is {encoding}-encoded although the recorder asked for identity; "
            "it is relayed and recorded as it came, but not checked",
        )
    modes = (16 + zlib.MAX_WBITS,) if encoding != "deflate" else (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    for mode in modes:
        try:
            inflater = zlib.decompressobj(mode)
            out = inflater.decompress(data, limit)
        except zlib.error:
            continue
        if inflater.unconsumed_tail:
            return Violation(where, "content-encoding", f"inflated, the body exceeds {limit} bytes")
        return out
    return Violation(where, "content-encoding", f"the body is not valid {encoding} data")


def _json(data: bytes, kind: validation.Kind, at: str) -> list[Violation]:
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [Violation(at, "json", f"the body is not JSON: {exc}: {data[:60]!r}")]
    return [_under(at, v) for v in validation.validate(kind, value)]


def _under(at: str, v: Violation) -> Violation:
    path = f"{at}.{v.path}" if v.path and not v.path.startswith("[") else f"{at}{v.path}"
    return Violation(path, v.rule, v.message)
