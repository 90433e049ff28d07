"""The manifest of one stored model version (`manifest.json`), as the `ModelInfo` dataclass.

The manifest is written last when a model is saved and is the only thing `list()` trusts, so
`from_dict` validates it strictly: a manifest that fails here makes its version invisible.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone
from typing import Any, NoReturn

from .protocol import INTEGRITY, ModelsError

SCHEMA_VERSION = 1

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    schema_version: int
    name: str
    version: int
    description: str
    library: str
    type: str
    format: str
    files: list[dict[str, Any]]  # [{"path": relative POSIX path, "size": int, "sha256": hex}]
    size_bytes: int
    created_at: str  # UTC, ISO 8601 with a trailing Z
    user: str
    notebook: str | None
    variable: str | None
    python_version: str
    library_versions: dict[str, str]
    extra: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> ModelInfo:
        """Validate a parsed manifest; raises ModelsError("integrity") saying what is wrong."""
        if not isinstance(data, dict):
            _invalid("it is not a JSON object")
        if data.get("schema_version") != SCHEMA_VERSION:
            _invalid(
                f"unknown schema_version {data.get('schema_version')!r} "
                f"(this version of jupyterlab-models reads {SCHEMA_VERSION})"
            )
        missing = [name for name in _FIELD_TYPES if name not in data]
        if missing:
            _invalid(f"missing fields: {', '.join(missing)}")
        for name, types in _FIELD_TYPES.items():
            value = data[name]
            # bool is an int subclass, but never a valid int field here
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                _invalid(f"field {name!r} has the wrong type ({type(value).__name__})")
        if data["version"] < 1:
            _invalid("version must be at least 1")
        _check_created_at(data["created_at"])
        files = [_check_file(entry) for entry in data["files"]]
        if sum(entry["size"] for entry in files) != data["size_bytes"]:
            _invalid("size_bytes is not the sum of the file sizes")
        values = {name: data[name] for name in _FIELD_TYPES}
        values["files"] = files
        return cls(**values)


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "schema_version": (int,),
    "name": (str,),
    "version": (int,),
    "description": (str,),
    "library": (str,),
    "type": (str,),
    "format": (str,),
    "files": (list,),
    "size_bytes": (int,),
    "created_at": (str,),
    "user": (str,),
    "notebook": (str, type(None)),
    "variable": (str, type(None)),
    "python_version": (str,),
    "library_versions": (dict,),
    "extra": (dict,),
}
assert tuple(_FIELD_TYPES) == tuple(f.name for f in dataclasses.fields(ModelInfo))


def utc_now() -> str:
    """The current time as stored in `created_at`, e.g. 2024-05-01T12:00:00.123Z."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _invalid(reason: str) -> NoReturn:
    raise ModelsError(INTEGRITY, f"invalid manifest: {reason}")


def _check_created_at(value: str) -> None:
    try:
        if not value.endswith("Z"):
            raise ValueError
        datetime.fromisoformat(value[:-1])
    except ValueError:
        _invalid(f"created_at {value!r} is not a UTC ISO 8601 time ending in Z")


def _check_file(entry: object) -> dict[str, Any]:
    if not isinstance(entry, dict) or set(entry) != {"path", "size", "sha256"}:
        _invalid("each file must be an object with exactly path, size and sha256")
    path, size, sha256 = entry["path"], entry["size"], entry["sha256"]
    if not isinstance(path, str) or not path:
        _invalid("a file path must be a non-empty string")
    # Paths are relative POSIX paths inside the version directory: nothing that could escape it.
    if path.startswith("/") or "\\" in path or ":" in path:
        _invalid(f"file path {path!r} must be a relative POSIX path")
    if any(part in ("", ".", "..") for part in path.split("/")):
        _invalid(f"file path {path!r} must not contain '..', '.' or empty parts")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        _invalid(f"file {path!r} has an invalid size")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        _invalid(f"file {path!r} has an invalid sha256")
    return {"path": path, "size": size, "sha256": sha256}
