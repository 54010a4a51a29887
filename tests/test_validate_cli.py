"""``mockserver validate`` as a user runs it: what it prints and how it exits."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver._cli.main import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in (".json", ".sse"))


def validate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[str]]:
    code = main(["validate", *map(str, args)])
    return code, capsys.readouterr().out.splitlines()


def test_fixtures_folder_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = validate(capsys, FIXTURES)
    assert code == 0
    assert lines == [f"{p}: ok ({_kind(p)})" for p in FIXTURE_FILES]


def _kind(path: Path) -> str:
    folder = path.relative_to(FIXTURES).parts[0]
    return {"requests": "request", "completions": "completion", "errors": "error"}.get(
        folder, "transcript"
    )


def test_broken_copy_names_file_path_and_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = json.loads((FIXTURES / "requests" / "tools.json").read_text("utf-8"))
    body["n"] = 0
    body["tools"][0]["function"]["name"] = "get weather"
    broken = tmp_path / "tools.json"
    broken.write_text(json.dumps(body), "utf-8")
    code, lines = validate(capsys, broken)
    assert code == 1
    assert f"{broken}: n: must be >= 1; got 0 [minimum]" in lines
    assert any(line.startswith(f"{broken}: tools[0].function.name: must match") for line in lines)
    assert not any("ok (" in line for line in lines)


def test_one_bad_file_fails_the_run_but_all_are_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    shutil.copy(FIXTURES / "completions" / "seed.json", tmp_path / "a.json")
    (tmp_path / "b.json").write_text('{"object": "chat.completion"}', "utf-8")
    code, lines = validate(capsys, tmp_path)
    assert code == 1
    assert lines[0] == f"{tmp_path / 'a.json'}: ok (completion)"
    assert f"{tmp_path / 'b.json'}: id: is required [required]" in lines


def test_not_json_says_where(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": "o3-mini",\n  "messages": [}\n', "utf-8")
    code, lines = validate(capsys, bad)
    assert code == 1
    assert lines == [f"{bad}: not JSON: Expecting value at line 2, column 16"]


def test_not_utf8(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "latin1.json"
    bad.write_bytes(
        '{"model": "o3-mini", "messages": [{"role": "user", "content": "café"}]}'.encode("latin-1")
    )
    code, lines = validate(capsys, bad)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{bad}: not UTF-8: byte 0xe9 at offset 66")


def test_missing_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, lines = validate(capsys, tmp_path / "nope.json", FIXTURES / "requests" / "seed.json")
    assert code == 1
    assert lines[0] == f"{tmp_path / 'nope.json'}: no such file or folder"
    assert lines[1].endswith("seed.json: ok (request)")


def test_sse_without_events(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.sse"
    empty.write_text("hello\n", "utf-8")
    code, lines = validate(capsys, empty)
    assert code == 1
    assert lines == [f"{empty}: (root): no event found: not an SSE transcript [sse:empty]"]


def test_broken_transcript_names_the_event(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = (FIXTURES / "streams" / "text.sse").read_bytes()
    cut = tmp_path / "cut.sse"
    *events, _finish, _done = text.split(b"\n\n")[:-1]
    cut.write_bytes(b"".join(e + b"\n\n" for e in events))  # cut before its finish
    code, lines = validate(capsys, cut)
    assert code == 1
    assert lines == [
        f"{cut}: (root): choice 0 never received a finish_reason (the stream ended without "
        "data: [DONE]) [sse:unfinished]"
    ]


def test_undetectable_kind(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text('{"model": "o3-mini"}', "utf-8")
    code, lines = validate(capsys, odd)
    assert code == 1
    assert lines == [f"{odd}: cannot tell what this file is; pass --kind"]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        pytest.param('{"error": {"message": "x", "type": null, "param": null, "code": null}}', "error", id="envelope"),
        pytest.param('{"statusCode": 401, "message": "x", "path": "/", "requestId": "r", "timestamp": "t"}', "error", id="flat"),
        pytest.param('{"model": "o3-mini", "messages": [{"role": "user", "content": "Hi"}]}', "request", id="request"),
        pytest.param('{"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}', "chunk", id="chunk"),
    ],
)  # fmt: skip
def test_kind_is_detected_from_content(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, kind: str
) -> None:
    path = tmp_path / "body.json"
    path.write_text(content, "utf-8")
    assert validate(capsys, path) == (0, [f"{path}: ok ({kind})"])


def test_kind_override(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    odd.write_text('{"model": "o3-mini"}', "utf-8")
    code, lines = validate(capsys, odd, "--kind", "request")
    assert code == 1
    assert lines == [f"{odd}: messages: is required [required]"]


def test_kind_override_reads_any_file_as_a_transcript(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stream = tmp_path / "stream.txt"
    shutil.copy(FIXTURES / "streams" / "tool-call.sse", stream)
    assert validate(capsys, stream, "--kind", "transcript") == (0, [f"{stream}: ok (transcript)"])


def test_folders_are_searched_recursively_and_skip_other_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "z" / "deeper").mkdir(parents=True)
    shutil.copy(FIXTURES / "streams" / "text.sse", tmp_path / "z" / "deeper" / "text.sse")
    shutil.copy(FIXTURES / "errors" / "401.json", tmp_path / "a.json")
    (tmp_path / "README.md").write_text("# not a fixture\n", "utf-8")
    code, lines = validate(capsys, tmp_path)
    assert code == 0
    assert lines == [
        f"{tmp_path / 'a.json'}: ok (error)",
        f"{tmp_path / 'z' / 'deeper' / 'text.sse'}: ok (transcript)",
    ]


def test_no_files_found(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# nothing to validate\n", "utf-8")
    assert main(["validate", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"no *.json, *.sse or *.yaml files found in: {tmp_path}\n"


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "validate", "fixtures"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{p.relative_to(ROOT)}: ok ({_kind(p)})" for p in FIXTURE_FILES
    ]


def test_scenario_files_in_yaml_and_json_are_validated_with_their_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("stubs:\n  - match: {last_user: hi}\n    reply: {content: Hello}\n")
    broken = tmp_path / "broken.yml"
    broken.write_text("stubs:\n  - reply: {tool_calls: [{arguments: {}}]}\n")
    bad_regex = tmp_path / "regex.json"
    bad_regex.write_text(
        '{"stubs": [{"match": {"last_user_regex": "("}, "reply": {"content": "x"}}]}'
    )
    assert main(["validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{good}: ok (stubs)" in out
    assert f"{broken}: stubs[0].reply.tool_calls[0].name: is required [required]" in out
    assert "stubs[0].match.last_user_regex: must be a regular expression" in out


def test_a_file_that_is_not_yaml_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("stubs: [unclosed\n")
    assert main(["validate", str(bad)]) == 1
    assert f"{bad}: not YAML:" in capsys.readouterr().out
