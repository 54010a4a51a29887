"""Running a client command once: its output read up to a cap, the whole process group
killed on a timeout, and nothing it started left behind.

The command runs through the shell in a session (and process group) of its own. However it
ends (it exits, it runs out of time, it prints more than the cap), the group is killed, so
no grandchild survives holding the output pipes open, and the kit's memory holds at most
`MAX_OUTPUT` bytes of each stream.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass

MAX_OUTPUT = 1024 * 1024
"""Bytes of stdout (and of stderr) read from one run; more fails the run."""
DEFAULT_TIMEOUT = 60.0
"""Seconds one run may take (``conform --timeout``)."""
SHRINK_SECONDS = 10.0
"""Seconds of runs a failing drawn case may spend looking for a smaller failing example
(``conform --shrink-time``); a run while shrinking gets at most what is left of it."""


class CannotRun(Exception):
    """The client command cannot be started (exit status 126 or 127, or no such file)."""


@dataclass(frozen=True)
class Run:
    """How one run ended: its exit status (None when it was stopped), its output, and what
    went wrong on the kit's side (it ran out of time, it printed too much)."""

    status: int | None
    stdout: str
    stderr: str
    problem: str = ""


def run(
    command: str,
    env: Mapping[str, str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_output: int = MAX_OUTPUT,
) -> Run:
    """Run `command` once; never longer than `timeout`, never reading more than
    `max_output` bytes of either stream."""
    process = subprocess.Popen(
        command,
        shell=True,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.fileno(), process.stderr.fileno()
    output = {out: bytearray(), err: bytearray()}
    problem = ""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        for pipe in (process.stdout, process.stderr):
            os.set_blocking(pipe.fileno(), False)
            selector.register(pipe, selectors.EVENT_READ)
        try:
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    problem = f"the client did not finish within {timeout:g}s"
                    break
                for key, _ in selector.select(min(left, 0.1)):
                    data = os.read(key.fd, 65536)
                    if not data:
                        selector.unregister(key.fileobj)
                        continue
                    kept = output[key.fd]
                    if len(kept) + len(data) > max_output:
                        which = "stdout" if key.fileobj is process.stdout else "stderr"
                        problem = f"the client printed more than {max_output} bytes on {which}"
                        break
                    kept += data
                if problem:
                    break
                if _exited(process.pid):
                    # It exited: whatever it started goes too, so the pipes reach their end.
                    _kill_group(process.pid)
        finally:
            _kill_group(process.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            process.stdout.close()
            process.stderr.close()
    status = None if problem else process.returncode
    return Run(status, _text(output[out]), _text(output[err]), problem)


def _exited(pid: int) -> bool:
    """Whether the command's shell exited, without reaping it: until it is reaped its id
    stays its group's, so killing the group cannot reach anyone else."""
    try:
        found = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return found is not None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _text(data: bytearray) -> str:
    return bytes(data).decode("utf-8", "replace")
