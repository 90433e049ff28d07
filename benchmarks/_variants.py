"""Proposed product changes, measured by the benchmarks next to the current code ("after"
figures in RESULTS.md) without editing the product. Each is written so that it can be moved
into the product as it is; the benchmark scripts take them with --variant NAME.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Callable

from jupyterlab_models import formats
from jupyterlab_models.inspector import VariableInfo

# --- P3: detection once per class, imported formats looked up once per scan ----------------
#
# Proposed for jupyterlab_models/formats/__init__.py (and `scan` below for inspector.py).
# Today `detect` runs, for every global, `modules(fmt)` for each of the 10 formats: a
# getattr(fmt, "MODULES", default) that fails, so raises and catches AttributeError inside,
# 100,000 times for 10,000 globals, then walks the MRO building class-path strings. The
# answer depends only on the class and on sys.modules, so one scan needs it once per class.


def detector() -> Callable[[Any], Any]:
    """`detect` for many objects at once: the formats whose library is imported are found
    once, and the answer is remembered per class. Keyed by id(cls), with the class kept to
    check identity: hashing a class could run a user metaclass's __hash__."""
    active = tuple(
        fmt for fmt in formats.FORMATS if any(m in sys.modules for m in formats.modules(fmt))
    )
    cache: dict[int, tuple[type, Any]] = {}

    def detect(obj: Any) -> Any:
        cls = type(obj)
        entry = cache.get(id(cls))
        if entry is None or entry[0] is not cls:
            found = None
            for fmt in active:  # the order of FORMATS decides, as in formats.detect
                if any(formats.class_path(c) in fmt.TYPES for c in cls.__mro__):
                    found = fmt
                    break
            entry = cache[id(cls)] = (cls, found)
        return entry[1]

    return detect


def scan(namespace: Mapping[str, Any]) -> list[VariableInfo]:
    """inspector.scan with `detector()`: same result, same guarantees."""
    detect = detector()
    found = []
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        fmt = detect(value)
        if fmt is not None:
            found.append(
                VariableInfo(name, fmt.LIBRARY, formats.class_path(type(value)), fmt.FORMAT_ID)
            )
    return sorted(found, key=lambda v: v.name)


# --- P4: list() from a per-process cache, checked by one stat per model directory ----------
#
# Proposed for ModelStore.list (jupyterlab_models/store.py). Today list() does, per model,
# listdir + open + json.load + validation of the latest manifest: ~100 us each here, 0.5 s
# for 5,000 models. Manifests are immutable and every change to a model (a version published
# or deleted) is a rename inside <store>/<name>/, which changes that directory's mtime and link
# count; a new or deleted model changes the store's listing. So the latest manifest of a name
# can be remembered with (st_ino, st_mtime_ns, st_nlink) of its directory, and list() costs one
# scandir plus one stat per model while nothing changed.

import os  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from jupyterlab_models.names import name_problem  # noqa: E402
from jupyterlab_models.store import ModelStore  # noqa: E402

_LIST_CACHE: dict[str, dict[str, tuple[tuple[int, int, int], Any]]] = {}


def _latest_of(store: ModelStore, name: str) -> Any:
    """The latest valid version's ModelInfo of one model, through the store's internals (the
    local storage of store.py/storage.py as they are now, or the older single-file store)."""
    storage = getattr(store, "_storage", None)
    if storage is None:
        return store._latest(name)  # the store.py before storage.py
    for version in sorted(storage.version_numbers(name), reverse=True):
        manifest = storage.read_manifests([(name, version)])[name, version]
        info = store._parse(name, version, manifest, quiet=True)
        if info is not None:
            return info
    return None


def cached_list(store: ModelStore) -> list[Any]:
    """ModelStore.list() with the cache above (module-level, per store location, so that
    every ModelStore of the kernel shares it)."""
    cache = _LIST_CACHE.setdefault(store.location, {})
    try:
        entries = os.scandir(store.location)
    except FileNotFoundError:
        return []
    seen = set()
    found = []
    with entries:
        for entry in entries:
            # is_dir() uses the directory entry's type: no stat for files and dot-dirs
            if name_problem(entry.name) is not None or not entry.is_dir():
                continue
            st = entry.stat()
            key = (st.st_ino, st.st_mtime_ns, st.st_nlink)
            seen.add(entry.name)
            hit = cache.get(entry.name)
            if hit is None or hit[0] != key:
                hit = cache[entry.name] = (key, _latest_of(store, entry.name))
            if hit[1] is not None:
                found.append(hit[1])
    for gone in set(cache) - seen:
        del cache[gone]
    found.sort(key=lambda info: info.name)
    return found


