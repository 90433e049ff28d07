"""A store in a local directory (plain paths and `file://` URLs).

A save stages under `<store>/.staging/<uuid>` (locked while the save runs), fsyncs, writes the
manifest last, then takes the per-name lock, the next version number and one rename: a
version appears whole or not at all. `latest()` remembers what it read (list_cache.py), so
that a listing reads only the models that changed since the last one.

Every entry below the store's directory is opened relative to its parent without following a
link (safe.py): a link, FIFO or device where the store expects its own directory or file is
refused with `integrity`, and that entry alone fails.
"""

from __future__ import annotations

import errno
import os
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Callable

from .. import faults
from ..manifest import MAX_MANIFEST_BYTES, ModelInfo, checked, manifest_bytes
from ..names import folded, name_problem
from ..protocol import INTERNAL, NOT_FOUND, ModelStoreError
from . import list_cache
from .checking import verify_files
from .files import HashingWriter, Staged, hash_and_sync, write_synced
from .layout import (
    LOCKS,
    MANIFEST,
    STAGING,
    TRASH,
    Listing,
    MakeInfo,
    Manifests,
    Progress,
    Skipped,
    latest_of,
    version_number,
)
from .locks import DirLock, gc_locked_dirs, locked_dir
from .numbers import next_version, raise_highest
from .safe import Dir
from .stamps import Stamp, path_stamp, stamp_of
from .verified import LocalFiles


