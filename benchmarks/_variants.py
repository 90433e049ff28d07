"""Product changes measured by the benchmarks next to the current code, without editing the
product: `proposed` (the "after" figures of RESULTS.md) and two that were measured and
rejected, kept so that their figures can be taken again. The benchmark scripts take them with
--variant NAME (P1) or use `proposed` (P1b, P1c).

Moved into the product since they were first measured here, and so gone from this file: the
per-class detection of `scan` (P3), the cached `list()` (P4), the fsyncs of a save overlapping
its hashing, the ONNX proto serialized once, and the installed library versions remembered
per process.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Any

# The store's modules call these helpers by the names they imported: a variant replaces them
# where they are called (local.py), and fsync_dir where hash_and_sync calls it (files.py).
from jupyterlab_models.storage import files as _files
from jupyterlab_models.storage import local as _local

# --- proposed for the local storage: the fixed costs of a small model's save ---------------
#
# A catboost model of 2,000 trees (2.2 MB) saves natively in ~8 ms; through the store it took
# ~19 ms (timed per phase, no profiler): the sha256 pass ~4 ms (issue #4 wants it), the fsyncs
# of file, manifest and directories ~3 ms, and ~3-4 ms of what follows, which are ours:
#
# 1. `filelock.FileLock`, taken twice per save (staging lock, per-name lock): ~0.5 ms per
#    acquire in filelock 4.x (singleton registry, fork tracking), against ~0.01 ms for the
#    fcntl.flock it does underneath. `FlockLock` is that flock with the same interface as
#    the storage uses it (and the same lock on the same file, so both exclude each other).
# 2. `hash_and_sync` fsyncs the staging directory, and `publish` fsyncs it again after writing
#    the manifest into it: the second fsync makes every entry of the directory durable, the
#    format's files too, so the first is not needed (its subdirectories' fsyncs are).


class FlockLock:
    """filelock.FileLock as the storage uses it (`FileLock(path, timeout=...)` as a context
    manager, `acquire(timeout=...)`, `release()`, `filelock.Timeout`), on fcntl.flock."""

    def __init__(self, lock_file: str, timeout: float = -1) -> None:
        self.lock_file, self.timeout, self._fd = lock_file, timeout, None

    def acquire(self, timeout: float | None = None) -> FlockLock:
        import fcntl

        from filelock import Timeout

        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout if timeout >= 0 else None
        while True:
            fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if deadline is not None and time.monotonic() >= deadline:
                    raise Timeout(self.lock_file) from None
                time.sleep(0.02)
                continue
            try:  # the file may have been unlinked (and made again) before the flock
                same = os.fstat(fd).st_ino == os.stat(self.lock_file).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return self
            os.close(fd)

    def release(self) -> None:
        import fcntl

        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> FlockLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


_HASH_AND_SYNC = _files.hash_and_sync


def hash_and_sync_without_top_fsync(directory: str, writer: Any, progress: Any) -> list[Any]:
    """The product's hash_and_sync, less the fsync of `directory` itself (publish fsyncs it
    after writing the manifest into it)."""
    fsync_dir = _files.fsync_dir

    def skip_top(path: str) -> None:
        if os.path.abspath(path) != os.path.abspath(directory):
            fsync_dir(path)

    _files.fsync_dir = skip_top
    try:
        return _HASH_AND_SYNC(directory, writer, progress)
    finally:
        _files.fsync_dir = fsync_dir


@contextmanager
def proposed():
    import filelock

    saved = filelock.FileLock, _local.hash_and_sync
    filelock.FileLock = FlockLock  # the storage imports it inside each function
    _local.hash_and_sync = hash_and_sync_without_top_fsync
    try:
        yield
    finally:
        filelock.FileLock, _local.hash_and_sync = saved


# --- measured, rejected and removed (issue #19) ------------------------------------------------
#
# `load_overlap` (the hash in a thread beside the library's load) and `remembered` (skip the
# hash of a file whose stat this process saw verified) were measured against the sha256 pass
# and rejected (RESULTS.md): both let unverified bytes reach a parser. Since issue #19 a load
# reads each file once, hashes it with BLAKE3 and parses those very bytes, so neither applies
# to the load code any more; their figures stay in RESULTS.md.

VARIANTS = {"proposed": proposed}
