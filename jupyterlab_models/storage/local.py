"""A store in a local directory (plain paths and `file://` URLs).

A save stages under `<store>/.staging/<uuid>` (locked while the save runs), fsyncs, writes the
manifest last, then takes a per-name `filelock`, the next version number and one `os.rename`:
a version appears whole or not at all. `latest()` remembers what it read (list_cache.py), so
that a listing reads only the models that changed since the last one.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Callable

from .. import faults
from ..manifest import ModelInfo, checked, manifest_bytes
from ..names import name_problem
from ..protocol import INTERNAL, NOT_FOUND, ModelStoreError
from . import list_cache
from .files import (
    LOCK_TIMEOUT,
    HashingWriter,
    Staged,
    create_synced,
    fsync_dir,
    gc_locked_dirs,
    hash_and_sync,
    locked_dir,
    remove_empty_dir,
    unlink_quietly,
    verify_files,
)
from .layout import (
    LOCKS,
    MANIFEST,
    STAGING,
    TRASH,
    MakeInfo,
    Manifests,
    Progress,
    latest_of,
    version_number,
)
from .stamps import Stamp, path_stamp, stamp_of


class LocalStorage:
    """A store in a local directory; see layout.py for what lies where."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.location = root

    def error(self, exc: BaseException) -> ModelStoreError | None:
        """A file system failure as `internal`, with what it means for the user; None for
        anything else."""
        if not isinstance(exc, OSError):
            return None
        message = f"{type(exc).__name__}: {exc}"
        hint = _os_error_hint(exc, self.location)
        return ModelStoreError(INTERNAL, f"{message} ({hint})" if hint else message)

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

    def latest(self) -> list[tuple[ModelInfo, int]]:
        """(latest valid version, number of versions) of each model, sorted by name.

        What the last listing read is remembered (list_cache.py) and checked by one stat of
        each model's directory and one of its latest manifest, so that a listing reads only
        the models that changed since the last one, in this process or (through the cache
        file) any."""
        cache = list_cache.remembered(self.root)
        same, others = self.unchanged(cache)
        forgotten = cache.keys() - same  # changed or gone
        for name in forgotten:
            del cache[name]
        scanned = {name: self.version_numbers(name) for name in others}
        # Each newest manifest's stamp is taken before it is read: one replaced in between is
        # read again by the next listing, never remembered with the old file's fields under
        # the new file's stamp.
        newest = [(name, max(versions)) for name, versions in scanned.items() if versions]
        stamped = dict(zip(newest, self.manifest_stamps(newest) if newest else []))
        latest = latest_of(scanned, self.read_manifests, self.manifest_path)
        remembered = set()
        for name, latest_and_count in latest.items():
            # None when the newest version is not the valid one: such a model is read again
            # every time, so that its newest version is listed once it is mended.
            manifest_stamp = stamped.get((name, latest_and_count[0].version))
            if others[name] is not None and manifest_stamp is not None:
                cache[name] = others[name], manifest_stamp, latest_and_count
                remembered.add(name)
        if len(forgotten | remembered) >= list_cache.REWRITE_AFTER:
            list_cache.write(self.root, cache)
        return [
            latest[name] if name in latest else cache[name][2]
            for name in sorted(same.union(latest))
        ]

    def unchanged(
        self, remembered: Mapping[str, list_cache.Entry]
    ) -> tuple[set[str], dict[str, Stamp | None]]:
        """(the models still as `remembered` says, {name: its directory's stamp} of every
        other model), in one pass: a scandir, a stat of each model's directory (a publish or
        delete renames inside it) and one of each remembered latest manifest (an edit or
        replacement of the manifest leaves its model's directory as it was). A stamp is None
        for a directory changed too recently to trust. Most of a big store's first listing is
        spent here, so it is one loop."""
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
                    stamp = stamp_of(entry.stat(), now)
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
        relative to it resolve one name each rather than the whole path; (None, "<root>/")
        where a directory cannot be opened (Windows, no store)."""
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
        # Formatted, not os.path.join (much of a cached listing's time): `root` is absolute
        # and normalized, `name` a valid model name, so no part holds a separator.
        return f"{self.root}{os.sep}{name}{os.sep}{version}{os.sep}{MANIFEST}"

    @contextmanager
    def local_copy(self, info: ModelInfo, progress: Progress | None) -> Iterator[str]:
        """The version's directory, once every file matches the manifest."""
        directory = os.path.join(self.root, info.name, str(info.version))
        verify_files(directory, info, progress)
        yield directory

    def verify(self, info: ModelInfo, progress: Progress | None = None) -> None:
        verify_files(os.path.join(self.root, info.name, str(info.version)), info, progress)

    # writing

    @contextmanager
    def staging(self) -> Iterator[Staged]:
        """A new `<store>/.staging/<uuid>` directory, locked by `<uuid>.lock` while the save
        runs (so that `gc` leaves it alone); removed if the save fails. Its writer fsyncs and
        hashes what it writes, so that `publish` need not read those files back."""
        with locked_dir(os.path.join(self.root, STAGING)) as directory:
            yield Staged(directory, HashingWriter())

    def publish(
        self,
        staged: Staged,
        name: str,
        make_info: MakeInfo,
        progress: Progress | None,
        check_name: Callable[[str], None],
    ) -> ModelInfo:
        assert isinstance(staged.writer, HashingWriter)
        files = hash_and_sync(staged.directory, staged.writer, progress)
        faults.point("hashed")
        with self.lock(name):
            check_name(name)  # again, now that no other save of this name can run
            version = max(self.version_numbers(name), default=0) + 1
            info = checked(make_info(version, files))
            create_synced(os.path.join(staged.directory, MANIFEST), manifest_bytes(info))
            fsync_dir(staged.directory)
            faults.point("manifest_written")
            name_dir = os.path.join(self.root, name)
            if not os.path.isdir(name_dir):
                os.mkdir(name_dir)
                fsync_dir(self.root)
            os.rename(staged.directory, os.path.join(name_dir, str(version)))
            fsync_dir(name_dir)
            faults.point("published")
        return info

    def delete(self, name: str, version: int | None) -> list[int]:
        with self.lock(name):
            # An exact match: on a case-insensitive file system "Foo" would open "foo".
            if name not in self.names():
                raise ModelStoreError(NOT_FOUND, f"no model named {name!r} in {self.location}")
            versions = self.version_numbers(name)
            if version is None:
                target, deleted = os.path.join(self.root, name), sorted(versions)
            elif version in versions:
                target, deleted = os.path.join(self.root, name, str(version)), [version]
            else:
                raise ModelStoreError(NOT_FOUND, f"model {name!r} has no version {version}")
            # One rename makes it disappear; the slow removal happens out of sight.
            trash = os.path.join(self.root, TRASH, uuid.uuid4().hex)
            os.makedirs(os.path.dirname(trash), exist_ok=True)
            os.rename(target, trash)
            fsync_dir(os.path.dirname(target))
            if version is not None and not self.version_numbers(name):
                remove_empty_dir(os.path.join(self.root, name))
        faults.point("trashed")
        shutil.rmtree(trash, ignore_errors=True)
        return deleted

    def gc(self, older_than: float) -> list[str]:
        """Remove staging directories older than `older_than` seconds whose save no longer
        runs (their lock is free), and whatever deletes left in .trash."""
        removed = [
            f"{STAGING}/{entry}"
            for entry in gc_locked_dirs(os.path.join(self.root, STAGING), older_than)
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
                unlink_quietly(path)
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


def _manifest_stamp(
    fd: int | None, prefix: str, name: str, version: int, now_ns: int
) -> Stamp | None:
    return path_stamp(f"{prefix}{name}{os.sep}{version}{os.sep}{MANIFEST}", fd, now_ns)


def _os_error_hint(exc: OSError, location: str) -> str | None:
    """What a file system error means for the user, or None. The store writes a version
    whole or not at all, so a failed write has changed nothing."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"the disk of the store {location} is full: nothing was changed; free some space "
            "and try again"
        )
    if exc.errno == errno.EROFS:
        return (
            f"the store {location} is on a read-only file system: its models can be listed "
            "and loaded, but not saved or deleted; nothing was changed"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to change the store {location}: nothing was changed"
    return None
