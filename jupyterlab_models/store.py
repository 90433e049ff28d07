"""The model store's API: save, list, load, delete, verify and gc models of any supported
library, by name, with numbered versions.

The rules live here (names, descriptions, formats, the manifest of a save); where the bytes
live and how a version appears whole is the storage's job (storage/), where the store is,
location.py's.
"""

from __future__ import annotations

import inspect
import os
import platform
import warnings
from typing import Any

from . import faults, formats
from .errors import reading, writing
from .formats import origins
from .formats.base import Format, OptionError
from .formats.versions import version_warnings
from .location import resolve_location
from .manifest import SCHEMA_VERSION, FileEntry, ModelInfo, parse_manifest, utc_now
from .names import MAX_VARIABLE_LENGTH, folded, validate_name
from .protocol import (
    BAD_REQUEST,
    INTEGRITY,
    LIBRARY_MISSING,
    NAME_INVALID,
    NOT_FOUND,
    UNSUPPORTED_TYPE,
    ModelStoreError,
)
from .reports import VerifyReport, VersionProblem
from .storage import Storage, open_storage
from .storage.files import user_name
from .storage.layout import Listing, Progress, read_manifest, valid_or_none

MAX_DESCRIPTION_LENGTH = 10_000  # characters; the frontend's protocol.ts has the same limit
MAX_NOTEBOOK_LENGTH = 1_000  # characters of the notebook's path a save records
# seconds: `gc` removes what a save left behind once it is this old. On object storage a
# running save renews its claim every storage/claims.py CLAIM_RENEWAL (60 s) seconds, so
# this is 60 renewals: only a save that died, or lost the server for an hour, is removed.
GC_AGE = 3600


class LibraryVersionWarning(UserWarning):
    """A model was saved with a newer, or another major, version of its library."""


