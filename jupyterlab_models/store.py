"""The model store: one directory (or key prefix) per model name, one per version.

Layout::

    <store>/<name>/<version>/manifest.json   the ModelInfo, written last
    <store>/<name>/<version>/<files>         written by the format (e.g. model.txt)
    <store>/.staging/<uuid>/                 a save in progress, invisible to readers
    <store>/.staging/<uuid>.lock             held while that save runs (gc skips it)
    <store>/.locks/<name in lower case>.lock per-name lock (filelock)
    <store>/.trash/<uuid>/                   a delete in progress

On a local file system a version becomes visible only by one `os.rename` of a complete staged
directory, taken under the per-name lock that also allocates its number, so a crash leaves the
old state or the new, never a half model. Readers ignore any version without a valid manifest.
On object storage (an fsspec URL such as `s3://bucket/prefix`) the number is taken by a
conditional create of `<name>/<version>/.claim`, the files are uploaded, and the manifest is
created last (see storage.py and docs/STORE.md).

Store location, first that applies (see `resolve_location`):

1. the explicit location (`ModelStore(location)`, the JupyterLab setting, `--store`);
2. the `JUPYTERLAB_MODELS_STORE` environment variable;
3. `<server root>/.jupyterlab-models`, when the Jupyter server root is known (in the panel);
4. otherwise (plain Python, CLI): the nearest `.jupyterlab-models/` directory in the current
   directory or one of its parents, so that code in a sub-folder of a project finds the
   project's store;
5. else `<current directory>/.jupyterlab-models`.

A location may be a path or a URL. For a path, `~` is expanded and a relative path is taken
from the server root when known, else from the current directory; `file://` URLs are paths.
Any other URL (`s3://...`, `memory://...`) is used as it is, through fsspec.
"""

from __future__ import annotations

import functools
import getpass
import json
import os
import platform
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from . import formats, list_cache, storage
from .manifest import SCHEMA_VERSION, FileEntry, ModelInfo, utc_now
from .names import validate_name
from .protocol import (
    BAD_REQUEST,
    INTEGRITY,
    INTERNAL,
    NAME_INVALID,
    NOT_FOUND,
    UNSUPPORTED_TYPE,
    ModelsError,
)
from .storage import CHUNK, LOCK_TIMEOUT, MANIFEST, is_url  # noqa: F401  (re-exported)

ENV_VAR = "JUPYTERLAB_MODELS_STORE"
DEFAULT_DIR = ".jupyterlab-models"
MAX_DESCRIPTION_LENGTH = 10_000  # characters; the frontend's protocol.ts has the same limit
GC_AGE = 3600  # seconds: `gc` removes what a save left behind once it is this old

Progress = Callable[[int, int], None]

# The base class of every error of the store, the API and the CLI; `.code` is the wire code
# (protocol.ERROR_CODES), `.message` the text, `.details` machine-readable specifics or None.
# The same class as `ModelsError`, its older name.
ModelStoreError = ModelsError


class LibraryVersionWarning(UserWarning):
    """A model was saved with a newer, or another major, version of its library."""


def resolve_location(setting: str | None = None, server_root: str | None = None) -> str:
    """The store location: an absolute path, or a URL; see the module docstring."""
    base = os.path.expanduser(server_root) if server_root else os.getcwd()
    location = setting or os.environ.get(ENV_VAR)
    if not location:
        if server_root:
            location = os.path.join(base, DEFAULT_DIR)
        else:
            location = _find_upwards(base) or os.path.join(base, DEFAULT_DIR)
    if location.startswith(("file://", "local://")):
        location = location.split("://", 1)[1]
    elif is_url(location):
        return location
    return os.path.abspath(os.path.join(base, os.path.expanduser(location)))


def _find_upwards(start: str) -> str | None:
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, DEFAULT_DIR)
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