# --- P1/P1c: hashing overlapped with fsync on save, with the format's load on load ------------
#
# Proposed for storage._hash_and_sync and LocalStorage.local_copy. Today a save is: the
# library writes the file, then we read it back to hash it (page cache) and only then fsync
# it; a load hashes every file, then lets the library read it. hashlib, read() and fsync()
# release the GIL, so on 2+ cores the hash pass can run next to the fsync (save) or next to
# the library's own load (load), instead of after it.

import hashlib  # noqa: E402
import threading  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from jupyterlab_models import store as _store  # noqa: E402

try:
    from jupyterlab_models import storage as _storage
except ImportError:  # the store.py before storage.py
    _storage = _store


def _hash_file(path: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_storage.CHUNK * 4):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


OVERLAP_MIN_BYTES = 16 << 20


def hash_and_sync_overlapped(directory: str, progress: Any) -> list[dict[str, Any]]:
    """_hash_and_sync with each file's fsync running in a thread while it is hashed."""
    paths = _storage._staged_paths(directory)
    total = sum(os.path.getsize(os.path.join(directory, p)) for p in paths)
    done = 0
    entries = []

    def fsync(path: str) -> None:
        fd = os.open(path, os.O_RDWR)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    with ThreadPoolExecutor(max_workers=2) as pool:
        syncs = []
        for path in paths:
            full = os.path.join(directory, path)
            syncs.append(pool.submit(fsync, full))  # writeback starts now...
            size, digest = _hash_file(full)  # ...while this reads it from the page cache
            done += size
            if progress is not None:
                progress(done, total)
            entries.append({"path": path, "size": size, "sha256": digest})
        for sync in syncs:
            sync.result()
    for root, _dirs, _files in os.walk(directory):
        _storage._fsync_dir(root)
    return entries


@contextmanager
def local_copy_overlapped(self: Any, info: Any, progress: Any) -> Any:
    """LocalStorage.local_copy that lets the format read the files while their sha256 is
    checked in a thread; on a mismatch the integrity error is raised when the load ends, so
    the object never reaches the caller."""
    directory = os.path.join(self.root, info.name, str(info.version))
    if info.size_bytes < OVERLAP_MIN_BYTES:  # a thread costs more than it saves
        _storage._verify_files(directory, info, progress)
        yield directory
        return
    error: list[BaseException] = []

    def verify() -> None:
        try:
            _storage._verify_files(directory, info, progress)
        except BaseException as exc:  # noqa: BLE001
            error.append(exc)

    thread = threading.Thread(target=verify)
    thread.start()
    try:
        yield directory
    finally:
        thread.join()
    if error:
        raise error[0]


@contextmanager
def overlap():
    saved = _storage._hash_and_sync, _storage.LocalStorage.local_copy
    _storage._hash_and_sync = hash_and_sync_overlapped
    _storage.LocalStorage.local_copy = local_copy_overlapped
    try:
        yield
    finally:
        _storage._hash_and_sync, _storage.LocalStorage.local_copy = saved


# --- P1: ONNX serialized once; installed library versions looked up once per process --------
#
# formats/onnx.py calls obj.ByteSize() to choose external data: with protobuf 7 (upb) that
# costs as much as serializing the whole 300 MB proto (1.4 s of a 3.9 s save in the profile),
# and onnx.save_model then serializes it again. Serializing once, checking the length, and
# writing those bytes gives the same file (save_model writes SerializeToString() as it is);
# a proto over 2 GB fails to serialize, and then takes the external-data path as today.
#
# formats.distribution_versions() (importlib.metadata, 2-15 ms per call in a venv of 300
# distributions) runs on every save (manifest) and every load (version warnings). The
# versions of the libraries a process has imported do not change while it runs: cache it.


