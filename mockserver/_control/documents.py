"""The one reader of the files and bodies a user hands the mock: scenario files (``serve
--stubs``), cassettes (``serve --cassettes``, ``drift``), consumer contracts (``verify
--contract``), the files ``validate`` checks, and ``POST /__mock/scenario`` bodies.

Every command therefore has the same guarantees (docs/explanation/limits.md):

- only regular files: a FIFO, a device or a socket is refused from its ``stat``, never
  opened for reading (and the file is opened non-blocking, then checked again with
  ``fstat``, so a swap in between cannot make it block);
- inside a named folder, only files that resolve inside it: a symlink that leads out is
  refused;
- at most `MAX_FILE_BYTES`, checked before reading and again while reading;
- JSON and YAML nest at most `strict_json.MAX_DEPTH` levels, and YAML aliases expand to at
  most `MAX_NODES` values (a "billion laughs" file is refused while it is still a graph of
  a few dozen nodes).

`Refused` is a file this reader will not take (unsafe, or beyond a limit); `Unreadable` is
one it read but cannot parse (not UTF-8, not JSON or YAML).
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mockserver._contract import strict_json

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest file read (64 MiB): four times the largest cassette the recorder writes by
default, escapes and timings included."""
MAX_NODES = 1_000_000
"""Values (objects, arrays, scalars) one document may expand to: YAML aliases counted as
often as they are used. Also the bound on JSON objects and arrays in one file."""
YAML_SUFFIXES = (".yaml", ".yml")


class Refused(ValueError):
    """A file this reader will not take; the message names it and says why."""


class Unreadable(ValueError):
    """A file (or body) that is not UTF-8 JSON or YAML; the message says where."""


def files_in(folder: str | Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files under `folder` whose name ends in one of `suffixes`, sorted; symlinked
    folders are not entered (their files could lie anywhere). `Refused` when `folder` is no
    folder."""
    root = Path(folder)
    if not root.is_dir():
        raise Refused(f"{root}: no such folder")
    found: list[Path] = []
    for top, folders, names in os.walk(root, followlinks=False):
        folders.sort()
        found.extend(Path(top) / n for n in names if n.lower().endswith(suffixes))
    return sorted(found)


def read(path: str | Path, *, within: str | Path | None = None, limit: int | None = None) -> bytes:
    """The bytes of the regular file `path` (inside `within` when given, at most `limit`,
    default `MAX_FILE_BYTES`); `Refused` otherwise, without blocking and without reading
    anything that is not a regular file."""
    path = Path(path)
    limit = MAX_FILE_BYTES if limit is None else limit
    real = os.path.realpath(path)
    if within is not None:
        root = os.path.realpath(within)
        if os.path.commonpath([root, real]) != root:
            raise Refused(f"{path}: leads outside {within} (to {real}); refused")
    try:
        before = os.stat(real)
    except OSError as exc:
        raise Refused(f"{path}: cannot read: {exc.strerror}") from None
    _check_regular(path, before.st_mode)
    _check_size(path, before.st_size, limit)
    try:
        # O_NONBLOCK: should the path have become a FIFO since the stat, open does not wait
        # for a writer; O_NOFOLLOW: nor may it have become a symlink.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        reason = "it became a symlink" if exc.errno == errno.ELOOP else exc.strerror
        raise Refused(f"{path}: cannot read: {reason}") from None
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(fd)
        _check_regular(path, now.st_mode)
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
            raise Refused(f"{path}: changed while it was opened; refused")
        data = handle.read(limit + 1)
    _check_size(path, len(data), limit)
    return data


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kinds = {
        stat.S_ISDIR: "a folder",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    kind = next((name for test, name in kinds.items() if test(mode)), "not a file")
    raise Refused(f"{path}: is {kind}, not a regular file; refused without reading it")


def _check_size(path: Path, size: int, limit: int) -> None:
    if size > limit:
        raise Refused(f"{path}: is larger than {limit} bytes, the most this reads; refused")


def text(data: bytes) -> str:
    """`data` as UTF-8 text; `Unreadable` naming the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})"
        ) from None


def parse(data: bytes, *, yaml: bool) -> Any:
    """The JSON (or YAML) document in `data`, within the limits above; `Refused` for a
    limit, `Unreadable` for what is not a document. Messages do not name a source."""
    return _parse_yaml(text(data)) if yaml else _parse_json(data)


def load(path: str | Path, *, within: str | Path | None = None) -> Any:
    """The document in the file `path` (YAML by its suffix, else JSON); both errors name
    the file."""
    path = Path(path)
    data = read(path, within=within)
    try:
        return parse(data, yaml=path.suffix.lower() in YAML_SUFFIXES)
    except Refused as exc:
        raise Refused(f"{path}: {exc}") from None
    except Unreadable as exc:
        raise Unreadable(f"{path}: {exc}") from None


def _parse_json(data: bytes) -> Any:
    try:
        strict_json.check_structure(data, containers=MAX_NODES)
    except strict_json.JsonProblem as exc:
        raise Refused(str(exc).replace("the body", "the file")) from None
    source = text(data)
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:  # int(): more digits than Python converts
        raise Unreadable(f"not JSON: {exc}") from None
    except RecursionError:  # unbalanced brackets pass the count above; the parser recurses
        raise Refused(
            f"objects and arrays nest deeper than {strict_json.MAX_DEPTH} levels"
        ) from None


def _parse_yaml(source: str) -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - a dependency
        raise Unreadable("YAML needs PyYAML: pip install pyyaml") from None
    loader = _bounded_loader(yaml)(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _count(node, yaml)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise Unreadable(f"not YAML: {exc}") from None
    finally:
        loader.dispose()


_LOADERS: dict[int, type] = {}


def _bounded_loader(yaml: Any) -> Any:
    """PyYAML's safe loader, composing at most `MAX_DEPTH` levels deep (its composer
    recurses once per level)."""
    if id(yaml) not in _LOADERS:

        class Bounded(yaml.SafeLoader):  # type: ignore[misc]
            depth = 0

            def compose_node(self, parent: Any, index: Any) -> Any:
                self.depth += 1
                try:
                    if self.depth > strict_json.MAX_DEPTH:
                        mark = self.peek_event().start_mark
                        raise Refused(
                            f"objects and arrays nest deeper than {strict_json.MAX_DEPTH} "
                            f"levels (line {mark.line + 1})"
                        )
                    return super().compose_node(parent, index)
                finally:
                    self.depth -= 1

        _LOADERS[id(yaml)] = Bounded
    return _LOADERS[id(yaml)]


def _count(root: Any, yaml: Any) -> None:
    """Refuse a node graph whose aliases expand beyond `MAX_NODES` values, or refer to
    themselves; linear in the graph's distinct nodes (each one's size is counted once)."""
    sizes: dict[int, int] = {}
    # An explicit stack: a graph may be as deep as MAX_DEPTH only, but aliases may chain.
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node, yaml))
            if sizes[key] > MAX_NODES:
                raise Refused(
                    f"its aliases expand to more than {MAX_NODES} values "
                    f"(line {node.start_mark.line + 1}); refused"
                )
            continue
        if key in sizes:
            continue
        if key in open_:
            raise Refused(f"an alias refers to itself (line {node.start_mark.line + 1}); refused")
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node, yaml) if id(c) not in sizes)


def _children(node: Any, yaml: Any) -> Iterator[Any]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
