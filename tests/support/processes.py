"""A child Python of the process tests, run as a module of the `tests` package (its `env`
must have the repository root on PYTHONPATH: `python_env()`), read line by line.

store/test_store_processes.py runs tests/support/store_child.py, faults/test_faults_crash.py
tests/support/faults_child.py.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

STORE_CHILD = "tests.support.store_child"
FAULTS_CHILD = "tests.support.faults_child"


class Child:
    def __init__(self, args: list[str], env: dict[str, str], module: str = STORE_CHILD) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.buffer = b""

    def line(self, timeout: float = 60) -> str:
        """The next line the child prints."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.process.stdout], [], [], max(remaining, 0))
            if not ready:
                self.kill()
                raise AssertionError(f"no line from the child in {timeout} s")
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                self.process.wait()
                raise AssertionError(f"the child ended: {self.process.stderr.read().decode()}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def kill(self) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        code = self.process.wait(30)
        self.process.stdout.close()
        self.process.stderr.close()
        return code

    def __del__(self) -> None:  # a failed test: no child outlives it
        if self.process.poll() is None:
            self.process.kill()

    def finish(self) -> None:
        assert self.process.wait(60) == 0, self.process.stderr.read().decode()[-3000:]
        self.process.stdout.close()
        self.process.stderr.close()
