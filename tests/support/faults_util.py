"""Helpers of the fault suite (tests/faults/test_faults_*.py): a snapshot of everything a store
holds, to assert that a refused operation changed nothing, and a checker of the invariants
that must hold after any fault (only complete versions listed, each loads, verify passes,
gc leaves nothing behind)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.support.store_raw import is_remote, raw_files, read_raw


def snapshot(store) -> dict[str, str]:
    """{relative path: sha256 of its bytes, or "-> target" for a symbolic link} of every file
    in the store, hidden ones included; lock files are left out (the OS lock is the state)."""
    found: dict[str, str] = {}
    if is_remote(store):
        for path in raw_files(store):
            found[path] = hashlib.sha256(read_raw(store, path)).hexdigest()
        return found
    root = store.storage.root
    for directory, dirs, files in os.walk(root):
        for entry in dirs + files:
            full = os.path.join(directory, entry)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            if os.path.islink(full):
                found[relative] = "-> " + os.readlink(full)
            elif entry in files and not entry.endswith(".lock"):
                found[relative] = hashlib.sha256(Path(full).read_bytes()).hexdigest()
    return found


def model_files(store) -> dict[str, str]:
    """The snapshot without the store's own hidden bookkeeping (.staging, .locks, .trash)."""
    return {p: h for p, h in snapshot(store).items() if not p.startswith(".")}


def leftovers(store, scratch: Path | None = None) -> list[str]:
    """What an interrupted operation left: staging/trash entries, versions without a manifest,
    scratch directories of remote saves and loads."""
    files = raw_files(store)
    found = [p for p in files if p.startswith((".staging/", ".trash/"))]
    versions = {tuple(p.split("/")[:2]) for p in files if p.count("/") >= 2 and p[0] != "."}
    found += [f"{n}/{v}" for n, v in sorted(versions) if f"{n}/{v}/manifest.json" not in files]
    if scratch is not None:
        found += [str(p) for p in scratch.rglob("*") if p.parent != scratch]
    return found
