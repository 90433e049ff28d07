"""The file work every storage shares: hashing, writing with fsync, staging directories
locked while in use, and their garbage collection (checking a version's files: checking.py).

Everything here works on local paths: remote stores stage and download in a local directory
too (see remote.py).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any, BinaryIO

from ..manifest import BLAKE3, SHA256, FileEntry, file_entry
from ..protocol import INTEGRITY, UNSUPPORTED_TYPE, ModelStoreError
from .layout import RESERVED, Progress

CHUNK = 1 << 20  # a streamed copy (uploads, downloads)
BIG_CHUNK = 16 << 20  # a local file hashed in place: BLAKE3 spreads a big update over cores
OVERLAP_MIN_BYTES = 8 << 20  # from this size on, hashing runs in a thread beside the I/O
THREADS_MIN_BYTES = 4 << 20  # from this size on, BLAKE3 hashes on every core (its AUTO)


# --- hashing ---------------------------------------------------------------------------------


def new_hash(algorithm: str, size: int) -> Any:
    """A hash object of the manifest's `algorithm` for `size` bytes: BLAKE3 (multi-threaded
    for big data) or, for versions written before schema 2, sha256."""
    if algorithm == BLAKE3:
        import blake3

        threads = blake3.blake3.AUTO if size >= THREADS_MIN_BYTES else 1
        return blake3.blake3(max_threads=threads)
    if algorithm == SHA256:
        return hashlib.sha256()
    raise ModelStoreError(INTEGRITY, f"unknown digest algorithm {algorithm!r}")


def digest_of(data: memoryview | bytes, algorithm: str = BLAKE3) -> str:
    """The hex digest of `data` (BLAKE3 unless said otherwise)."""
    digest = new_hash(algorithm, len(data))
    digest.update(data)
    return digest.hexdigest()


class Counter:
    """Bytes done of a total, reported to a progress callback."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def add(self, n: int) -> None:
        self.done += n
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)


def copy_hashed(
    source: BinaryIO,
    sink: BinaryIO | None,
    counter: Counter,
    limit: int | None = None,
    algorithm: str = BLAKE3,
) -> tuple[int, str]:
    """(size, hex digest) of what `source` holds, read once and written on to `sink` if
    given. Past `limit` bytes it stops, neither writing nor counting that chunk: the caller
    sees a size over its limit and refuses the file. Without a sink it reads BIG_CHUNKs
    into one buffer, so that BLAKE3 hashes each on every core."""
    digest, size = new_hash(algorithm, counter.total), 0
    buffer = memoryview(bytearray(CHUNK if sink is not None else BIG_CHUNK))
    while n := source.readinto(buffer):  # type: ignore[attr-defined]
        chunk = buffer[:n]
        digest.update(chunk)
        size += n
        if limit is not None and size > limit:
            break
        if sink is not None:
            sink.write(chunk)
        counter.add(n)
    return size, digest.hexdigest()


# --- writing ---------------------------------------------------------------------------------


class FileWriter:
    """How a format writes a file whose bytes it holds in memory. This one just writes; a
    save to a local store passes a `HashingWriter`, so that the save need not read the file
    back to hash it."""

    def write(self, path: str, data: bytes) -> None:
        with open(path, "xb") as f:
            f.write(data)


class HashingWriter(FileWriter):
    """Writes each file fsynced and takes its BLAKE3 digest at the same time (for big data in
    a thread beside the write and the fsync: blake3, write and fsync release the GIL), and
    remembers the digest for `hash_and_sync`, which uses it while the file's stat is the
    same."""

    def __init__(self) -> None:
        # {absolute path: (written_key of the file, BLAKE3 hex digest)}
        self.digests: dict[str, tuple[tuple[int, ...], str]] = {}

    def write(self, path: str, data: bytes) -> None:
        view = memoryview(data)
        with open(path, "xb") as f:
            if len(view) < OVERLAP_MIN_BYTES:
                digest = digest_of(view)
                write_synced(f, view)
            else:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(1, thread_name_prefix="jupyterlab-models-hash") as pool:
                    hashing = pool.submit(digest_of, view)
                    write_synced(f, view)
                    digest = hashing.result()
        self.digests[os.path.abspath(path)] = (written_key(os.stat(path)), digest)

    def wrote(self, path: str) -> bool:
        """Whether `path` is a file this writer wrote (and fsynced), unchanged since."""
        written = self.digests.get(os.path.abspath(path))
        return written is not None and written[0] == written_key(os.stat(path))


