"""Checking a version's files against its manifest: exactly the listed files, each of its
size and digest, read without following a link; a big private file hashed in place through
memory maps. What `verify`, a load (verified.py) and the remote storage's download use.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from .. import faults
from ..manifest import FileEntry, ModelInfo, entry_digest
from ..protocol import INTEGRITY, ModelStoreError
from .files import OVERLAP_MIN_BYTES, Counter, copy_hashed, new_hash
from .layout import MANIFEST, Progress
from .safe import Dir, describe

MAP_WINDOW = 64 << 20  # a big file is mapped and hashed this much at a time (progress)


def verify_files(version: Dir, info: ModelInfo, progress: Progress | None) -> None:
    """Check that the version directory holds exactly the manifest and the files it lists,
    each a regular file reached without a link, then each file's size and digest (streamed,
    with the algorithm its manifest names). Anything else in it (an unlisted file, a link, a
    FIFO, a directory where a file should be) fails with `integrity`: the store reads only
    its own files."""
    check_listing(version, info)
    counter = Counter(info.size_bytes, progress)
    for entry in info.files:
        verify_file(version, info, entry, counter)


def check_listing(version: Dir, info: ModelInfo) -> None:
    """The first half of `verify_files`: exactly the listed regular files (of their listed
    sizes) and the manifest, nothing hashed."""
    _check_entries(version, "", {entry["path"]: entry for entry in info.files}, info)


def verify_file(version: Dir, info: ModelInfo, entry: FileEntry, counter: Counter) -> None:
    """Hash one listed file of `version` (streamed) and check it against `entry`."""
    open_verified(version, info, entry, counter).close()


def open_verified(version: Dir, info: ModelInfo, entry: FileEntry, counter: Counter) -> BinaryIO:
    """One listed file of `version`, opened without following a link, hashed (streamed) and
    checked against `entry`, and left open: the caller closes it."""
    algorithm = entry_digest(entry)[0]
    *parents, name = entry["path"].split("/")
    with _subdir(version, parents) as directory:
        f = os.fdopen(directory.open_file(name), "rb")
    try:
        mapped = mapped_digest(f, entry["size"], algorithm, counter)
        if mapped is not None:
            size, digest = mapped
        else:
            size, digest = copy_hashed(f, None, counter, limit=entry["size"], algorithm=algorithm)
        check_digest(info, entry, size, digest)
    except BaseException:
        f.close()
        raise
    return f


def mapped_digest(
    f: BinaryIO, expected_size: int, algorithm: str, counter: Counter | None = None
) -> tuple[int, str] | None:
    """(size, hex digest) of a big file hashed in place through memory maps, without copying
    it into a buffer first (300 MB: ~60 ms instead of ~105 ms here), or None: then stream it.
    The file is mapped a window at a time, so a file of several GB reports its progress.

    Only for a file of the expected size that no one but this user can change: a file that
    shrinks while it is mapped kills the process with SIGBUS, and whoever can truncate a file
    that only this user may write can end this process anyway."""
    if not hasattr(os, "geteuid") or expected_size < OVERLAP_MIN_BYTES:
        return None
    st = os.fstat(f.fileno())
    private = st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if not private or st.st_size != expected_size:
        return None
    import mmap

    populate = getattr(mmap, "MAP_POPULATE", 0)  # read each window ahead in one go (Linux)
    digest = new_hash(algorithm, expected_size)
    for offset in range(0, expected_size, MAP_WINDOW):
        length = min(MAP_WINDOW, expected_size - offset)
        with mmap.mmap(
            f.fileno(),
            length,
            offset=offset,
            flags=mmap.MAP_SHARED | populate,
            prot=mmap.PROT_READ,
        ) as mapped:
            digest.update(mapped)
        if counter is not None:
            counter.add(length)
    return expected_size, digest.hexdigest()


def check_digest(info: ModelInfo, entry: FileEntry, size: int, hexdigest: str) -> None:
    """Raise `integrity` unless `size` and `hexdigest` (of the entry's algorithm) are the
    entry's."""
    if size != entry["size"]:
        expected = entry["size"]
        problem = f"has more than {expected} bytes" if size > expected else "is cut short"
        raise integrity_error(info, entry["path"], problem)
    algorithm, expected_digest = entry_digest(entry)
    if hexdigest != expected_digest:
        raise integrity_error(info, entry["path"], f"does not match its {algorithm} digest")


def read_verified(version: Dir, info: ModelInfo, entry: FileEntry, counter: Counter) -> bytes:
    """The bytes of one listed file of `version`, read once (no link followed), hashed and
    checked against `entry`: the bytes returned are the bytes verified."""
    *parents, name = entry["path"].split("/")
    with _subdir(version, parents) as directory, directory.opened(name) as f:
        # One byte more than listed: a file grown since is seen. A read this big goes
        # straight into the new bytes object: one copy from the page cache.
        data = f.read(entry["size"] + 1)
    digest = new_hash(entry_digest(entry)[0], len(data))
    digest.update(data)
    check_digest(info, entry, len(data), digest.hexdigest())
    counter.add(len(data))
    faults.point("verified")
    return data


def _check_entries(
    directory: Dir, prefix: str, listed: dict[str, FileEntry], info: ModelInfo
) -> None:
    """Every entry below `directory` is the manifest, a listed file (a regular file of the
    listed size) or a directory (formats may leave empty ones); every listed file is there."""
    found = set()
    for entry in directory.entries():
        path = prefix + entry.name
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode) and path not in listed:
            with directory.sub(entry.name) as child:
                _check_entries(child, path + "/", listed, info)
            found.update(p for p in listed if p.startswith(path + "/"))
        elif path in listed and stat.S_ISREG(st.st_mode):
            if st.st_size != listed[path]["size"]:
                problem = f"has {st.st_size} bytes, expected {listed[path]['size']}"
                raise integrity_error(info, path, problem)
            found.add(path)
        elif not (path == MANIFEST and stat.S_ISREG(st.st_mode)):
            problem = f"is {describe(st.st_mode)} that the manifest does not list as a file"
            raise integrity_error(info, path, f"{problem}; the store reads only its own files")
    for path in sorted(p for p in listed if p.startswith(prefix) and p not in found):
        raise integrity_error(info, path, "is missing")


@contextmanager
def _subdir(root: Dir, parts: list[str]) -> Iterator[Dir]:
    """The directory `root/<parts...>`, each part opened without following a link."""
    if not parts:
        yield root
        return
    with root.sub(parts[0]) as child, _subdir(child, parts[1:]) as found:
        yield found


def integrity_error(info: ModelInfo, path: str, problem: str) -> ModelStoreError:
    return ModelStoreError(
        INTEGRITY, f"model {info.name!r} version {info.version}: file {path!r} {problem}"
    )