class ModelStore:
    """Save, list, load and delete models, in the store at `location` (a path or a URL; by
    default found as location.py says)."""

    def __init__(self, location: str | os.PathLike[str] | None = None) -> None:
        resolved = resolve_location(os.fspath(location) if location is not None else None)
        self.storage: Storage = open_storage(resolved)
        # The path or URL, shown in messages and the panel (a URL with a password is refused).
        self.location: str = self.storage.location

    def __repr__(self) -> str:
        return f"ModelStore({self.location!r})"

    # --- reading -------------------------------------------------------------------------

    @reading
    def list(self) -> list[ModelInfo]:
        """The latest valid version of each model, sorted by name. Reads only manifests;
        an entry that cannot be read is left out (`listing()` says which, and why)."""
        return [info for info, _count in self.storage.latest().models]

    @reading
    def list_with_counts(self) -> list[tuple[ModelInfo, int]]:
        """(latest valid version, number of stored versions) of each model, sorted by name;
        as fast as `list()`: the count comes from the same directory listing."""
        return self.storage.latest().models

    @reading
    def listing(self) -> Listing:
        """`list_with_counts()`, and the entries of the store it left out, each with the
        reason (a damaged manifest, a link, a directory that cannot be read)."""
        return self.storage.latest()

    @reading
    def versions(self, name: str) -> list[ModelInfo]:
        """Every valid version of a model, oldest first."""
        name = validate_name(name)
        numbers = sorted(self.storage.version_numbers(name))
        manifests = self.storage.read_manifests((name, v) for v in numbers)
        path = self.storage.manifest_path
        infos = [valid_or_none(name, v, manifests.get((name, v)), path) for v in numbers]
        found = [info for info in infos if info is not None]
        if not found:
            raise ModelStoreError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        return found

    @reading
    def info(self, name: str, version: int | None = None) -> ModelInfo:
        """One version's manifest; the latest valid version by default."""
        name = validate_name(name)
        if version is not None:
            _check_version(version)
        return self._info(name, version)

    def _info(self, name: str, version: int | None) -> ModelInfo:
        numbers = self.storage.version_numbers(name)
        if version is None:
            damaged = None
            for number in sorted(numbers, reverse=True):
                manifest = self.storage.read_manifests([(name, number)])[name, number]
                if manifest is None:
                    continue  # a save in progress, or none: not damage
                try:
                    return read_manifest(name, number, manifest, self.storage.manifest_path)
                except ModelStoreError as exc:
                    damaged = damaged or exc  # the newest version's reason
            if damaged is not None:
                raise damaged
            raise ModelStoreError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        if version not in numbers:
            raise ModelStoreError(NOT_FOUND, f"model {name!r} has no version {version}")
        manifest = self.storage.read_manifests([(name, version)])[name, version]
        return self._parse(name, version, manifest)

    def _parse(self, name: str, version: int, manifest: bytes | Exception | None) -> ModelInfo:
        """The validated manifest of one version; not_found or integrity if it has none."""
        if manifest is None:
            raise ModelStoreError(NOT_FOUND, f"model {name!r} has no version {version}")
        return parse_manifest(name, version, manifest, self.storage.manifest_path(name, version))

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

    @reading
    def load_with_info(
        self,
        name: str,
        version: int | None = None,
        *,
        progress: Progress | None = None,
        **options: Any,
    ) -> tuple[Any, ModelInfo, list[str]]:
        """(object, manifest, warnings): warnings name library versions that differ from
        the ones the model was saved with in a way that may matter. Every file's digest is
        checked before the library parses it; a mismatch raises `integrity`."""
        info = self.info(name, version)
        fmt = formats.by_id(info.format)
        # An unknown option is the caller's mistake (TypeError), not a damaged model.
        inspect.signature(fmt.load).bind("", info, **options)
        with self.storage.local_copy(info, progress) as files:
            try:
                obj = fmt.load(files, info, **self._with_store(fmt.load, options))
            except (ModelStoreError, OptionError, MemoryError):
                raise
            except Exception as exc:
                if exc is files.read_error:  # the store's read, not the library: as it is
                    raise
                raise self._load_error(exc, info, fmt) from exc
        self._remember(fmt, obj, info)
        return obj, info, version_warnings(info, fmt)

    def _load_error(self, exc: Exception, info: ModelInfo, fmt: Format) -> ModelStoreError:
        """What a library's failure to load verified files means: a module it needs is
        missing (library_missing), the version was deleted meanwhile (not_found), or the
        stored files are not what the format expects (integrity)."""
        what = f"model {info.name!r} version {info.version}"
        if isinstance(exc, ImportError):
            return ModelStoreError(
                LIBRARY_MISSING,
                f"loading {what} needs a module that is not importable here ({exc}); "
                f"install it with: pip install {fmt.PIP_PACKAGE}",
            )
        if isinstance(exc, FileNotFoundError) and info.version not in (
            self.storage.version_numbers(info.name)
        ):
            return ModelStoreError(NOT_FOUND, f"{what} was deleted while it was loading")
        return ModelStoreError(
            INTEGRITY,
            f"{what} passed its checksums but {fmt.LIBRARY} cannot load it "
            f"({type(exc).__name__}: {exc}): its manifest or files are not what the "
            f"{fmt.FORMAT_ID!r} format writes",
        )

    # --- writing -------------------------------------------------------------------------

    @writing
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
        also implied by `example_inputs=` or `example_kwargs=`); by default the first that
        accepts it. `options` go to that format's `save`. A format may store something else
        in `obj`'s place: a PEFT adapter with `merge=True` is stored merged, as hf_transformers.
        """
        name = validate_name(name)
        check_save_fields(description, variable, notebook)
        if format_id is None and ("example_inputs" in options or "example_kwargs" in options):
            format_id = "pt2"  # an example input asks for torch.export, as documented
        fmt = formats.detect(obj) if format_id is None else formats.by_id(format_id)
        if fmt is None or formats.matched_type(obj, fmt) is None:
            raise ModelStoreError(
                UNSUPPORTED_TYPE,
                f"{formats.class_path(type(obj))} is not a supported model type "
                f"(supported: {', '.join(formats.supported_types())})",
            )
        self._check_case_collision(name)  # early, before the expensive part; again later
        substitute = getattr(fmt, "substitute", None)  # e.g. a PEFT adapter merged
        replaced = substitute(obj, options) if substitute is not None else None
        if replaced is not None:
            obj, fmt = replaced[0], formats.by_id(replaced[1])
        with self.storage.staging() as staged:
            extra = fmt.save(
                obj, staged.directory, writer=staged.writer, **self._with_store(fmt.save, options)
            )
            if "signature" not in extra:  # else the format made it from what it wrote
                signature = formats.signature_of(fmt, obj)
                if signature is not None:
                    extra = {**extra, "signature": signature}
            faults.point("staged")

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
                    user=user_name(),
                    notebook=notebook,
                    variable=variable,
                    python_version=platform.python_version(),
                    library_versions=fmt.library_versions(),
                    extra=extra,
                )

            info = self.storage.publish(
                staged, name, make_info, progress, self._check_case_collision
            )
        self._remember(fmt, obj, info)
        return info

    @writing
    def delete(self, name: str, version: int | None = None) -> list[int]:
        """Delete one version, or the whole model; returns the version numbers removed."""
        name = validate_name(name)
        if version is not None:
            _check_version(version)
        return self.storage.delete(name, version)

    # --- maintenance ---------------------------------------------------------------------

    @reading
    def verify(self, name: str | None = None, *, progress: Progress | None = None) -> VerifyReport:
        """Re-hash every file of every version (of `name`, or of the whole store) and report
        each damaged version; nothing is changed. `progress` gets (versions done, total)."""
        if name is not None:
            name = validate_name(name)
            names = [name] if name in self.storage.names() else []
            if not names:
                raise ModelStoreError(NOT_FOUND, f"no model named {name!r} in {self.location}")
        else:
            names = sorted(self.storage.names())
        report = VerifyReport()
        wanted = []
        for n in names:
            try:
                wanted += [(n, v) for v in sorted(self.storage.version_numbers(n))]
            except (OSError, ModelStoreError) as exc:
                report.bad.append(VersionProblem(n, None, *_code_and_message(exc)))
        manifests = self.storage.read_manifests(wanted)
        for done, (n, v) in enumerate(wanted, 1):
            manifest = manifests.get((n, v))
            if manifest is None:
                report.incomplete.append((n, v))
            else:
                report.checked.append((n, v))
                try:
                    self.storage.verify(self._parse(n, v, manifest))
                except (OSError, ModelStoreError) as exc:  # reported; the others go on
                    report.bad.append(VersionProblem(n, v, *_code_and_message(exc)))
            if progress is not None:
                progress(done, len(wanted))
        return report

    @writing
    def gc(self, older_than: float = GC_AGE) -> list[str]:
        """Remove what interrupted saves and deletes left behind: staging directories (or,
        on object storage, versions without a manifest) untouched for `older_than` seconds
        and not in use, and leftover .trash entries. Returns what was removed, as paths
        relative to the store."""
        return self.storage.gc(older_than)

    # --- internals -----------------------------------------------------------------------

    def _with_store(self, method: Any, options: dict[str, Any]) -> dict[str, Any]:
        """A format that refers to other models of the store (a PEFT adapter's base) gets
        this store as `store=`."""
        if "store" in inspect.signature(method).parameters:
            return {**options, "store": self}
        return options

    def _remember(self, fmt: Format, obj: Any, info: ModelInfo) -> None:
        if getattr(fmt, "KEEPS_ORIGIN", False):
            origins.remember(obj, self.location, info.name, info.version)

    def _check_case_collision(self, name: str) -> None:
        for existing in self.storage.names():
            if existing != name and folded(existing) == folded(name):
                raise ModelStoreError(
                    NAME_INVALID,
                    f"invalid model name {name!r}: it differs only in case (or Unicode form) "
                    f"from the existing model {existing!r} (they would collide on some file "
                    "systems)",
                )


def check_save_fields(description: object, variable: object, notebook: object) -> None:
    """The texts a save records beside the model: `bad_request` if one is too long (they are
    in every listing of the store) or is no Unicode text (a lone surrogate, which JSON can
    carry but UTF-8 cannot), TypeError if one has the wrong type. The kernel checks them
    before it looks the variable up."""
    if not isinstance(description, str):
        raise TypeError("description must be a str")
    if not all(isinstance(v, (str, type(None))) for v in (variable, notebook)):
        raise TypeError("variable and notebook must be a str or None")
    for what, text, limit in [
        ("description", description, MAX_DESCRIPTION_LENGTH),
        ("notebook path", notebook, MAX_NOTEBOOK_LENGTH),
        ("variable name", variable, MAX_VARIABLE_LENGTH),
    ]:
        if text is None:
            continue
        if len(text) > limit:
            raise ModelStoreError(
                BAD_REQUEST,
                f"the {what} has {len(text):,} characters; at most {limit:,} are allowed "
                "(it is in every listing of the store)",
            )
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ModelStoreError(
                BAD_REQUEST, f"the {what} has a lone surrogate: it is not Unicode text"
            ) from None


def _code_and_message(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, ModelStoreError):
        return exc.code, exc.message
    return INTEGRITY, f"cannot read it: {type(exc).__name__}: {exc}"


def _check_version(version: object) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError(f"version must be an int, not {type(version).__name__}")


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