def written_key(st: os.stat_result) -> tuple[int, ...]:
    # A later write changes the size or (a clock tick on) the times; a replacement, the inode.
    # A same-size rewrite within one tick would go unseen: formats write each file once, and
    # a wrong digest would still fail every load.
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def write_synced(f: BinaryIO, data: memoryview | bytes) -> None:
    f.write(data)
    f.flush()
    os.fsync(f.fileno())


def create_synced(path: str, data: bytes) -> None:
    """A new file at `path` holding `data`, on disk when this returns."""
    with open(path, "xb") as f:
        write_synced(f, data)


def fsync_file(path: str) -> None:
    # r+b: on Windows os.fsync needs a handle opened for writing
    with open(path, "r+b") as f:
        os.fsync(f.fileno())


def fsync_dir(path: str) -> None:
    # Makes a rename or a new directory entry durable; directories cannot be opened on Windows.
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_empty_dir(path: str) -> None:
    try:
        os.rmdir(path)
    except OSError:  # not empty: something else is in there, leave it
        pass


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        pass


# --- staging ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staged:
    """A save in progress: the local directory its format writes into, and the writer it
    writes in-memory bytes with."""

    directory: str
    writer: FileWriter


def staged_paths(directory: str) -> list[str]:
    """Relative POSIX paths of every file a format wrote, sorted."""
    paths = []
    for root, _dirs, names in os.walk(directory):
        for filename in names:
            full = os.path.join(root, filename)
            paths.append(os.path.relpath(full, directory).replace(os.sep, "/"))
    for reserved in RESERVED:
        if reserved in paths:
            raise ModelStoreError(UNSUPPORTED_TYPE, f"a format must not write {reserved}")
    return sorted(paths)


def hash_and_sync(
    directory: str, writer: HashingWriter, progress: Progress | None
) -> list[FileEntry]:
    """Size and BLAKE3 digest of every file the format wrote, each fsynced; sorted by path. A file
    that `writer` wrote (hashed and fsynced) is neither read nor fsynced again. Subdirectories
    are fsynced here; `directory` itself by the caller, once the manifest is in it.

    For a large model the fsyncs, which the save needs anyway, run in a thread while the files
    are hashed (from the page cache), so hashing costs little more than the flush it overlaps;
    hashlib, read and fsync release the GIL."""
    paths = staged_paths(directory)
    total = sum(os.path.getsize(os.path.join(directory, p)) for p in paths)
    unsynced = [p for p in paths if not writer.wrote(os.path.join(directory, p))]
    entries: list[FileEntry] = []
    counter = Counter(total, progress)
    if total < OVERLAP_MIN_BYTES:  # a thread would cost more than it saves
        for path in paths:
            entries.append(hash_file(directory, path, writer, counter))
        for path in unsynced:
            fsync_file(os.path.join(directory, path))
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1, thread_name_prefix="jupyterlab-models-fsync") as syncer:
            synced = [syncer.submit(fsync_file, os.path.join(directory, p)) for p in unsynced]
            try:
                entries = [hash_file(directory, path, writer, counter) for path in paths]
            except BaseException:
                for future in synced:
                    future.cancel()
                raise
            for future in synced:
                future.result()  # raises what fsync raised
    for root, _dirs, _names in os.walk(directory):
        if root != directory:
            fsync_dir(root)
    return entries


def hash_file(directory: str, path: str, writer: HashingWriter, counter: Counter) -> FileEntry:
    full = os.path.join(directory, path)
    written = writer.digests.pop(os.path.abspath(full), None)
    with open(full, "rb") as f:
        if written is not None and written[0] == written_key(os.fstat(f.fileno())):
            size, digest = written[0][2], written[1]
            counter.add(size)
        else:
            size, digest = copy_hashed(f, None, counter)
    return file_entry(path, size, BLAKE3, digest)


# --- who saves -------------------------------------------------------------------------------


def user_name() -> str:
    """The login name, or "" where there is none (some containers)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return ""
