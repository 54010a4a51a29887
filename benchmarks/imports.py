"""What importing the mock costs: ``import mockserver.app`` (and the pytest plugin, which
pytest imports in every session of every project that installs the package), each in a
fresh interpreter, against importing Starlette's application class alone in the same run.

    .venv/bin/python benchmarks/imports.py [--runs 15]

The figure is the best of the runs (the least disturbed by the machine): a fresh process
that imports the module and exits, minus one that imports nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

SUBJECTS = {
    "nothing (the interpreter)": "pass",
    "starlette.applications (the baseline)": "import starlette.applications",
    "mockserver.app": "import mockserver.app",
    "mockserver.pytest_plugin": "import mockserver.pytest_plugin",
    "mockserver (the package)": "import mockserver",
}


def best(statement: str, runs: int) -> float:
    """The shortest wall time of `runs` fresh interpreters running `statement`."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    figures = {name: best(statement, args.runs) for name, statement in SUBJECTS.items()}
    empty = figures.pop("nothing (the interpreter)")
    print(
        f"import cost, best of {args.runs} fresh interpreters (the interpreter's own start, {empty * 1000:.0f} ms, taken off):"
    )
    for name, seconds in figures.items():
        print(f"  {name}: {(seconds - empty) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
