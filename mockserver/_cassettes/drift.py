"""``mockserver drift DIR``: an offline report over recorded cassettes.

For each exchange: does it satisfy the profile's contract; which fields did the provider send
that ``schemas/`` does not know, which required ones were missing, which types changed; and
how does the mock's own answer to the same request differ in shape.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mockserver._cassettes import contract, shapes
from mockserver._cassettes.cassette import HOP_BY_HOP, files
from mockserver._contract import folding, sse, validation
from mockserver._contract.profiles import Profile
from mockserver._contract.replies import Call, Raw, Refusal, Reply, Text, ToolCalls
from mockserver._control import documents, scenario_files
from mockserver._core.exchange import Config, RawRequest
from mockserver._core.pipeline import Service

# Headers every hop sets for itself: a difference in them says nothing about the provider.
_TRANSPORT_HEADERS = HOP_BY_HOP | {"date", "server", "via", "alt-svc"}


@dataclass
class MockDifference:
    only_in_mock: list[str] = field(default_factory=list)
    only_in_provider: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    headers_only_in_mock: list[str] = field(default_factory=list)
    headers_only_in_provider: list[str] = field(default_factory=list)
    status: str = ""

    def __bool__(self) -> bool:
        return any(asdict(self).values())


@dataclass
class Finding:
    """The report on one recorded exchange."""

    cassette: str
    name: str
    request: str
    status: int
    outcome: str
    contract: list[str] = field(default_factory=list)
    unknown_fields: list[str] = field(default_factory=list)
    missing_fields: list[str] = field(default_factory=list)
    changed_types: list[str] = field(default_factory=list)
    mock: MockDifference = field(default_factory=MockDifference)

    @property
    def ok(self) -> bool:
        return not self.contract

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def report(folder: str | Path, profile: Profile) -> list[Finding]:
    """One `Finding` per recorded exchange under `folder`; SpecError for an unreadable file."""
    findings: list[Finding] = []
    for path, within in files(folder):
        document = _read(path, within)
        for stub in document.get("stubs", ()):
            if "recorded" in stub and "raw" in (stub.get("reply") or {}):
                findings.append(_finding(path, stub, profile))
    return findings


def _read(path: Path, within: Path | None) -> dict[str, Any]:
    """The cassette as a document, after the checks ``--stubs`` makes (the same errors)."""
    try:
        document = documents.load(path, within=within)
    except (documents.Refused, documents.Unreadable) as exc:
        raise scenario_files.SpecError(str(exc)) from None
    scenario_files.parse(document, source=str(path), base=path.parent)
    loaded: dict[str, Any] = document
    return loaded


@dataclass
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    events: list[bytes] | None


def _recorded_answer(spec: Mapping[str, Any], profile: Profile) -> _Answer:
    raw = scenario_files.reply({"raw": spec})  # bytes as replay sends them (base64 decoded)
    assert isinstance(raw, Raw)
    headers = {k.lower(): v for k, v in raw.headers.items()}
    status = raw.status or profile.success_status
    if raw.timed is not None:
        return _Answer(status, headers, b"", [data for _, data in raw.timed])
    if raw.events is not None:
        return _Answer(status, headers, b"", [raw.events])
    if raw.text is not None:
        return _Answer(status, headers, raw.text, None)
    return _Answer(status, headers, json.dumps(raw.body).encode(), None)


def _finding(path: Path, stub: Mapping[str, Any], profile: Profile) -> Finding:
    recorded = stub["recorded"]
    request = recorded["request"]
    body = request.get("body")
    answer = _recorded_answer(stub["reply"]["raw"], profile)
    wants_stream = isinstance(body, dict) and body.get("stream") is True
    model = body.get("model") if isinstance(body, dict) else None
    found = contract.exchange(
        profile, answer.status, answer.headers, answer.body, answer.events, stream=wants_stream
    )
    finding = Finding(
        cassette=str(path),
        name=stub.get("name", ""),
        request=f"{request['method']} {request['path']} {model or ''}"
        + (" stream" if wants_stream else ""),
        status=answer.status,
        outcome=recorded.get("outcome", "complete"),
        contract=[str(v) for v in found],
        missing_fields=[str(v) for v in found if v.rule == "required"],
        changed_types=[str(v) for v in found if v.rule == "type"],
    )
    provider = _shape(answer)
    kind = _kind(answer)
    if kind is not None:
        finding.unknown_fields = shapes.unknown(provider, _declared(kind))
    finding.mock = _versus_mock(request, answer, provider, profile)
    return finding


@functools.cache
def _declared(kind: validation.Kind) -> set[str]:
    """What the schemas declare for `kind`, read from them (so drift follows their changes)."""
    return shapes.known(validation.schema(kind))


def _kind(answer: _Answer) -> validation.Kind | None:
    if answer.status >= 400:
        return "error"
    return "chunk" if answer.events is not None else "completion"


def _values(answer: _Answer) -> list[Any]:
    if answer.events is None:
        try:
            return [json.loads(answer.body)]
        except (json.JSONDecodeError, UnicodeDecodeError):
            return []
    out = []
    for event in sse.decode(b"".join(answer.events).decode("utf-8", "replace")):
        if event.data.startswith(sse.DONE):
            continue
        try:
            out.append(json.loads(event.data))
        except json.JSONDecodeError:
            continue
    return out


def _shape(answer: _Answer) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in _values(answer):
        found.update(shapes.merge(found, shapes.shape(value)))
    return found


def _versus_mock(
    request: Mapping[str, Any], answer: _Answer, provider: dict[str, str], profile: Profile
) -> MockDifference:
    """How the mock's answer to the same request differs in shape. What kind of answer a
    model gives (text, tool calls, a refusal) is partly chance, and the mock's seed is not
    the provider's; so besides its own answer the mock is also asked for the kinds the
    provider gave, and the closer of the two is compared: the shapes a client parses."""
    body = request.get("body")
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    headers = {"content-type": "application/json", "authorization": "Bearer mockserver-drift"}
    raw = RawRequest(request["method"], request["path"], headers, data, request.get("query", ""))
    candidates = [_difference(answer, provider, _mock_answers(raw, profile, []))]
    kinds = _kinds(answer)
    if kinds and candidates[0]:
        candidates.append(_difference(answer, provider, _mock_answers(raw, profile, kinds)))
    return min(candidates, key=lambda d: sum(map(len, asdict(d).values())))


def _mock_answers(raw: RawRequest, profile: Profile, replies: list[Reply]) -> list[_Answer]:
    """The mock's answer to `raw`, or one answer scripted with each of `replies`."""
    answers = []
    scripted: list[Reply | None] = [*replies] or [None]
    for reply in scripted:
        service = Service(Config(profile=profile, seed=0, journal_size=0))
        if reply is not None:
            service.stub(reply)
        outcome = service.handle(raw)
        events = None
        if outcome.stream is not None:
            events = [e for _, e in outcome.stream if e is not None]
        answers.append(_Answer(outcome.status, outcome.headers, outcome.body, events))
    return answers


