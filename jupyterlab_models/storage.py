"""Where the bytes of a model store live: a local directory, or any fsspec file system.

`ModelStore` (store.py) holds the rules (names, manifests, versions); a storage holds the
bytes and the protocol that makes a version appear whole or not at all:

- `LocalStorage`, for plain paths and `file://` URLs: stage under `<store>/.staging/<uuid>`
  (locked while the save runs), fsync, manifest last, then a per-name `filelock`, the next
  version number and one `os.rename`.
- `RemoteStorage` (remote.py), for other fsspec URLs (`s3://bucket/prefix`, `memory://...`):
  the version number is taken by creating `<name>/<version>/.claim` with a conditional create
  (S3 `If-None-Match: *`), the files are uploaded next, and `manifest.json` is created last.
  Object stores have no rename; a version is visible only once its manifest exists, and one
  object PUT is atomic.

Formats always write to and read from a local directory: the remote storage stages in a
local temporary directory and downloads into one to load.

Both hash while reading or uploading, in one streamed pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

from .manifest import FileEntry, ModelInfo
from .names import name_problem
from .protocol import (
    INTEGRITY,
    NOT_FOUND,
    UNSUPPORTED_TYPE,
    ModelsError,
)

if TYPE_CHECKING:
    from .list_cache import Entry
    from .remote import RemoteStorage

MANIFEST = "manifest.json"
CLAIM = ".claim"  # remote stores only: who took this version number, and when
RESERVED = (MANIFEST, CLAIM)  # file names a format must not write
STAGING, LOCKS, TRASH = ".staging", ".locks", ".trash"
CHUNK = 1 << 20
LOCK_TIMEOUT = 120  # seconds; a save holds the per-name lock only to number and rename
MAX_CLAIM_ATTEMPTS = 1000
OVERLAP_MIN_BYTES = 8 << 20  # from this size on, a save's fsyncs overlap its hashing

Progress = Callable[[int, int], None]
MakeInfo = Callable[[int, "list[FileEntry]"], ModelInfo]
# (name, version) -> manifest bytes, None when there is none, or the error reading it
Manifests = dict[tuple[str, int], "bytes | None | Exception"]


def _crash_point(point: str) -> None:
    """Does nothing. The crash tests replace it in a child process to kill the process at
    `point` (see tests/store_child.py); the points are named where they are called."""


def version_number(entry: str) -> int | None:
    """The version a directory name stands for: canonical positive integers only."""
    if entry.isdigit() and entry.isascii() and str(int(entry)) == entry != "0":
        return int(entry)
    return None


def is_url(location: str) -> bool:
    """`scheme://...` or an fsspec chain (`simplecache::s3://...`); not `C:\\...`."""
    return "::" in location or re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", location) is not None


def open_storage(location: str) -> LocalStorage | RemoteStorage:
    if is_url(location):
        from .remote import RemoteStorage  # fsspec stores: loaded only when used

        return RemoteStorage(location)
    return LocalStorage(location)


# --- local directory -----------------------------------------------------------------------


class LocalStorage:
    """A store in a local directory (see the module docstring of store.py for the layout)."""

    remote = False

    def __init__(self, root: str) -> None:
        self.root = root
        self.location = root

    # reading

    def names(self) -> list[str]:
        """Directory names that are valid model names (this skips .staging, .locks, .trash)."""
        try:
            entries = os.scandir(self.root)
        except (FileNotFoundError, NotADirectoryError):
            return []
        with entries:
            return [e.name for e in entries if name_problem(e.name) is None and e.is_dir()]

    def version_numbers(self, name: str) -> list[int]:
        """Version directories of `name` (with or without a valid manifest)."""
        try:
            entries = os.listdir(os.path.join(self.root, name))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [v for v in map(version_number, entries) if v is not None]

    def scan(self) -> dict[str, list[int]]:
        """{name: its version numbers}; a version here may still lack a valid manifest."""
        return {name: self.version_numbers(name) for name in self.names()}

    def unchanged(
        self, remembered: Mapping[str, Entry]
    ) -> tuple[set[str], dict[str, Stamp | None]]:
        """(the models still as `remembered` says, {name: its directory's stamp} of every
        other model), in one pass: a scandir, a stat of each model's directory (a publish or
        delete renames inside it) and one of each remembered latest manifest (an edit or
        replacement of the manifest leaves its model's directory as it was). A stamp is None
        for a directory changed too recently to trust (see `_stamp`). Most of a big store's
        first list() is spent here, so it is one loop."""
        same: set[str] = set()
        others: dict[str, Stamp | None] = {}
        with self._opened_root() as (fd, prefix):
            try:
                # From an fd, each entry's stat() is relative to it.
                entries = os.scandir(self.root if fd is None else fd)
            except (FileNotFoundError, NotADirectoryError):
                return same, others
            now = time.time_ns()
            with entries:
                for entry in entries:
                    name = entry.name
                    hit = remembered.get(name)
                    # A remembered name passed name_problem when it was remembered.
                    if not entry.is_dir() or (hit is None and name_problem(name) is not None):
                        continue
                    stamp = _stamp(entry.stat(), now)
                    if (
                        hit is not None
                        and stamp == hit[0]
                        and stamp is not None
                        and _manifest_stamp(fd, prefix, name, hit[2][0].version, now) == hit[1]
                    ):
                        same.add(name)
                    else:
                        others[name] = stamp
        return same, others

    def manifest_stamps(self, wanted: Iterable[tuple[str, int]]) -> list[Stamp | None]:
        """Stamps of the manifests of `wanted` (name, version), in order."""
        with self._opened_root() as (fd, prefix):
            now = time.time_ns()
            return [_manifest_stamp(fd, prefix, name, version, now) for name, version in wanted]

    @contextmanager
    def _opened_root(self) -> Iterator[tuple[int | None, str]]:
        """(fd, "") of the store's directory, opened for the call, so that thousands of stats
        relative to it resolve one name each rather than the whole path (10-20 % faster
        here); (None, "<root>/") where a directory cannot be opened (Windows, no store)."""
        try:
            fd = None if os.name == "nt" else os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            fd = None
        if fd is None:
            yield None, self.root + os.sep
            return
        try:
            yield fd, ""
        finally:
            os.close(fd)

    def read_manifests(self, wanted: Iterable[tuple[str, int]]) -> Manifests:
        found: Manifests = {}
        for name, version in wanted:
            try:
                with open(self.manifest_path(name, version), "rb") as f:
                    found[name, version] = f.read()
            except (FileNotFoundError, NotADirectoryError):
                found[name, version] = None
            except OSError as exc:
                found[name, version] = exc
        return found

    def manifest_path(self, name: str, version: int) -> str:
        # Formatted, not os.path.join (a third of the time of a cached list()): `root` is
        # absolute and normalized, `name` a valid model name, so no part holds a separator.
        return f"{self.root}{os.sep}{name}{os.sep}{version}{os.sep}{MANIFEST}"

    @contextmanager
    def local_copy(self, info: ModelInfo, progress: Progress | None) -> Iterator[str]:
        """The version's directory, once every file matches the manifest."""
        directory = os.path.join(self.root, info.name, str(info.version))
        _verify_files(directory, info, progress)
        yield directory

    def verify(self, info: ModelInfo, progress: Progress | None = None) -> None:
        _verify_files(os.path.join(self.root, info.name, str(info.version)), info, progress)

    # writing

    @contextmanager
    def staging(self) -> Iterator[str]:
        """A new `<store>/.staging/<uuid>` directory, locked by `<uuid>.lock` while the save
        runs (so that `gc` leaves it alone); removed if the save fails."""
        with _locked_dir(os.path.join(self.root, STAGING)) as directory:
            written = _WRITTEN.set({})
            try:
                yield directory
            finally:
                _WRITTEN.reset(written)

    def publish(
        self,
        staging: str,
        name: str,
        make_info: MakeInfo,
        progress: Progress | None,
        check_name: Callable[[str], None],
    ) -> ModelInfo:
        files = _hash_and_sync(staging, progress)
        _crash_point("hashed")
        with self.lock(name):
            check_name(name)  # again, now that no other save of this name can run
            version = max(self.version_numbers(name), default=0) + 1
            info = _checked(make_info(version, files))
            _write_json_synced(os.path.join(staging, MANIFEST), info.to_dict())
            _fsync_dir(staging)
            _crash_point("manifest_written")
            name_dir = os.path.join(self.root, name)
            if not os.path.isdir(name_dir):
                os.mkdir(name_dir)
                _fsync_dir(self.root)
            os.rename(staging, os.path.join(name_dir, str(version)))
            _fsync_dir(name_dir)
            _crash_point("published")
        return info

    def delete(self, name: str, version: int | None) -> list[int]:
        with self.lock(name):
            # An exact match: on a case-insensitive file system "Foo" would open "foo".
            if name not in self.names():
                raise ModelsError(NOT_FOUND, f"no model named {name!r} in {self.location}")
            versions = self.version_numbers(name)
            if version is None:
                target, deleted = os.path.join(self.root, name), sorted(versions)
            elif version in versions:
                target, deleted = os.path.join(self.root, name, str(version)), [version]
            else:
                raise ModelsError(NOT_FOUND, f"model {name!r} has no version {version}")
            # One rename makes it disappear; the slow removal happens out of sight.
            trash = os.path.join(self.root, TRASH, uuid.uuid4().hex)
            os.makedirs(os.path.dirname(trash), exist_ok=True)
            os.rename(target, trash)
            _fsync_dir(os.path.dirname(target))
            if version is not None and not self.version_numbers(name):
                _remove_empty_dir(os.path.join(self.root, name))
        _crash_point("trashed")
        shutil.rmtree(trash, ignore_errors=True)
        return deleted

    def gc(self, older_than: float) -> list[str]:
        """Remove staging directories older than `older_than` seconds whose save no longer
        runs (their lock is free), and whatever deletes left in .trash."""
        removed = [
            f"{STAGING}/{entry}"
            for entry in _gc_locked_dirs(os.path.join(self.root, STAGING), older_than)
        ]
        trash_root = os.path.join(self.root, TRASH)
        try:
            trash = sorted(os.listdir(trash_root))
        except (FileNotFoundError, NotADirectoryError):
            trash = []
        for entry in trash:
            path = os.path.join(trash_root, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                _unlink(path)
            removed.append(f"{TRASH}/{entry}")
        return removed

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """The per-name lock. Its file is named in lower case, so that two names differing
        only in case share it and the case-collision check under it cannot race."""
        from filelock import FileLock

        locks = os.path.join(self.root, LOCKS)
        os.makedirs(locks, exist_ok=True)
        with FileLock(os.path.join(locks, f"{name.lower()}.lock"), timeout=LOCK_TIMEOUT):
            yield


# --- helpers shared by both --------------------------------------------------------------------


def local_scratch() -> str:
    """Where saves to and loads from remote stores stage their files on this machine:
    `<temp dir>/jupyterlab-models-<uid>`, one per user."""
    import tempfile  # not at the top: importing this package stays cheap

    user = os.getuid() if hasattr(os, "getuid") else getpass_user()
    return os.path.join(tempfile.gettempdir(), f"jupyterlab-models-{user}")


def getpass_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "user"


@contextmanager
def _locked_dir(root: str) -> Iterator[str]:
    """A new directory `<root>/<uuid>`, locked by `<root>/<uuid>.lock` while in use, so that
    `_gc_locked_dirs` leaves it alone; removed at the end (a save renames it away first)."""
    from filelock import FileLock

    os.makedirs(root, mode=0o700, exist_ok=True)
    unique = uuid.uuid4().hex
    lock_path = os.path.join(root, unique + ".lock")
    lock = FileLock(lock_path)
    lock.acquire(timeout=LOCK_TIMEOUT)  # only `gc --older-than 0` could hold it a moment
    try:
        directory = os.path.join(root, unique)
        os.mkdir(directory)
        try:
            yield directory
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    finally:
        lock.release()
        _unlink(lock_path)


def _gc_locked_dirs(root: str, older_than: float) -> list[str]:
    """Remove the directories of `_locked_dir` in `root` that are older than `older_than`
    seconds and not locked (their process is gone), and stray lock files; returns the names
    of the directories removed."""
    from filelock import FileLock, Timeout

    removed = []
    cutoff = time.time() - older_than
    try:
        entries = sorted(os.listdir(root))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        unique = entry[: -len(".lock")] if entry.endswith(".lock") else entry
        directory = os.path.join(root, unique)
        lock_path = directory + ".lock"
        if entry.endswith(".lock") and os.path.lexists(directory):
            continue  # handled with its directory
        try:
            if os.lstat(os.path.join(root, entry)).st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue  # published or removed meanwhile
        lock = FileLock(lock_path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue  # still in use
        try:
            if os.path.isdir(directory) and not os.path.islink(directory):
                shutil.rmtree(directory, ignore_errors=True)
                removed.append(unique)
            elif os.path.lexists(directory):
                os.unlink(directory)
                removed.append(unique)
        finally:
            lock.release()
            _unlink(lock_path)
    return removed


# Changes closer together than this may share one mtime on coarse file systems (FAT: 2 s);
# a stamp this recent is not trusted, so such a change is never missed ("racy" stamps, as git
# calls them).
RACY_NS = 2_000_000_000

# A list, as JSON reads it back: the cache file's stamps compare without conversion.
Stamp = list[int]


def _stamp(st: os.stat_result, now_ns: int) -> Stamp | None:
    if abs(now_ns - st.st_mtime_ns) < RACY_NS:
        return None
    return [st.st_ino, st.st_mtime_ns, st.st_nlink, st.st_size]


def _manifest_stamp(
    fd: int | None, prefix: str, name: str, version: int, now_ns: int
) -> Stamp | None:
    return path_stamp(f"{prefix}{name}{os.sep}{version}{os.sep}{MANIFEST}", fd, now_ns)


def path_stamp(path: str, dir_fd: int | None = None, now_ns: int | None = None) -> Stamp | None:
    """The stamp of a file or directory (`path` relative to `dir_fd` if given); None when it is
    gone or changed too recently."""
    try:
        st = os.stat(path, dir_fd=dir_fd)
    except OSError:
        return None
    return _stamp(st, time.time_ns() if now_ns is None else now_ns)


def _checked(info: ModelInfo) -> ModelInfo:
    """Never publish a manifest that readers would reject (and so never list)."""
    ModelInfo.from_dict(json.loads(json.dumps(info.to_dict())))
    return info


def manifest_text(info: ModelInfo) -> str:
    return json.dumps(info.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _manifest_bytes(info: ModelInfo) -> bytes:
    return manifest_text(info).encode("utf-8")


def _staged_paths(directory: str) -> list[str]:
    """Relative POSIX paths of every file a format wrote, sorted."""
    paths = []
    for root, _dirs, files in os.walk(directory):
        for filename in files:
            full = os.path.join(root, filename)
            paths.append(os.path.relpath(full, directory).replace(os.sep, "/"))
    for reserved in RESERVED:
        if reserved in paths:
            raise ModelsError(UNSUPPORTED_TYPE, f"a format must not write {reserved}")
    return sorted(paths)


def _hash_and_sync(directory: str, progress: Progress | None) -> list[FileEntry]:
    """Size and sha256 of every file the format wrote, each fsynced; sorted by path.

    For a large model the fsyncs, which the save needs anyway, run in a thread while the files
    are hashed (from the page cache), so hashing costs little more than the flush it overlaps;
    hashlib, read and fsync release the GIL."""
    paths = _staged_paths(directory)
    total = sum(os.path.getsize(os.path.join(directory, p)) for p in paths)
    entries: list[FileEntry] = []
    counter = Counter(total, progress)
    if total < OVERLAP_MIN_BYTES:  # a thread would cost more than it saves
        for path in paths:
            entries.append(_hash_file(directory, path, counter))
            _fsync_file(os.path.join(directory, path))
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="jupyterlab-models-fsync") as syncer:
            synced = [syncer.submit(_fsync_file, os.path.join(directory, p)) for p in paths]
            try:
                entries = [_hash_file(directory, path, counter) for path in paths]
            except BaseException:
                for future in synced:
                    future.cancel()
                raise
            for future in synced:
                future.result()  # raises what fsync raised
    for root, _dirs, _files in os.walk(directory):
        _fsync_dir(root)
    return entries


class Counter:
    """Bytes done of a total, reported to a progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def copy_hashed(
    source: BinaryIO, sink: BinaryIO | None, counter: Counter, limit: int | None = None
) -> tuple[int, str]:
    """(size, sha256) of what `source` holds, read once in CHUNKs and written on to `sink`
    if given. Past `limit` bytes it stops, neither writing nor counting that chunk: the
    caller sees a size over its limit and refuses the file."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if limit is not None and size > limit:
            break
        if sink is not None:
            sink.write(chunk)
        counter.add(len(chunk))
    return size, digest.hexdigest()


# The sha256 write_hashed took of each file it wrote during a local save (set by
# `LocalStorage.staging`, so nothing outlives the save): {absolute path: (_written_key,
# sha256)}. The save uses them instead of reading the files back, while a file's stat is
# still the same. None elsewhere: a remote store hashes while it uploads.
_WRITTEN: ContextVar[dict[str, tuple[tuple[int, ...], str]] | None] = ContextVar(
    "jupyterlab_models_written", default=None
)


def write_hashed(path: str, data: bytes) -> None:
    """Write `data` to a new file at `path`, fsynced, and take its sha256 at the same time:
    for big data in a thread beside the write and the fsync (hashlib, write and fsync release
    the GIL). For formats that hold their bytes in memory: the save then hashes them with no
    second pass over the file, at little more than the cost of the write. Outside a local save
    (a remote store's scratch directory, a format called directly) only writes."""
    written = _WRITTEN.get()
    if written is None:
        with open(path, "xb") as f:
            f.write(data)
        return
    view = memoryview(data)
    with open(path, "xb") as f:
        if len(view) < OVERLAP_MIN_BYTES:
            sha256 = _sha256(view)
            _write_synced(f, view)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(1, thread_name_prefix="jupyterlab-models-hash") as hasher:
                hashing = hasher.submit(_sha256, view)
                _write_synced(f, view)
                sha256 = hashing.result()
    written[os.path.abspath(path)] = (_written_key(os.stat(path)), sha256)


def _sha256(data: memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_synced(f: BinaryIO, data: memoryview) -> None:
    f.write(data)
    f.flush()
    os.fsync(f.fileno())


def _written_key(st: os.stat_result) -> tuple[int, ...]:
    # A later write changes the size or (a clock tick on) the times; a replacement, the inode.
    # A same-size rewrite within one tick would go unseen: formats write each file once, and
    # a wrong digest would still fail every load.
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _hash_file(directory: str, path: str, counter: Counter) -> FileEntry:
    full = os.path.join(directory, path)
    written = (_WRITTEN.get() or {}).pop(os.path.abspath(full), None)
    with open(full, "rb") as f:
        if written is not None and written[0] == _written_key(os.fstat(f.fileno())):
            size, sha256 = written[0][2], written[1]
            counter.add(size)
        else:
            size, sha256 = copy_hashed(f, None, counter)
    return {"path": path, "size": size, "sha256": sha256}


def _fsync_file(path: str) -> None:
    # r+b: on Windows os.fsync needs a handle opened for writing
    with open(path, "r+b") as f:
        os.fsync(f.fileno())


def _verify_files(directory: str, info: ModelInfo, progress: Progress | None) -> None:
    """Check every file's size, then its sha256 (streamed), against the manifest. A file
    reached through a symbolic link (its own, its version's or its name's) is refused: it could
    point anywhere, and the store reads nothing outside its root."""
    real_directory = os.path.join(
        os.path.realpath(os.path.dirname(os.path.dirname(directory))),
        os.path.basename(os.path.dirname(directory)),
        os.path.basename(directory),
    )
    for entry in info.files:
        path = os.path.join(directory, *entry["path"].split("/"))
        if os.path.realpath(path) != os.path.join(real_directory, *entry["path"].split("/")):
            raise _integrity(
                info,
                entry["path"],
                "is reached through a symbolic link; the store reads only its own files",
            )
        try:
            size = os.path.getsize(path)
        except OSError:
            raise _integrity(info, entry["path"], "is missing") from None
        if size != entry["size"]:
            raise _integrity(info, entry["path"], f"has {size} bytes, expected {entry['size']}")
    counter = Counter(info.size_bytes, progress)
    for entry in info.files:
        with open(os.path.join(directory, *entry["path"].split("/")), "rb") as f:
            _size, sha256 = copy_hashed(f, None, counter)
        if sha256 != entry["sha256"]:
            raise _integrity(info, entry["path"], "does not match its sha256")


def _integrity(info: ModelInfo, path: str, problem: str) -> ModelsError:
    return ModelsError(
        INTEGRITY, f"model {info.name!r} version {info.version}: file {path!r} {problem}"
    )


def _write_json_synced(path: str, data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    with open(path, "xb") as f:
        _write_synced(f, memoryview(text.encode("utf-8")))


def _fsync_dir(path: str) -> None:
    # Makes a rename or a new directory entry durable; directories cannot be opened on Windows.
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_empty_dir(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:  # not empty: something else is in there, leave it
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        pass
