"""``mockserver validate``: check JSON bodies and SSE transcripts against the contract."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from mockserver._contract import validation
from mockserver._control import documents, scenario_files

FileKind = Literal["request", "completion", "chunk", "error", "transcript", "stubs", "contract"]
_KINDS: tuple[FileKind, ...] = get_args(FileKind)
_SUFFIXES = (".json", ".sse", ".yaml", ".yml")


def run(paths: Sequence[str], kind: str | None) -> int:
    """Validate every file in `paths` (folders recursively); 0 ok, 1 invalid, 2 no files,
    or a file refused by the reader (not a regular file, outside its folder, beyond a
    limit)."""
    forced = _kind(kind)
    files, missing = _collect(paths)
    for path in missing:
        print(f"{path}: no such file or folder")
    if not files and not missing:
        print(f"no *.json, *.sse or *.yaml files found in: {', '.join(paths)}", file=sys.stderr)
        return 2
    results = [_check_file(file, within, forced) for file, within in files]
    if _REFUSED in results:
        return 2
    return 0 if all(results) and not missing else 1


_REFUSED = None
"""The verdict on a file the reader refused."""


def _kind(name: str | None) -> FileKind | None:
    if name is None:
        return None
    for known in _KINDS:
        if known == name:
            return known
    raise ValueError(f"unknown kind {name!r}; expected one of {', '.join(_KINDS)}")


def _collect(paths: Iterable[str]) -> tuple[list[tuple[Path, Path | None]], list[str]]:
    """The files to check (each with the folder it was found in, or None when named
    itself), in order and without repeats, and the paths that do not exist."""
    files: dict[Path, Path | None] = {}
    missing: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in documents.files_in(path, _SUFFIXES):
                files.setdefault(found, path)
        elif path.exists() or path.is_symlink():
            files.setdefault(path, None)
        else:
            missing.append(raw)
    return list(files.items()), missing


def _check_file(file: Path, within: Path | None, forced: FileKind | None) -> bool | None:
    """Print the verdict on `file`; whether it is valid (None: the reader refused it)."""
    try:
        kind, value = _load(file, within, forced)
    except documents.Refused as exc:
        print(exc)
        return _REFUSED
    except documents.Unreadable as exc:
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


def _load(file: Path, within: Path | None, forced: FileKind | None) -> tuple[FileKind, Any]:
    """The file's kind and the value to validate (the text, for a transcript)."""
    data = documents.read(file, within=within)
    if forced == "transcript" or (forced is None and file.suffix == ".sse"):
        return "transcript", documents.text(data)
    try:
        value = documents.parse(data, yaml=file.suffix.lower() in documents.YAML_SUFFIXES)
    except documents.Refused as exc:
        raise documents.Refused(f"{file}: {exc}") from None
    kind = forced or _detect(value)
    if kind is None:
        raise documents.Unreadable("cannot tell what this file is; pass --kind")
    return kind, value


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