def _difference(answer: _Answer, provider: dict[str, str], mocks: list[_Answer]) -> MockDifference:
    ours: dict[str, str] = {}
    for mock in mocks:
        ours.update(shapes.merge(ours, _shape(mock)))
    mock = mocks[-1]
    diff = MockDifference(
        only_in_mock=shapes.unknown(ours, set(provider)),
        only_in_provider=shapes.unknown(provider, set(ours)),
        types=[
            f"{p}: provider {provider[p]}, mock {ours[p]}"
            for p in sorted(set(provider) & set(ours))
            if provider[p] != ours[p]
        ],
    )
    theirs_h = {h.lower() for h in answer.headers} - _TRANSPORT_HEADERS
    ours_h = {h.lower() for h in mock.headers} - _TRANSPORT_HEADERS
    diff.headers_only_in_mock = sorted(ours_h - theirs_h)
    diff.headers_only_in_provider = sorted(theirs_h - ours_h)
    if mock.status != answer.status:
        diff.status = f"provider {answer.status}, mock {mock.status}"
    return diff


def _kinds(answer: _Answer) -> list[Reply]:
    """One scripted reply per kind of answer the provider's choices hold (its own words)."""
    if answer.status >= 400:
        return []
    values = _values(answer)
    try:
        completion = (
            values[0]
            if answer.events is None
            else folding.fold(v for v in values if isinstance(v, dict) and not v.get("error"))
        )
    except (IndexError, ValueError, KeyError, TypeError):
        return []
    found: dict[str, Reply] = {}
    for choice in completion.get("choices") or () if isinstance(completion, dict) else ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            continue
        calls = message.get("tool_calls")
        try:
            if calls:
                found.setdefault(
                    "tool_calls",
                    ToolCalls(
                        [
                            Call(str(c["function"]["name"]), str(c["function"]["arguments"]))
                            for c in calls
                        ]
                    ),
                )
            elif message.get("refusal"):
                found.setdefault("refusal", Refusal(str(message["refusal"])))
            else:
                found.setdefault("text", Text(str(message.get("content") or "")))
        except (KeyError, TypeError, ValueError):
            continue
    return list(found.values())


def render(findings: Sequence[Finding], profile: Profile) -> str:
    """The console table, then the details of every exchange that has any."""
    rows = [("exchange", "status", "outcome", "contract", "unknown", "missing", "types", "mock")]
    for f in findings:
        rows.append(
            (
                f.name or Path(f.cassette).name,
                str(f.status),
                f.outcome,
                "ok" if f.ok else f"BROKEN ({len(f.contract)})",
                str(len(f.unknown_fields)),
                str(len(f.missing_fields)),
                str(len(f.changed_types)),
                "same shape" if not f.mock else "differs",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for f in findings:
        details = _details(f)
        if details:
            lines.append("")
            lines.append(f"{f.name or f.cassette} ({f.request}):")
            lines.extend(f"  {d}" for d in details)
    broken = sum(1 for f in findings if not f.ok)
    lines.append("")
    lines.append(
        f"{len(findings)} exchange(s), {broken} break the {profile.name} contract"
        if findings
        else "no recorded exchanges found"
    )
    return "\n".join(lines)


def _details(f: Finding) -> list[str]:
    out = [f"contract: {c}" for c in f.contract]
    out += [f"unknown field: {u}" for u in f.unknown_fields]
    m = f.mock
    if m.status:
        out.append(f"mock status differs: {m.status}")
    out += [f"only in the mock's answer: {p}" for p in m.only_in_mock]
    out += [f"only in the provider's answer: {p}" for p in m.only_in_provider]
    out += [f"type differs: {t}" for t in m.types]
    out += [f"header only from the mock: {h}" for h in m.headers_only_in_mock]
    out += [f"header only from the provider: {h}" for h in m.headers_only_in_provider]
    return out


def run(folder: str, profile: Profile, *, as_json: bool) -> int:
    """The CLI: print the report; 1 when any exchange breaks the contract, 2 when the
    cassettes cannot be read."""
    try:
        findings = report(folder, profile)
    except scenario_files.SpecError as exc:
        print(f"mockserver drift: {exc}", file=sys.stderr)
        return 2
    if as_json:
        document = {
            "profile": profile.name,
            "exchanges": [f.as_dict() for f in findings],
            "broken": sum(1 for f in findings if not f.ok),
        }
        print(json.dumps(document, indent=2))
    else:
        print(render(findings, profile))
    return 0 if all(f.ok for f in findings) else 1
