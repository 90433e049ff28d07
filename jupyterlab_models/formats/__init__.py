"""Registry of model formats, one module per library.

Every format module has the same shape:

- `FORMAT_ID` (manifest `format`), `LIBRARY` (import name), `PIP_PACKAGE`; optionally
  `MODULES`, the top-level modules whose classes it accepts when there are several
  (Keras 3 and the legacy `tf_keras`);
- `TYPES`: class paths (`module.QualName`) it accepts, matched anywhere in the MRO;
- `save(obj, directory, **options) -> dict` writes the files and returns the manifest's
  `extra`; options are format-specific keywords (e.g. `example_inputs` for "pt2") and an
  unknown one raises TypeError;
- `load(directory, info, **options) -> obj`;
- `library_versions() -> dict` for the manifest; its first entry is the library itself,
  which `version_warnings` compares with the installed version.

Where several formats accept the same type, the first in FORMATS is the default and the
others are chosen explicitly (`ModelStore.save(..., format_id=...)`).

Format modules import their library only inside `save`/`load`. Detection imports nothing: a
library that is not in `sys.modules` cannot have created the object, and the object is only
looked at through `type(obj).__mro__` (never repr/str/len, which may run user code).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

from ..protocol import LIBRARY_MISSING, UNSUPPORTED_TYPE, ModelsError
from ..storage import Stamp, path_stamp


def class_path(cls: type) -> str:
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', '?')}"


def matched_type(obj: Any, fmt: ModuleType) -> str | None:
    """The first class path in the MRO of `obj` that `fmt` accepts, or None."""
    for cls in type(obj).__mro__:
        path = class_path(cls)
        if path in fmt.TYPES:
            return path
    return None


def modules(fmt: ModuleType) -> tuple[str, ...]:
    """Top-level modules whose classes `fmt` accepts (`MODULES`, else just `LIBRARY`)."""
    return getattr(fmt, "MODULES", (fmt.LIBRARY,))


def imported_formats() -> tuple[ModuleType, ...]:
    """The formats whose library is imported: objects of the others cannot exist."""
    return tuple(fmt for fmt in FORMATS if any(m in sys.modules for m in modules(fmt)))


def detect(obj: Any, candidates: tuple[ModuleType, ...] | None = None) -> ModuleType | None:
    """The format that can save `obj`, or None. Imports nothing and calls nothing on `obj`.

    `candidates` is `imported_formats()`, passed in by callers that detect many objects."""
    for fmt in imported_formats() if candidates is None else candidates:
        if matched_type(obj, fmt) is not None:
            return fmt
    return None


def by_id(format_id: str) -> ModuleType:
    for fmt in FORMATS:
        if fmt.FORMAT_ID == format_id:
            return fmt
    raise ModelsError(
        UNSUPPORTED_TYPE,
        f"format {format_id!r} is not supported by this version of jupyterlab-models",
    )


def supported_types() -> list[str]:
    return [path for fmt in FORMATS for path in fmt.TYPES]


def libraries_available() -> dict[str, bool]:
    """Which supported libraries are importable, found without importing them."""
    return {fmt.LIBRARY: importlib.util.find_spec(fmt.LIBRARY) is not None for fmt in FORMATS}


def import_library(module: str, pip_package: str) -> ModuleType:
    """Import a library a format needs to load, or fail with `library_missing`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelsError(
            LIBRARY_MISSING,
            f"loading this model needs {module!r}, which is not importable in this Python "
            f"({exc}); install it with: pip install {pip_package}",
        ) from exc


def installed_versions() -> dict[str, str]:
    """Installed versions of every supported library (from package metadata: no import)."""
    versions: dict[str, str] = {}
    for fmt in FORMATS:
        versions.update(fmt.library_versions())
    return versions


def version_warnings(info: Any, fmt: ModuleType) -> list[str]:
    """Warnings when the installed library is older than, or of another major version
    than, the one that saved the model (compared on the leading numeric parts)."""
    installed = fmt.library_versions()
    notes = []
    for dist, saved in info.library_versions.items():
        current = installed.get(dist)
        if current is None or current == saved:
            continue
        installed_v, saved_v = _numeric(current), _numeric(saved)
        if installed_v[:1] != saved_v[:1]:
            notes.append(
                f"{dist} {saved} saved this model but {current} is installed (another major "
                "version): it may not load or predict the same"
            )
        elif installed_v < saved_v:
            notes.append(
                f"{dist} {saved} saved this model but the older {current} is installed: "
                f"upgrade with pip install -U {dist} if it misbehaves"
            )
    return notes


