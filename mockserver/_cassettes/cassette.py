"""The cassette format: one recorded exchange as a stub of a scenario file, with its credentials
removed; stores that write cassettes (a folder, one file per exchange, or one file that grows),
and the loader that turns a folder of cassettes into one `Scenario` paced for replay."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlencode

from mockserver._contract.replies import Raw
from mockserver._control import scenario_files
from mockserver._control.scenario_files import Scenario
from mockserver._control.scenarios import Stub

Outcome = Literal["complete", "cut", "broken", "unreachable", "timeout"]

CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
)
CREDENTIAL_QUERY = frozenset({"key", "api_key", "api-key", "apikey", "token", "access_token"})
# Headers that describe one connection, not the answer: replaying them would lie.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        "content-encoding",
        "proxy-authenticate",
        "x-mock-drift",
    }
)
IGNORED_BY_DEFAULT = frozenset(
    {"user", "metadata", "store", "safety_identifier", "prompt_cache_key"}
)
"""Request fields that do not change the answer, so replay does not match on them."""
SCRUBBED = "***redacted***"


def secrets(headers: Mapping[str, str], query: str) -> list[str]:
    """The credential values a request carries (whole header values and bearer tokens)."""
    found: list[str] = []
    for name, value in headers.items():
        if name.lower() in CREDENTIAL_HEADERS:
            found.append(value)
            found.extend(part for part in value.split() if len(part) >= 6)
    found.extend(v for k, v in parse_qsl(query) if k.lower() in CREDENTIAL_QUERY)
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def clean_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        k.lower(): v
        for k, v in headers.items()
        if k.lower() not in CREDENTIAL_HEADERS and k.lower() not in HOP_BY_HOP
    }


def clean_query(query: str) -> str:
    return urlencode([(k, v) for k, v in parse_qsl(query) if k.lower() not in CREDENTIAL_QUERY])


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _text(data: bytes) -> str:
    # Bytes that are not UTF-8 survive as lone surrogates (scenario_files reverses this).
    return data.decode("utf-8", "surrogateescape")


@dataclass
class Exchange:
    """What one request through the recorder produced."""

    method: str
    path: str
    query: str
    request_headers: Mapping[str, str]
    request_body: bytes
    upstream: str
    profile: str
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    events: list[tuple[float, bytes]] | None = None
    """For a stream: each event's bytes and its arrival (seconds after the request left)."""
    outcome: Outcome = "complete"
    dropped: bool = False
    """The connection broke mid-answer (replay breaks it at the same place)."""
    duration: float = 0.0
    violations: list[str] = field(default_factory=list)
    finished: bool = field(default=False, repr=False)
    """Checked, journaled and written (the recorder does that once)."""

    def parsed_request(self) -> Any:
        try:
            return json.loads(self.request_body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _text(self.request_body)

    def stub(self, name: str, ignore: Iterable[str] = IGNORED_BY_DEFAULT) -> dict[str, Any]:
        """The exchange as a stub of the scenario-file format, credentials removed."""
        request = self.parsed_request()
        ignored = set(ignore)
        wanted = (
            {k: v for k, v in request.items() if k not in ignored}
            if isinstance(request, dict)
            else {}
        )
        raw: dict[str, Any] = {
            "status": self.status,
            "headers": clean_headers(self.response_headers),
        }
        if self.events is not None:
            raw["chunks"] = [{"at": round(at, 4), "data": _text(d)} for at, d in self.events]
        else:
            try:
                parsed = json.loads(self.body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                parsed = None
            # Replay writes a JSON body compactly; any other spelling is kept as text.
            if parsed is not None and _compact(parsed) == self.body:
                raw["body"] = parsed
            else:
                raw["text"] = _text(self.body)
        if self.dropped:
            raw["dropped"] = True
        recorded: dict[str, Any] = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "upstream": self.upstream,
            "profile": self.profile,
            "request": {
                "method": self.method,
                "path": self.path,
                "query": clean_query(self.query),
                "headers": clean_headers(self.request_headers),
                "body": request,
            },
            "outcome": self.outcome,
            "duration": round(self.duration, 4),
            "violations": list(self.violations),
        }
        return {
            "name": name,
            "match": {"request": wanted, "request_ignore": sorted(ignored)},
            "reply": {"raw": raw},
            "recorded": recorded,
        }

    def slug(self) -> str:
        request = self.parsed_request()
        model = request.get("model") if isinstance(request, dict) else None
        digest = hashlib.sha256(self.request_body).hexdigest()[:8]
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in str(model or "request"))
        return f"{safe}-{digest}"


