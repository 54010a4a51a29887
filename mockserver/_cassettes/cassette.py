"""The cassette format: one recorded exchange as a stub of a scenario file, with its credentials
removed; stores that write cassettes (a folder, one file per exchange, or one file that grows),
and the loader that turns a folder of cassettes into one `Scenario` paced for replay.

Cassettes are lossless: bytes that are not UTF-8 (a compressed body, a binary answer, a
stream with a broken character) are kept in base64 with ``"encoding": "base64"`` beside
them, which replay decodes (``schemas/stubs.json``). Writing is atomic and leaves no
temporary file behind; a cassette that would exceed what the loader reads is not written,
and the recorder says why.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlencode

from mockserver._cassettes.capture import Capture
from mockserver._cassettes.secrets import Scrubber, values
from mockserver._contract import jsonio
from mockserver._contract.replies import Raw
from mockserver._control import documents, scenario_files
from mockserver._control.credentials import is_credential
from mockserver._control.scenario_files import Scenario
from mockserver._control.scenarios import Stub

Outcome = Literal["complete", "cut", "truncated", "broken", "unreachable", "timeout"]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
    }
)
"""Headers that describe one connection, not the answer: neither relayed nor recorded."""
NOT_RECORDED = HOP_BY_HOP | {"content-length", "x-mock-drift"}
"""Besides credentials: replay frames the body itself, and the drift note is the recorder's."""
IGNORED_BY_DEFAULT = frozenset(
    {"user", "metadata", "store", "safety_identifier", "prompt_cache_key"}
)
"""Request fields that do not change the answer, so replay does not match on them."""
SUFFIXES = (".json", ".yaml", ".yml")
MAX_NAME = 48
"""Characters of the model name a cassette's file name keeps."""
_PARSE_BODIES = 1024 * 1024
"""JSON bodies up to this size are kept as JSON values (readable); larger ones as text."""


def clean_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`headers` without credentials and without what describes the connection."""
    return {
        k.lower(): v
        for k, v in headers.items()
        if not is_credential(k) and k.lower() not in NOT_RECORDED
    }


def clean_query(query: str) -> str:
    return urlencode(
        [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not is_credential(k)]
    )


def encoded(data: bytes, key: str = "data") -> dict[str, str]:
    """`data` as the cassette keeps it: UTF-8 text, or base64 with its marker when it is
    not UTF-8 (or is mostly control bytes, which JSON spells in six characters each)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    # Text stays readable unless escaping would more than double it (control bytes do).
    if text is not None and (
        _escaped_at_most(data) <= 2 * len(data) + 8
        or len(json.dumps(text, ensure_ascii=False)) <= 2 * len(data) + 8
    ):
        return {key: text}
    return {key: base64.b64encode(data).decode("ascii"), "encoding": "base64"}


_NOT_CONTROL = bytes(range(32, 256))