def _numeric(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("+")[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def distribution_versions(*distributions: str) -> dict[str, str]:
    """Installed versions of the given distributions (missing ones are left out).

    Every save (manifest) and load (version warnings) asks, and reading a distribution's
    metadata costs ~0.5 ms (more on a busy machine), so a version found is remembered with
    the directory it was found in (a site-packages): installing, upgrading or removing a
    distribution there adds or removes a `.dist-info` directory, which changes the directory's
    mtime, and the version is then looked up again. A distribution that is not found is looked
    up at every call (cheap: importlib.metadata keeps directory listings), so one installed
    later is seen. Not seen: the same distribution installed later into a directory that comes
    earlier on `sys.path` than the one it was found in."""
    path = tuple(sys.path)
    versions = {}
    for name in distributions:
        version = _installed_version(name, path)
        if version is not None:
            versions[name] = version
    return versions


# {distribution: (sys.path, the directory it was found in, that directory's stamp, version)}
# A stamp is storage.path_stamp's: None for a directory changed in the last 2 s (not trusted).
_FOUND: dict[str, tuple[tuple[str, ...], str, Stamp, str]] = {}


def _installed_version(name: str, path: tuple[str, ...]) -> str | None:
    hit = _FOUND.get(name)
    if hit is not None and hit[0] == path and path_stamp(hit[1]) == hit[2]:
        return hit[3]
    from importlib import metadata  # not at the top: it is slow to import

    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        _FOUND.pop(name, None)
        return None
    version = dist.version
    try:
        where = os.fspath(dist.locate_file(""))
    except Exception:  # a distribution found by another kind of finder: not remembered
        where = None
    # A change after the metadata was read gives the directory a fresh mtime: not trusted.
    stamp = path_stamp(where) if where is not None else None
    if isinstance(version, str) and stamp is not None:
        _FOUND[name] = (path, where, stamp, version)
    else:
        _FOUND.pop(name, None)
    return version if isinstance(version, str) else None


# Values a format keeps in `extra` (estimator parameters, class labels) must survive JSON
# exactly. Lists, str/int/float/bool/None stay as they are; a dict becomes {"dict": [[k, v]...]}
# (keys may be ints, e.g. class_weight) and a tuple {"tuple": [...]}, so that decoding gives back
# the same types. Anything else is refused: there is no pickle fallback.


def encode_value(value: Any, where: str) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise _unencodable(where, f"the non-finite number {value}")
        return value
    # numpy scalars (np.int64(3), np.str_("a")...) become their Python value
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        return encode_value(value.item(), where)
    if isinstance(value, list):
        return [encode_value(item, where) for item in value]
    if isinstance(value, tuple):
        return {"tuple": [encode_value(item, where) for item in value]}
    if isinstance(value, dict):
        return {
            "dict": [[encode_value(k, where), encode_value(v, where)] for k, v in value.items()]
        }
    raise _unencodable(where, f"a value of type {class_path(type(value))}")


def decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if isinstance(value, dict):
        if "tuple" in value:
            return tuple(decode_value(item) for item in value["tuple"])
        return {decode_value(k): decode_value(v) for k, v in value["dict"]}
    return value


def _unencodable(where: str, what: str) -> ModelsError:
    return ModelsError(
        UNSUPPORTED_TYPE,
        f"{where} is {what}, which cannot be stored as JSON (models are never pickled)",
    )


# Registered last: the format modules import the helpers above. They are tiny and import no
# library, so loading them here keeps detection free of imports.
# Order matters: the first format that accepts a type is its default. Specific libraries come
# before generic ones (LightGBM/XGBoost/CatBoost estimators are scikit-learn estimators too,
# Keras models before TensorFlow modules, "pt" before the opt-in "pt2").
from . import (  # noqa: E402
    catboost,
    catboost_pool,
    keras,
    lightgbm,
    onnx,
    skops,
    tensorflow,
    torch,
    torch_export,
    xgboost,
)

FORMATS: tuple[ModuleType, ...] = (
    catboost,
    catboost_pool,
    lightgbm,
    xgboost,
    keras,
    tensorflow,
    torch,
    torch_export,
    onnx,
    skops,
)
