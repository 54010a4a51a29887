"""The built wheel works on its own: schemas and fixtures ship inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

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


def test_installed_wheel_validates_its_own_fixtures(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
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