class LocalStorage:
    """A store in a local directory; see layout.py for what lies where."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.location = root

    def error(self, exc: BaseException, writing: bool) -> ModelStoreError | None:
        """A file system failure as `internal`, with what it means for the user; None for
        anything else."""
        if not isinstance(exc, OSError):
            return None
        message = f"{type(exc).__name__}: {exc}"
        hint = _os_error_hint(exc, self.location, writing)
        return ModelStoreError(INTERNAL, f"{message} ({hint})" if hint else message)

    @contextmanager
    def _root(self, create: bool = False) -> Iterator[Dir | None]:
        """The store's directory, opened (made first if `create`); None if there is none."""
        if create:
            os.makedirs(self.root, exist_ok=True)
        try:
            root = Dir.open_root(self.root)
        except (FileNotFoundError, NotADirectoryError):
            if create:
                raise
            yield None
            return
        with root:
            yield root

    # reading

    def names(self) -> list[str]:
        """Directories whose names are valid model names (this skips .staging, .locks,
        .trash); a link is not a model."""
        with self._root() as root:
            if root is None:
                return []
            return [
                e.name
                for e in root.entries()
                if name_problem(e.name) is None and e.is_dir(follow_symlinks=False)
            ]

    def version_numbers(self, name: str) -> list[int]:
        """Version directories of `name` (with or without a valid manifest)."""
        with self._root() as root:
            if root is None:
                return []
            try:
                with root.sub(name) as directory:
                    entries = directory.names()
            except FileNotFoundError:
                return []
        return [v for v in map(version_number, entries) if v is not None]

    def latest(self) -> Listing:
        """(latest valid version, number of versions) of each model, sorted by name, and the
        entries left out.

        What the last listing read is remembered (list_cache.py) and checked by one stat of
        each model's directory and one of its latest manifest, so that a listing reads only
        the models that changed since the last one, in this process or (through the cache
        file) any."""
        with self._root() as root:
            if root is None:
                return Listing([])
            cache = list_cache.remembered(root)
            same, others, skipped = self.unchanged(root, cache)
        forgotten = cache.keys() - same  # changed or gone
        for name in forgotten:
            del cache[name]
        scanned = {}
        for name in others:
            try:
                scanned[name] = self.version_numbers(name)
            except (OSError, ModelStoreError) as exc:
                skipped.append(Skipped(name, None, _reason(exc)))
        # Each newest manifest's stamp is taken before it is read: one replaced in between is
        # read again by the next listing, never remembered with the old file's fields under
        # the new file's stamp.
        newest = [(name, max(versions)) for name, versions in scanned.items() if versions]
        stamped = dict(zip(newest, self.manifest_stamps(newest) if newest else []))
        latest = latest_of(scanned, self.read_manifests, self.manifest_path, skipped)
        remembered = set()
        for name, latest_and_count in latest.items():
            # None when the newest version is not the valid one: such a model is read again
            # every time, so that its newest version is listed once it is mended.
            manifest_stamp = stamped.get((name, latest_and_count[0].version))
            if others[name] is not None and manifest_stamp is not None:
                cache[name] = others[name], manifest_stamp, latest_and_count
                remembered.add(name)
        if len(forgotten | remembered) >= list_cache.REWRITE_AFTER:
            with self._root() as root:
                if root is not None:
                    list_cache.write(root, cache)
        models = [
            latest[name] if name in latest else cache[name][2]
            for name in sorted(same.union(latest))
        ]
        return Listing(models, sorted(skipped, key=lambda s: (s.name, s.version or 0)))

    def unchanged(
        self, root: Dir, remembered: Mapping[str, list_cache.Entry]
    ) -> tuple[set[str], dict[str, Stamp | None], list[Skipped]]:
        """(the models still as `remembered` says, {name: its directory's stamp} of every
        other model, the entries with a model's name that are not directories), in one pass:
        a scandir, a stat of each model's directory (a publish or delete renames inside it)
        and one of each remembered latest manifest (an edit or replacement of the manifest
        leaves its model's directory as it was). A stamp is None for a directory changed too
        recently to trust. Most of a big store's first listing is spent here, so it is one
        loop."""
        same: set[str] = set()
        others: dict[str, Stamp | None] = {}
        skipped: list[Skipped] = []
        fd, prefix = root.fd, "" if root.fd is not None else root.path + os.sep
        now = time.time_ns()
        for entry in root.entries():
            name = entry.name
            hit = remembered.get(name)
            # A remembered name passed name_problem when it was remembered.
            if hit is None and name_problem(name) is not None:
                continue
            if not entry.is_dir(follow_symlinks=False):
                if entry.is_symlink():
                    skipped.append(
                        Skipped(name, None, "is a symbolic link; the store follows none")
                    )
                continue
            stamp = stamp_of(entry.stat(follow_symlinks=False), now)
            if (
                hit is not None
                and stamp == hit[0]
                and stamp is not None
                and _manifest_stamp(fd, prefix, name, hit[2][0].version, now) == hit[1]
            ):
                same.add(name)
            else:
                others[name] = stamp
        return same, others, skipped

    def manifest_stamps(self, wanted: Iterable[tuple[str, int]]) -> list[Stamp | None]:
        """Stamps of the manifests of `wanted` (name, version), in order."""
        with self._root() as root:
            if root is None:
                return [None for _ in wanted]
            fd, prefix = root.fd, "" if root.fd is not None else root.path + os.sep
            now = time.time_ns()
            return [_manifest_stamp(fd, prefix, name, version, now) for name, version in wanted]

    def read_manifests(self, wanted: Iterable[tuple[str, int]]) -> Manifests:
        """Each manifest's bytes (None where there is none, else the error reading it), each
        reached without a link and read only if it is a regular file of a manifest's size."""
        found: Manifests = {}
        with self._root() as root:
            for name, version in wanted:
                if root is None:
                    found[name, version] = None
                    continue
                try:
                    with root.sub(name) as model, model.sub(str(version)) as directory:
                        found[name, version] = directory.read(MANIFEST, MAX_MANIFEST_BYTES)
                except FileNotFoundError:
                    found[name, version] = None
                except (OSError, ValueError, ModelStoreError) as exc:
                    found[name, version] = exc
        return found

    def manifest_path(self, name: str, version: int) -> str:
        # Formatted, not os.path.join (much of a cached listing's time): `root` is absolute
        # and normalized, `name` a valid model name, so no part holds a separator.
        return f"{self.root}{os.sep}{name}{os.sep}{version}{os.sep}{MANIFEST}"

    @contextmanager
    def local_copy(self, info: ModelInfo, progress: Progress | None) -> Iterator[LocalFiles]:
        """The version's files for a format's load, verified as verified.py says."""
        with self._version(info) as version:
            with LocalFiles(version, info, progress) as files:
                yield files
                files.finish()

    def verify(self, info: ModelInfo, progress: Progress | None = None) -> None:
        with self._version(info) as version:
            verify_files(version, info, progress)

    @contextmanager
    def _version(self, info: ModelInfo) -> Iterator[Dir]:
        with self._root() as root:
            try:
                if root is None:
                    raise FileNotFoundError(self.root)
                with root.sub(info.name) as model, model.sub(str(info.version)) as version:
                    yield version
            except FileNotFoundError:
                raise ModelStoreError(
                    NOT_FOUND,
                    f"model {info.name!r} has no version {info.version} (deleted meanwhile?)",
                ) from None

    # writing

    @contextmanager
    def staging(self) -> Iterator[Staged]:
        """A new `<store>/.staging/<uuid>` directory, locked by `<uuid>.lock` while the save
        runs (so that `gc` leaves it alone); removed if the save fails. Its writer fsyncs and
        hashes what it writes, so that `publish` need not read those files back."""
        with self._root(create=True) as root:
            assert root is not None
            with root.own_sub(STAGING) as parent, locked_dir(parent) as directory:
                yield Staged(directory.path, HashingWriter())

    def publish(
        self,
        staged: Staged,
        name: str,
        make_info: MakeInfo,
        progress: Progress | None,
        check_name: Callable[[str], None],
    ) -> ModelInfo:
        assert isinstance(staged.writer, HashingWriter)
        unique = os.path.basename(staged.directory)
        with self._root() as root:
            assert root is not None  # staging() made it
            if root.modes.shared:  # the library wrote with the umask's modes (safe.py, Modes)
                with root.sub(STAGING) as parent, parent.sub(unique) as directory:
                    directory.share()
        files = hash_and_sync(staged.directory, staged.writer, progress)
        faults.point("hashed")
        with self._root() as root, self._locked(root, name):
            assert root is not None
            check_name(name)  # again, now that no other save of this name can run
            try:
                root.mkdir(name)
                root.fsync()
            except FileExistsError:
                pass
            with root.sub(name) as model, root.own_sub(STAGING) as parent:
                version = next_version(root, name, model)
                info = checked(make_info(version, files))
                with parent.sub(unique) as directory:
                    with directory.create(MANIFEST) as f:
                        write_synced(f, manifest_bytes(info))
                    directory.fsync()
                faults.point("manifest_written")
                parent.rename(unique, model, str(version))
                model.fsync()
            faults.point("published")
        return info

    def delete(self, name: str, version: int | None) -> list[int]:
        with self._root() as root:
            if root is None or name not in self.names():
                # An exact match: on a case-insensitive file system "Foo" would open "foo".
                raise ModelStoreError(NOT_FOUND, f"no model named {name!r} in {self.location}")
            with root.own_sub(TRASH) as trash:
                unique = uuid.uuid4().hex
                with self._locked(root, name), root.sub(name) as model:
                    versions = [v for v in map(version_number, model.names()) if v is not None]
                    if version is not None and version not in versions:
                        raise ModelStoreError(NOT_FOUND, f"model {name!r} has no version {version}")
                    raise_highest(root, name, max(versions, default=0))
                    # One rename makes it disappear; the slow removal happens out of sight.
                    if version is None:
                        root.rename(name, trash, unique)
                        root.fsync()
                    else:
                        model.rename(str(version), trash, unique)
                        model.fsync()
                        if not model.names():
                            _quietly(root.rmdir, name)
                faults.point("trashed")
                trash.remove_tree(unique)
        return sorted(versions) if version is None else [version]

    def gc(self, older_than: float) -> list[str]:
        """Remove staging directories older than `older_than` seconds whose save no longer
        runs (their lock is free), and whatever deletes left in .trash. A bookkeeping
        directory that is a link is refused (integrity), and nothing is removed through one."""
        removed: list[str] = []
        with self._root() as root:
            if root is None:
                return removed
            for name, collect in ((STAGING, gc_locked_dirs), (TRASH, _gc_trash)):
                try:
                    directory = root.sub(name, "bookkeeping directory")
                except FileNotFoundError:
                    continue
                with directory:
                    removed += [f"{name}/{entry}" for entry in collect(directory, older_than)]
        return removed

    @contextmanager
    def _locked(self, root: Dir | None, name: str) -> Iterator[None]:
        """The per-name lock, held. Its file is named by the folded name, so that two names
        differing only in case or Unicode form share it and the collision check under it
        cannot race."""
        assert root is not None
        with root.own_sub(LOCKS) as locks, DirLock(locks, f"{folded(name)}.lock"):
            yield


def _gc_trash(trash: Dir, older_than: float) -> list[str]:
    return [entry for entry in sorted(trash.names()) if trash.remove_tree(entry)]


def _quietly(action: Callable[[str], None], name: str) -> None:
    try:
        action(name)
    except OSError:  # e.g. not empty: something else is in there, leave it
        pass


def _reason(exc: BaseException) -> str:
    return exc.message if isinstance(exc, ModelStoreError) else f"{type(exc).__name__}: {exc}"


def _manifest_stamp(
    fd: int | None, prefix: str, name: str, version: int, now_ns: int
) -> Stamp | None:
    return path_stamp(f"{prefix}{name}{os.sep}{version}{os.sep}{MANIFEST}", fd, now_ns)


def _os_error_hint(exc: OSError, location: str, writing: bool) -> str | None:
    """What a file system error means for the user, or None. The store writes a version
    whole or not at all, so a failed write has changed nothing."""
    if not writing:
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"no permission to read this part of the store {location}"
        return None
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