def scrub(text: str, hidden: Iterable[str]) -> str:
    """`text` with every credential value replaced: a key an upstream echoes in an error
    message must not reach a cassette either."""
    for secret in hidden:
        text = text.replace(secret, SCRUBBED)
        text = text.replace(json.dumps(secret)[1:-1], SCRUBBED)
    return text


def _dump(document: Any, hidden: Iterable[str]) -> str:
    return scrub(json.dumps(document, indent=2, ensure_ascii=False), hidden) + "\n"


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    partial.write_text(text, "utf-8")
    partial.replace(path)  # a reader never sees half a cassette


class Store(Protocol):
    def write(self, exchange: Exchange) -> Path: ...


class CassetteDir:
    """A folder with one cassette file per exchange: ``0001-o3-mini-1a2b3c4d.json``."""

    def __init__(self, folder: str | Path, ignore: Iterable[str] = IGNORED_BY_DEFAULT) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ignore = frozenset(ignore)
        self._lock = threading.Lock()
        self._count = len(list(self.folder.glob("*.json")))

    def write(self, exchange: Exchange) -> Path:
        with self._lock:
            self._count += 1
            path = self.folder / f"{self._count:04d}-{exchange.slug()}.json"
        stub = exchange.stub(path.stem, self.ignore)
        hidden = secrets(exchange.request_headers, exchange.query)
        _write(path, _dump({"stubs": [stub]}, hidden))
        return path


class CassetteFile:
    """One cassette file that holds every exchange of a test, appended in order."""

    def __init__(self, path: str | Path, ignore: Iterable[str] = IGNORED_BY_DEFAULT) -> None:
        self.path = Path(path)
        self.ignore = frozenset(ignore)
        self._lock = threading.Lock()

    def write(self, exchange: Exchange) -> Path:
        hidden = secrets(exchange.request_headers, exchange.query)
        with self._lock:
            document: dict[str, Any] = {"stubs": []}
            if self.path.exists():
                document = json.loads(self.path.read_text("utf-8"))
            stubs = document.setdefault("stubs", [])
            stubs.append(exchange.stub(f"{self.path.stem}#{len(stubs) + 1}", self.ignore))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write(self.path, _dump(document, hidden))
        return self.path


def files(folder: str | Path) -> list[Path]:
    """The cassette files under `folder` (or `folder` itself when it is a file), in order."""
    root = Path(folder)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise scenario_files.SpecError(f"{root}: no such cassette folder or file")
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in (".json", ".yaml", ".yml"))


def load(folder: str | Path, *, speed: float = 1.0) -> Scenario:
    """Every cassette under `folder` as one scenario; stream pauses multiplied by `speed`
    (0: no waiting)."""
    if speed < 0:
        raise ValueError(f"the replay speed must be >= 0; got {speed}")
    merged = Scenario([], [])
    for path in files(folder):
        scenario = scenario_files.load(path)
        merged.stubs.extend(paced(s, speed) for s in scenario.stubs)
        merged.faults.extend(scenario.faults)
    return merged


def paced(stub: Stub, speed: float) -> Stub:
    if speed == 1.0:
        return stub
    replies = tuple(
        replace(r, timed=tuple((delay * speed, data) for delay, data in r.timed))
        if isinstance(r, Raw) and r.timed is not None
        else r
        for r in stub.replies
    )
    return replace(stub, replies=replies)
