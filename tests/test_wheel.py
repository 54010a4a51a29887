"""The built wheel works on its own: schemas and fixtures ship inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent

# Run in the fresh venv, outside the repository.
CHECK_INSTALLED = """
import json, sys
from pathlib import Path

import mockserver
from mockserver import schemas
from mockserver._contract.resources import data_dir

venv = Path(sys.argv[1]).resolve()
package = Path(mockserver.__file__).resolve().parent
assert package.is_relative_to(venv), mockserver.__file__
assert data_dir("schemas").resolve().is_relative_to(package), data_dir("schemas")
fixtures = data_dir("fixtures").resolve()
assert fixtures.is_relative_to(package), fixtures
seed = json.loads((fixtures / "requests" / "seed.json").read_text("utf-8"))
assert schemas.validate_request(seed) == [], schemas.validate_request(seed)
completion = json.loads((fixtures / "completions" / "seed.json").read_text("utf-8"))
assert schemas.validate_completion(completion) == []
assert schemas.validate_transcript((fixtures / "streams" / "text.sse").read_bytes()) == []
print(fixtures)
"""


def run(*args: str | Path, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_wheel(outdir: Path) -> Path:
    # No isolation: the build backend comes from this venv, so no network is needed.
    run(
        sys.executable,
        "-m",
        "build",
        "--wheel",
        "--no-isolation",
        "--outdir",
        outdir,
        ROOT,
        cwd=ROOT,
    )
    (wheel,) = outdir.glob("aimlapi_mockserver-*.whl")
    return wheel


def fresh_venv(where: Path, wheel: Path) -> Path:
    """A venv holding only the wheel; this venv's site-packages supplies the dependencies."""
    run(sys.executable, "-m", "venv", where, cwd=where.parent)
    python = where / "bin" / "python"
    run(
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=where.parent,
    )
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=where.parent
    )
    # A .pth line is appended to sys.path after the fresh site-packages itself, so the
    # wheel's mockserver wins over this venv's editable one.
    (Path(purelib.strip()) / "zz_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", "utf-8"
    )
    return python


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("dist"))


def test_installed_wheel_validates_its_own_fixtures(tmp_path: Path, wheel: Path) -> None:
    venv = tmp_path / "venv"
    python = fresh_venv(venv, wheel)
    script = tmp_path / "check_installed.py"
    script.write_text(CHECK_INSTALLED, "utf-8")

    fixtures = run(python, script, venv, cwd=tmp_path).strip()

    out = run(venv / "bin" / "mockserver", "validate", fixtures, cwd=tmp_path)
    assert out.splitlines()
    assert all(line.endswith(")") and ": ok (" in line for line in out.splitlines()), out

    # The provider contract ships in the wheel: verify runs, and says when it checked nothing.
    verify = subprocess.run(
        [venv / "bin" / "mockserver", "verify", "http://127.0.0.1:9/v1", "--examples", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 2, verify.stdout + verify.stderr
    assert "cannot reach http://127.0.0.1:9/v1/chat/completions" in verify.stdout


# The test stack, which a server-only install must not need (the testing extra).
TEST_STACK = ("pytest", "_pytest", "py", "pluggy", "hypothesis", "_hypothesis", "respx")

CHECK_WITHOUT_TEST_STACK = """
import importlib.util, mockserver
for name in ("pytest", "hypothesis", "respx"):
    assert importlib.util.find_spec(name) is None, name
assert mockserver.Service and mockserver.create_app  # the public names still import
for attempt in (lambda: __import__("mockserver.strategies"), lambda: mockserver.mock_aimlapi().__enter__()):
    try:
        attempt()
    except ImportError as exc:
        assert "aimlapi-mockserver[testing]" in str(exc), exc
    else:
        raise AssertionError("imported without the testing extra")
print("ok")
"""


def _without_test_stack(where: Path) -> Path:
    """This venv's packages minus the test stack (and minus this repository's editable
    install), as a folder of links a fresh venv can put on its path."""
    where.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name.split("-")[0].split(".")[0].lower()
        if name in TEST_STACK or name.startswith(("__editable__", "aimlapi_mockserver", "_pytest")):
            continue
        if entry.suffix == ".pth":
            continue
        (where / entry.name).symlink_to(entry)
    return where


def test_the_server_runs_without_pytest_hypothesis_or_respx(tmp_path: Path, wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        requires = [
            line
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:")
        ]
    for name in ("pytest", "hypothesis", "respx"):
        lines = [r for r in requires if r.split()[1].startswith(name)]
        assert lines and all("extra ==" in line for line in lines), lines  # never required
        assert any("testing" in line for line in lines), lines

    venv = tmp_path / "venv"
    # Without pip of its own (seconds faster): this venv's pip installs into it.
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
    run(*install, "--no-deps", "--no-index", wheel, cwd=tmp_path)
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
    )
    packages = _without_test_stack(tmp_path / "packages")
    (Path(purelib.strip()) / "zz_server_dependencies.pth").write_text(f"{packages}\n", "utf-8")
    script = tmp_path / "check.py"
    script.write_text(CHECK_WITHOUT_TEST_STACK, "utf-8")
    assert run(python, script, cwd=tmp_path).strip() == "ok"

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    server = subprocess.Popen(
        [venv / "bin" / "mockserver", "serve", "--port", "0", "--log-level", "warning"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        banner = server.stderr.readline()
        assert "use base_url=" in banner, banner + server.stderr.read()
        base_url = banner.split("use base_url=")[1].split()[0]
        assert httpx.get(base_url.removesuffix("/v1") + "/health", timeout=10).status_code == 200
        answer = httpx.post(
            base_url + "/chat/completions",
            json={"model": "o3-mini", "messages": [{"role": "user", "content": "Hello"}]},
            headers={"authorization": "Bearer k"},
            timeout=10,
        )
        assert answer.status_code == 201 and answer.json()["choices"][0]["message"]["content"]
    finally:
        server.kill()
        server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()
