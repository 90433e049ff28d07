"""The product as it was before its last measured changes, run by the benchmarks next to the
current code without editing the product: `before`, so that RESULTS.md shows the before/after
of a change in one run. The benchmark scripts take it with --variant NAME (P1).

Moved into the product since they were first measured here, and so gone from this file: the
per-class detection of `scan` (P3), the cached `list()` (P4), the fsyncs of a save overlapping
its hashing, the ONNX proto serialized once, and the installed library versions remembered
per process.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any

# The store's modules call these helpers by the names they imported: a variant replaces them
# where they are called (local.py, checking.py).
from jupyterlab_models.storage import checking as _checking
from jupyterlab_models.storage import files as _files
from jupyterlab_models.storage import local as _local

# --- before: the code as it was before the last measured changes (issue #19) ----------------
#
# 1. A small save fsynced each file the format wrote twice (the writer, then `hash_and_sync`)
#    and the staging directory twice (`hash_and_sync`, then `publish` after the manifest).
# 2. A big file opened by path (TorchScript) was hashed by streaming it into a buffer;
#    `mapped_digest` now hashes it in place through a memory map.

_HASH_AND_SYNC = _files.hash_and_sync
_MAPPED_DIGEST = _checking.mapped_digest


def hash_and_sync_as_before(directory: str, writer: Any, progress: Any) -> list[Any]:
    entries = _HASH_AND_SYNC(directory, writer, progress)
    for entry in entries:
        _files.fsync_file(os.path.join(directory, entry["path"]))
    _files.fsync_dir(directory)
    return entries


@contextmanager
def before():
    _local.hash_and_sync = hash_and_sync_as_before
    _checking.mapped_digest = lambda *args: None
    try:
        yield
    finally:
        _local.hash_and_sync, _checking.mapped_digest = _HASH_AND_SYNC, _MAPPED_DIGEST


# --- measured, rejected and removed (issue #19) ------------------------------------------------
#
# `load_overlap` (the hash in a thread beside the library's load) and `remembered` (skip the
# hash of a file whose stat this process saw verified) were measured against the sha256 pass
# and rejected (RESULTS.md): both let unverified bytes reach a parser. Since issue #19 a load
# reads each file once, hashes it with BLAKE3 and parses those very bytes, so neither applies
# to the load code any more; their figures stay in RESULTS.md. `proposed` (flock instead of
# filelock, one fsync of the staging directory) moved into the product (storage/locks.py,
# files.py).

VARIANTS = {"before": before}
