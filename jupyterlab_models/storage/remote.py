"""A model store on an fsspec file system (`s3://bucket/prefix`, `memory://...`).

The version number is taken by creating `<name>/<version>/.claim` with a conditional create
(S3 `If-None-Match: *`), the files are uploaded next, hashed while they stream out, and
`manifest.json` is created last: object stores have no rename, but one object PUT is atomic,
so a version is visible exactly when its manifest exists. See docs/STORE.md.

Loaded only for a store given as a URL; fsspec and the protocol's package (s3fs) are imported
then.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Callable

from .. import faults
from ..manifest import (
    BLAKE3,
    FileEntry,
    ModelInfo,
    checked,
    entry_digest,
    file_entry,
    format_time,
    manifest_bytes,
    utc_now,
)
from ..names import name_problem
from ..protocol import BAD_REQUEST, INTERNAL, LIBRARY_MISSING, NOT_FOUND, ModelStoreError
from .credentials import has_password, scrub
from .files import (
    Counter,
    FileWriter,
    Staged,
    check_digest,
    copy_hashed,
    integrity_error,
    staged_paths,
)
from .layout import (
    CLAIM,
    MANIFEST,
    Listing,
    MakeInfo,
    Manifests,
    Progress,
    Skipped,
    latest_of,
    version_number,
)
from .locks import gc_private_scratch, private_scratch
from .verified import DownloadedFiles

MAX_CLAIM_ATTEMPTS = 1000


# memory:// lives in this process: a lock makes its "create if absent" atomic among threads.
_MEMORY_LOCK = threading.Lock()


class RemoteStorage:
    """A store on an fsspec file system; credentials come from fsspec's and the backend's
    usual configuration (for S3: the AWS environment variables, ~/.aws, FSSPEC_S3_*)."""

    def __init__(self, url: str) -> None:
        if has_password(url):
            # It would reach messages, the panel and the libraries' debug logs.
            raise ModelStoreError(
                BAD_REQUEST,
                "a store URL must not contain a password: give credentials the usual way "
                "(for S3: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, FSSPEC_S3_*)",
            )
        try:
            from fsspec.core import url_to_fs
        except ImportError as exc:
            raise ModelStoreError(
                LIBRARY_MISSING,
                f"the store {url} is a URL, which needs fsspec: pip install fsspec "
                "(and the package of its protocol, e.g. s3fs for s3://)",
            ) from exc
        self.location = url
        try:
            self.fs, root = url_to_fs(url)
        except ImportError as exc:
            raise ModelStoreError(
                LIBRARY_MISSING, f"the store {self.location} needs a package: {exc}"
            ) from exc
        except (ValueError, OSError) as exc:
            raise self._internal(exc) from exc
        self.root = root.rstrip("/")
        self._memory = "memory" in _protocols(self.fs)

    def path(self, *parts: str | int) -> str:
        return "/".join([self.root, *map(str, parts)])

    def error(self, exc: BaseException, writing: bool) -> ModelStoreError | None:
        """A file system or network failure as `internal`; None for anything else."""
        if isinstance(exc, OSError) or _from_storage_library(exc):
            return self._internal(exc)
        return None

    def _internal(self, exc: BaseException) -> ModelStoreError:
        """`exc` as `internal`, without anything that looks like a credential."""
        message = f"{type(exc).__name__}: {exc}"
        fs = getattr(self, "fs", None)
        return ModelStoreError(INTERNAL, f"store {self.location}: {scrub(message, fs)}")

    # reading

    def _find(self, prefix: str) -> dict[str, dict[str, Any]]:
        self.fs.invalidate_cache()  # other processes write here: never trust a listing cache
        try:
            found = self.fs.find(prefix, detail=True)
        except FileNotFoundError:
            return {}
        return found if isinstance(found, dict) else {}

    def _ls(self, path: str) -> list[dict[str, Any]]:
        self.fs.invalidate_cache()
        try:
            return self.fs.ls(path, detail=True)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def _relative(self, path: str) -> list[str]:
        return self._key(path)[len(self.root) :].lstrip("/").split("/")

    def _key(self, path: str) -> str:
        """`path` as the file system names it in listings: without a `protocol://` (and, on
        memory://, rooted at "/" as its paths are)."""
        if "://" in path:
            path = path.split("://", 1)[1]
            if self._memory:
                path = "/" + path.lstrip("/")
        return path

    def _versions_of_objects(
        self, objects: dict[str, dict[str, Any]]
    ) -> dict[tuple[str, int], dict[str, dict[str, Any]]]:
        """Objects grouped by (name, version): {(name, version): {relative path: info}}."""
        groups: dict[tuple[str, int], dict[str, dict[str, Any]]] = {}
        for path, detail in objects.items():
            parts = self._relative(path)
            if len(parts) < 3 or name_problem(parts[0]) is not None:
                continue
            version = version_number(parts[1])
            if version is not None:
                groups.setdefault((parts[0], version), {})["/".join(parts[2:])] = detail
        return groups

    def names(self) -> list[str]:
        names = []
        for entry in self._ls(self.root):
            name = self._relative(entry["name"])[-1]
            if entry.get("type") == "directory" and name_problem(name) is None:
                names.append(name)
        return names

    def version_numbers(self, name: str) -> list[int]:
        found = (self._relative(e["name"])[-1] for e in self._ls(self.path(name)))
        return [v for v in map(version_number, found) if v is not None]

    def latest(self) -> Listing:
        """(latest valid version, number of versions) of each model, sorted by name, and the
        versions left out."""
        skipped: list[Skipped] = []
        latest = latest_of(self.scan(), self.read_manifests, self.manifest_path, skipped)
        return Listing([latest[name] for name in sorted(latest)], skipped)

    def scan(self) -> dict[str, list[int]]:
        """One listing of the whole store; only versions that have a manifest object."""
        scanned: dict[str, list[int]] = {}
        for (name, version), objects in self._versions_of_objects(self._find(self.root)).items():
            if MANIFEST in objects:
                scanned.setdefault(name, []).append(version)
        return scanned

    def read_manifests(self, wanted: Iterable[tuple[str, int]]) -> Manifests:
        keys = {self.path(name, version, MANIFEST): (name, version) for name, version in wanted}
        if not keys:
            return {}
        # Concurrent on asynchronous file systems (s3fs): one round trip for the batch.
        contents = self.fs.cat(list(keys), on_error="return")
        found: Manifests = {}
        for path, key in keys.items():
            value = contents.get(path, contents.get(self._key(path)))
            if isinstance(value, FileNotFoundError) or value is None:
                found[key] = None
            else:
                found[key] = value
        return found

    def manifest_path(self, name: str, version: int) -> str:
        return self.path(name, version, MANIFEST)

    @contextmanager
    def local_copy(self, info: ModelInfo, progress: Progress | None) -> Iterator[DownloadedFiles]:
        """The version's files downloaded into a local temporary directory, each hashed while
        it streams in; the directory is removed afterwards."""
        with private_scratch() as directory:
            self._stream_files(info, progress, directory)
            yield DownloadedFiles(directory, info)

    def verify(self, info: ModelInfo, progress: Progress | None = None) -> None:
        self._stream_files(info, progress, None)

    def _stream_files(self, info: ModelInfo, progress: Progress | None, into: str | None) -> None:
        counter = Counter(info.size_bytes, progress)
        for entry in info.files:
            source = self.path(info.name, info.version, entry["path"])
            target = None
            if into is not None:
                target = os.path.join(into, *entry["path"].split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                with self.fs.open(source, "rb") as f, _maybe_open(target) as out:
                    algorithm = entry_digest(entry)[0]
                    size, digest = copy_hashed(f, out, counter, entry["size"], algorithm)
            except FileNotFoundError:
                raise integrity_error(info, entry["path"], "is missing") from None
            if size < entry["size"]:
                problem = f"has {size} bytes, expected {entry['size']}"
                raise integrity_error(info, entry["path"], problem)
            check_digest(info, entry, size, digest)

    # writing

    @contextmanager
    def staging(self) -> Iterator[Staged]:
        """A private local directory for the format to write into (see `private_scratch`);
        its files are hashed while they upload."""
        with private_scratch() as directory:
            yield Staged(directory, FileWriter())

    def _create(self, path: str, data: bytes) -> None:
        """Create `path` only if it does not exist (FileExistsError otherwise), atomically:
        S3 `If-None-Match: *`, or a lock for the in-process memory:// file system."""
        if self._memory:
            with _MEMORY_LOCK:
                if self.fs.exists(path):
                    raise FileExistsError(path)
                self.fs.pipe_file(path, data)
        else:
            self.fs.pipe_file(path, data, mode="create")

    def publish(
        self,
        staged: Staged,
        name: str,
        make_info: MakeInfo,
        progress: Progress | None,
        check_name: Callable[[str], None],
    ) -> ModelInfo:
        staging = staged.directory
        paths = staged_paths(staging)
        total = sum(os.path.getsize(os.path.join(staging, p)) for p in paths)
        check_name(name)
        token = uuid.uuid4().hex
        claim = json.dumps({"token": token, "created_at": format_time(utc_now())}).encode()
        version = self._claim(name, claim)
        faults.point("claimed")
        uploaded: list[str] = []
        published = False
        try:
            files: list[FileEntry] = []
            counter = Counter(total, progress)
            for path in paths:
                target = self.path(name, version, path)
                uploaded.append(target)
                with open(os.path.join(staging, *path.split("/")), "rb") as f:
                    with self.fs.open(target, "wb") as out:
                        size, digest = copy_hashed(f, out, counter)
                files.append(file_entry(path, size, BLAKE3, digest))
                faults.point("uploading")
            info = checked(make_info(version, files))
            data = manifest_bytes(info)
            # gc removes versions left without a manifest for an hour: make sure this one is
            # still ours before making it visible.
            try:
                current = self.fs.cat_file(self.path(name, version, CLAIM))
            except FileNotFoundError:
                current = b""
            if current != claim:
                raise ModelStoreError(
                    INTERNAL,
                    f"version {version} of {name!r} was taken away during the save "
                    "(by `jupyter models gc`?); save again",
                )
            faults.point("uploaded")
            self._create(self.path(name, version, MANIFEST), data)
            published = True
            faults.point("published")
            return info
        finally:
            if not published:
                self._remove_quietly([*uploaded, self.path(name, version, CLAIM)])

    def _claim(self, name: str, claim: bytes) -> int:
        version = max(self.version_numbers(name), default=0) + 1
        for _ in range(MAX_CLAIM_ATTEMPTS):
            try:
                self._create(self.path(name, version, CLAIM), claim)
                return version
            except FileExistsError:
                # Someone took it: go on from the highest number in use now.
                version = max([version, *self.version_numbers(name)]) + 1
        raise ModelStoreError(INTERNAL, f"could not take a version number for {name!r}")

    def _remove_quietly(self, paths: list[str]) -> None:
        for path in paths:
            try:
                self.fs.rm_file(path)
            except Exception:  # noqa: S110  # best effort: gc removes what is left
                pass

    def delete(self, name: str, version: int | None) -> list[int]:
        groups = self._versions_of_objects(self._find(self.path(name)))
        published = sorted(
            v for (n, v), objects in groups.items() if n == name and MANIFEST in objects
        )
        if not published:
            raise ModelStoreError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        if version is not None and version not in published:
            raise ModelStoreError(NOT_FOUND, f"model {name!r} has no version {version}")
        deleted = published if version is None else [version]
        # Saves still in progress (a claim, no manifest yet) are left alone: they land after.
        for number in deleted:
            # The manifest first: the version disappears at once. The claim last: its number
            # is free again only when nothing of the old version is left.
            self._rm(self.path(name, number, MANIFEST))
            faults.point("unpublished")
            self._remove_version(name, number, groups[name, number])
        return deleted

    def _rm(self, path: str) -> None:
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:  # someone else removed it meanwhile
            pass

    def _remove_version(self, name: str, version: int, objects: Iterable[str]) -> None:
        """Every object of a version that has no manifest (any more), the claim last."""
        rest = [self.path(name, version, p) for p in objects if p not in (MANIFEST, CLAIM)]
        if rest:
            try:
                self.fs.rm(rest)  # one request per 1000 objects on S3
            except FileNotFoundError:
                for path in rest:
                    self._rm(path)
        self._rm(self.path(name, version, CLAIM))
        if self._memory:  # object stores have no empty directories; memory:// keeps them
            for directory in (self.path(name, version), self.path(name)):
                try:
                    self.fs.rmdir(directory)
                except OSError:
                    break

    def gc(self, older_than: float) -> list[str]:
        """Remove versions that never got a manifest (a save that died, or a delete that
        stopped half-way) once nothing was written to them for `older_than` seconds, and
        this machine's scratch directories of saves and loads that died (not locked)."""
        cutoff = time.time() - older_than
        removed = []
        removed += gc_private_scratch(older_than)
        for (name, version), objects in sorted(
            self._versions_of_objects(self._find(self.root)).items()
        ):
            if MANIFEST in objects:
                continue
            newest = max(_mtime(detail) for detail in objects.values())
            if newest > cutoff:
                continue  # maybe a save that is still uploading
            self._remove_version(name, version, objects)
            removed.append(f"{name}/{version}")
        return removed


def _from_storage_library(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {"botocore", "aiobotocore", "s3fs", "fsspec", "aiohttp"}


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _mtime(detail: dict[str, Any]) -> float:
    """When an object was last written, from an fsspec listing entry (S3: LastModified)."""
    for key in ("LastModified", "last_modified", "mtime", "updated", "created"):
        value = detail.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return 0.0  # unknown: old


@contextmanager
def _maybe_open(path: str | None) -> Iterator[Any]:
    if path is None:
        yield None
    else:
        with open(path, "wb") as f:
            yield f