def onnx_save_serialized_once(obj: Any, directory: str, *, external_data: bool | None = None):
    from jupyterlab_models.formats import onnx as fmt

    if external_data:
        return _ONNX_SAVE(obj, directory, external_data=True)
    try:
        data = obj.SerializeToString()
    except ValueError:  # over protobuf's 2 GB limit
        return _ONNX_SAVE(obj, directory, external_data=external_data)
    if len(data) > fmt.EXTERNAL_DATA_THRESHOLD:
        del data
        return _ONNX_SAVE(obj, directory, external_data=external_data)
    from onnx.external_data_helper import uses_external_data

    for tensor in fmt._tensors(obj):  # the same refusal as formats/onnx.py, before writing
        if uses_external_data(tensor):
            return _ONNX_SAVE(obj, directory, external_data=external_data)  # raises
    with open(os.path.join(directory, fmt.MODEL_FILE), "wb") as f:
        f.write(data)
    del data
    import onnx

    return {
        "external_data": False,
        "ir_version": obj.ir_version,
        "opset_import": [[opset.domain, opset.version] for opset in obj.opset_import],
        "producer": f"{obj.producer_name} {obj.producer_version}".strip(),
        "inputs": [fmt._value_info(onnx, value) for value in obj.graph.input],
        "outputs": [fmt._value_info(onnx, value) for value in obj.graph.output],
    }


from jupyterlab_models.formats import onnx as _onnx_format  # noqa: E402

_ONNX_SAVE = _onnx_format.save


@contextmanager
def cached_versions():
    import functools

    modules = [m for m in formats.FORMATS if hasattr(m, "distribution_versions")]
    saved = {m: m.distribution_versions for m in modules}
    cached = functools.lru_cache(maxsize=None)(formats.distribution_versions)

    def versions(*names: str) -> dict[str, str]:
        return dict(cached(*names))

    for m in modules:
        m.distribution_versions = versions
    try:
        yield
    finally:
        for m, original in saved.items():
            m.distribution_versions = original


@contextmanager
def proposed():
    """Every proposal above for save and load, together."""
    _onnx_format.save = onnx_save_serialized_once
    try:
        with overlap(), cached_versions():
            yield
    finally:
        _onnx_format.save = _ONNX_SAVE


# --- P1 load: a file hashed by this process and unchanged since is not hashed again -----------
#
# Not part of "proposed": it changes what a load promises (README: "every load verifies the
# hashes first"), a decision for the lead. A load re-hashes every byte before the library reads
# it: 300 MB of sha256 costs more than torch.jit.load of the same file. This remembers, per
# file, the sha256 this process computed (at save or at a verified load) with the file's
# (st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns); a load whose files all still have that
# stat and that sha256 in the manifest skips the hash. Any write to a file changes its ctime,
# which user space cannot set back; what it does not catch is bit rot under an unchanged
# inode, which `jupyter models verify` (always a full hash) is for. A new process (a fresh
# kernel, the CLI) hashes in full once.

# Keyed by (st_dev, st_ino): a save hashes the files in the staging directory, which is then
# renamed; the files keep their inode and their ctime.
_VERIFIED: dict[tuple[int, int], tuple[tuple[int, ...], str]] = {}


def _stat_key(path: str) -> tuple[tuple[int, int], tuple[int, ...]]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _remember(directory: str, entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        inode, stamp = _stat_key(os.path.join(directory, *entry["path"].split("/")))
        _VERIFIED[inode] = (stamp, entry["sha256"])


def _known(path: str, sha256: str) -> bool:
    inode, stamp = _stat_key(path)
    return _VERIFIED.get(inode) == (stamp, sha256)


def hash_and_sync_remembered(directory: str, progress: Any) -> list[dict[str, Any]]:
    entries = hash_and_sync_overlapped(directory, progress)
    _remember(directory, entries)
    return entries


def verify_files_remembered(directory: str, info: Any, progress: Any) -> None:
    try:
        known = all(
            _known(os.path.join(directory, *e["path"].split("/")), e["sha256"]) for e in info.files
        )
    except OSError:
        known = False
    if known:
        return
    _VERIFIED_FILES(directory, info, progress)
    _remember(directory, info.files)


_VERIFIED_FILES = _storage._verify_files


@contextmanager
def remembered():
    """`proposed`, plus: no second hash of a file this process hashed and that is unchanged."""
    saved = _storage._hash_and_sync, _storage._verify_files
    _onnx_format.save = onnx_save_serialized_once
    try:
        with cached_versions():
            _storage._hash_and_sync = hash_and_sync_remembered
            _storage._verify_files = verify_files_remembered
            yield
    finally:
        _storage._hash_and_sync, _storage._verify_files = saved
        _onnx_format.save = _ONNX_SAVE


VARIANTS = {"overlap": overlap, "proposed": proposed, "remembered": remembered}