def _escaped_at_most(data: bytes) -> int:
    """An upper bound of ``len(json.dumps(data.decode(), ensure_ascii=False))``, in one
    pass in C: each control byte takes at most 6 characters, a quote or backslash 2."""
    controls = len(data.translate(None, _NOT_CONTROL))
    return len(data) + 2 + 5 * controls + data.count(b'"') + data.count(b"\\")


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
    capture: Capture | None = None
    """What was kept of the answer (None when none came)."""
    body: bytes = b""
    """The answer when the recorder made it (502, 504)."""
    outcome: Outcome = "complete"
    dropped: bool = False
    """The connection broke mid-answer (replay breaks it at the same place)."""
    duration: float = 0.0
    violations: list[str] = field(default_factory=list)

    @property
    def streamed(self) -> bool:
        return self.capture is not None and self.capture.stream

    def answer(self) -> bytes:
        """The answer's kept bytes (a stream's transcript)."""
        return self.capture.body() if self.capture is not None else self.body

    def parsed_request(self) -> Any:
        try:
            return json.loads(self.request_body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None

    def scrubber(self) -> Scrubber:
        return Scrubber(values(self.request_headers, self.query))

    def stub(
        self, name: str, ignore: Iterable[str], scrubber: Scrubber
    ) -> tuple[dict[str, Any], Iterator[str] | None]:
        """The exchange as a stub of the scenario-file format, credentials removed, and
        for a stream its chunks as JSON lines (written one by one, not held at once)."""
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
        chunks = None
        if self.streamed:
            assert self.capture is not None
            raw["chunks"] = []
            found = scrubber.within(self.capture.body())
            chunks = (
                found.text(_chunk_line({"at": round(at, 4), **encoded(found.bytes(data))}))
                for at, data in self.capture.events()
            )
        else:
            raw.update(_body(scrubber.bytes(self.answer())))
        if self.dropped:
            raw["dropped"] = True
        sent: dict[str, Any] = {
            "method": self.method,
            "path": self.path,
            "query": clean_query(self.query),
            "headers": clean_headers(self.request_headers),
        }
        if request is not None:
            sent["body"] = request
        elif self.request_body:
            sent.update(encoded(scrubber.bytes(self.request_body), "body"))
        recorded: dict[str, Any] = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "upstream": self.upstream,
            "profile": self.profile,
            "request": sent,
            "outcome": self.outcome,
            "duration": round(self.duration, 4),
            "violations": list(self.violations),
        }
        if self.capture is not None and self.capture.truncated:
            recorded["size"] = self.capture.size
        stub = {
            "name": name,
            "match": {"request": wanted, "request_ignore": sorted(ignored)},
            "reply": {"raw": raw},
            "recorded": recorded,
        }
        return stub, chunks

    def slug(self) -> str:
        """``<model>-<digest>``: the model name made safe for any file system (letters,
        digits, ``.``, ``_``, ``-``; never hidden, at most `MAX_NAME` characters) and 8 hex
        digits of the request."""
        request = self.parsed_request()
        model = request.get("model") if isinstance(request, dict) else None
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", str(model) if isinstance(model, str) else "")
        safe = re.sub(r"-{2,}", "-", safe).strip(".-")[:MAX_NAME].strip(".-") or "request"
        digest = hashlib.sha256(self.request_body).hexdigest()[:8]
        return f"{safe}-{digest}"


def _body(data: bytes) -> dict[str, Any]:
    if len(data) <= _PARSE_BODIES:
        try:
            parsed = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = None
        # Replay writes a JSON body compactly; any other spelling is kept as text.
        if parsed is not None and _compact(parsed) == data:
            return {"body": parsed}
    return encoded(data, "text")


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class TooLarge(ValueError):
    """The cassette would be larger than the loader reads (`documents.MAX_FILE_BYTES`)."""


_PLACEHOLDER = "\0chunks\0"


def _chunk_line(chunk: dict[str, Any]) -> str:
    """``json.dumps(chunk, ensure_ascii=False, separators=(", ", ": "))`` for a chunk's
    flat ``at``/``data``/``encoding`` object, with orjson's strings (the same escapes):
    a stream has hundreds of chunks, and this ran for each."""
    return (
        "{"
        + ", ".join(
            _json_text(name)
            + ": "
            + (repr(value) if isinstance(value, float) else _json_text(value))
            for name, value in chunk.items()
        )
        + "}"
    )


def _json_text(value: Any) -> str:
    return jsonio.dumps(value).decode()