@dataclass(frozen=True)
class VersionProblem:
    """A stored version that `verify` found damaged."""

    name: str
    version: int
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class VerifyReport:
    """What `ModelStore.verify` found: every version checked, the damaged ones, and version
    directories without a manifest (invisible: a save in progress or one that died)."""

    checked: list[tuple[str, int]] = field(default_factory=list)
    bad: list[VersionProblem] = field(default_factory=list)
    incomplete: list[tuple[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad

    def to_dict(self) -> dict[str, Any]:
        bad = {(p.name, p.version) for p in self.bad}
        return {
            "ok": self.ok,
            "checked": [
                {"name": n, "version": v, "ok": (n, v) not in bad} for n, v in self.checked
            ],
            "bad": [p.to_dict() for p in self.bad],
            "incomplete": [{"name": n, "version": v} for n, v in self.incomplete],
        }


_F = TypeVar("_F", bound=Callable[..., Any])


def _storage_errors(method: _F) -> _F:
    """File system and network failures become ModelStoreError("internal"), their message
    starting with the exception type, and without credentials."""

    @functools.wraps(method)
    def wrapper(self: ModelStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ModelsError:
            raise
        except OSError as exc:
            raise self._error(exc) from exc
        except Exception as exc:
            if self._storage.remote and _from_storage_library(exc):
                raise self._error(exc) from exc
            raise

    return wrapper  # type: ignore[return-value]


def _os_error_hint(exc: BaseException, location: str) -> str | None:
    """What a file system error of a local store means for the user, or None. The store
    writes a version whole or not at all, so a failed write has changed nothing."""
    import errno

    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"the disk of the store {location} is full: nothing was changed; free some space "
            "and try again"
        )
    if code == errno.EROFS:
        return (
            f"the store {location} is on a read-only file system: its models can be listed "
            "and loaded, but not saved or deleted; nothing was changed"
        )
    if code in (errno.EACCES, errno.EPERM):
        return f"no permission to change the store {location}: nothing was changed"
    return None


def _from_storage_library(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.split(".")[0] in {"botocore", "aiobotocore", "s3fs", "fsspec", "aiohttp"}


class ModelStore:
    """Save, list, load and delete models; see the module docstring for the layout."""

    def __init__(self, location: str | os.PathLike[str] | None = None) -> None:
        resolved = resolve_location(os.fspath(location) if location is not None else None)
        self._storage = storage.open_storage(resolved)
        # The path or URL, shown in messages and the panel (a URL with a password is refused).
        self.location: str = self._storage.location

    def __repr__(self) -> str:
        return f"ModelStore({self.location!r})"

    def _error(self, exc: BaseException) -> ModelsError:
        if self._storage.remote:
            return self._storage.error(exc)
        message = f"{type(exc).__name__}: {exc}"
        hint = _os_error_hint(exc, self.location)
        return ModelsError(INTERNAL, f"{message} ({hint})" if hint else message)

    # --- reading -------------------------------------------------------------------------

    @_storage_errors
    def list(self) -> list[ModelInfo]:
        """The latest valid version of each model, sorted by name. Reads only manifests."""
        return [info for info, _count in self._latest()]

    @_storage_errors
    def list_with_counts(self) -> list[tuple[ModelInfo, int]]:
        """(latest valid version, number of stored versions) of each model, sorted by name;
        as fast as `list()`: the count comes from the same directory listing."""
        return self._latest()

    def _latest(self) -> list[tuple[ModelInfo, int]]:
        if self._storage.remote:
            latest = self._latest_of(self._storage.scan())
            return [latest[name] for name in sorted(latest)]
        # Local stores: remembered (list_cache.py) and checked by one stat of each model's
        # directory and one of its latest manifest, so that a list() reads only the models
        # that changed since the last one, in this process or (through the cache file) any.
        root = self._storage.root
        cache = list_cache.remembered(root)
        same, others = self._storage.unchanged(cache)
        forgotten = cache.keys() - same  # changed or gone
        for name in forgotten:
            del cache[name]
        scanned = {name: self._storage.version_numbers(name) for name in others}
        # Each newest manifest's stamp is taken before it is read: one replaced in between is
        # read again by the next list(), never remembered with the old file's fields under the
        # new file's stamp.
        newest = [(name, max(versions)) for name, versions in scanned.items() if versions]
        stamped = dict(zip(newest, self._storage.manifest_stamps(newest) if newest else []))
        latest = self._latest_of(scanned)
        remembered = set()
        for name, latest_and_count in latest.items():
            # None when the newest version is not the valid one: such a model is read again
            # every time, so that its newest version is listed once it is mended.
            manifest_stamp = stamped.get((name, latest_and_count[0].version))
            if others[name] is not None and manifest_stamp is not None:
                cache[name] = others[name], manifest_stamp, latest_and_count
                remembered.add(name)
        if len(forgotten | remembered) >= list_cache.REWRITE_AFTER:
            list_cache.write(root, cache)
        return [
            latest[name] if name in latest else cache[name][2]
            for name in sorted(same.union(latest))
        ]

    def _latest_of(self, scanned: dict[str, list[int]]) -> dict[str, tuple[ModelInfo, int]]:
        """{name: (latest valid version, number of versions)} of the names in `scanned`
        ({name: its version numbers}); names without any valid version are left out."""
        pending = {name: sorted(versions, reverse=True) for name, versions in scanned.items()}
        found: dict[str, ModelInfo] = {}
        while pending:  # a round per fallback to an older version; usually just one
            wanted = [(name, versions[0]) for name, versions in pending.items() if versions]
            manifests = self._storage.read_manifests(wanted)
            following = {}
            for name, version in wanted:
                info = self._parse(name, version, manifests.get((name, version)), quiet=True)
                if info is not None:
                    found[name] = info
                elif len(pending[name]) > 1:
                    following[name] = pending[name][1:]
            pending = following
        return {name: (info, len(scanned[name])) for name, info in found.items()}

    @_storage_errors
    def versions(self, name: str) -> list[ModelInfo]:
        """Every valid version of a model, oldest first."""
        validate_name(name)
        numbers = sorted(self._storage.version_numbers(name))
        manifests = self._storage.read_manifests((name, v) for v in numbers)
        infos = [self._parse(name, v, manifests.get((name, v)), quiet=True) for v in numbers]
        found = [info for info in infos if info is not None]
        if not found:
            raise ModelsError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        return found

    @_storage_errors
    def info(self, name: str, version: int | None = None) -> ModelInfo:
        """One version's manifest; the latest valid version by default."""
        validate_name(name)
        if version is not None:
            _check_version(version)
        return self._info(name, version)

    def _info(self, name: str, version: int | None) -> ModelInfo:
        numbers = self._storage.version_numbers(name)
        if version is None:
            for number in sorted(numbers, reverse=True):
                manifest = self._storage.read_manifests([(name, number)])[name, number]
                info = self._parse(name, number, manifest, quiet=True)
                if info is not None:
                    return info
            raise ModelsError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        if version not in numbers:
            raise ModelsError(NOT_FOUND, f"model {name!r} has no version {version}")
        manifest = self._storage.read_manifests([(name, version)])[name, version]
        return self._parse(name, version, manifest)  # type: ignore[return-value]

    def _parse(
        self, name: str, version: int, manifest: bytes | Exception | None, quiet: bool = False
    ) -> ModelInfo | None:
        """The validated manifest of one version; None for a missing or invalid one if
        `quiet`, else not_found or integrity."""
        try:
            if manifest is None:
                raise ModelsError(NOT_FOUND, f"model {name!r} has no version {version}")
            path = self._storage.manifest_path(name, version)
            if isinstance(manifest, Exception):
                raise ModelsError(INTEGRITY, f"cannot read {path}: {manifest}")
            try:
                data = json.loads(manifest)
            except ValueError as exc:
                raise ModelsError(INTEGRITY, f"cannot read {path}: {exc}") from None
            info = ModelInfo.from_dict(data)
            if info.name != name or info.version != version:
                raise ModelsError(
                    INTEGRITY, f"{path} describes {info.name!r} version {info.version}"
                )
            return info
        except ModelsError:
            if quiet:
                return None
            raise

    def load(
        self,
        name: str,
        version: int | None = None,
        *,
        progress: Progress | None = None,
        **options: Any,
    ) -> Any:
        """The stored object (latest version by default); `options` go to the format's
        `load`. Library version mismatches are reported with `warnings.warn`."""
        obj, _info, notes = self.load_with_info(name, version, progress=progress, **options)
        for note in notes:
            warnings.warn(note, LibraryVersionWarning, stacklevel=2)
        return obj

    @_storage_errors
    def load_with_info(
        self,
        name: str,
        version: int | None = None,
        *,
        progress: Progress | None = None,
        **options: Any,
    ) -> tuple[Any, ModelInfo, list[str]]:
        """(object, manifest, warnings): warnings name library versions that differ from
        the ones the model was saved with in a way that may matter. Every file's sha256 is
        checked while it is read; a mismatch raises `integrity`."""
        info = self.info(name, version)
        fmt = formats.by_id(info.format)
        with self._storage.local_copy(info, progress) as directory:
            obj = fmt.load(directory, info, **options)
        return obj, info, formats.version_warnings(info, fmt)

    # --- writing -------------------------------------------------------------------------

    @_storage_errors
    def save(
        self,
        obj: Any,
        name: str,
        *,
        description: str = "",
        variable: str | None = None,
        notebook: str | None = None,
        progress: Progress | None = None,
        format_id: str | None = None,
        **options: Any,
    ) -> ModelInfo:
        """Store `obj` as the next version of `name` and return its manifest.

        `format_id` picks one of several formats that accept `obj` (e.g. "pt2" for Torch,
        also implied by `example_inputs=`); by default the first that accepts it. `options`
        go to that format's `save`.
        """
        validate_name(name)
        if not isinstance(description, str):
            raise TypeError("description must be a str")
        if len(description) > MAX_DESCRIPTION_LENGTH:
            raise ModelsError(
                BAD_REQUEST,
                f"the description has {len(description):,} characters; at most "
                f"{MAX_DESCRIPTION_LENGTH:,} are allowed (it is in every listing of the store)",
            )
        if not all(isinstance(v, (str, type(None))) for v in (variable, notebook)):
            raise TypeError("variable and notebook must be a str or None")
        if format_id is None and "example_inputs" in options:
            format_id = "pt2"  # an example input asks for torch.export, as documented
        fmt = formats.detect(obj) if format_id is None else formats.by_id(format_id)
        if fmt is None or formats.matched_type(obj, fmt) is None:
            raise ModelsError(
                UNSUPPORTED_TYPE,
                f"{formats.class_path(type(obj))} is not a supported model type "
                f"(supported: {', '.join(formats.supported_types())})",
            )
        self._check_case_collision(name)  # early, before the expensive part; again later
        with self._storage.staging() as staging:
            extra = fmt.save(obj, staging, **options)
            storage._crash_point("staged")

            def make_info(version: int, files: list[FileEntry]) -> ModelInfo:
                return ModelInfo(
                    schema_version=SCHEMA_VERSION,
                    name=name,
                    version=version,
                    description=description,
                    library=fmt.LIBRARY,
                    type=formats.class_path(type(obj)),
                    format=fmt.FORMAT_ID,
                    files=files,
                    size_bytes=sum(f["size"] for f in files),
                    created_at=utc_now(),
                    user=_user(),
                    notebook=notebook,
                    variable=variable,
                    python_version=platform.python_version(),
                    library_versions=fmt.library_versions(),
                    extra=extra,
                )

            return self._storage.publish(
                staging, name, make_info, progress, self._check_case_collision
            )

    @_storage_errors
    def delete(self, name: str, version: int | None = None) -> list[int]:
        """Delete one version, or the whole model; returns the version numbers removed."""
        validate_name(name)
        if version is not None:
            _check_version(version)
        return self._storage.delete(name, version)

    # --- maintenance ---------------------------------------------------------------------

    @_storage_errors
    def verify(self, name: str | None = None, *, progress: Progress | None = None) -> VerifyReport:
        """Re-hash every file of every version (of `name`, or of the whole store) and report
        each damaged version; nothing is changed. `progress` gets (versions done, total)."""
        if name is not None:
            validate_name(name)
            names = [name] if name in self._storage.names() else []
            if not names:
                raise ModelsError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        else:
            names = sorted(self._storage.names())
        report = VerifyReport()
        wanted = [(n, v) for n in names for v in sorted(self._storage.version_numbers(n))]
        manifests = self._storage.read_manifests(wanted)
        for done, (n, v) in enumerate(wanted, 1):
            manifest = manifests.get((n, v))
            if manifest is None:
                report.incomplete.append((n, v))
            else:
                report.checked.append((n, v))
                try:
                    info = self._parse(n, v, manifest)
                    assert info is not None
                    self._storage.verify(info)
                except ModelsError as exc:
                    report.bad.append(VersionProblem(n, v, exc.code, exc.message))
            if progress is not None:
                progress(done, len(wanted))
        return report

    @_storage_errors
    def gc(self, older_than: float = GC_AGE) -> list[str]:
        """Remove what interrupted saves and deletes left behind: staging directories (or,
        on object storage, versions without a manifest) untouched for `older_than` seconds
        and not in use, and leftover .trash entries. Returns what was removed, as paths
        relative to the store."""
        return self._storage.gc(older_than)

    # --- internals -----------------------------------------------------------------------

    def _check_case_collision(self, name: str) -> None:
        for existing in self._storage.names():
            if existing != name and existing.lower() == name.lower():
                raise ModelsError(
                    NAME_INVALID,
                    f"invalid model name {name!r}: it differs only in case from the existing "
                    f"model {existing!r} (they would collide on some file systems)",
                )


def _check_version(version: object) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError(f"version must be an int, not {type(version).__name__}")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return ""


# --- the default store ---------------------------------------------------------------------


def save_model(obj: Any, name: str, **kwargs: Any) -> ModelInfo:
    """`ModelStore().save(obj, name, ...)` on the default store (see `resolve_location`)."""
    return ModelStore().save(obj, name, **kwargs)


def load_model(name: str, version: int | None = None, **kwargs: Any) -> Any:
    """`ModelStore().load(name, version, ...)` on the default store."""
    return ModelStore().load(name, version, **kwargs)


def list_models() -> list[ModelInfo]:
    """`ModelStore().list()` on the default store: the latest version of each model."""
    return ModelStore().list()


def delete_model(name: str, version: int | None = None) -> list[int]:
    """`ModelStore().delete(name, version)` on the default store."""
    return ModelStore().delete(name, version)
