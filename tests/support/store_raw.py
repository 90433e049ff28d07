"""Raw access to what a store holds, on any backend: the tests damage files, plant
leftovers and look for them with these."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def is_remote(store) -> bool:
    return type(store.storage).__name__ == "RemoteStorage"


def raw_files(store) -> list[str]:
    """Every file (object) in the store, as a path relative to it, sorted; hidden ones too."""
    backend = store.storage
    if not is_remote(store):
        found = []
        for root, _dirs, files in os.walk(backend.root):
            for name in files:
                found.append(os.path.relpath(os.path.join(root, name), backend.root))
        return sorted(p.replace(os.sep, "/") for p in found)
    backend.fs.invalidate_cache()
    return sorted("/".join(backend._relative(p)) for p in backend.fs.find(backend.root))


def visible_entries(store) -> list[str]:
    """Top-level entries that are not hidden (local: any directory entry, even empty)."""
    backend = store.storage
    if not is_remote(store):
        if not os.path.isdir(backend.root):
            return []
        return sorted(e for e in os.listdir(backend.root) if not e.startswith("."))
    return sorted({p.split("/")[0] for p in raw_files(store) if not p.startswith(".")})


def stored(store, path: str) -> str:
    """Where the file `<name>/<version>/<path>` of a published version lies: on object storage
    under the token its manifest names (`<name>/<version>/<token>/<path>`, storage/claims.py)."""
    name, version, rest = path.split("/", 2)
    if not is_remote(store):
        return path
    manifest = json.loads(read_raw(store, f"{name}/{version}/manifest.json"))
    token = manifest["extra"].get("upload_token")
    return path if token is None else f"{name}/{version}/{token}/{rest}"


def read_raw(store, path: str) -> bytes:
    backend = store.storage
    if not is_remote(store):
        return Path(backend.root, path).read_bytes()
    return backend.fs.cat_file(backend.path(path))


def write_raw(store, path: str, data: bytes) -> None:
    backend = store.storage
    if not is_remote(store):
        target = Path(backend.root, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    else:
        backend.fs.pipe_file(backend.path(path), data)


def remove_raw(store, path: str) -> None:
    backend = store.storage
    if not is_remote(store):
        Path(backend.root, path).unlink()
    else:
        backend.fs.rm_file(backend.path(path))


def age_raw(store, path: str, seconds: float) -> None:
    """Make a local entry look `seconds` old (remote objects cannot be aged: use older_than)."""
    target = Path(store.storage.root, path)
    then = time.time() - seconds
    os.utime(target, (then, then))


def age_tree(root: str, when: float) -> None:
    """Set the mtime of `root` and of everything under it to `when` (a local store written
    earlier: list() trusts only stamps older than stamps.RACY_NS)."""
    for directory, dirs, files in os.walk(root):
        for entry in dirs + files:
            os.utime(os.path.join(directory, entry), (when, when))
    os.utime(root, (when, when))


def replace_stored_file(store, name: str, version: int, path: str, data: bytes) -> None:
    """Replace a file of a stored version (local store) and record its true size and digest
    in the manifest, so that the checksums pass and what is tested is the file's content."""
    import hashlib
    import json

    directory = Path(store.storage.root, name, str(version))
    (directory / path).write_bytes(data)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] != path:
            continue
        entry["size"] = len(data)
        if "sha256" in entry:
            entry["sha256"] = hashlib.sha256(data).hexdigest()
        else:  # "<algorithm>:<hex>"
            algorithm = entry["digest"].split(":", 1)[0]
            if algorithm == "blake3":
                from blake3 import blake3

                entry["digest"] = "blake3:" + blake3(data).hexdigest()
            else:
                entry["digest"] = f"{algorithm}:" + hashlib.new(algorithm, data).hexdigest()
    manifest["size_bytes"] = sum(e["size"] for e in manifest["files"])
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