def _lines(
    earlier: list[dict[str, Any]],
    stub: dict[str, Any],
    chunks: Iterator[str] | None,
    scrubber: Scrubber,
) -> Iterator[str]:
    """The cassette file's text, piece by piece: a stream's chunks one per line."""
    yield '{\n  "stubs": [\n'
    for item in earlier:
        yield _indented(json.dumps(item, indent=2, ensure_ascii=False)) + ",\n"
    if chunks is None:
        yield scrubber.text(_indented(json.dumps(stub, indent=2, ensure_ascii=False)))
    else:
        stub["reply"]["raw"]["chunks"] = _PLACEHOLDER
        text = _indented(json.dumps(stub, indent=2, ensure_ascii=False))
        before, after = text.split(json.dumps(_PLACEHOLDER))
        yield scrubber.text(before) + "["
        first = True
        for line in chunks:
            yield ("\n" if first else ",\n") + "          " + line
            first = False
        yield ("\n        ]" if not first else "]") + scrubber.text(after)
    yield "\n  ]\n}\n"


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _write(path: Path, pieces: Iterable[str], *, exclusive: bool) -> bool:
    """Write `pieces` to a temporary file beside `path`, then give it the name `path`:
    a reader never sees half a cassette, and a failure leaves nothing behind. With
    `exclusive`, an existing `path` is not replaced (False is returned)."""
    fd, partial = tempfile.mkstemp(prefix=f".{path.name[:32]}.", suffix=".tmp", dir=path.parent)
    try:
        size = 0
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for piece in pieces:
                size += len(piece) if piece.isascii() else len(piece.encode("utf-8"))
                if size > documents.MAX_FILE_BYTES:
                    raise TooLarge(
                        f"the cassette would be larger than {documents.MAX_FILE_BYTES} bytes, "
                        "more than the loader reads"
                    )
                handle.write(piece)
        if not exclusive:
            os.replace(partial, path)
            return True
        try:
            os.link(partial, path)  # fails, rather than replaces, when the name is taken
        except FileExistsError:
            return False
        except OSError as exc:  # pragma: no cover - file systems without hard links
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV) or path.exists():
                raise
            os.replace(partial, path)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


class Store(Protocol):
    def write(self, exchange: Exchange) -> Path: ...


class CassetteDir:
    """A folder with one cassette file per exchange: ``0001-o3-mini-1a2b3c4d.json``; the
    number makes each name unique, also beside another recorder writing to the same
    folder."""

    def __init__(self, folder: str | Path, ignore: Iterable[str] = IGNORED_BY_DEFAULT) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ignore = frozenset(ignore)
        self._lock = threading.Lock()
        numbers = (p.name.partition("-")[0] for p in self.folder.glob("*.json"))
        self._count = max((int(n) for n in numbers if n.isdigit()), default=0)

    def write(self, exchange: Exchange) -> Path:
        scrubber = exchange.scrubber()
        slug = exchange.slug()
        while True:
            with self._lock:
                self._count += 1
                path = self.folder / f"{self._count:04d}-{slug}.json"
            if path.exists():
                continue
            stub, chunks = exchange.stub(path.stem, self.ignore, scrubber)
            if _write(path, _lines([], stub, chunks, scrubber), exclusive=True):
                return path


class CassetteFile:
    """One cassette file that holds every exchange of a test, appended in order."""

    def __init__(self, path: str | Path, ignore: Iterable[str] = IGNORED_BY_DEFAULT) -> None:
        self.path = Path(path)
        self.ignore = frozenset(ignore)
        self._lock = threading.Lock()
        self.written = 0
        """Exchanges written by this store."""

    def write(self, exchange: Exchange) -> Path:
        scrubber = exchange.scrubber()
        with self._lock:
            earlier: list[dict[str, Any]] = []
            if self.path.exists():
                try:
                    earlier = list(documents.load(self.path).get("stubs", []))
                except (documents.Refused, documents.Unreadable, AttributeError) as exc:
                    raise TooLarge(f"cannot append to {self.path}: {exc}") from None
            stub, chunks = exchange.stub(
                f"{self.path.stem}#{len(earlier) + 1}", self.ignore, scrubber
            )
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write(self.path, _lines(earlier, stub, chunks, scrubber), exclusive=False)
            self.written += 1
        return self.path


def files(folder: str | Path) -> list[tuple[Path, Path | None]]:
    """The cassette files under `folder` (or `folder` itself when it is a file), in order,
    each with the folder it must stay inside (None for a file named itself)."""
    root = Path(folder)
    if root.is_dir():
        return [(p, root) for p in documents.files_in(root, SUFFIXES)]
    if root.exists() or root.is_symlink():
        return [(root, None)]
    raise scenario_files.SpecError(f"{root}: no such cassette folder or file")


def load(folder: str | Path, *, speed: float = 1.0) -> Scenario:
    """Every cassette under `folder` as one scenario; stream pauses multiplied by `speed`
    (0: no waiting)."""
    if speed < 0:
        raise ValueError(f"the replay speed must be >= 0; got {speed}")
    merged = Scenario([], [])
    for path, within in files(folder):
        scenario = scenario_files.load(path, within=within)
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
