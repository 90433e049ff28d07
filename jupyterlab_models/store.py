"""The model store: one directory per model name, one sub-directory per version.

Layout::

    <store>/<name>/<version>/manifest.json   the ModelInfo, written last
    <store>/<name>/<version>/<files>         written by the format (e.g. model.txt)
    <store>/.staging/<uuid>/                 a save in progress, invisible to readers
    <store>/.locks/<name>.lock               per-name lock (filelock)
    <store>/.trash/<uuid>/                   a delete in progress

A version becomes visible only by one `os.rename` of a complete staged directory, taken under
the per-name lock that also allocates its number, so a crash leaves the old state or the new,
never a half model. Readers ignore any version without a valid manifest.

Store location, first that applies (see `resolve_location`):

1. the explicit location (`ModelStore(location)`, the JupyterLab setting, `--store`);
2. the `JUPYTERLAB_MODELS_STORE` environment variable;
3. `<server root>/.jupyterlab-models`, when the Jupyter server root is known (in the panel);
4. otherwise (plain Python, CLI): the nearest `.jupyterlab-models/` directory in the current
   directory or one of its parents, so that code in a sub-folder of a project finds the
   project's store;
5. else `<current directory>/.jupyterlab-models`.

`~` is expanded; a relative location is taken from the server root when known, else from the
current directory.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Callable

from . import formats
from .manifest import SCHEMA_VERSION, ModelInfo, utc_now
from .names import name_problem, validate_name
from .protocol import INTEGRITY, NAME_INVALID, NOT_FOUND, UNSUPPORTED_TYPE, ModelsError

ENV_VAR = "JUPYTERLAB_MODELS_STORE"
DEFAULT_DIR = ".jupyterlab-models"
MANIFEST = "manifest.json"
CHUNK = 1 << 20
LOCK_TIMEOUT = 120  # seconds; a save holds the lock only to number and rename

Progress = Callable[[int, int], None]


class LibraryVersionWarning(UserWarning):
    """A model was saved with a newer, or another major, version of its library."""


def resolve_location(setting: str | None = None, server_root: str | None = None) -> str:
    """The absolute store location; see the module docstring for the order."""
    base = os.path.expanduser(server_root) if server_root else os.getcwd()
    location = setting or os.environ.get(ENV_VAR)
    if not location:
        if server_root:
            location = os.path.join(base, DEFAULT_DIR)
        else:
            location = _find_upwards(base) or os.path.join(base, DEFAULT_DIR)
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


class ModelStore:
    def __init__(self, location: str | os.PathLike[str] | None = None) -> None:
        self.location = resolve_location(os.fspath(location) if location is not None else None)

    def __repr__(self) -> str:
        return f"ModelStore({self.location!r})"

    # --- reading -------------------------------------------------------------------------

    def list(self) -> list[ModelInfo]:
        """The latest valid version of each model, sorted by name."""
        models = (self._latest(name) for name in sorted(self._names()))
        return [info for info in models if info is not None]

    def versions(self, name: str) -> list[ModelInfo]:
        """Every valid version of a model, oldest first."""
        validate_name(name)
        infos = [self._try_manifest(name, v) for v in sorted(self._version_numbers(name))]
        found = [info for info in infos if info is not None]
        if not found:
            raise ModelsError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        return found

    def info(self, name: str, version: int | None = None) -> ModelInfo:
        """One version's manifest; the latest valid version by default."""
        validate_name(name)
        if version is None:
            info = self._latest(name)
            if info is None:
                raise ModelsError(NOT_FOUND, f"no model named {name!r} in {self.location}")
            return info
        _check_version(version)
        if version not in self._version_numbers(name):
            raise ModelsError(NOT_FOUND, f"model {name!r} has no version {version}")
        return self._read_manifest(name, version)

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

    def load_with_info(
        self,
        name: str,
        version: int | None = None,
        *,
        progress: Progress | None = None,
        **options: Any,
    ) -> tuple[Any, ModelInfo, list[str]]:
        """(object, manifest, warnings): warnings name library versions that differ from
        the ones the model was saved with in a way that may matter."""
        info = self.info(name, version)
        fmt = formats.by_id(info.format)
        directory = self._version_dir(name, info.version)
        _verify_files(directory, info, progress)
        obj = fmt.load(directory, info, **options)
        return obj, info, formats.version_warnings(info, fmt)

    # --- writing -------------------------------------------------------------------------

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
        self._check_case_collision(name)  # early, before the expensive part; again under lock
        staging = os.path.join(self.location, ".staging", uuid.uuid4().hex)
        os.makedirs(staging)
        try:
            extra = fmt.save(obj, staging, **options)
            files = _hash_and_sync(staging, progress)
            info = ModelInfo(
                schema_version=SCHEMA_VERSION,
                name=name,
                version=0,  # allocated under the lock below
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
            with self._lock(name):
                self._check_case_collision(name)
                info = replace(info, version=max(self._version_numbers(name), default=0) + 1)
                # Never publish a manifest that readers would reject (and so never list).
                ModelInfo.from_dict(json.loads(json.dumps(info.to_dict())))
                _write_json_synced(os.path.join(staging, MANIFEST), info.to_dict())
                _fsync_dir(staging)
                name_dir = os.path.join(self.location, name)
                if not os.path.isdir(name_dir):
                    os.mkdir(name_dir)
                    _fsync_dir(self.location)
                os.rename(staging, os.path.join(name_dir, str(info.version)))
                _fsync_dir(name_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return info

    def delete(self, name: str, version: int | None = None) -> list[int]:
        """Delete one version, or the whole model; returns the version numbers removed."""
        validate_name(name)
        if version is not None:
            _check_version(version)
        with self._lock(name):
            # An exact match: on a case-insensitive file system "Foo" would open "foo".
            if name not in self._names():
                raise ModelsError(NOT_FOUND, f"no model named {name!r} in {self.location}")
            versions = self._version_numbers(name)
            if version is None:
                target, deleted = os.path.join(self.location, name), sorted(versions)
            elif version in versions:
                target, deleted = self._version_dir(name, version), [version]
            else:
                raise ModelsError(NOT_FOUND, f"model {name!r} has no version {version}")
            # One rename makes it disappear; the slow removal happens out of sight.
            trash = os.path.join(self.location, ".trash", uuid.uuid4().hex)
            os.makedirs(os.path.dirname(trash), exist_ok=True)
            os.rename(target, trash)
            _fsync_dir(os.path.dirname(target))
            if version is not None and not self._version_numbers(name):
                _remove_empty_dir(os.path.join(self.location, name))
        shutil.rmtree(trash, ignore_errors=True)
        return deleted

    # --- internals -----------------------------------------------------------------------

    def _names(self) -> list[str]:
        """Directory names that are valid model names (this skips .staging, .locks, .trash)."""
        try:
            entries = os.listdir(self.location)
        except FileNotFoundError:
            return []
        return [
            e
            for e in entries
            if name_problem(e) is None and os.path.isdir(os.path.join(self.location, e))
        ]

    def _version_numbers(self, name: str) -> list[int]:
        """Version directories of `name` (with or without a valid manifest)."""
        try:
            entries = os.listdir(os.path.join(self.location, name))
        except (FileNotFoundError, NotADirectoryError):
            return []
        # Only canonical positive integers: "1", not "01" or "+1".
        return [int(e) for e in entries if e.isdigit() and e.isascii() and str(int(e)) == e != "0"]

    def _version_dir(self, name: str, version: int) -> str:
        return os.path.join(self.location, name, str(version))

    def _read_manifest(self, name: str, version: int) -> ModelInfo:
        path = os.path.join(self._version_dir(name, version), MANIFEST)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            raise ModelsError(NOT_FOUND, f"model {name!r} has no version {version}") from None
        except (OSError, ValueError) as exc:
            raise ModelsError(INTEGRITY, f"cannot read {path}: {exc}") from None
        info = ModelInfo.from_dict(data)
        if info.name != name or info.version != version:
            raise ModelsError(INTEGRITY, f"{path} describes {info.name!r} version {info.version}")
        return info

    def _latest(self, name: str) -> ModelInfo | None:
        for version in sorted(self._version_numbers(name), reverse=True):
            info = self._try_manifest(name, version)
            if info is not None:
                return info
        return None

    def _try_manifest(self, name: str, version: int) -> ModelInfo | None:
        try:
            return self._read_manifest(name, version)
        except ModelsError:
            return None

    def _check_case_collision(self, name: str) -> None:
        for existing in self._names():
            if existing != name and existing.lower() == name.lower():
                raise ModelsError(
                    NAME_INVALID,
                    f"invalid model name {name!r}: it differs only in case from the existing "
                    f"model {existing!r} (they would collide on some file systems)",
                )

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        from filelock import FileLock

        locks = os.path.join(self.location, ".locks")
        os.makedirs(locks, exist_ok=True)
        with FileLock(os.path.join(locks, f"{name}.lock"), timeout=LOCK_TIMEOUT):
            yield


def _check_version(version: object) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError(f"version must be an int, not {type(version).__name__}")


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return ""


def _hash_and_sync(directory: str, progress: Progress | None) -> list[dict[str, Any]]:
    """Size and sha256 of every file the format wrote, each fsynced; sorted by path."""
    paths = []
    for root, _dirs, files in os.walk(directory):
        for filename in files:
            full = os.path.join(root, filename)
            paths.append(os.path.relpath(full, directory).replace(os.sep, "/"))
    if MANIFEST in paths:
        raise ModelsError(UNSUPPORTED_TYPE, f"a format must not write {MANIFEST}")
    paths.sort()
    total = sum(os.path.getsize(os.path.join(directory, p)) for p in paths)
    done = 0
    entries = []
    for path in paths:
        digest = hashlib.sha256()
        size = 0
        # r+b: on Windows os.fsync needs a handle opened for writing
        with open(os.path.join(directory, path), "r+b") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            os.fsync(f.fileno())
        entries.append({"path": path, "size": size, "sha256": digest.hexdigest()})
    for root, _dirs, _files in os.walk(directory):
        _fsync_dir(root)
    return entries


def _verify_files(directory: str, info: ModelInfo, progress: Progress | None) -> None:
    """Check every file's size, then its sha256 (streamed), against the manifest."""
    for entry in info.files:
        path = os.path.join(directory, *entry["path"].split("/"))
        try:
            size = os.path.getsize(path)
        except OSError:
            raise _integrity(info, entry["path"], "is missing") from None
        if size != entry["size"]:
            raise _integrity(info, entry["path"], f"has {size} bytes, expected {entry['size']}")
    done = 0
    for entry in info.files:
        digest = hashlib.sha256()
        with open(os.path.join(directory, *entry["path"].split("/")), "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, info.size_bytes)
        if digest.hexdigest() != entry["sha256"]:
            raise _integrity(info, entry["path"], "does not match its sha256")


def _integrity(info: ModelInfo, path: str, problem: str) -> ModelsError:
    return ModelsError(
        INTEGRITY, f"model {info.name!r} version {info.version}: file {path!r} {problem}"
    )


def _write_json_synced(path: str, data: dict[str, Any]) -> None:
    with open(path, "x", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


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
