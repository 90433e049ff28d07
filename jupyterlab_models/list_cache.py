"""What `list()` remembers of a local store: each model's latest manifest, with stamps that
say when to read it again.

Kept in the process's memory, and in `<store>/.list-cache.json` for the next process (the
CLI, a new kernel), so that listing a big store reads one file instead of one manifest per
model. An entry counts only while both its stamps still match (see `ModelStore._latest`): the
model's directory (a publish or delete renames inside it) and its latest manifest (an edit in
place). The file is a cache, never the truth: a missing, damaged or foreign one is ignored, a
failed write is ignored, and deleting it only makes the next `list()` read every manifest.

File layout: one header line `{"format": 1, "sha256": <hex of the body>}`, then the body, a
JSON list of `[name, directory stamp, manifest stamp, number of versions, manifest]`. The
checksum stands in for validating each manifest again (which costs more than parsing them):
the body holds only manifests that passed `ModelInfo.from_dict` when it was written.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import uuid

from .manifest import ModelInfo
from .protocol import ModelsError
from .storage import STAGING, Stamp, _unlink

FILE = ".list-cache.json"
FORMAT = 1
# Rewrite the file once a list() had to read this many manifests (or forget this many
# models): fewer cost less to read again than to rewrite the whole file after every save.
REWRITE_AFTER = 64

# (directory stamp, latest manifest's stamp, latest valid version, number of versions)
Entry = tuple[Stamp, Stamp, ModelInfo, int]

_MEMORY: dict[str, dict[str, Entry]] = {}


def remembered(root: str) -> dict[str, Entry]:
    """{name: entry} for the store at `root`; the caller updates it in place."""
    memory = _MEMORY.get(root)
    if memory is None:
        memory = _MEMORY[root] = _read(os.path.join(root, FILE))
    return memory


def forget_all() -> None:
    """Empty the process's memory (the files stay), as in a new process."""
    _MEMORY.clear()


def write(root: str, memory: dict[str, Entry]) -> None:
    """Replace `<root>/.list-cache.json` with `memory`, atomically (temporary file in
    `.staging`, then rename); a read-only or full store keeps its old file or none."""
    body = json.dumps(
        [
            [name, directory, manifest, count, info.to_dict(copy=False)]
            for name, (directory, manifest, info, count) in sorted(memory.items())
        ],
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")
    header = json.dumps({"format": FORMAT, "sha256": hashlib.sha256(body).hexdigest()})
    staging = os.path.join(root, STAGING)
    temporary = os.path.join(staging, f"{uuid.uuid4().hex}{FILE}")
    try:
        os.makedirs(staging, exist_ok=True)
        f = open(temporary, "xb")
    except OSError:
        return
    try:
        with f:
            f.write(header.encode("utf-8") + b"\n" + body)
        os.replace(temporary, os.path.join(root, FILE))
    except OSError:
        _unlink(temporary)


def _read(path: str) -> dict[str, Entry]:
    try:
        with open(path, "rb") as f:
            header, _, body = f.read().partition(b"\n")
        meta = json.loads(header)
        if meta.get("format") != FORMAT or meta.get("sha256") != hashlib.sha256(body).hexdigest():
            return {}
        # Hundreds of thousands of new dicts and lists, none of them in a cycle: the cyclic
        # garbage collector would run over all of them again and again (a third of the time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return {
                name: (tuple(directory), tuple(manifest), ModelInfo.from_trusted(data), count)
                for name, directory, manifest, count, data in json.loads(body)
            }
        finally:
            if collecting:
                gc.enable()
    except (OSError, ValueError, TypeError, AttributeError, KeyError, ModelsError):
        return {}
