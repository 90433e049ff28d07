"""What `list()` remembers of a local store: each model's latest manifest, with stamps that
say when to read it again.

Kept in the process's memory, and in `<store>/.list-cache.json` for the next process (the
CLI, a new kernel), so that listing a big store reads one file instead of one manifest per
model. An entry counts only while both its stamps still match (see `LocalStorage.latest`): the
model's directory (a publish or delete renames inside it) and its latest manifest (an edit in
place). The file is a cache, never the truth: a missing, damaged or foreign one is ignored, a
failed write is ignored, and deleting it only makes the next `list()` read every manifest.

File layout: a header line `{"format": 3, "sha256": <hex of the rest>}`, then an index line,
a JSON list of `[name, directory stamp, manifest stamp, number of versions, the manifest's
summary (all but its DEFERRED fields, see manifest.py; `created_at` as text under its own key),
length]`, then the DEFERRED fields of each manifest, one JSON object of `length` bytes per
index entry, back to back. The first list() of a process parses only the index; a model's
deferred text, and its `created_at`, are parsed when first read. The checksum stands in for
validating each manifest again (which costs more than parsing them): the file holds only
manifests that passed `ModelInfo.from_dict` when it was written.
"""

from __future__ import annotations

import gc
import hashlib
import json
import uuid

from ..manifest import ModelInfo
from ..protocol import ModelStoreError
from .layout import STAGING
from .safe import Dir
from .stamps import Stamp

FILE = ".list-cache.json"
FORMAT = 3
# Rewrite the file once a list() remembered anew or forgot this many models: fewer cost less
# to read again than to rewrite the whole file after every save.
REWRITE_AFTER = 64
MAX_BYTES = 1 << 30  # a store of a million models; a bigger file is not ours

# (directory stamp, latest manifest's stamp, (latest valid version, number of versions))
Entry = tuple[Stamp, Stamp, tuple[ModelInfo, int]]

_MEMORY: dict[str, dict[str, Entry]] = {}


def remembered(root: Dir) -> dict[str, Entry]:
    """{name: entry} for the store at `root`; the caller updates it in place."""
    memory = _MEMORY.get(root.path)
    if memory is None:
        memory = _MEMORY[root.path] = _read(root)
    return memory


def forget_all() -> None:
    """Empty the process's memory (the files stay), as in a new process."""
    _MEMORY.clear()


def write(root: Dir, memory: dict[str, Entry]) -> None:
    """Replace `<root>/.list-cache.json` with `memory`, atomically (temporary file in
    `.staging`, then rename); a read-only or full store keeps its old file or none."""
    index, deferred = [], []
    for name, (directory, manifest, (info, count)) in sorted(memory.items()):
        summary, text = info.trusted_parts()
        index.append([name, directory, manifest, count, summary, len(text)])
        deferred.append(text)
    index_line = json.dumps(index, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    rest = index_line.encode("utf-8") + b"\n" + b"".join(deferred)
    header = {"format": FORMAT, "sha256": hashlib.sha256(rest).hexdigest()}
    temporary = f"{uuid.uuid4().hex}{FILE}"
    try:
        staging = root.own_sub(STAGING)
    except (OSError, ModelStoreError):
        return
    with staging:
        try:
            f = staging.create(temporary)
        except (OSError, ModelStoreError):
            return
        try:
            with f:
                f.write(json.dumps(header).encode("utf-8") + b"\n" + rest)
            staging.rename(temporary, root, FILE)
        except OSError:
            try:
                staging.unlink(temporary)
            except OSError:
                pass


def _read(root: Dir) -> dict[str, Entry]:
    try:
        data = root.read(FILE, MAX_BYTES)
        # Offsets into the one buffer, not partitions of it: a copy of megabytes costs more
        # than hashing them on this path.
        end_of_header = data.index(b"\n")
        end_of_index = data.index(b"\n", end_of_header + 1)
        view = memoryview(data)
        meta = json.loads(view[:end_of_header].tobytes())
        if (
            meta.get("format") != FORMAT
            or meta.get("sha256") != hashlib.sha256(view[end_of_header + 1 :]).hexdigest()
        ):
            return {}
        # Tens of thousands of new objects, none of them in a cycle: the cyclic garbage
        # collector would run over all of them again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            index = json.loads(view[end_of_header + 1 : end_of_index].tobytes())
            memory, start, from_trusted = {}, end_of_index + 1, ModelInfo.from_trusted
            for name, directory, manifest, count, summary, length in index:
                # The deferred text stays a view of `data` (kept alive by it) until parsed.
                text = view[start : start + length]
                start += length
                memory[name] = (directory, manifest, (from_trusted(summary, text), count))
            return memory if start == len(data) else {}
        finally:
            if collecting:
                gc.enable()
    except (
        OSError,
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        RecursionError,
        ModelStoreError,
    ):
        return {}
