"""The one reader of user files (``mockserver._control.documents``): every command that reads
scenario files, cassettes or contracts refuses what is not a regular file inside its folder,
caps sizes before reading, bounds YAML aliases and nesting, and exits 2 naming the file."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from mockserver import Config, Service
from mockserver._adapters.server import LiveServer
from mockserver._cli import main as cli
from mockserver._control import documents, scenario_files

STUB = {"stubs": [{"reply": {"content": "Hi"}}]}
CONTRACT_ARGS = ["http://127.0.0.1:9/v1", "--api-key", "k"]

# Each command that reads a scenario file, a cassette folder or a contract: how to run it
# on a path, from a folder's point of view ("DIR") or a file's ("FILE").
COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "serve --stubs": lambda p: ["serve", "--stubs", str(p), "--port", "0"],
    "serve --cassettes": lambda p: ["serve", "--cassettes", str(p), "--port", "0"],
    "validate": lambda p: ["validate", str(p)],
    "drift": lambda p: ["drift", str(p)],
    "verify --contract": lambda p: ["verify", *CONTRACT_ARGS, "--contract", str(p)],
}
FOLDER_COMMANDS = ("serve --cassettes", "validate", "drift")


def finishes(argv: list[str]) -> int:
    """The exit status of `argv`, failing (not hanging) when the command blocks."""
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(cli.main(argv)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert result, f"mockserver {' '.join(argv)} blocked"
    return result[0]


def output(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize("command", FOLDER_COMMANDS)
def test_a_symlink_out_of_the_folder_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "outside.json"
    secret.write_text(json.dumps(STUB))
    folder = tmp_path / "cassettes"
    folder.mkdir()
    (folder / "evil.json").symlink_to(secret)
    assert finishes(COMMANDS[command](folder)) == 2
    out = output(capsys)
    assert f"{folder / 'evil.json'}: leads outside {folder}" in out


def test_a_symlink_that_stays_inside_the_folder_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cassettes"
    (folder / "real").mkdir(parents=True)
    (folder / "real" / "a.json").write_text(json.dumps(STUB))
    (folder / "b.json").symlink_to(folder / "real" / "a.json")
    assert cli.main(["validate", str(folder)]) == 0
    assert scenario_files.load(folder / "b.json", within=folder).stubs


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_fifo_is_refused_without_blocking(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    fifo = folder / "pipe.json"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading would block
    target = folder if command in FOLDER_COMMANDS else fifo
    assert finishes(COMMANDS[command](target)) == 2
    assert f"{fifo}: is a FIFO, not a regular file; refused without reading it" in output(capsys)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_device_is_refused(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert finishes(COMMANDS[command](Path("/dev/zero"))) == 2
    assert "/dev/zero: is a character device, not a regular file" in output(capsys)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_over_the_cap_is_refused_before_it_is_read(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as f:  # sparse: the size is there, the bytes are not
        f.truncate(documents.MAX_FILE_BYTES + 1)
    assert finishes(COMMANDS[command](big)) == 2
    assert f"is larger than {documents.MAX_FILE_BYTES} bytes" in output(capsys)


def test_the_cap_also_holds_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps(STUB))
    monkeypatch.setattr(documents, "MAX_FILE_BYTES", 10)
    with pytest.raises(documents.Refused, match="larger than 10 bytes"):
        documents.read(path)


BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
stubs: [*i]
"""


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_yaml_alias_bomb_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert finishes(COMMANDS[command](path)) == 2
    assert f"{path}: its aliases expand to more than {documents.MAX_NODES} values" in output(capsys)


def test_a_self_referring_alias_is_refused() -> None:
    with pytest.raises(documents.Refused, match="an alias refers to itself"):
        documents.parse(b"stubs: &s [*s]\n", yaml=True)


def test_shared_aliases_within_the_bound_still_load() -> None:
    text = b"reply: &r {content: Hi}\nstubs: [{reply: *r}, {reply: *r, name: again}]\n"
    assert documents.parse(text, yaml=True)["stubs"][1]["reply"] == {"content": "Hi"}


NESTED = {
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "deep-unclosed.json": "[" * 100_000,
    "deep.yaml": "stubs: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "deep-block.yaml": "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n",
}


@pytest.mark.parametrize("name", list(NESTED))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_deep_nesting_is_a_clean_error_naming_the_file(
    command: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_text(NESTED[name])
    assert finishes(COMMANDS[command](path)) == 2
    out = output(capsys)
    assert f"{path}: objects and arrays nest deeper than 64 levels" in out
    assert "Traceback" not in out and "RecursionError" not in out


@pytest.fixture(scope="module")
def server() -> LiveServer:
    with LiveServer(Service(Config(seed=0))) as live:
        yield live


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (BOMB, "aliases expand to more than"),
        ("stubs: &s [*s]\n", "an alias refers to itself"),
        ("stubs: " + "[" * 5_000 + "]" * 5_000, "nest deeper than 64 levels"),
    ],
)
def test_admin_scenario_bodies_go_through_the_same_reader(
    server: LiveServer, body: str, expected: str
) -> None:
    answer = httpx.post(
        server.url + "/__mock/scenario",
        content=body.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert answer.status_code == 400
    assert expected in answer.text
