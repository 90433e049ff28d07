"""A model store on an fsspec file system (`s3://bucket/prefix`, `memory://...`).

The version number is taken by creating `<name>/<version>/.claim` with a conditional create
(S3 `If-None-Match: *`), the files are uploaded next under the save's own token (renewing
the claim meanwhile), hashed while they stream out, and `manifest.json` is created last:
object stores have no rename, but one object PUT is atomic, so a version is visible exactly
when its manifest exists. What belongs to which save: claims.py. See docs/STORE.md.
Loaded only for a store given as a URL (then fsspec and the protocol's package are imported).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, Callable

from .. import faults
from ..manifest import (
    BLAKE3,
    FileEntry,
    ModelInfo,
    checked,
    entry_digest,
    file_entry,
    manifest_bytes,
)
from ..names import name_problem
from ..protocol import BAD_REQUEST, INTERNAL, LIBRARY_MISSING, NOT_FOUND, ModelStoreError
from .checking import check_digest, integrity_error
from .claims import (
    CLAIM_RENEWAL,
    Claims,
    Renewal,
    VersionObjects,
    claim_bytes,
    new_token,
    upload_token,
    with_upload_token,
)
from .credentials import has_password, scrub
from .files import Counter, FileWriter, Staged, copy_hashed, staged_paths
from .layout import (
    MANIFEST,
    Listing,
    MakeInfo,
    Manifests,
    Progress,
    Skipped,
    latest_of,
    read_manifest,
    version_number,
)
from .locks import gc_private_scratch, private_scratch
from .verified import DownloadedFiles


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
        self.claims = Claims(self.fs, self.path, "memory" in _protocols(self.fs))
        self.claim_renewal = CLAIM_RENEWAL  # seconds between two renewals of a save's claim

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
            if self.claims.memory:
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
        token = upload_token(info)  # None: saved before tokens, its files are not under one
        owner = [token] if token is not None else []
        for entry in info.files:
            source = self.path(info.name, info.version, *owner, entry["path"])
            target = None
            if into is not None:
                target = os.path.join(into, *entry["path"].split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
            try:
                with self.fs.open(source, "rb") as f, _open_or_none(target) as out:
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
        token = new_token()
        claim = claim_bytes(token)
        version = self.claims.take(name, claim, lambda: self.version_numbers(name))
        faults.point("claimed")
        uploaded: list[str] = []
        published = False

        def renew() -> bool:
            return self.claims.renew(name, version, token, claim)

        try:
            with Renewal(renew, self.claim_renewal) as renewal:
                files: list[FileEntry] = []
                counter = Counter(total, progress)
                for path in paths:
                    if renewal.lost:
                        raise _taken_away(name, version)
                    # Under this save's token: no other writer ever writes these keys.
                    target = self.path(name, version, token, path)
                    uploaded.append(target)
                    with open(os.path.join(staging, *path.split("/")), "rb") as f:
                        with self.fs.open(target, "wb") as out:
                            size, digest = copy_hashed(f, out, counter)
                    files.append(file_entry(path, size, BLAKE3, digest))
                    faults.point("uploading")
                info = checked(with_upload_token(make_info(version, files), token))
                data = manifest_bytes(info)
                # gc takes the claims of saves that stopped renewing them: make sure this one
                # is still ours before making the version visible.
                if renewal.lost or self.claims.token(name, version) != token:
                    raise _taken_away(name, version)
                faults.point("uploaded")
                try:
                    self.claims.create(self.path(name, version, MANIFEST), data)
                except FileExistsError:  # another save of this number published first
                    raise _taken_away(name, version) from None
                published = True
            faults.point("published")
            return info
        finally:
            if not published:  # only what is ours: our uploads, and the claim if it still is
                for path in uploaded:
                    _quietly(self.fs.rm_file, path)
                _quietly(self.claims.release, name, version, token)

    def delete(self, name: str, version: int | None) -> list[int]:
        groups = self._versions_of_objects(self._find(self.path(name)))
        groups = {v: objects for (n, v), objects in groups.items() if n == name}
        published = sorted(v for v, objects in groups.items() if MANIFEST in objects)
        if not published:
            raise ModelStoreError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        if version is not None and version not in published:
            raise ModelStoreError(NOT_FOUND, f"model {name!r} has no version {version}")
        deleted = published if version is None else [version]
        # Never give these numbers again: recorded before anything is removed.
        self.claims.raise_highest(name, max(groups))
        manifests = self.read_manifests((name, number) for number in deleted)
        # Saves still in progress (a claim, no manifest yet) are left alone: they land after.
        for number in deleted:
            try:
                info = read_manifest(name, number, manifests[name, number], self.manifest_path)
                owners: list[str | None] | None = [upload_token(info)]
            except ModelStoreError:
                owners = None  # a damaged manifest: everything of the version goes
            # The manifest first: the version disappears at once. The claim last.
            self._rm(self.path(name, number, MANIFEST))
            faults.point("unpublished")
            objects = VersionObjects.of(groups[number])
            self._remove_files(name, number, objects, owners or list(objects.files))
            claimed = self.claims.token(name, number)
            if owners is None or claimed in owners or claimed not in objects.files:
                # the claim of the deleted save, not of a save still uploading
                self.claims.release(name, number, claimed)
        return deleted

    def _rm(self, path: str) -> None:
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:  # someone else removed it meanwhile
            pass

    def _remove_files(
        self, name: str, version: int, objects: VersionObjects, owners: list[str | None]
    ) -> None:
        """The files of `owners` (tokens; None: the files of a save from before tokens)."""
        paths = [
            self.path(name, version, path)
            for owner in owners
            for path in objects.files.get(owner, {})
        ]
        if paths:
            try:
                self.fs.rm(paths)  # one request per 1000 objects on S3
            except FileNotFoundError:
                for path in paths:
                    self._rm(path)

    def gc(self, older_than: float) -> list[str]:
        """Remove what saves that died (or a delete that stopped half-way) left: claims not
        renewed for `older_than` seconds and files that no published version and no live
        claim owns, untouched for as long, each judged by the server's clock; and this
        machine's scratch directories of saves and loads that died (not locked)."""
        removed = gc_private_scratch(older_than)
        now = self.claims.server_now()  # before the listing: every age read is a lower bound
        versions = {
            key: VersionObjects.of(objects)
            for key, objects in self._versions_of_objects(self._find(self.root)).items()
        }
        # A published version's files belong to the save its manifest names; read only
        # where other files lie beside them (a save that lost its number and died).
        crowded = [key for key, v in versions.items() if v.published and len(v.files) > 1]
        manifests = self.read_manifests(crowded)
        for (name, version), objects in sorted(versions.items()):
            where, keep = f"{name}/{version}", set()
            if objects.published:
                try:
                    info = read_manifest(
                        name, version, manifests[name, version], self.manifest_path
                    )
                    keep.add(upload_token(info))
                except (KeyError, ModelStoreError):
                    continue  # one owner only, or a damaged manifest: verify reports it
            elif objects.claim is not None:
                live, token = self.claims.sweep(name, version, now, older_than)
                keep = {token, None} if live else set()  # None: a save from before tokens
                removed += [] if live else [where]
            owners = objects.unowned(keep, now, older_than)
            if not owners or (
                not objects.published and self.read_manifests([(name, version)])[name, version]
            ):
                continue  # nothing to remove, or published meanwhile
            self._remove_files(name, version, objects, owners)
            if objects.published:
                removed += [f"{where}/{owner or '*'}" for owner in owners]
            elif where not in removed:
                removed.append(where)
        return removed


def _taken_away(name: str, version: int) -> ModelStoreError:
    return ModelStoreError(
        INTERNAL,
        f"version {version} of {name!r} was taken away during the save "
        "(by `jupyter models gc`?); save again",
    )


def _from_storage_library(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {"botocore", "aiobotocore", "s3fs", "fsspec", "aiohttp"}


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _open_or_none(path: str | None) -> Any:
    return open(path, "wb") if path is not None else nullcontext()


def _quietly(action: Callable[..., object], *args: object) -> None:
    try:
        action(*args)
    except Exception:  # noqa: S110  # best effort: gc removes what is left
        pass
