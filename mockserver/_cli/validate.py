"""``mockserver validate``: check JSON bodies and SSE transcripts against the contract."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from mockserver._contract import validation
from mockserver._control import scenario_files

FileKind = Literal["request", "completion", "chunk", "error", "transcript", "stubs", "contract"]
_KINDS: tuple[FileKind, ...] = get_args(FileKind)
_SUFFIXES = (".json", ".sse", ".yaml", ".yml")
_YAML = (".yaml", ".yml")


class _Unreadable(Exception):
    """The file cannot be checked at all; the message says why."""


def run(paths: Sequence[str], kind: str | None) -> int:
    """Validate every file in `paths` (folders recursively); 0 ok, 1 invalid, 2 no files."""
    forced = _kind(kind)
    files, missing = _collect(paths)
    for path in missing:
        print(f"{path}: no such file or folder")
    if not files and not missing:
        print(f"no *.json, *.sse or *.yaml files found in: {', '.join(paths)}", file=sys.stderr)
        return 2
    results = [_check_file(file, forced) for file in files]
    return 0 if all(results) and not missing else 1


def _kind(name: str | None) -> FileKind | None:
    if name is None:
        return None
    for known in _KINDS:
        if known == name:
            return known
    raise ValueError(f"unknown kind {name!r}; expected one of {', '.join(_KINDS)}")


def _collect(paths: Iterable[str]) -> tuple[list[Path], list[str]]:
    """The files to check, in order and without repeats, and the paths that do not exist."""
    files: dict[Path, None] = {}
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
            files.update(dict.fromkeys(sorted(found)))
        elif path.is_file():
            files[path] = None
        else:
            missing.append(raw)
    return list(files), missing


def _check_file(file: Path, forced: FileKind | None) -> bool:
    """Print the verdict on `file`; whether it is valid."""
    try:
        kind, value = _load(file, forced)
    except _Unreadable as exc:
        print(f"{file}: {exc}")
        return False
    found = validation.validate(kind, value)
    if kind == "stubs" and not found:
        try:  # what the schema cannot say: regexes compile, fixtures exist
            scenario_files.parse(value, source=str(file), base=file.parent)
        except scenario_files.SpecError as exc:
            print(exc)
            return False
    for violation in found:
        print(f"{file}: {violation.path or '(root)'}: {violation.message} [{violation.rule}]")
    if not found:
        print(f"{file}: ok ({kind})")
    return not found


def _load(file: Path, forced: FileKind | None) -> tuple[FileKind, Any]:
    """The file's kind and the value to validate (the text, for a transcript)."""
    text = _read_text(file)
    if forced == "transcript" or (forced is None and file.suffix == ".sse"):
        return "transcript", text
    value = _parse_yaml(text) if file.suffix in _YAML else _parse_json(text)
    kind = forced or _detect(value)
    if kind is None:
        raise _Unreadable("cannot tell what this file is; pass --kind")
    return kind, value


def _read_text(file: Path) -> str:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unreadable(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})"
        ) from exc


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from exc


def _parse_yaml(text: str) -> Any:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise _Unreadable("YAML needs PyYAML: pip install 'aimlapi-mockserver[yaml]'") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _Unreadable(f"not YAML: {exc}") from exc


def _detect(value: Any) -> FileKind | None:
    if not isinstance(value, dict):
        return None
    if value and set(value) <= {"stubs", "faults", "chaos", "strict"}:
        return "stubs"
    if value.get("format") == "aimlapi-mockserver/consumer-contract":
        return "contract"
    if "error" in value or ("statusCode" in value and "message" in value):
        return "error"
    objects: dict[str, FileKind] = {
        "chat.completion": "completion",
        "chat.completion.chunk": "chunk",
    }
    tag = value.get("object")
    if isinstance(tag, str) and tag in objects:
        return objects[tag]
    return "request" if "messages" in value else None
